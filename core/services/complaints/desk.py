"""What a Camat asks first about complaints: how many are open, how many overdue, how
many were settled within their service level this month, and where (by desa).

Rahasia complaints count everywhere, but their desa is never named: they are one row of
their own in the desa table, so the table adds up to the totals above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col, func

from core.config import Settings
from core.domain.complaints import IKU4_SETTLED_STATES, OPEN_STATES, Privacy
from core.domain.numbers import percentage, round_half_up
from core.domain.periods import Period
from core.models import Complaint
from core.services.access.offices import office_profile
from core.services.complaints.stats import NO_DESA, SECRET_ROW, within_level
from core.timeutil import utc_bounds


@dataclass(frozen=True)
class DesaLine:
    desa: str  # a desa, NO_DESA, or SECRET_ROW
    received: int  # in the chosen period
    open: int  # today
    overdue: int  # today


@dataclass(frozen=True)
class ComplaintDesk:
    today: date
    period: Period
    month: Period  # the first of this month to today
    received: int
    open: int
    overdue: int
    settled_this_month: int
    settled_within_level: int
    by_desa: list[DesaLine]

    @property
    def within_level_share(self) -> Decimal | None:
        share = percentage(self.settled_within_level, self.settled_this_month)
        return None if share is None else round_half_up(share)


def _per_desa(
    session: Session, condition: sa.ColumnElement[bool], *measures: sa.ColumnElement[int]
) -> dict[str, tuple[int, ...]]:
    secret = col(Complaint.privacy) == Privacy.RAHASIA.value
    place = sa.case((secret, SECRET_ROW), else_=func.coalesce(col(Complaint.desa), NO_DESA))
    rows = session.execute(sa.select(place, *measures).where(condition).group_by(place)).all()
    return {row[0]: tuple(int(v or 0) for v in row[1:]) for row in rows}


def _is_open() -> sa.ColumnElement[bool]:
    return col(Complaint.state).in_([s.value for s in OPEN_STATES])


def _overdue_on(today: date) -> sa.ColumnElement[int]:
    """Counts, among open complaints, those whose due date has passed on ``today``."""
    return func.sum(sa.case((col(Complaint.due_date) < today, 1), else_=0))


def open_and_overdue(session: Session, today: date) -> tuple[int, int]:
    """Open complaints now, and how many of them are overdue on ``today``: the desk's
    first two figures by the same rule, in one query (/metrics asks on every scrape)."""
    row = session.execute(sa.select(func.count(), _overdue_on(today)).where(_is_open())).one()
    return int(row[0]), int(row[1] or 0)


def complaint_desk(
    session: Session, settings: Settings, period: Period, today: date
) -> ComplaintDesk:
    """Three grouped counts: received in ``period`` per desa, open and overdue today per
    desa, and this month's settlements against their due dates."""
    start, end = utc_bounds(period.start, period.end, settings.tz)
    received = _per_desa(
        session,
        sa.and_(col(Complaint.received_at) >= start, col(Complaint.received_at) < end),
        func.count(),
    )
    month = Period(today.replace(day=1), today)
    month_start, month_end = utc_bounds(month.start, month.end, settings.tz)
    # "received before the end of today" holds for every complaint counted below; said,
    # it lets the database read the period index alone (state, desa, privacy, dates)
    # instead of fetching each open or settled complaint's row: 7x faster on a year.
    received_by_now = col(Complaint.received_at) < month_end
    open_now = _per_desa(
        session, sa.and_(received_by_now, _is_open()), func.count(), _overdue_on(today)
    )
    settled = [
        received_by_now,
        col(Complaint.state).in_([s.value for s in IKU4_SETTLED_STATES]),
        col(Complaint.resolved_at) >= month_start,
        col(Complaint.resolved_at) < month_end,
    ]
    settled_count = session.execute(sa.select(func.count()).where(*settled)).scalar_one()
    return ComplaintDesk(
        today=today,
        period=period,
        month=month,
        received=sum(n for (n,) in received.values()),
        open=sum(n for n, _ in open_now.values()),
        overdue=sum(n for _, n in open_now.values()),
        settled_this_month=settled_count,
        settled_within_level=within_level(session, settings, settled) if settled_count else 0,
        by_desa=_lines(received, open_now, office_profile(session).desa),
    )


def _lines(
    received: dict[str, tuple[int, ...]],
    open_now: dict[str, tuple[int, ...]],
    every_desa: tuple[str, ...],
) -> list[DesaLine]:
    """Every desa of the kecamatan (a desa with nothing is worth seeing too), the most
    overdue first; complaints without a desa, then the rahasia ones, last."""
    names = {*every_desa, *received, *open_now}
    lines = [
        DesaLine(name, received.get(name, (0,))[0], *open_now.get(name, (0, 0))) for name in names
    ]

    def order(line: DesaLine) -> tuple[int, int, int, int, str]:
        last = {NO_DESA: 1, SECRET_ROW: 2}.get(line.desa, 0)
        return (last, -line.overdue, -line.open, -line.received, line.desa)

    return sorted(lines, key=order)
