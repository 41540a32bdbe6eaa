"""An office's IKU for any period, each with target and capaian.

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
from fractions import Fraction

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, col, select

from core.config import Settings
from core.domain.capaian import Direction, UndefinedCapaian, capaian, capaian_band, is_achieved
from core.domain.complaints import IKU4_EXCLUDED_STATES, IKU4_SETTLED_STATES
from core.domain.numbers import percentage, round_half_up
from core.domain.performance import ActivityStatus, IndicatorKind
from core.domain.periods import Period
from core.domain.sakip import predikat_for_score
from core.models import Activity, Complaint, Document, IkuTarget, ProgramIndicator, SakipEvaluation
from core.scope import office_of
from core.services.performance.iku_entries import entered_value
from core.services.performance.iku_set import ChosenIku, office_set
from core.services.performance.iku_values import STATUS_WORDS as STATUS_WORDS
from core.services.performance.iku_values import IkuReport as IkuReport
from core.services.performance.iku_values import IkuStatus as IkuStatus
from core.services.performance.iku_values import IkuValue as IkuValue
from core.services.survey.skm import ikm_for_period
from core.timeutil import utc_bounds


def ratio_value(
    kind: IndicatorKind, numerator: int, denominator: int, note: str | None = None
) -> IkuValue:
    share = percentage(numerator, denominator)
    return IkuValue(
        kind=kind,
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
        IndicatorKind.DOCUMENTS,
        Decimal(count) if count else None,
        "dokumen",
        numerator=count,
        note=note,
    )


def ikm_value(session: Session, period: Period) -> IkuValue:
    result = ikm_for_period(session, period)
    note = grade = None
    if result.ikm is not None and result.mutu is not None:
        note = f"{result.respondents} responden, mutu {result.mutu}, kinerja {result.kinerja}"
        grade = f"{result.mutu.value} ({result.kinerja})"
    return IkuValue(
        IndicatorKind.IKM,
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
    return ratio_value(IndicatorKind.ACTIVITIES, int(done or 0), int(planned))


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
    return ratio_value(IndicatorKind.TRANTIB, int(done or 0), int(received))


def sakip_value(session: Session, period: Period) -> IkuValue:
    evaluation = session.get(SakipEvaluation, (office_of(session), period.end.year))
    if evaluation is None or evaluation.deleted_at is not None:
        return IkuValue(IndicatorKind.SAKIP, None, "nilai SAKIP")
    predikat = predikat_for_score(evaluation.score)
    return IkuValue(
        IndicatorKind.SAKIP,
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
            IndicatorKind.PROGRAMS,
            None,
            "%",
            denominator=len(lines) or None,
            unmeasured=tuple(unmeasured),
        )
    achieved = sum(1 for line in lines if line.achieved)
    note = None
    if unmeasured:
        note = f"{len(unmeasured)} indikator belum ada realisasi: {'; '.join(unmeasured)}"
    return replace(
        ratio_value(IndicatorKind.PROGRAMS, achieved, len(lines), note),
        unmeasured=tuple(unmeasured),
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
        direction=target.direction if target else value.direction,
        capaian=achieved,
        status=status,
        quarter_target=quarter_target,
        quarter_capaian=quarter_achieved,
        band=capaian_band(judged, bands) if judged is not None else None,
    )


def targets_for(session: Session, year: int) -> dict[str, IkuTarget]:
    """The year's targets by the office's numbering."""
    return {
        t.iku: t
        for t in session.exec(
            select(IkuTarget).where(IkuTarget.year == year, col(IkuTarget.deleted_at).is_(None))
        )
    }


def judged(
    period: Period, values: list[IkuValue], targets: dict[str, IkuTarget], settings: Settings
) -> IkuReport:
    quarter, bands = period.quarter_number, settings.bands
    return IkuReport(period, [_with_target(v, targets.get(v.code), quarter, bands) for v in values])


def as_chosen(value: IkuValue, chosen: ChosenIku) -> IkuValue:
    """A computed figure as the office reports it: its number, wording, unit, polarity."""
    indicator = chosen.indicator
    return replace(
        value,
        code=chosen.label,
        name=chosen.name,
        indicator=indicator.code,
        reworded=chosen.reworded,
        unit=indicator.unit if indicator.kind is IndicatorKind.ENTERED else value.unit,
        direction=indicator.direction,
    )


def kind_value(session: Session, settings: Settings, period: Period, chosen: ChosenIku) -> IkuValue:
    """One IKU's value for the period, found the way its indicator says."""
    match chosen.kind:
        case IndicatorKind.DOCUMENTS:
            return documents_value(session, period)
        case IndicatorKind.IKM:
            return ikm_value(session, period)
        case IndicatorKind.ACTIVITIES:
            return activities_value(session, period)
        case IndicatorKind.TRANTIB:
            return complaints_value(session, settings, period)
        case IndicatorKind.SAKIP:
            return sakip_value(session, period)
        case IndicatorKind.PROGRAMS:
            return indicators_value(session, period)
    found = entered_value(session, period, chosen.label, chosen.indicator.accumulation)
    return IkuValue(IndicatorKind.ENTERED, found.value, chosen.indicator.unit, note=found.note)


def iku_for_period(session: Session, settings: Settings, period: Period) -> IkuReport:
    """The office's IKU, in its set's order; targets are annual, taken from the year in
    which the period ends."""
    values = [
        as_chosen(kind_value(session, settings, period, chosen), chosen)
        for chosen in office_set(session)
    ]
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
