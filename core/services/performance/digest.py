"""The weekly digest's figures: the six IKU so far this year and their change in a week,
the week's complaints, the SKM so far, activities, and what awaits the Camat's decision.

Every IKU figure is `iku_for_period` itself, so the digest can never disagree with the
IKU report for the same dates. The complaints are the week as it stood at its end (states
read back from their history), whenever the digest is made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session, col, func, select

from core.config import Settings
from core.domain.performance import ActivityStatus, IndicatorKind
from core.domain.periods import Period
from core.domain.skm import IkmResult
from core.models import Activity
from core.services.complaints.history import week_counts
from core.services.complaints.stats import ComplaintLine, overdue_list
from core.services.performance.iku import (
    IkuReport,
    IkuStatus,
    IkuValue,
    activities_value,
    iku_for_period,
)
from core.services.survey.skm import ikm_for_period
from core.timeutil import local_midnight, utcnow

OLDEST_OVERDUE_SHOWN = 5


@dataclass(frozen=True)
class IkuChange:
    current: IkuValue
    previous: IkuValue | None

    @property
    def change(self) -> Decimal | None:
        if self.previous is None or self.current.value is None or self.previous.value is None:
            return None
        return self.current.value - self.previous.value


@dataclass(frozen=True)
class Attention:
    """Something for the Camat to decide; ``kind`` names its message in the templates."""

    kind: str  # below_target | no_target | target_zero | overdue | activity_unreported
    subject: str
    figure: Decimal | int | None = None


@dataclass
class WeeklyDigest:
    week: Period
    year_to_date: Period
    iku: list[IkuChange]
    complaints: dict[str, int]
    oldest_overdue: list[ComplaintLine]
    overdue_total: int
    skm: IkmResult
    activities_held: int
    activities_planned: int
    attention: list[Attention] = field(default_factory=list)


def week_before(today: date) -> Period:
    """The last full Monday–Sunday week before ``today``."""
    last_sunday = today - timedelta(days=today.weekday() + 1)
    return Period(last_sunday - timedelta(days=6), last_sunday)


def weekly_digest(
    session: Session, settings: Settings, today: date, week: Period | None = None
) -> WeeklyDigest:
    """The digest of ``week`` (by default the full week before ``today``), as it stood
    at the week's end: open and overdue complaints in the states they then had, overdue
    meaning due on or before its last day."""
    if week is None:
        week = week_before(today)
    today = min(today, week.end + timedelta(days=1))  # a week not over: as it stands now
    ytd = Period(date(week.end.year, 1, 1), week.end)
    current = iku_for_period(session, settings, ytd)
    before = week.end - timedelta(days=7)
    previous: IkuReport | None = None
    if before >= ytd.start:
        previous = iku_for_period(session, settings, Period(ytd.start, before))
    end = local_midnight(week.end + timedelta(days=1), settings.tz)
    as_of = end if end <= utcnow() else None
    overdue = overdue_list(session, settings, today, limit=OLDEST_OVERDUE_SHOWN, as_of=as_of)
    activities = current.of_kind(IndicatorKind.ACTIVITIES) or activities_value(session, ytd)
    return WeeklyDigest(
        week=week,
        year_to_date=ytd,
        iku=[IkuChange(v, previous.find(v.code) if previous else None) for v in current.indicators],
        complaints=week_counts(session, settings, week),
        oldest_overdue=overdue.lines,
        overdue_total=overdue.total,
        skm=ikm_for_period(session, ytd),
        activities_held=activities.numerator or 0,
        activities_planned=activities.denominator or 0,
        attention=_attention(session, current, overdue.total, today),
    )


def _attention(session: Session, iku: IkuReport, overdue: int, today: date) -> list[Attention]:
    items = []
    for value in iku.indicators:
        if value.status is IkuStatus.NO_TARGET:
            items.append(Attention("no_target", value.code))
        elif value.status is IkuStatus.TARGET_ZERO:
            items.append(Attention("target_zero", value.code))
        elif value.judged_capaian is not None and not value.meets_target:
            items.append(Attention("below_target", value.code, value.judged_capaian))
    if overdue:
        items.append(Attention("overdue", _label(iku, IndicatorKind.TRANTIB), overdue))
    unreported = session.exec(
        select(func.count())
        .select_from(Activity)
        .where(
            Activity.status == ActivityStatus.DIRENCANAKAN,
            col(Activity.planned_date) < today,
            col(Activity.deleted_at).is_(None),  # a deleted row leaves every figure
        )
    ).one()
    if unreported:
        items.append(
            Attention("activity_unreported", _label(iku, IndicatorKind.ACTIVITIES), unreported)
        )
    return items


def _label(iku: IkuReport, kind: IndicatorKind) -> str:
    """The office's number for the IKU found that way, or the kind where it reports none."""
    found = iku.of_kind(kind)
    return found.code if found else kind.value
