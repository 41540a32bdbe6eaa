"""Complaint figures for reports and reminders: recap by dimension, times, overdue lists.

Reporter identities are never read here. Rahasia complaints count in the totals, but are
never listed nor placed in a breakdown that names a desa or a category.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from core.config import Settings
from core.domain.complaints import IKU4_SETTLED_STATES, OPEN_STATES, Privacy
from core.domain.numbers import percentage, round_half_up
from core.domain.periods import Period
from core.models import Complaint
from core.services.categories import find_category, load_categories
from core.services.complaints import work_calendar
from core.timeutil import local_date, utc_bounds


@dataclass(frozen=True)
class ComplaintLine:
    """One complaint as a report may list it: no reporter, no description."""

    code: str
    category: str
    channel: str
    desa: str | None
    state: str
    received: date
    due_date: date
    days_overdue: int


@dataclass
class ComplaintRecap:
    period: Period
    received: int
    by_category: dict[str, int]
    by_channel: dict[str, int]
    by_desa: dict[str, int]
    by_state: dict[str, int]
    resolved: int
    resolved_within_level: int
    median_hours_to_acknowledge: Decimal | None
    median_hours_to_resolve: Decimal | None
    overdue: list[ComplaintLine] = field(default_factory=list)
    overdue_secret: int = 0

    @property
    def within_level_share(self) -> Decimal | None:
        share = percentage(self.resolved_within_level, self.resolved)
        return None if share is None else round_half_up(share)


def _hours(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds() / 3600


def _median(values: list[float]) -> Decimal | None:
    return round_half_up(Decimal(str(statistics.median(values)))) if values else None


def complaint_line(complaint: Complaint, today: date, settings: Settings) -> ComplaintLine:
    return ComplaintLine(
        code=complaint.code,
        category=find_category(complaint.category, settings.categories_file).name,
        channel=complaint.channel.value,
        desa=complaint.desa,
        state=complaint.state.value,
        received=local_date(complaint.received_at, settings.tz),
        due_date=complaint.due_date,
        days_overdue=max(0, (today - complaint.due_date).days),
    )


def listed_lines(
    complaints: Iterable[Complaint], today: date, settings: Settings
) -> list[ComplaintLine]:
    """The complaints a report may name: every one but the rahasia ones."""
    return [
        complaint_line(c, today, settings) for c in complaints if c.privacy is not Privacy.RAHASIA
    ]


def complaint_recap(
    session: Session, settings: Settings, period: Period, today: date
) -> ComplaintRecap:
    """Complaints received in the period, and those open past their due date on ``today``.

    Reads only the columns it needs, as tuples: a kabupaten's year is ~200,000 rows."""
    start, end = utc_bounds(period.start, period.end, settings.tz)
    rows = session.execute(
        sa.select(
            *(
                col(c)
                for c in (
                    Complaint.category,
                    Complaint.channel,
                    Complaint.desa,
                    Complaint.state,
                    Complaint.privacy,
                    Complaint.received_at,
                    Complaint.acknowledged_at,
                    Complaint.resolved_at,
                    Complaint.due_date,
                )
            )
        ).where(col(Complaint.received_at) >= start, col(Complaint.received_at) < end)
    ).all()
    names = {c.code: c.name for c in load_categories(settings.categories_file)}
    listed = [r for r in rows if r.privacy is not Privacy.RAHASIA]
    settled = [
        r
        for r in rows
        if r.state in IKU4_SETTLED_STATES and r.resolved_at is not None and r.resolved_at < end
    ]
    within = sum(1 for r in settled if local_date(r.resolved_at, settings.tz) <= r.due_date)
    acknowledged = [_hours(r.received_at, r.acknowledged_at) for r in rows]
    overdue_all = overdue_complaints(session, today)
    return ComplaintRecap(
        period=period,
        received=len(rows),
        by_category=_count(names.get(r.category, r.category) for r in listed),
        by_channel=_count(r.channel.value for r in rows),
        by_desa=_count(r.desa or "-" for r in listed),
        by_state=_count(r.state.value for r in rows),
        resolved=len(settled),
        resolved_within_level=within,
        median_hours_to_acknowledge=_median([h for h in acknowledged if h is not None]),
        median_hours_to_resolve=_median(
            [(r.resolved_at - r.received_at).total_seconds() / 3600 for r in settled]
        ),
        overdue=listed_lines(overdue_all, today, settings),
        overdue_secret=sum(1 for c in overdue_all if c.privacy is Privacy.RAHASIA),
    )


def _count(values: Iterable[str]) -> dict[str, int]:
    counted = Counter(values)
    return dict(sorted(counted.items(), key=lambda item: (-item[1], item[0])))


def overdue_complaints(session: Session, today: date) -> list[Complaint]:
    """Open complaints whose due date has passed, the longest overdue first."""
    return list(
        session.exec(
            select(Complaint)
            .where(
                col(Complaint.state).in_([s.value for s in OPEN_STATES]),
                col(Complaint.due_date) < today,
            )
            .order_by(col(Complaint.due_date), col(Complaint.id))
        ).all()
    )


@dataclass
class DeadlineList:
    """What the daily reminder tells staff on a working day."""

    today: date
    next_working_day: date
    due_soon: list[ComplaintLine]
    overdue: list[ComplaintLine]
    secret_due_soon: int = 0
    secret_overdue: int = 0


def deadlines(session: Session, settings: Settings, today: date) -> DeadlineList:
    """Open complaints due today or on the next working day, and those already overdue.

    "Tomorrow" is the next working day: on a Friday before a holiday Monday it is Tuesday,
    so nothing due over the weekend or the holiday slips between two reminders.
    """
    calendar = work_calendar(session)
    next_day = calendar.add_working_days(today, 1)
    rows = session.exec(
        select(Complaint)
        .where(
            col(Complaint.state).in_([s.value for s in OPEN_STATES]),
            col(Complaint.due_date) <= next_day,
        )
        .order_by(col(Complaint.due_date), col(Complaint.id))
    ).all()
    soon = [c for c in rows if c.due_date >= today]
    late = [c for c in rows if c.due_date < today]
    return DeadlineList(
        today=today,
        next_working_day=next_day,
        due_soon=listed_lines(soon, today, settings),
        overdue=listed_lines(late, today, settings),
        secret_due_soon=sum(1 for c in soon if c.privacy is Privacy.RAHASIA),
        secret_overdue=sum(1 for c in late if c.privacy is Privacy.RAHASIA),
    )


def week_counts(session: Session, settings: Settings, period: Period) -> dict[str, int]:
    """Received and resolved within the period, open at its end, overdue by its end."""
    start, end = utc_bounds(period.start, period.end, settings.tz)
    open_states = col(Complaint.state).in_([s.value for s in OPEN_STATES])
    conditions = {
        "received": [col(Complaint.received_at) >= start, col(Complaint.received_at) < end],
        "resolved": [
            col(Complaint.resolved_at) >= start,
            col(Complaint.resolved_at) < end,
            col(Complaint.state).in_([s.value for s in IKU4_SETTLED_STATES]),
        ],
        "open": [open_states, col(Complaint.received_at) < end],
        "overdue": [open_states, col(Complaint.due_date) < period.end],
    }
    return {
        name: session.exec(select(func.count()).select_from(Complaint).where(*where)).one()
        for name, where in conditions.items()
    }
