"""The six IKU of the Camat's decree for any period, each with target and capaian.

Where the office has recorded nothing for an indicator the value is "no data", never a
made-up 0: an empty register and a real zero look the same to a database, and the Camat
must not sign a zero nobody measured.

`iku_for_period` is the one place a value, its target, capaian and category are decided:
the dashboard, the IKU pages, every report format, the digest and `sigap iku --json`
all print what it returns, so no two of them can disagree on the same period.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, col, select

from core.config import Settings
from core.domain.capaian import Direction, UndefinedCapaian, capaian, capaian_band, is_achieved
from core.domain.complaints import IKU4_EXCLUDED_STATES, IKU4_SETTLED_STATES
from core.domain.numbers import percentage, round_half_up
from core.domain.performance import IKU_NAMES, ActivityStatus, IkuCode
from core.domain.periods import Period
from core.domain.sakip import predikat_for_score
from core.models import Activity, Complaint, Document, IkuTarget, ProgramIndicator, SakipEvaluation
from core.scope import office_of
from core.services.survey.skm import ikm_for_period
from core.timeutil import utc_bounds


class IkuStatus(StrEnum):
    OK = "ok"  # value and capaian
    NO_DATA = "no_data"  # nothing recorded for the period
    NO_TARGET = "no_target"  # a value, but no target set for the year
    TARGET_ZERO = "target_zero"  # target 0: capaian undefined, said so


# The category of an indicator that has no capaian, in the words every Indonesian
# surface prints (the web's English catalogue translates the status itself).
STATUS_WORDS = {
    IkuStatus.NO_DATA: "belum ada data",
    IkuStatus.NO_TARGET: "belum ada target",
    IkuStatus.TARGET_ZERO: "target 0: capaian tidak terdefinisi",
}


@dataclass(frozen=True)
class IkuValue:
    code: IkuCode
    value: Decimal | None
    unit: str
    numerator: int | None = None
    denominator: int | None = None
    note: str | None = None
    target: Decimal | None = None
    direction: Direction = Direction.HIGHER_IS_BETTER
    capaian: Decimal | None = None
    status: IkuStatus = IkuStatus.NO_DATA
    quarter_target: Decimal | None = None  # a triwulan report: the office's own, if set
    quarter_capaian: Decimal | None = None
    band: str | None = None  # the capaian band (settings) of ``judged_capaian``
    grade: str | None = None  # SKM mutu / SAKIP predikat: a quality label, not a band
    unmeasured: tuple[str, ...] = ()  # IKU6: the indicators with no realisation yet

    @property
    def name(self) -> str:
        return IKU_NAMES[self.code]

    @property
    def judged_on_quarter(self) -> bool:
        """A triwulan with the office's own (cumulative) triwulan target is judged
        against that target, as the triwulan review of the Perjanjian Kinerja is; the
        annual target and the capaian against it are shown beside it."""
        return self.quarter_capaian is not None

    @property
    def judged_target(self) -> Decimal | None:
        return self.quarter_target if self.judged_on_quarter else self.target

    @property
    def judged_capaian(self) -> Decimal | None:
        return self.quarter_capaian if self.judged_on_quarter else self.capaian

    @property
    def meets_target(self) -> bool:
        judged = self.judged_capaian
        return judged is not None and judged >= 100

    @property
    def category(self) -> str:
        """The band in words, or why there is none."""
        return self.band or STATUS_WORDS.get(self.status, "-")


@dataclass(frozen=True)
class IkuReport:
    period: Period
    indicators: list[IkuValue]

    def get(self, code: IkuCode) -> IkuValue:
        return next(i for i in self.indicators if i.code is code)

    @property
    def meeting_target(self) -> list[IkuValue]:
        return [v for v in self.indicators if v.meets_target]

    @property
    def needing_attention(self) -> list[IkuValue]:
        """A value short of its target, or one that cannot be judged for want of a
        target: what the dashboard's headline and the report's summary both name."""
        return [v for v in self.indicators if v.value is not None and not v.meets_target]

    @property
    def without_data(self) -> list[IkuValue]:
        return [v for v in self.indicators if v.value is None]


def ratio_value(
    code: IkuCode, numerator: int, denominator: int, note: str | None = None
) -> IkuValue:
    share = percentage(numerator, denominator)
    return IkuValue(
        code=code,
        value=None if share is None else round_half_up(share),
        unit="%",
        numerator=numerator,
        denominator=denominator,
        note=note,
    )


def documents_value(session: Session, period: Period) -> IkuValue:
    """For a year, the documents dated in it; for a shorter period the year-to-date
    count, since the annual target is met by the documents of the whole year so far
    (domain.md section 8)."""
    counted = period if period.is_whole_year else period.year_to_date()
    count = session.exec(
        select(func.count())
        .select_from(Document)
        .where(
            col(Document.doc_date).between(counted.start, counted.end),
            col(Document.deleted_at).is_(None),
        )
    ).one()
    note = None
    if counted != period:
        note = f"kumulatif {counted.start:%d-%m-%Y} s.d. {counted.end:%d-%m-%Y}"
    return IkuValue(
        IkuCode.IKU1, Decimal(count) if count else None, "dokumen", numerator=count, note=note
    )


def ikm_value(session: Session, period: Period) -> IkuValue:
    result = ikm_for_period(session, period)
    note = grade = None
    if result.ikm is not None and result.mutu is not None:
        note = f"{result.respondents} responden, mutu {result.mutu}, kinerja {result.kinerja}"
        grade = f"{result.mutu.value} ({result.kinerja})"
    return IkuValue(
        IkuCode.IKU2,
        result.nilai,
        "nilai IKM (25-100)",
        numerator=result.respondents or None,
        note=note,
        grade=grade,
    )


def activities_value(session: Session, period: Period) -> IkuValue:
    """Held / planned among activities planned for the period (or held in it, if
    unplanned). Held means held by the period's end: an activity of the period held
    later counts for no earlier report (as a settlement does for IKU4)."""
    in_period = or_(
        col(Activity.planned_date).between(period.start, period.end),
        and_(
            col(Activity.planned_date).is_(None),
            col(Activity.held_date).between(period.start, period.end),
        ),
    )
    held_by_end = and_(
        col(Activity.status) == ActivityStatus.TERLAKSANA,
        col(Activity.held_date) <= period.end,
    )
    held = func.sum(case((held_by_end, 1), else_=0))
    planned, done = session.execute(
        select(func.count(), held).where(in_period, col(Activity.deleted_at).is_(None))
    ).one()
    return ratio_value(IkuCode.IKU3, int(done or 0), int(planned))


def complaints_value(session: Session, settings: Settings, period: Period) -> IkuValue:
    """Settled by the period's end / received in the period (duplicates, rejects excluded)."""
    start, end = utc_bounds(period.start, period.end, settings.tz)
    settled = func.sum(
        case(
            (
                and_(
                    col(Complaint.state).in_([s.value for s in IKU4_SETTLED_STATES]),
                    col(Complaint.resolved_at) < end,
                ),
                1,
            ),
            else_=0,
        )
    )
    received, done = session.execute(
        select(func.count(), settled).where(
            col(Complaint.received_at) >= start,
            col(Complaint.received_at) < end,
            col(Complaint.state).not_in([s.value for s in IKU4_EXCLUDED_STATES]),
        )
    ).one()
    return ratio_value(IkuCode.IKU4, int(done or 0), int(received))


