"""The SKM's per-day totals: kept in the same transaction as every response, so a
year's IKM reads about 7,000 rows instead of a million (see ``SkmDailyTotal``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table
from sqlmodel import Session

from core.domain.skm import UNSUR_FIELDS
from core.models import SkmDailyProfile, SkmDailyTotal
from core.scope import office_of
from core.services.files.upsert import add_to_counters

if TYPE_CHECKING:
    from core.services.survey.skm import SkmAnswers


# Per (day, service): respondents, then each unsur's sum and count, in UNSUR_FIELDS order.
TOTAL_COUNTERS = ["respondents"] + [f"{f}_{k}" for _, f in UNSUR_FIELDS for k in ("sum", "n")]


def add_to_daily_totals(session: Session, batch: Iterable[SkmAnswers]) -> None:
    totals: dict[tuple[date, int], list[int]] = {}
    profiles: Counter[tuple[date, int, str, str]] = Counter()
    for answers in batch:  # per stored answer: plain lists, no per-score formatting
        key = (answers.tanggal, answers.service_id)
        counts = totals.get(key)
        if counts is None:
            counts = totals[key] = [0] * len(TOTAL_COUNTERS)
        counts[0] += 1
        scores = answers.scores
        for index, (unsur, _) in enumerate(UNSUR_FIELDS):
            score = scores.get(unsur)
            if score is not None:
                counts[1 + 2 * index] += score
                counts[2 + 2 * index] += 1
        for dimension, value in answers.profile.buckets().items():
            profiles[(answers.tanggal, answers.service_id, dimension, value)] += 1
    write_daily_totals(session, totals, profiles)


def write_daily_totals(
    session: Session,
    totals: Mapping[tuple[date, int], Sequence[int]],
    profiles: Mapping[tuple[date, int, str, str], int],
) -> None:
    """Add counts to the per-day totals: ``totals`` per (day, service) in TOTAL_COUNTERS
    order, ``profiles`` per (day, service, dimension, bucket); the services are the
    session's office's."""
    office = office_of(session)
    total_rows = [
        {
            "tanggal": day,
            "service_id": sid,
            "office_id": office,
            **dict(zip(TOTAL_COUNTERS, counts, strict=True)),
        }
        for (day, sid), counts in totals.items()
    ]
    profile_rows = [
        {"tanggal": d, "service_id": s, "office_id": office, "dimension": dim, "value": v}
        | {"respondents": n}
        for (d, s, dim, v), n in profiles.items()
    ]
    by_day = ["tanggal", "service_id"]
    add_to_counters(session, table_of(SkmDailyTotal), by_day, total_rows, ["office_id"])
    add_to_counters(
        session,
        table_of(SkmDailyProfile),
        [*by_day, "dimension", "value"],
        profile_rows,
        ["office_id"],
    )


def table_of(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table
