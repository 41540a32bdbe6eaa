"""One office's figures when the kabupaten's year is spread over its 31 kecamatan (SQLite).

    python -m bench.offices [--responses 1000000] [--complaints 200000] [--offices 31]
                            [--db-dir bench/out] [--repeat 21] [--reuse]

Builds two databases with the same totals: today's single-office one (bench/__main__'s
``build``: one office holds the whole year) and one where offices 2..31 are added and the
year is spread evenly over all of them, each office's share written through a session
scoped to it (services, ticket prefixes and registers of its own). Then, for office #1 in
both, through sessions scoped to it as the web back office's are, the figures a page
computes, called as the page calls them (the service functions, not the rendered page,
whose HTML is cached per state of the data): its IKU for a quarter; the dashboard's
figures for the year (the inputs stamp, the IKU, their monthly course, last year's and
the complaints desk); the queue's first page, open complaints and overdue ones, as a
viewer who may not list rahasia complaints sees it (the page, its channels and the count
withheld). The two databases are timed in turn, run by run (so drift in the machine's
load hits both alike); each figure is the median. Target: office #1 among 31 stays within
1.2x of the single office.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import time
from collections.abc import Callable
from contextlib import closing
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from bench.budget import Figure, enforce
from bench.dataset import YEAR, fill_complaints, fill_registers, fill_skm
from core.config import Settings, load_settings
from core.db import make_engine, session_scope, upgrade
from core.domain.periods import Period
from core.models import Complaint
from core.scope import for_all_offices, for_office
from core.services.access.offices import FIRST_OFFICE, add_office
from core.services.complaints.desk import complaint_desk
from core.services.complaints.queue import QueueFilter, withheld_from_queue
from core.services.performance.iku import iku_for_period, year_earlier
from core.services.performance.iku_course import monthly_course
from core.services.performance.iku_stamp import iku_inputs_stamp
from web.pages.complaints import PAGE_SIZE, overdue_first
from web.pages.dashboard import TREND_MONTHS

RATIO_LIMIT = 1.2
QUARTER = Period.quarter(YEAR, 2)
# The day the dashboard and the queue are asked on: inside the year, so this month's
# settlements and the overdue flags have data behind them.
TODAY = date(YEAR, 11, 20)
FIRST_CODE = 23  # office #1 is 35.09.23 (Mumbulsari, migration 0014)
Action = Callable[[Session, Settings], object]


def spread(total: int, parts: int) -> list[int]:
    """``total`` in ``parts`` shares as even as can be (the first take the remainder)."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _prefix(number: int) -> str:
    """A distinct three-letter ticket prefix per office (office #1 keeps MBS)."""
    return f"K{chr(65 + number // 26)}{chr(65 + number % 26)}"


def add_offices(session: Session, offices: int) -> list[int]:
    """Offices 2..``offices`` beside office #1: codes 35.09.01.. (23 is office #1's)."""
    codes = [c for c in range(1, 100) if c != FIRST_CODE]
    ids = [FIRST_OFFICE]
    for number, code in zip(range(2, offices + 1), codes, strict=False):
        desa = tuple(f"Desa {number:02d}-{k}" for k in range(1, 9))
        office = add_office(
            session, f"35.09.{code:02d}", f"Kecamatan Uji {number:02d}", _prefix(number), desa
        )
        ids.append(office.id or 0)
    return ids