def sakip_value(session: Session, period: Period) -> IkuValue:
    evaluation = session.get(SakipEvaluation, (office_of(session), period.end.year))
    if evaluation is None or evaluation.deleted_at is not None:
        return IkuValue(IkuCode.IKU5, None, "nilai SAKIP")
    predikat = predikat_for_score(evaluation.score)
    return IkuValue(
        IkuCode.IKU5,
        evaluation.score.quantize(Decimal("0.01")),  # a score reads "70,00", not "70"
        "nilai SAKIP",
        note=f"predikat {predikat.code} ({predikat.interpretation})",
        grade=f"{predikat.code} ({predikat.interpretation})",
    )


@dataclass(frozen=True)
class IndicatorLine:
    """One programme indicator of the year as IKU6 counts it."""

    indicator: ProgramIndicator
    capaian: Decimal | None  # none without a realisation, or with a target of 0
    achieved: bool | None  # none: no realisation yet, which IKU6 counts as not achieved


def indicator_lines(session: Session, year: int) -> list[IndicatorLine]:
    """Every indicator of the year, in the order they were recorded."""
    indicators = session.exec(
        select(ProgramIndicator)
        .where(ProgramIndicator.year == year, col(ProgramIndicator.deleted_at).is_(None))
        .order_by(col(ProgramIndicator.id))
    ).all()
    lines = []
    for i in indicators:
        achieved = capaian_value = None
        if i.realisation is not None:
            achieved = is_achieved(i.realisation, i.target, i.direction)
            if i.target != 0:
                capaian_value = _achieved(i.realisation, i.target, i.direction)
        lines.append(IndicatorLine(i, capaian_value, achieved))
    return lines


