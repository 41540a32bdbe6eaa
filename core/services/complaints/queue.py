"""The complaint queue as the office filters and pages it (the web back office)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, bindparam, func, or_, union_all
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core.domain.complaints import (
    IKU4_EXCLUDED_STATES,
    OPEN_STATES,
    Channel,
    ComplaintState,
    Privacy,
    normalise_ticket_code,
)
from core.models import Complaint, ComplaintPhoto, Resident
from core.scope import across_offices
from core.services.complaints.confidential import Listing, list_complaints_for, withheld
from core.timeutil import utcnow


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
    include_rahasia: bool = False  # see core.services.complaints.confidential.may_list_rahasia


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
    if not states:
        return []
    values: dict[str, object] = {
        "code": f"%{normalise_ticket_code(wanted.code or '')[-12:]}%",
        "ref": (wanted.code or "").strip(),  # or another channel's reference, as given
        "category": wanted.category,
        "desa": wanted.desa,
        "channel": wanted.channel,
        "overdue_on": wanted.overdue_on,
        "assigned_to": wanted.assigned_to,
        "rahasia": Privacy.RAHASIA,
        "depth": offset + limit,
        "offset": offset,
        "limit": limit,
    }
    values |= {f"state_{i}": state for i, state in enumerate(sorted(states))}
    given = tuple(
        name
        for name in ("code", "category", "desa", "channel", "overdue_on", "assigned_to")
        if getattr(wanted, name)
    )
    statement = _queue_statement(len(states), given, wanted.include_rahasia)
    return [QueueLine(*row) for row in session.execute(statement, values).all()]


_CONDITIONS: dict[str, Callable[[], Any]] = {
    "code": lambda: or_(
        func.replace(col(Complaint.code), "-", "").like(bindparam("code")),
        col(Complaint.external_ref) == bindparam("ref"),
    ),
    "category": lambda: col(Complaint.category) == bindparam("category"),
    "desa": lambda: col(Complaint.desa) == bindparam("desa"),
    "channel": lambda: col(Complaint.channel) == bindparam("channel"),
    "overdue_on": lambda: col(Complaint.due_date) < bindparam("overdue_on"),
    "assigned_to": lambda: col(Complaint.assigned_staff_id) == bindparam("assigned_to"),
}


@lru_cache(maxsize=256)
def _queue_statement(states: int, given: tuple[str, ...], include_rahasia: bool) -> Any:
    """The statement for one shape of filter, built once: a page is then bound values
    only (building the union each time cost ten times the query itself)."""
    base = sa_select(*[getattr(Complaint, name) for name in QueueLine._fields])
    for name in given:
        base = base.where(_CONDITIONS[name]())
    if not include_rahasia:
        base = base.where(col(Complaint.privacy) != bindparam("rahasia"))
    per_state = [
        base.where(col(Complaint.state) == bindparam(f"state_{i}"))
        .order_by(col(Complaint.due_date), col(Complaint.id))
        .limit(bindparam("depth"))
        .subquery()
        .select()
        for i in range(states)
    ]
    merged = union_all(*per_state).subquery()
    return (
        sa_select(merged)
        .order_by(merged.c.due_date, merged.c.id)
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )


# Filters that would point at a complaint: a count of the rahasia ones matching them
# would say which (its code, category, desa or officer), so none is given.
NAMING_FILTERS = ("code", "category", "desa", "assigned_to")


def withheld_from_queue(session: Session, wanted: QueueFilter) -> int:
    """How many rahasia complaints this filter leaves out for a viewer who may not list
    them: by state, channel and overdue only (what the reports count them by too)."""
    if wanted.include_rahasia or any(getattr(wanted, name) for name in NAMING_FILTERS):
        return 0
    states = set(wanted.states or ComplaintState)
    if wanted.overdue_on is not None:
        states &= OPEN_STATES
    if not states:
        return 0
    where: list[ColumnElement[bool]] = [col(Complaint.state).in_([s.value for s in states])]
    if wanted.channel is not None:
        where.append(col(Complaint.channel) == wanted.channel.value)
    if wanted.overdue_on is not None:
        where.append(col(Complaint.due_date) < wanted.overdue_on)
    return withheld(session, False, where)


def open_complaints(session: Session, may_list: bool, limit: int = 50) -> Listing:
    """Open complaints, the earliest due (so overdue ones) first: the chat's /antrian and
    ``sigap complaint list --open``."""
    return list_complaints_for(
        session,
        may_list,
        [col(Complaint.state).in_([s.value for s in OPEN_STATES])],
        [col(Complaint.due_date), col(Complaint.received_at)],
        limit,
    )


def recent_complaints(
    session: Session, may_list: bool, state: ComplaintState | None = None, limit: int = 50
) -> Listing:
    """The latest received first, in one state or any: ``sigap complaint list``."""
    where = [] if state is None else [col(Complaint.state) == state.value]
    return list_complaints_for(session, may_list, where, [col(Complaint.received_at).desc()], limit)


@dataclass(frozen=True)
class Iku4Rows:
    """What is behind IKU4 for a period, as one viewer may see it listed."""

    counted: list[Complaint]
    excluded: list[Complaint]  # duplikat, ditolak
    withheld_counted: int  # rahasia ones left out of each list
    withheld_excluded: int


def iku4_rows(
    session: Session, start: datetime, end: datetime, may_list: bool, limit: int
) -> Iku4Rows:
    """Complaints received in [start, end), the earliest first, ``limit`` at most."""
    received = [col(Complaint.received_at) >= start, col(Complaint.received_at) < end]
    listing = list_complaints_for(session, may_list, received, [col(Complaint.received_at)], limit)
    excluded_states = col(Complaint.state).in_([s.value for s in IKU4_EXCLUDED_STATES])
    withheld_excluded = withheld(session, may_list, [*received, excluded_states])
    return Iku4Rows(
        counted=[c for c in listing.shown if c.state not in IKU4_EXCLUDED_STATES],
        excluded=[c for c in listing.shown if c.state in IKU4_EXCLUDED_STATES],
        withheld_counted=listing.withheld - withheld_excluded,
        withheld_excluded=withheld_excluded,
    )


def photos_of(session: Session, complaint: Complaint) -> Sequence[ComplaintPhoto]:
    return session.exec(
        select(ComplaintPhoto)
        .where(ComplaintPhoto.complaint_id == complaint.id)
        .order_by(col(ComplaintPhoto.id))
    ).all()


def reports_in_last_hour(session: Session, resident: Resident, now: datetime | None = None) -> int:
    """Counted in the database, so the limit holds however many processes serve chat;
    and over every office, so it holds however many kecamatan one Sigap serves."""
    since = (now or utcnow()) - timedelta(hours=1)
    mine = select(func.count()).where(
        col(Complaint.reporter_id) == resident.id, col(Complaint.received_at) >= since
    )
    return session.exec(across_offices(mine)).one()
