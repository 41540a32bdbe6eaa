"""The kabupaten's roll-up over 31 offices (the offices bench's database, bench/out):
what /kabupaten computes when every office's line is cached (a view after no change),
after one office's data moved (one line recomputed), and cold (every line), against an
anchor measured in the same run: one office's dashboard figures for the same period.

    python -m bench.kabupaten [--db bench/out/office-spread.db] [--repeat 11]

Run `python -m bench.offices` first to build the database (or point --db at one).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bench.offices import TODAY, dashboard
from core.config import load_settings
from core.db import make_engine, upgrade
from core.domain.periods import Period
from core.models import Office
from core.scope import for_office
from core.services.kabupaten.rollup import OfficeFigures, kabupaten_rollup

PERIOD = Period.quarter(TODAY.year, 2)


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    action()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=Path("bench/out/office-spread.db"))
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()
    settings = load_settings(_env_file=None, DATABASE_URL=f"sqlite:///{args.db}")
    engine = make_engine(settings.database_url)
    upgrade(engine, settings=settings)
    kept: dict[tuple[int, tuple[int, ...]], OfficeFigures] = {}
    first_office_only = {"skip": 0}

    def cached(office: Office, stamp: tuple[int, ...], compute: Callable[[], Any]) -> Any:
        key = (office.id or 0, stamp)
        if key not in kept or office.id == first_office_only["skip"]:
            kept[key] = compute()
        return kept[key]

    def rollup(cache: Any) -> Callable[[], object]:
        def run() -> object:
            with Session(engine) as session:
                return kabupaten_rollup(session, settings, PERIOD, TODAY, cache)

        return run

    def anchor() -> object:
        with Session(engine) as session:
            return dashboard(for_office(session, 1), settings)

    anchor_ms = _median_ms(anchor, args.repeat)
    cold_ms = _median_ms(rollup(lambda office, stamp, compute: compute()), max(3, args.repeat // 3))
    warm_ms = _median_ms(rollup(cached), args.repeat)
    first_office_only["skip"] = 1  # office #1's line recomputed on every view, as after a change
    one_ms = _median_ms(rollup(cached), args.repeat)
    print(f"kabupaten roll-up, {PERIOD}, medians (anchor: office #1's dashboard figures)")
    for label, ms in (
        ("every line cached", warm_ms),
        ("one office changed", one_ms),
        ("cold (every line)", cold_ms),
    ):
        print(f"{label:<22}{ms:>10.1f} ms{ms / anchor_ms:>8.2f}x anchor ({anchor_ms:.1f} ms)")
    engine.dispose()


if __name__ == "__main__":
    main()
