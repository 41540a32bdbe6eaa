"""Backup and restore of the kabupaten-scale year, next to the bare tools, in one run.

    python -m bench.backup [--responses 1000000] [--complaints 200000]
                           [--out bench/out/backup] [--reuse] [--repeat 3]
                           [--pg postgresql://postgres@127.0.0.1:5432/test | --no-pg]

The year (bench/dataset.py) is built in SQLite and, when the server answers, in a fresh
PostgreSQL database. Then, each ``--repeat`` times, in separate processes:

- SQLite: `sigap backup` against the online backup API copying the same file (the
  anchor: what ``sqlite3 .backup`` does), and `sigap restore` of that archive into an
  empty database against the backup API copying the anchor's copy back;
- PostgreSQL: `sigap backup` against ``pg_dump -Fc``, and `sigap restore` into an empty
  database against ``pg_restore`` of the anchor's dump;
- SQLite again with SIGAP_BACKUP_PASSPHRASE set (encryption's cost, reported).

Sigap's time is the operation inside its process (the figure that grows with the
database; the interpreter's start-up, ~0.4 s, is printed once beside it); the anchors'
the same inside theirs, or the tool's whole run. Peak RSS of each process from GNU time.
Targets: each median within 1.5x of its anchor, peak RSS under 150 MB whatever the size.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.budget import Figure, enforce

TARGET_RATIO = 1.5
# Encrypted: scrypt's fixed 0.1 s and one AES-GCM pass that no bare tool makes; the
# anchor stays the plain copy, so the line shows the whole price of encryption.
ENCRYPTED_RATIO = 2.5
TARGET_RSS_MB = 150
PASSPHRASE = "bench passphrase, long enough"
# Sigap's side: the service `sigap backup` / `sigap restore` call, timed inside.
WORKER = """
import sys, time
from pathlib import Path
from core.config import load_settings
from core.services.operations.backup import create_backup
from core.services.operations.backup_restore import restore_backup
settings = load_settings(_env_file=None)
start = time.perf_counter()
if sys.argv[1] == "backup":
    print(create_backup(settings, Path(sys.argv[2])).path)
else:
    restore_backup(settings, Path(sys.argv[2]))
print(f"{time.perf_counter() - start:.4f}")
"""
# The anchor: SQLite's online backup API, file to file, timed inside.
SQLITE_COPY = """
import sqlite3, sys, time
start = time.perf_counter()
source, target = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
source.backup(target)
target.close(); source.close()
print(f"{time.perf_counter() - start:.4f}")
"""


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(seconds, peak RSS MB, stdout): seconds from the process's own last line when it
    prints one (time inside), else GNU time's wall clock."""
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M", *command],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed: {done.stderr.strip()[-600:]}")
    wall, kilobytes = done.stderr.strip().splitlines()[-1].split()
    lines = done.stdout.strip().splitlines()
    try:
        seconds = float(lines[-1])
    except (IndexError, ValueError):
        seconds = float(wall)
    return seconds, int(kilobytes) / 1024, done.stdout


def _reset(*paths: Path) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _office(url: str, root: Path, passphrase: str | None = None) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "SIGAP_MEDIA_DIR": str(root / "media"),
        "SIGAP_REPORTS_DIR": str(root / "reports"),
        "SIGAP_BACKUP_PASSPHRASE": passphrase or "",
    }


Run = Callable[[], tuple[float, float]]


def _median(label: str, ours: Run, anchor: Run, repeat: int, name: str) -> dict[str, float]:
    runs = [(ours(), anchor()) for _ in range(repeat)]
    sigap = statistics.median(r[0][0] for r in runs)
    bare = statistics.median(r[1][0] for r in runs)
    rss = max(r[0][1] for r in runs)
    bare_rss = max(r[1][1] for r in runs)
    print(
        f"{label:<19} sigap {sigap:7.2f} s  peak RSS {rss:4.0f} MB   "
        f"{name:<22} {bare:7.2f} s  peak RSS {bare_rss:4.0f} MB   ratio {sigap / bare:.2f}x"
    )
    return {"sigap": sigap, "anchor": bare, "rss": rss, "anchor_rss": bare_rss}