def build_offices(db_path: Path, responses: int, complaints: int, offices: int) -> None:
    """The same totals as the single-office database, spread evenly over ``offices``."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{db_path}")
    upgrade(engine)
    start = time.perf_counter()
    with session_scope(engine) as session:
        ids = add_offices(for_all_offices(session), offices)
    answers, filed = spread(responses, len(ids)), spread(complaints, len(ids))
    for office, office_answers, office_filed in zip(ids, answers, filed, strict=True):
        fill_skm(engine, office_answers, seed=office, office=office)
        fill_complaints(engine, office_filed, seed=1000 + office, office=office)
        with session_scope(engine) as session:
            fill_registers(for_office(session, office))
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
    print(
        f"dataset: {responses:,} SKM responses and {complaints:,} complaints over "
        f"{len(ids)} offices in {time.perf_counter() - start:.1f} s; office #1 holds "
        f"{answers[0]:,} and {filed[0]:,}"
    )
    engine.dispose()


def iku_quarter(session: Session, settings: Settings) -> object:
    return iku_for_period(session, settings, QUARTER)


def dashboard(session: Session, settings: Settings) -> object:
    """What web.pages.dashboard computes for ?tahun=YEAR (its ``_figures``)."""
    period = Period.year(YEAR)
    return (
        iku_inputs_stamp(session),
        iku_for_period(session, settings, period),
        monthly_course(session, settings, period, last=TREND_MONTHS),
        iku_for_period(session, settings, year_earlier(period)),
        complaint_desk(session, settings, period, TODAY),
    )


def _queue_page(session: Session, wanted: QueueFilter) -> object:
    """What web.pages.complaints computes for the queue's first page: its lines, their
    channels (one read of the page's keys) and how many rahasia ones were left out."""
    rows = overdue_first(session, wanted, 0, PAGE_SIZE + 1)
    keys = [row.id for row in rows[:PAGE_SIZE]]
    channels = session.exec(
        select(Complaint.id, Complaint.channel).where(col(Complaint.id).in_(keys))
    ).all()
    return rows, channels, withheld_from_queue(session, wanted)


def queue_open(session: Session, settings: Settings) -> object:
    return _queue_page(session, QueueFilter())


def queue_overdue(session: Session, settings: Settings) -> object:
    return _queue_page(session, QueueFilter(overdue_on=TODAY))


FIGURES: dict[str, tuple[str, Action]] = {
    "iku_for_period (quarter)": ("office iku quarter ms", iku_quarter),
    "dashboard figures (year)": ("office dashboard ms", dashboard),
    "queue page 1 (open)": ("office queue ms", queue_open),
    "queue page 1 (overdue)": ("office queue overdue ms", queue_overdue),
}


class OfficeOne:
    """Office #1 of one database: each call in a fresh session scoped to it, as a web
    request's is."""

    def __init__(self, db_path: Path) -> None:
        self.settings = load_settings(_env_file=None, DATABASE_URL=f"sqlite:///{db_path}")
        self.engine = make_engine(self.settings.database_url)

    def run(self, action: Action) -> Any:
        with Session(self.engine) as session:
            return action(for_office(session, FIRST_OFFICE), self.settings)


def paired_medians(first: Callable[[], object], second: Callable[[], object], repeat: int) -> Any:
    """Median seconds of each, timed in turn (the order alternating run by run), after a
    warming call of each, as a long-running process would have made."""
    first()
    second()
    runs: tuple[list[float], list[float]] = ([], [])
    for i in range(repeat):
        order = ((first, runs[0]), (second, runs[1]))
        for action, times in order if i % 2 == 0 else order[::-1]:
            start = time.perf_counter()
            action()
            times.append(time.perf_counter() - start)
    return statistics.median(runs[0]), statistics.median(runs[1])


def measure(
    single_db: Path, offices_db: Path, repeat: int, out: Callable[[str], None] = print
) -> list[Figure]:
    """Office #1's figures in both databases, a line each, and their budget."""
    alone, among = OfficeOne(single_db), OfficeOne(offices_db)
    with closing(sqlite3.connect(offices_db)) as db:
        offices = db.execute("SELECT count(*) FROM office").fetchone()[0]
    out(f"{'figure (office #1)':<28}{'single office':>15}{f'{offices} offices':>14}{'ratio':>8}")
    figures = []
    for label, (name, action) in FIGURES.items():
        single_s, spread_s = paired_medians(
            partial(alone.run, action), partial(among.run, action), repeat
        )
        figure = Figure(name, spread_s * 1000, single_s * 1000, RATIO_LIMIT, "ratio_at_most")
        figures.append(figure)
        out(
            f"{label:<28}{single_s * 1000:>12.2f} ms{spread_s * 1000:>11.2f} ms"
            f"{figure.ratio:>7.2f}x  <= {RATIO_LIMIT:.1f}x: {'met' if figure.met else 'MISSED'}"
        )
    out(f"medians of {repeat} runs each, the two databases in turn")
    alone.engine.dispose()
    among.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--complaints", type=int, default=200_000)
    parser.add_argument("--offices", type=int, default=31)
    parser.add_argument("--db-dir", type=Path, default=Path("bench/out"))
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--reuse", action="store_true", help="measure existing databases")
    args = parser.parse_args()
    single_db, offices_db = args.db_dir / "office-single.db", args.db_dir / "office-spread.db"
    if not args.reuse:
        from bench.__main__ import build

        args.db_dir.mkdir(parents=True, exist_ok=True)
        print("single office:", end=" ")
        build(single_db, args.responses, args.complaints)
        print(f"{args.offices} offices:", end=" ")
        build_offices(offices_db, args.responses, args.complaints, args.offices)
    enforce(measure(single_db, offices_db, args.repeat))


if __name__ == "__main__":
    main()
