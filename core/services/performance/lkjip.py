"""The figures of a LKjIP's Bab III beyond the period's own IKU: the year by triwulan,
the same period in earlier years, the Renstra end-of-period targets and the gap to them,
and for the SKM the answers per unsur and the index over earlier periods.

Every IKU figure here is `iku_for_period`'s for its period, so the triwulan table and the
comparison print what the dashboard and the triwulan reports print for the same period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.config import Settings
from core.domain.capaian import Direction, UndefinedCapaian, capaian, is_achieved
from core.domain.numbers import round_half_up
from core.domain.periods import Period
from core.domain.skm import IkmResult, Unsur, UnsurTally
from core.lkjip_models import RenstraTarget
from core.models import IkuTarget, SkmDailyTotal
from core.services.performance.iku import IkuReport, IkuValue, iku_for_period, year_earlier
from core.services.survey.skm import ikm_for_period

EARLIER_YEARS = 3  # how far back the comparison looks for years kept in Sigap
EARLIER_QUARTERS = 4  # the SKM trend of a triwulan: the four before it


def period_label(period: Period) -> str:
    """``2026``, ``TW II 2026`` or ``01-03-2026 s.d. 17-03-2026``: a column's heading."""
    if period.is_whole_year:
        return str(period.start.year)
    quarter = period.quarter_number
    if quarter is not None:
        return f"TW {['I', 'II', 'III', 'IV'][quarter - 1]} {period.start.year}"
    return f"{period.start:%d-%m-%Y} s.d. {period.end:%d-%m-%Y}"


# -- the year by triwulan ---------------------------------------------------------------


@dataclass(frozen=True)
class QuarterFigures:
    """The six IKU of one triwulan; ``report`` is None for a triwulan not yet begun."""

    quarter: int
    period: Period
    report: IkuReport | None

    def value(self, code: str) -> IkuValue | None:
        """None where there is nothing to print: not begun, or an annual IKU."""
        found = self.report.find(code) if self.report is not None else None
        return None if found is None or found.kind.annual else found


def year_targets(session: Session, year: int) -> dict[str, IkuTarget]:
    """The Perjanjian Kinerja's targets of the year, with their triwulan targets: known
    before a triwulan begins, so its row can show the target beside an empty realisation."""
    rows = session.exec(
        select(IkuTarget).where(IkuTarget.year == year, col(IkuTarget.deleted_at).is_(None))
    ).all()
    return {row.iku: row for row in rows}


def quarter_course(
    session: Session, settings: Settings, year: int, today: date
) -> list[QuarterFigures]:
    """TW I to TW IV of ``year``, each exactly as a triwulan report computes it (IKU1
    cumulative from 1 January; IKU2, IKU3, IKU4 the triwulan's own)."""
    course = []
    for quarter in range(1, 5):
        period = Period.quarter(year, quarter)
        begun = period.start <= today
        report = iku_for_period(session, settings, period) if begun else None
        course.append(QuarterFigures(quarter, period, report))
    return course


# -- earlier years ----------------------------------------------------------------------


def earlier_reports(
    session: Session, settings: Settings, period: Period, back: int = EARLIER_YEARS
) -> list[IkuReport]:
    """The same period in each of the ``back`` years before, oldest first, keeping only
    the years Sigap holds any IKU value for (an empty year is not a comparison)."""
    found, earlier = [], period
    for _ in range(back):
        earlier = year_earlier(earlier)
        report = iku_for_period(session, settings, earlier)
        if any(v.value is not None for v in report.indicators):
            found.append(report)
    return list(reversed(found))


def change(current: Decimal | None, before: Decimal | None) -> Decimal | None:
    """Realisation now minus before, in the indicator's unit; none without both."""
    return None if current is None or before is None else current - before


# -- the Renstra ------------------------------------------------------------------------


@dataclass(frozen=True)
class RenstraLine:
    """One IKU's realisation against the target of the Renstra that covers the year."""

    value: IkuValue
    renstra: RenstraTarget | None

    @property
    def gap(self) -> Decimal | None:
        """Realisation minus the Renstra target: below zero, still short of it (for an
        indicator where higher is better; the other way round where lower is)."""
        if self.renstra is None or self.value.value is None:
            return None
        return self.value.value - self.renstra.target

    @property
    def capaian(self) -> Decimal | None:
        if self.renstra is None or self.value.value is None:
            return None
        try:
            ratio = capaian(Fraction(self.value.value), self.renstra.target, self.direction)
        except UndefinedCapaian:  # a Renstra target of 0: no ratio, said as none
            return None
        return round_half_up(ratio)

    @property
    def direction(self) -> Direction:
        return self.renstra.direction if self.renstra else Direction.HIGHER_IS_BETTER

    @property
    def reached(self) -> bool | None:
        if self.renstra is None or self.value.value is None:
            return None
        return is_achieved(self.value.value, self.renstra.target, self.direction)


def renstra_lines(session: Session, report: IkuReport) -> list[RenstraLine]:
    """Per IKU, the Renstra whose period covers the report's year: the earliest one
    ending in that year or later (a Renstra already ended says nothing of this year)."""
    year = report.period.end.year
    rows = session.exec(
        select(RenstraTarget)
        .where(RenstraTarget.end_year >= year, col(RenstraTarget.deleted_at).is_(None))
        .order_by(col(RenstraTarget.end_year).desc())
    ).all()
    covering = {row.iku: row for row in rows}  # the earliest end year wins
    return [RenstraLine(value, covering.get(value.code)) for value in report.indicators]


# -- the SKM ----------------------------------------------------------------------------


def unsur_tallies(session: Session, period: Period) -> dict[Unsur, UnsurTally]:
    """Per unsur, the sum of its scores and how many answered it: an auditor re-counts
    each NRR (sum / answers) from these two."""
    columns = []
    for unsur in Unsur:
        for kind in ("sum", "n"):
            column = getattr(SkmDailyTotal, f"{unsur.field}_{kind}")
            columns.append(func.coalesce(func.sum(column), 0))
    row = session.execute(
        select(*columns).where(col(SkmDailyTotal.tanggal).between(period.start, period.end))
    ).one()
    return {
        unsur: UnsurTally(int(row[2 * i]), int(row[2 * i + 1])) for i, unsur in enumerate(Unsur)
    }


def _earlier_skm_periods(period: Period) -> list[Period]:
    """Newest first: a triwulan's four before it; a year's (or a range's) same period in
    the three years before."""
    by_quarter = period.quarter_number is not None
    found, earlier = [], period
    for _ in range(EARLIER_QUARTERS if by_quarter else EARLIER_YEARS):
        if by_quarter:
            day = date.fromordinal(earlier.start.toordinal() - 1)  # the triwulan before's end
            earlier = Period.quarter(day.year, (day.month - 1) // 3 + 1)
        else:
            earlier = year_earlier(earlier)
        found.append(earlier)
    return found


def skm_trend(session: Session, period: Period) -> list[tuple[Period, IkmResult]]:
    """The IKM of earlier periods that had respondents, then the period's own, oldest
    first: the trend an SKM report sets its result against."""
    earlier = [(p, ikm_for_period(session, p)) for p in _earlier_skm_periods(period)]
    kept = [(p, result) for p, result in earlier if result.respondents]
    return [*reversed(kept), (period, ikm_for_period(session, period))]
