"""The complaint queue as the office filters and pages it (the web back office)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import func as sa_func
from sqlalchemy import select as sa_select
from sqlalchemy import union_all
from sqlmodel import Session, col, select

from core.domain.complaints import (
    OPEN_STATES,
    Channel,
    ComplaintState,
    Privacy,
    normalise_ticket_code,
)
from core.models import Complaint, ComplaintPhoto


@dataclass(frozen=True)
class QueueFilter:
    """What the office filters the complaint queue by; empty means any."""

    states: tuple[ComplaintState, ...] = tuple(OPEN_STATES)
    category: str | None = None
    desa: str | None = None
    channel: Channel | None = None
    overdue_on: date | None = None  # only open complaints due before this day
    assigned_to: int | None = None
    code: str | None = None
    include_rahasia: bool = False


class QueueLine(NamedTuple):
    """What a line of the queue shows: read as plain values, not whole records."""

    id: int
    code: str
    received_at: datetime
    category: str
    desa: str | None
    state: ComplaintState
    due_date: date


def search_complaints(
    session: Session, wanted: QueueFilter, offset: int = 0, limit: int = 25
) -> list[QueueLine]:
    """One page of the queue, the earliest due first (so the overdue lead).

    One sub-query per state, each walking the (state, due date) index in order and
    stopping after the page, merged by (due date, id) in the same statement: a page of
    200,000 complaints reads a few dozen index entries instead of sorting every open one.
    """
    states = set(wanted.states or ComplaintState)
    if wanted.overdue_on is not None:
        states &= OPEN_STATES
    base = sa_select(*[getattr(Complaint, name) for name in QueueLine._fields])
    if wanted.code:
        normal = normalise_ticket_code(wanted.code)
        base = base.where(sa_func.replace(col(Complaint.code), "-", "").like(f"%{normal[-12:]}%"))
    if wanted.category:
        base = base.where(col(Complaint.category) == wanted.category)
    if wanted.desa:
        base = base.where(col(Complaint.desa) == wanted.desa)
    if wanted.channel:
        base = base.where(col(Complaint.channel) == wanted.channel)
    if wanted.overdue_on is not None:
        base = base.where(col(Complaint.due_date) < wanted.overdue_on)
    if wanted.assigned_to is not None:
        base = base.where(col(Complaint.assigned_staff_id) == wanted.assigned_to)
    if not wanted.include_rahasia:
        base = base.where(col(Complaint.privacy) != Privacy.RAHASIA)
    per_state = [
        base.where(col(Complaint.state) == state)
        .order_by(col(Complaint.due_date), col(Complaint.id))
        .limit(offset + limit)
        .subquery()
        .select()
        for state in sorted(states)
    ]
    if not per_state:
        return []
    merged = union_all(*per_state).subquery()
    page = sa_select(merged).order_by(merged.c.due_date, merged.c.id).offset(offset).limit(limit)
    return [QueueLine(*row) for row in session.execute(page).all()]


def photos_of(session: Session, complaint: Complaint) -> Sequence[ComplaintPhoto]:
    return session.exec(
        select(ComplaintPhoto)
        .where(ComplaintPhoto.complaint_id == complaint.id)
        .order_by(col(ComplaintPhoto.id))
    ).all()
