"""Complaints as they stood at a past moment, read back from their history.

A weekly report of a June week printed in November must say what was open and overdue
at the end of that June week, not what is open today. Every move of a complaint writes
a ``ComplaintEvent`` carrying the state it moved to, so a complaint's state at a moment
is the ``to_state`` of its last event before that moment. Only complaints with an event
at or after the moment can have changed since; every other one stands as it is stored.
A complaint imported without its history and settled after the moment was, then, open.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, func

from core.config import Settings
from core.domain.complaints import IKU4_SETTLED_STATES, OPEN_STATES, ComplaintState
from core.domain.periods import Period
from core.models import Complaint, ComplaintEvent
from core.timeutil import utc_bounds

OPEN_VALUES = [s.value for s in OPEN_STATES]
SETTLED_VALUES = [s.value for s in IKU4_SETTLED_STATES]


def _changed_since(moment: datetime) -> sa.ColumnElement[bool]:
    """An event at or after the moment; or a settlement after it, which tells the same
    of a complaint imported without its history."""
    changed = sa.select(col(ComplaintEvent.complaint_id)).where(col(ComplaintEvent.at) >= moment)
    return sa.or_(col(Complaint.id).in_(changed), col(Complaint.resolved_at) >= moment)


def state_at(moment: datetime) -> sa.ColumnElement[str]:
    """The state (its stored text) each complaint had at ``moment``; a complaint changed
    since whose every event came later was, at least, received."""
    event_state = sa.type_coerce(col(ComplaintEvent.to_state), sa.String)
    before = (
        sa.select(event_state)
        .where(
            col(ComplaintEvent.complaint_id) == col(Complaint.id),
            col(ComplaintEvent.at) < moment,
            col(ComplaintEvent.to_state).is_not(None),
        )
        .order_by(col(ComplaintEvent.at).desc(), col(ComplaintEvent.id).desc())
        .limit(1)
        .correlate(Complaint)
        .scalar_subquery()
    )
    return sa.case(
        (_changed_since(moment), func.coalesce(before, ComplaintState.DITERIMA.value)),
        else_=sa.type_coerce(col(Complaint.state), sa.String),
    )


def settled_at(moment: datetime) -> sa.ColumnElement[datetime]:
    """When each complaint was last settled before ``moment`` (a move into selesai or
    bukan wewenang); for one unchanged since, its stored resolution time."""
    last = (
        sa.select(func.max(col(ComplaintEvent.at)))
        .where(
            col(ComplaintEvent.complaint_id) == col(Complaint.id),
            col(ComplaintEvent.at) < moment,
            col(ComplaintEvent.to_state).in_(SETTLED_VALUES),
            sa.or_(
                col(ComplaintEvent.from_state).is_(None),
                col(ComplaintEvent.from_state) != col(ComplaintEvent.to_state),
            ),
        )
        .correlate(Complaint)
        .scalar_subquery()
    )
    return sa.case((_changed_since(moment), last), else_=col(Complaint.resolved_at))


def week_counts(session: Session, settings: Settings, period: Period) -> dict[str, int]:
    """As the period stood at its end: received in it, settled in it (and still settled
    at its end), open at its end, and of those, overdue (due on or before its last day)."""
    start, end = utc_bounds(period.start, period.end, settings.tz)
    state = state_at(end)
    settled = settled_at(end)
    is_open = sa.and_(state.in_(OPEN_VALUES), col(Complaint.received_at) < end)
    received = sa.and_(col(Complaint.received_at) >= start, col(Complaint.received_at) < end)
    resolved = sa.and_(state.in_(SETTLED_VALUES), settled >= start, settled < end)
    overdue = sa.and_(is_open, col(Complaint.due_date) <= period.end)

    def counted(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return func.coalesce(func.sum(sa.case((condition, 1), else_=0)), 0)

    may_count = sa.or_(  # a settled or closed complaint untouched since the week: none
        col(Complaint.received_at) >= start,
        col(Complaint.state).in_(OPEN_VALUES),
        col(Complaint.resolved_at) >= start,
        _changed_since(end),
    )
    row = session.execute(
        sa.select(counted(received), counted(resolved), counted(is_open), counted(overdue))
        .select_from(Complaint)
        .where(col(Complaint.received_at) < end, may_count)
    ).one()
    return dict(zip(("received", "resolved", "open", "overdue"), map(int, row), strict=True))