def measure_sqlite(
    db: Path, out: Path, repeat: int, passphrase: str | None = None
) -> dict[str, dict[str, float]]:
    python, archives = sys.executable, out / "archives"
    anchor_copy, anchor_back = out / "anchor-copy.db", out / "anchor-restored.db"
    restored = out / "restored"
    archive: list[Path] = []

    def backup() -> tuple[float, float]:
        _reset(archives)
        archives.mkdir(parents=True)
        env = _office(f"sqlite:///{db}", out / "unused", passphrase)
        seconds, rss, output = timed([python, "-c", WORKER, "backup", str(archives)], env)
        archive[:] = [Path(output.strip().splitlines()[0])]
        return seconds, rss

    def anchor_backup() -> tuple[float, float]:
        _reset(anchor_copy)
        seconds, rss, _ = timed([python, "-c", SQLITE_COPY, str(db), str(anchor_copy)])
        return seconds, rss

    def restore() -> tuple[float, float]:
        _reset(restored)
        restored.mkdir(parents=True)
        env = _office(f"sqlite:///{restored / 'sigap.db'}", restored, passphrase)
        seconds, rss, _ = timed([python, "-c", WORKER, "restore", str(archive[0])], env)
        return seconds, rss

    def anchor_restore() -> tuple[float, float]:
        _reset(anchor_back)
        seconds, rss, _ = timed([python, "-c", SQLITE_COPY, str(anchor_copy), str(anchor_back)])
        return seconds, rss

    kind = "sqlite enc" if passphrase else "sqlite"
    return {
        "backup": _median(f"{kind} backup", backup, anchor_backup, repeat, "anchor backup API"),
        "restore": _median(f"{kind} restore", restore, anchor_restore, repeat, "anchor backup API"),
    }


