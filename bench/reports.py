"""Times the four reports on the kabupaten-scale year of `python -m bench` (SQLite).

    python -m bench.reports [--db bench/out/bench.db] [--repeat 3]

For each report (weekly digest, IKU, SKM and complaint recap for the year): the time to
gather the figures from the database ("figures"), and for each format the whole of
producing it (figures, then rendering). The target: every report in every format, PDF
included, under 3 s; "worst" is the slowest format and the ratio is that over 3 s.
Builds the dataset first if the file is missing.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from bench.dataset import YEAR
from core.config import Settings, load_settings
from core.db import make_engine
from core.domain.periods import Period
from reports import builders
from reports.model import Report
from reports.render import FORMATS, render, rows_shown

TARGET_SECONDS = 3.0
TODAY = date(YEAR + 1, 1, 5)  # the Monday after the benchmark year: its last digest
T = TypeVar("T")
KINDS = ("weekly", "iku", "skm", "complaints")


def _median(action: Callable[[], T], repeat: int) -> tuple[float, T]:
    """The median of ``repeat`` runs, the first (cold) one included."""
    start = time.perf_counter()
    result = action()
    runs = [time.perf_counter() - start]
    for _ in range(repeat - 1):
        start = time.perf_counter()
        result = action()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), result


def measure(db_path: Path, repeat: int) -> bool:
    """Each cell is one whole command's work: gather the figures, then render that one
    format (charts are drawn only when a format shows them)."""
    settings = load_settings(_env_file=None, DATABASE_URL=f"sqlite:///{db_path}")
    engine = make_engine(settings.database_url)
    period = Period.year(YEAR)
    render(_build(engine, settings, "weekly", period), "pdf")  # load fonts once, as a bot has
    header = "".join(f"{f:>9}" for f in FORMATS)
    print(f"{'report':<12}{'figures':>9}{header}    worst  ratio to 3 s")
    ok = True
    for kind in KINDS:
        figures_s, built = _median(partial(_build, engine, settings, kind, period), repeat)
        times = {
            fmt: _median(partial(_produce, engine, settings, kind, period, fmt), repeat)[0]
            for fmt in FORMATS
        }
        worst = max(times.values())
        ok = ok and worst < TARGET_SECONDS
        sizes = ", ".join(f"{fmt} {len(render(built, fmt)):,} B" for fmt in ("pdf", "xlsx"))
        print(
            f"{kind:<12}{figures_s * 1000:>7.0f}ms"
            + "".join(f"{seconds * 1000:>7.0f}ms" for seconds in times.values())
            + f"{worst:>8.2f}s{worst / TARGET_SECONDS:>8.2f}x  ({sizes})"
        )
    print(
        f"target: every report in every format under {TARGET_SECONDS:.0f} s: "
        + ("met" if ok else "MISSED")
    )
    engine.dispose()
    return ok


def _produce(engine: Engine, settings: Settings, kind: str, period: Period, fmt: str) -> bytes:
    return render(_build(engine, settings, kind, period, fmt), fmt)


def _build(
    engine: Engine, settings: Settings, kind: str, period: Period, fmt: str = "json"
) -> Report:
    """As `sigap report` builds it for ``fmt`` (a printed format loads only the start of
    a long list)."""
    with Session(engine) as session:
        return builders.build_report(
            kind, session, settings, period, TODAY, list_limit=rows_shown(fmt)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=Path("bench/out/bench.db"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.db.exists():
        from bench.__main__ import build

        build(args.db, responses=1_000_000, complaints=200_000)
    if not measure(args.db, args.repeat):
        raise SystemExit("a target was missed")


if __name__ == "__main__":
    main()
