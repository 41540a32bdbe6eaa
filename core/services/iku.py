"""The six IKU of the Camat's decree for any period, each with target and capaian.

Where the office has recorded nothing for an indicator the value is "no data", never a
made-up 0: an empty register and a real zero look the same to a database, and the Camat
must not sign a zero nobody measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, col, select

from core.config import Settings
from core.domain.capaian import Direction, UndefinedCapaian, capaian, is_achieved
from core.domain.complaints import IKU4_EXCLUDED_STATES, IKU4_SETTLED_STATES
from core.domain.numbers import percentage, round_half_up
from core.domain.performance import IKU_NAMES, ActivityStatus, IkuCode
from core.domain.periods import Period
from core.domain.sakip import predikat_for_score
from core.models import Activity, Complaint, Document, IkuTarget, ProgramIndicator, SakipEvaluation
from core.services.skm import ikm_for_period
from core.timeutil import utc_bounds


class IkuStatus(StrEnum):
    OK = "ok"  # value and capaian
    NO_DATA = "no_data"  # nothing recorded for the period
    NO_TARGET = "no_target"  # a value, but no target set for the year
    TARGET_ZERO = "target_zero"  # target 0: capaian undefined, said so


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

    @property
    def name(self) -> str:
        return IKU_NAMES[self.code]


@dataclass(frozen=True)
class IkuReport:
    period: Period
    indicators: list[IkuValue]

    def get(self, code: IkuCode) -> IkuValue:
        return next(i for i in self.indicators if i.code is code)


def _ratio(code: IkuCode, numerator: int, denominator: int, note: str | None = None) -> IkuValue:
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
    note = None
    if result.ikm is not None:
        note = f"{result.respondents} responden, mutu {result.mutu}, kinerja {result.kinerja}"
    return IkuValue(
        IkuCode.IKU2,
        result.nilai,
        "nilai IKM (25-100)",
        numerator=result.respondents or None,
        note=note,
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
    return _ratio(IkuCode.IKU3, int(done or 0), int(planned))


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
    return _ratio(IkuCode.IKU4, int(done or 0), int(received))


def sakip_value(session: Session, period: Period) -> IkuValue:
    evaluation = session.get(SakipEvaluation, period.end.year)
    if evaluation is None or evaluation.deleted_at is not None:
        return IkuValue(IkuCode.IKU5, None, "nilai SAKIP")
    predikat = predikat_for_score(evaluation.score)
    return IkuValue(
        IkuCode.IKU5,
        evaluation.score.quantize(Decimal("0.01")),  # a score reads "70,00", not "70"
        "nilai SAKIP",
        note=f"predikat {predikat.code} ({predikat.interpretation})",
    )


def indicators_value(session: Session, period: Period) -> IkuValue:
    indicators = session.exec(
        select(ProgramIndicator).where(
            ProgramIndicator.year == period.end.year, col(ProgramIndicator.deleted_at).is_(None)
        )
    ).all()
    measured = [i for i in indicators if i.realisation is not None]
    if not measured:
        return IkuValue(IkuCode.IKU6, None, "%", denominator=len(indicators) or None)
    achieved = sum(
        1
        for i in measured
        if i.realisation is not None and is_achieved(i.realisation, i.target, i.direction)
    )
    unmeasured = len(indicators) - len(measured)
    note = f"{unmeasured} indikator belum ada realisasi" if unmeasured else None
    return _ratio(IkuCode.IKU6, achieved, len(indicators), note)


def _achieved(value: Decimal, target: Decimal, direction: Direction) -> Decimal:
    return round_half_up(capaian(Fraction(value), target, direction))


def _with_target(value: IkuValue, target: IkuTarget | None, quarter: int | None) -> IkuValue:
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
    return IkuValue(
        code=value.code,
        value=value.value,
        unit=value.unit,
        numerator=value.numerator,
        denominator=value.denominator,
        note=value.note,
        target=target.target if target else None,
        direction=target.direction if target else Direction.HIGHER_IS_BETTER,
        capaian=achieved,
        status=status,
        quarter_target=quarter_target,
        quarter_capaian=quarter_achieved,
    )


def iku_for_period(session: Session, settings: Settings, period: Period) -> IkuReport:
    """All six IKU; targets are annual, taken from the year in which the period ends."""
    targets = {
        t.iku: t
        for t in session.exec(
            select(IkuTarget).where(
                IkuTarget.year == period.end.year, col(IkuTarget.deleted_at).is_(None)
            )
        )
    }
    values = [
        documents_value(session, period),
        ikm_value(session, period),
        activities_value(session, period),
        complaints_value(session, settings, period),
        sakip_value(session, period),
        indicators_value(session, period),
    ]
    quarter = period.quarter_number
    return IkuReport(period, [_with_target(v, targets.get(v.code), quarter) for v in values])