def indicators_value(session: Session, period: Period) -> IkuValue:
    """Achieved / all indicators of the year; one without a realisation counts as not
    achieved, and the note names it, so the Camat knows whom to ask."""
    lines = indicator_lines(session, period.end.year)
    unmeasured = [line.indicator.name for line in lines if line.achieved is None]
    if len(unmeasured) == len(lines):
        return IkuValue(
            IkuCode.IKU6, None, "%", denominator=len(lines) or None, unmeasured=tuple(unmeasured)
        )
    achieved = sum(1 for line in lines if line.achieved)
    note = None
    if unmeasured:
        note = f"{len(unmeasured)} indikator belum ada realisasi: {'; '.join(unmeasured)}"
    return replace(
        ratio_value(IkuCode.IKU6, achieved, len(lines), note), unmeasured=tuple(unmeasured)
    )


def _achieved(value: Decimal, target: Decimal, direction: Direction) -> Decimal:
    return round_half_up(capaian(Fraction(value), target, direction))


def _with_target(
    value: IkuValue,
    target: IkuTarget | None,
    quarter: int | None,
    bands: tuple[tuple[Decimal, str], ...],
) -> IkuValue:
    if value.value is None:
        status = IkuStatus.NO_DATA
    elif target is None:
        status = IkuStatus.NO_TARGET
    else:
        status = IkuStatus.OK
    achieved: Decimal | None = None
    quarter_target = target.quarter_target(quarter) if target and quarter else None
    quarter_achieved: Decimal | None = None
    if value.value is not None and target is not None:
        try:
            achieved = _achieved(value.value, target.target, target.direction)
        except UndefinedCapaian:
            status = IkuStatus.TARGET_ZERO
        if quarter_target:  # 0 or none: nothing to compare with
            quarter_achieved = _achieved(value.value, quarter_target, target.direction)
    judged = quarter_achieved if quarter_achieved is not None else achieved
    return replace(
        value,
        target=target.target if target else None,
        direction=target.direction if target else Direction.HIGHER_IS_BETTER,
        capaian=achieved,
        status=status,
        quarter_target=quarter_target,
        quarter_capaian=quarter_achieved,
        band=capaian_band(judged, bands) if judged is not None else None,
    )


def targets_for(session: Session, year: int) -> dict[IkuCode, IkuTarget]:
    return {
        t.iku: t
        for t in session.exec(
            select(IkuTarget).where(IkuTarget.year == year, col(IkuTarget.deleted_at).is_(None))
        )
    }


def judged(
    period: Period, values: list[IkuValue], targets: dict[IkuCode, IkuTarget], settings: Settings
) -> IkuReport:
    quarter, bands = period.quarter_number, settings.bands
    return IkuReport(period, [_with_target(v, targets.get(v.code), quarter, bands) for v in values])


def within_year_values(session: Session, settings: Settings, period: Period) -> list[IkuValue]:
    """IKU1..IKU4: what moves within a year."""
    return [
        documents_value(session, period),
        ikm_value(session, period),
        activities_value(session, period),
        complaints_value(session, settings, period),
    ]


def annual_values(session: Session, period: Period) -> list[IkuValue]:
    """IKU5 and IKU6: one value for the year the period ends in."""
    return [sakip_value(session, period), indicators_value(session, period)]


def iku_for_period(session: Session, settings: Settings, period: Period) -> IkuReport:
    """All six IKU; targets are annual, taken from the year in which the period ends."""
    values = within_year_values(session, settings, period) + annual_values(session, period)
    return judged(period, values, targets_for(session, period.end.year), settings)


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def year_earlier(period: Period) -> Period:
    """The same period one year before: a triwulan's triwulan, a year's year, a range's
    same dates (29 February becomes the 28th)."""
    if period.is_whole_year:
        return Period.year(period.start.year - 1)
    quarter = period.quarter_number
    if quarter is not None:
        return Period.quarter(period.start.year - 1, quarter)
    return Period(_year_before(period.start), _year_before(period.end))
