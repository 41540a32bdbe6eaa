"""A million-row SKM file imported all or nothing, in bounded memory.

    python -m bench.skm_import [--rows 1000000] [--out bench/out]

Writes a CSV of ``rows`` answers, then times `sigap skm import` on a fresh SQLite
database (migrated, one service) and, in the same run, two anchors: the bare one (the
``csv`` module and ``executemany`` inserting the same rows, typed, into the same
migrated table in one transaction: what any import must do at least) and pandas
``read_csv`` + ``to_sql`` of the same file into another SQLite file. Wall time and peak
RSS of each process come from GNU time. Targets: within 1.5x of the bare anchor's
time, and peak RSS under 150 MB (flat in the file's size).
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
from pathlib import Path

from bench.budget import Figure, enforce
from bench.dataset import YEAR

TARGET_RSS_MB = 150
TARGET_RATIO = 1.5  # of the bare csv + executemany anchor's time
HEADER = "tanggal,layanan,u1,u2,u3,u4,u5,u6,u7,u8,u9,jam,jenis_kelamin,usia,pendidikan,saran\n"
PANDAS = """
import sys, pandas, sqlalchemy
frame = pandas.read_csv(sys.argv[1])
engine = sqlalchemy.create_engine("sqlite:///" + sys.argv[2])
frame.to_sql("skm", engine, if_exists="replace", index=False, chunksize=50_000)
print(len(frame))
"""
# The bare anchor: rows typed as the table stores them, no checks, no daily totals.
BARE = """
import csv, sqlite3, sys
from datetime import date, datetime, time, timezone
from itertools import islice
db = sqlite3.connect(sys.argv[2])
service = db.execute("select id from service where code = 'ktp'").fetchone()[0]
columns = ("office_id,service_id,tanggal,jam,u1,u2,u3,u4,u5,u6,u7,u8,u9,"
           "jenis_kelamin,usia,pendidikan,saran,source,created_at")
insert = f"insert into skmresponse ({columns}) values ({','.join('?' * 19)})"
now = datetime.now(timezone.utc).replace(tzinfo=None).isoformat(" ")
def typed(cells):
    day, _, *rest = cells
    scores = [int(c) if c else None for c in rest[:9]]
    jam, jk, usia, pendidikan, saran = rest[9:]
    return (1, service, date.fromisoformat(day).isoformat(), time.fromisoformat(jam).isoformat(),
            *scores, jk or None, int(usia) if usia else None, pendidikan or None,
            saran or None, "import", now)
count = 0
with open(sys.argv[1], newline="", encoding="utf-8") as handle:
    rows = csv.reader(handle)
    next(rows)
    while chunk := [typed(r) for r in islice(rows, 5000)]:
        db.executemany(insert, chunk)
        count += len(chunk)
db.commit()
print(count)
"""


def write_file(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER)
        for _ in range(rows):
            month, day = rng.randint(1, 12), rng.randint(1, 28)
            scores = ",".join(str(rng.choice((2, 3, 3, 4, 4))) for _ in range(9))
            handle.write(
                f"{YEAR}-{month:02d}-{day:02d},ktp,{scores},{rng.randint(8, 15):02d}:30,"
                f"{rng.choice('LP')},{rng.randint(18, 70)},SMA,Pelayanan cepat\n"
            )


def timed(command: list[str]) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, stdout) of one process, measured by GNU time."""
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M", *command], capture_output=True, text=True, check=True
    )
    seconds, kilobytes = done.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(kilobytes) / 1024, done.stdout


def measure(rows: int, out: Path) -> list[Figure]:
    out.mkdir(parents=True, exist_ok=True)
    csv_path, sigap_db, pandas_db = out / "skm-big.csv", out / "import.db", out / "pandas.db"
    bare_db = out / "bare.db"
    for db in (sigap_db, pandas_db, bare_db):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    write_file(csv_path, rows)
    env_db = f"DATABASE_URL=sqlite:///{sigap_db}"
    sigap = str(Path(sys.executable).with_name("sigap"))
    for db in (sigap_db, bare_db):
        for setup in (["db", "upgrade"], ["service", "add", "ktp", "KTP"]):
            env = f"DATABASE_URL=sqlite:///{db}"
            subprocess.run(["env", env, sigap, *setup], check=True, capture_output=True)
    seconds, rss, output = timed(["env", env_db, sigap, "skm", "import", str(csv_path)])
    assert f"{rows} jawaban SKM diimpor" in output, output
    bare_seconds, bare_rss, bare_count = timed(
        [sys.executable, "-c", BARE, str(csv_path), str(bare_db)]
    )
    assert int(bare_count) == rows, bare_count
    anchor_seconds, anchor_rss, _ = timed(
        [sys.executable, "-c", PANDAS, str(csv_path), str(pandas_db)]
    )
    size_mb = csv_path.stat().st_size / 1e6
    print(f"file: {rows:,} rows, {size_mb:.0f} MB")
    print(f"sigap skm import   {seconds:7.1f} s  peak RSS {rss:6.0f} MB")
    print(f"bare csv+executemany {bare_seconds:5.1f} s  peak RSS {bare_rss:6.0f} MB")
    print(f"pandas to_sql      {anchor_seconds:7.1f} s  peak RSS {anchor_rss:6.0f} MB")
    print(f"ratio: time {seconds / anchor_seconds:.2f}x, RSS {rss / anchor_rss:.2f}x of pandas")
    return [
        Figure("skm import seconds", seconds, bare_seconds, TARGET_RATIO, "ratio_at_most"),
        Figure("skm import peak RSS MB", rss, bare_rss, TARGET_RSS_MB, "below"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    args = parser.parse_args()
    enforce(measure(args.rows, args.out))


if __name__ == "__main__":
    main()
