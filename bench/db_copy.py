"""`sigap db copy` of a kabupaten-scale year, SQLite -> PostgreSQL, against a bare copy.

    python -m bench.db_copy [--responses 1000000] [--complaints 200000] [--out bench/out]
                            [--pg postgresql://postgres@127.0.0.1:5432/test] [--reuse]

Builds the year of bench/dataset.py in SQLite (or reuses it), then times, each in its
own process measured by GNU time (wall seconds, peak RSS), into its own empty schema:

- Sigap: `sigap db copy --to URL` (migrating the target, one transaction, counts and a
  sample of rows compared, sequences set);
- the anchor: what a one-off script would do at least, the bare floor of the same move:
  the ``sqlite3`` module reading each table and psycopg's COPY writing it, in one
  transaction, into a schema migrated beforehand (not timed), sequences set, no checks.

Targets: within 1.5x of the anchor's time, and peak RSS under 200 MB (flat in the size
of the database: rows are streamed a batch at a time).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import Integer
from sqlmodel import SQLModel

import core.models  # noqa: F401  (every table, for the anchor's list)
from bench.budget import Figure, enforce
from core.db import make_engine, upgrade
from core.schema import code_head, database_revision

TARGET_RATIO = 1.5  # of the bare anchor's time
TARGET_RSS_MB = 200
PG_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
# The anchor: the same tables, in the same order, by the shortest path there is.
BARE = """
import json, sqlite3, sys, psycopg
source, target, tables = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
db = sqlite3.connect(source)
pg = psycopg.connect(target)
pg.execute("SET timezone = 'UTC'")
for seeded in ("officeiku", "officearea", "office"):  # the migration's rows, as db copy does
    pg.execute(f"DELETE FROM {seeded}")
count = 0
for name, columns, serial in tables:
    names = ", ".join(columns)
    rows = db.execute(f"SELECT {names} FROM {name}")
    with pg.cursor().copy(f"COPY {name} ({names}) FROM STDIN") as copy:
        while chunk := rows.fetchmany(5000):
            for row in chunk:
                copy.write_row(row)
            count += len(chunk)
    if serial:
        pg.execute(f"SELECT setval(pg_get_serial_sequence('{name}', '{serial}'), "
                   f"(SELECT coalesce(max({serial}), 0) FROM {name}) + 1, false)")
pg.commit()
print(count)
"""


def timed(command: list[str]) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, stdout) of one process, measured by GNU time."""
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M", *command], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")
    seconds, kilobytes = done.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(kilobytes) / 1024, done.stdout


@contextmanager
def empty_schema(server: str, migrated: bool) -> Iterator[str]:
    """A fresh schema on the server (migrated to head when asked); its URL."""
    schema = f"bench_copy_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    url = f"{server}?options=-csearch_path%3D{schema}"
    try:
        if migrated:
            engine = make_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
            upgrade(engine)
            engine.dispose()
        yield url
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def _tables() -> str:
    found = []
    for table in SQLModel.metadata.sorted_tables:
        key = list(table.primary_key.columns)
        integer = len(key) == 1 and isinstance(key[0].type, Integer)
        serial = key[0].name if integer and key[0].autoincrement is not False else None
        found.append((table.name, [c.name for c in table.columns], serial))
    return json.dumps(found)


def dataset(db: Path, responses: int, complaints: int, reuse: bool) -> None:
    from bench.__main__ import build

    if reuse and db.exists():
        engine = make_engine(f"sqlite:///{db}")
        at_head = database_revision(engine) == code_head()
        engine.dispose()
        if at_head:
            return
    build(db, responses, complaints)


def measure(db: Path, server: str) -> list[Figure]:
    sigap = str(Path(sys.executable).with_name("sigap"))
    source = f"DATABASE_URL=sqlite:///{db}"
    with empty_schema(server, migrated=False) as target:
        seconds, rss, output = timed(["env", source, sigap, "db", "copy", "--to", target])
    assert "Tersalin / copied: " in output, output
    rows = int(output.split(" tabel, ")[1].split(" baris")[0].replace(".", ""))
    with empty_schema(server, migrated=True) as target:
        bare_seconds, bare_rss, bare_count = timed(
            [sys.executable, "-c", BARE, str(db), target, _tables()]
        )
    assert int(bare_count) == rows, (bare_count, rows)
    size_mb = db.stat().st_size / 1e6
    print(f"database: {rows:,} rows, {size_mb:.0f} MB SQLite file")
    print(f"sigap db copy       {seconds:7.1f} s  peak RSS {rss:6.0f} MB")
    print(f"bare sqlite3+COPY   {bare_seconds:7.1f} s  peak RSS {bare_rss:6.0f} MB")
    return [
        Figure("db copy seconds", seconds, bare_seconds, TARGET_RATIO, "ratio_at_most"),
        Figure("db copy peak RSS MB", rss, bare_rss, TARGET_RSS_MB, "below"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--complaints", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    parser.add_argument("--pg", default=PG_SERVER, help="PostgreSQL server (a database on it)")
    parser.add_argument("--reuse", action="store_true", help="keep a dataset already built")
    args = parser.parse_args()
    db = args.out / "db-copy.db"
    dataset(db, args.responses, args.complaints, args.reuse)
    enforce(measure(db, args.pg))


if __name__ == "__main__":
    main()
