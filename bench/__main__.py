"""Times `iku_for_period` and the SKM summary on a kabupaten-scale year (SQLite).

    python -m bench [--responses 1000000] [--complaints 200000] [--db bench/out/bench.db]

Prints each figure (median of repeated runs) and two ratios on the same data: to pandas
(read + groupby of the raw answers; Sigap must be faster) and to the same aggregates
written by hand against sqlite3 (the floor; Sigap must stay within 1.5x).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pandas as pd
from sqlmodel import Session

from bench.dataset import YEAR, fill_complaints, fill_registers, fill_skm
from core.config import load_settings
from core.db import make_engine, session_scope, upgrade
from core.domain.periods import Period
from core.services.performance.iku import iku_for_period
from core.services.survey.skm import skm_summary
from core.timeutil import utc_bounds

TOTAL_COLUMNS = ", ".join(f"sum(u{i}_sum), sum(u{i}_n)" for i in range(1, 10))
RAW_COLUMNS = ", ".join(f"sum(u{i}), count(u{i})" for i in range(1, 10))


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    action()  # warm caches, as a long-running process would be
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def hand_skm_summary(db: sqlite3.Connection, period: Period) -> object:
    args = (period.start.isoformat(), period.end.isoformat())
    totals = db.execute(
        f"SELECT sum(respondents), {TOTAL_COLUMNS} FROM skmdailytotal "
        "WHERE tanggal BETWEEN ? AND ?",
        args,
    ).fetchone()
    profile = db.execute(
        "SELECT dimension, value, sum(respondents) FROM skmdailyprofile "
        "WHERE tanggal BETWEEN ? AND ? GROUP BY dimension, value",
        args,
    ).fetchall()
    per_service = db.execute(
        f"SELECT s.code, sum(respondents), {TOTAL_COLUMNS} FROM skmdailytotal t "
        "JOIN service s ON s.id = t.service_id WHERE tanggal BETWEEN ? AND ? "
        "GROUP BY s.code ORDER BY s.code",
        args,
    ).fetchall()
    return totals, profile, per_service


def hand_iku(db: sqlite3.Connection, period: Period, tz_name: str) -> object:
    from zoneinfo import ZoneInfo

    days = (period.start.isoformat(), period.end.isoformat())
    start, end = (
        t.strftime("%Y-%m-%d %H:%M:%S.%f")
        for t in utc_bounds(period.start, period.end, ZoneInfo(tz_name))
    )
    return (
        db.execute("SELECT count(*) FROM document WHERE doc_date BETWEEN ? AND ?", days).fetchone(),
        db.execute(
            f"SELECT sum(respondents), {TOTAL_COLUMNS} FROM skmdailytotal "
            "WHERE tanggal BETWEEN ? AND ?",
            days,
        ).fetchone(),
        db.execute(
            "SELECT count(*), sum(status = 'terlaksana') FROM activity WHERE "
            "planned_date BETWEEN ? AND ?",
            days,
        ).fetchone(),
        db.execute(
            "SELECT count(*), sum(state IN ('selesai','bukan_wewenang') AND "
            "resolved_at < ?) FROM complaint WHERE received_at >= ? AND received_at < ? "
            "AND state NOT IN ('duplikat','ditolak')",
            (end, start, end),
        ).fetchone(),
        db.execute(
            "SELECT score FROM sakipevaluation WHERE year = ?", (period.end.year,)
        ).fetchone(),
        db.execute(
            "SELECT target, realisation, direction FROM programindicator WHERE year = ?",
            (period.end.year,),
        ).fetchall(),
        db.execute("SELECT * FROM ikutarget WHERE year = ?", (period.end.year,)).fetchall(),
    )


def raw_skm_aggregate(db: sqlite3.Connection, period: Period) -> object:
    return db.execute(
        f"SELECT count(*), {RAW_COLUMNS} FROM skmresponse WHERE tanggal BETWEEN ? AND ?",
        (period.start.isoformat(), period.end.isoformat()),
    ).fetchone()


def pandas_skm(db_path: Path, period: Period) -> object:
    with sqlite3.connect(db_path) as db:
        frame = pd.read_sql_query(
            "SELECT service_id, "
            + ", ".join(f"u{i}" for i in range(1, 10))
            + " FROM skmresponse WHERE tanggal BETWEEN ? AND ?",
            db,
            params=(period.start.isoformat(), period.end.isoformat()),
        )
    grouped = frame.groupby("service_id")
    return grouped.sum(), grouped.count()


def build(db_path: Path, responses: int, complaints: int) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{db_path}")
    upgrade(engine)
    start = time.perf_counter()
    fill_skm(engine, responses)
    skm_seconds = time.perf_counter() - start
    start = time.perf_counter()
    fill_complaints(engine, complaints)
    complaint_seconds = time.perf_counter() - start
    with session_scope(engine) as session:
        fill_registers(session)
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
    print(
        f"dataset: {responses:,} SKM responses in {skm_seconds:.1f} s "
        f"({responses / skm_seconds:,.0f}/s through record_responses), "
        f"{complaints:,} complaints in {complaint_seconds:.1f} s"
    )
    engine.dispose()


def measure(db_path: Path, repeat: int) -> bool:
    settings = load_settings(_env_file=None, DATABASE_URL=f"sqlite:///{db_path}")
    engine = make_engine(settings.database_url)
    db = sqlite3.connect(db_path)
    ok = True
    print(
        f"{'figure':<34}{'sigap':>10}{'hand sqlite3':>14}{'ratio':>8}{'pandas':>10}"
        f"{'ratio':>8}{'raw-table SQL':>15}  target"
    )
    for label, period, limit in [
        ("quarter", Period.quarter(YEAR, 2), 0.3),
        ("year", Period.year(YEAR), 1.0),
    ]:
        few = max(3, repeat // 5)
        with Session(engine) as session:
            iku_s = median_seconds(partial(iku_for_period, session, settings, period), repeat)
            skm_s = median_seconds(partial(skm_summary, session, period), repeat)
        hand_iku_s = median_seconds(partial(hand_iku, db, period, settings.timezone), repeat)
        hand_skm_s = median_seconds(partial(hand_skm_summary, db, period), repeat)
        raw_s = median_seconds(partial(raw_skm_aggregate, db, period), few)
        pandas_s = median_seconds(partial(pandas_skm, db_path, period), few)
        for name, ours, hand in [
            (f"iku_for_period ({label})", iku_s, hand_iku_s),
            (f"skm summary ({label})", skm_s, hand_skm_s),
        ]:
            within = ours < limit and ours <= 1.5 * hand and ours < pandas_s
            ok = ok and within
            print(
                f"{name:<34}{ours * 1000:>8.1f}ms{hand * 1000:>12.1f}ms{ours / hand:>7.2f}x"
                f"{pandas_s * 1000:>8.0f}ms{ours / pandas_s:>7.3f}x{raw_s * 1000:>13.0f}ms"
                f"  <{limit * 1000:.0f}ms, <=1.5x hand, <pandas: {'met' if within else 'MISSED'}"
            )
    db.close()
    engine.dispose()
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--complaints", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--db", type=Path, default=Path("bench/out/bench.db"))
    parser.add_argument("--reuse", action="store_true", help="measure an existing dataset")
    args = parser.parse_args()
    if not args.reuse:
        build(args.db, args.responses, args.complaints)
    if not measure(args.db, args.repeat):
        raise SystemExit("a target was missed")


if __name__ == "__main__":
    main()