@contextmanager
def postgres_databases(server: str, count: int) -> Iterator[list[str]]:
    import psycopg
    from sqlalchemy.engine import make_url

    names = [f"sigap_bench_{uuid.uuid4().hex[:8]}" for _ in range(count)]
    with psycopg.connect(server, autocommit=True) as admin:
        for name in names:
            admin.execute(f"CREATE DATABASE {name}")
        try:
            base = make_url(server).set(drivername="postgresql+psycopg", query={})
            yield [base.set(database=n).render_as_string(hide_password=False) for n in names]
        finally:
            for name in names:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _recreate(server: str, url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")


def fill_postgres(url: str, responses: int, complaints: int) -> None:
    from bench.dataset import fill_complaints, fill_registers, fill_skm
    from core.db import make_engine, session_scope, upgrade

    engine = make_engine(url)
    start = time.perf_counter()
    upgrade(engine)
    fill_skm(engine, responses)
    fill_complaints(engine, complaints)
    with session_scope(engine) as session:
        fill_registers(session)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    print(
        f"postgresql dataset: {responses:,} responses, {complaints:,} complaints "
        f"in {time.perf_counter() - start:.1f} s"
    )


def measure_postgres(
    server: str, out: Path, repeat: int, responses: int, complaints: int
) -> dict[str, dict[str, float]]:
    from sqlalchemy.engine import make_url

    from core.services.operations.backup_db import libpq

    python, archives, dump = sys.executable, out / "pg-archives", out / "anchor.pgdump"
    with postgres_databases(server, 3) as (source, theirs, ours):
        fill_postgres(source, responses, complaints)
        archive: list[Path] = []

        def tool(url: str) -> tuple[str, dict[str, str]]:
            return libpq(make_url(url))

        def backup() -> tuple[float, float]:
            _reset(archives)
            archives.mkdir(parents=True)
            env = _office(source, out / "unused")
            seconds, rss, output = timed([python, "-c", WORKER, "backup", str(archives)], env)
            archive[:] = [Path(output.strip().splitlines()[0])]
            return seconds, rss

        def anchor_backup() -> tuple[float, float]:
            _reset(dump)
            conninfo, env = tool(source)
            seconds, rss, _ = timed(
                ["pg_dump", "-Fc", f"--file={dump}", f"--dbname={conninfo}"], env
            )
            return seconds, rss

        def restore() -> tuple[float, float]:
            _recreate(server, ours)
            _reset(out / "pg-restored")
            env = _office(ours, out / "pg-restored")
            seconds, rss, _ = timed([python, "-c", WORKER, "restore", str(archive[0])], env)
            return seconds, rss

        def anchor_restore() -> tuple[float, float]:
            _recreate(server, theirs)
            conninfo, env = tool(theirs)
            seconds, rss, _ = timed(["pg_restore", f"--dbname={conninfo}", str(dump)], env)
            return seconds, rss

        return {
            "backup": _median("pg backup", backup, anchor_backup, repeat, "anchor pg_dump -Fc"),
            "restore": _median("pg restore", restore, anchor_restore, repeat, "anchor pg_restore"),
        }


def cli_wall_seconds(db: Path, out: Path) -> float:
    """`sigap backup` as an operator types it: start-up included."""
    sigap = str(Path(sys.executable).with_name("sigap"))
    folder = out / "cli"
    _reset(folder)
    folder.mkdir(parents=True)  # `--to` names a folder that exists (a mounted disk)
    env = {**_office(f"sqlite:///{db}", out / "unused"), "SIGAP_BACKUP_DIR": str(folder)}
    start = time.perf_counter()
    subprocess.run(
        [sigap, "backup", "--to", str(folder)],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - start
    _reset(folder)
    return seconds


def figures(results: dict[str, dict[str, dict[str, float]]]) -> list[Figure]:
    """A time line per kind and step (encrypted against the same bare copy, with its
    own target), and the worst peak RSS of each step whatever the kind."""
    found = []
    for kind, steps in results.items():
        target = ENCRYPTED_RATIO if kind.endswith("enc") else TARGET_RATIO
        for step, row in steps.items():
            ms = (row["sigap"] * 1000, row["anchor"] * 1000)
            found.append(Figure(f"{kind} {step} ms", *ms, target, "ratio_at_most"))
    for step in ("backup", "restore"):
        worst = max((r[step] for r in results.values()), key=lambda r: r["rss"])
        rss = (worst["rss"], worst["anchor_rss"])
        found.append(Figure(f"{step} peak RSS MB", *rss, TARGET_RSS_MB, "below"))
    return found


def measure(
    db: Path, out: Path, repeat: int, pg: str | None, responses: int = 0, complaints: int = 0
) -> list[Figure]:
    out.mkdir(parents=True, exist_ok=True)
    print(f"sqlite database: {db.stat().st_size / 1e6:,.0f} MB")
    results = {"sqlite": measure_sqlite(db, out, repeat)}
    results["sqlite enc"] = measure_sqlite(db, out, repeat, PASSPHRASE)
    print(f"sigap backup as typed (start-up included): {cli_wall_seconds(db, out):.2f} s")
    if pg is not None:
        results["pg"] = measure_postgres(pg, out, repeat, responses, complaints)
    for path in (out / "archives", out / "restored", out / "pg-archives", out / "pg-restored"):
        _reset(path)
    return figures(results)


def _reachable(server: str) -> bool:
    import psycopg

    try:
        psycopg.connect(server, connect_timeout=3).close()
    except psycopg.Error as exc:
        print(f"postgresql: not measured ({str(exc).strip().splitlines()[0]})")
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--complaints", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=Path("bench/out/backup"))
    parser.add_argument("--reuse", action="store_true", help="keep an existing SQLite year")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--pg", default=os.environ.get("SIGAP_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
    )
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    db = args.out / "office.db"
    if not (args.reuse and db.exists()):
        from bench.__main__ import build

        build(db, args.responses, args.complaints)
    pg = None if args.no_pg or not _reachable(args.pg) else args.pg
    enforce(measure(db, args.out, args.repeat, pg, args.responses, args.complaints))


if __name__ == "__main__":
    main()
