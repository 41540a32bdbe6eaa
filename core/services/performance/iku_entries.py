"""The value of an entered indicator (one Sigap does not compute) for a period, from the
realisations the office entered per triwulan with their evidence.

A period is judged at the latest triwulan ending within it that has been entered (the
note names it: "s.d. TW III"); without any, there is no value: a triwulan not yet entered
is unknown, not zero. A cumulative indicator adds the year's entered triwulan up to that
one (what was done so far, as its cumulative triwulan targets count); a snapshot reads
that triwulan's own value.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, col, select

from core.domain.performance import Accumulation
from core.domain.periods import Period
from core.models import IkuEntry

ROMAN = ("I", "II", "III", "IV")


@dataclass(frozen=True)
class EnteredFigure:
    value: Decimal | None
    note: str | None = None


def quarters_within(period: Period) -> list[int]:
    """The triwulan of the period's final year that end within the period."""
    year = period.end.year
    return [q for q in range(1, 5) if period.start <= Period.quarter(year, q).end <= period.end]


def year_entries(session: Session, label: str, year: int) -> dict[int, IkuEntry]:
    rows = session.exec(
        select(IkuEntry).where(
            IkuEntry.iku == label, IkuEntry.year == year, col(IkuEntry.deleted_at).is_(None)
        )
    )
    return {row.quarter: row for row in rows}


def entered_value(
    session: Session, period: Period, label: str, accumulation: Accumulation
) -> EnteredFigure:
    within = quarters_within(period)
    if not within:
        return EnteredFigure(None, "diisi per triwulan: periode ini tidak memuat akhir triwulan")
    entries = year_entries(session, label, period.end.year)
    entered = [q for q in within if q in entries]
    if not entered:
        return EnteredFigure(None, f"realisasi TW {ROMAN[within[-1] - 1]} belum diisi")
    quarter = entered[-1]
    if accumulation is Accumulation.SNAPSHOT or quarter == 1:
        return EnteredFigure(entries[quarter].value, f"realisasi TW {ROMAN[quarter - 1]}")
    missing = [ROMAN[q - 1] for q in range(1, quarter) if q not in entries]
    total = sum((entries[q].value for q in range(1, quarter + 1) if q in entries), Decimal(0))
    note = f"kumulatif TW I s.d. TW {ROMAN[quarter - 1]}"
    if missing:
        note += f"; TW {', '.join(missing)} belum diisi"
    return EnteredFigure(total, note)
