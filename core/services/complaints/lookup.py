"""Reading complaints back: by ticket code, the open queue, a list, a history. Apart from
``lifecycle`` (which changes them), which re-exports these for its callers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session, col, select

from core.domain.complaints import OPEN_STATES, ComplaintState, normalise_ticket_code
from core.errors import NotFound
from core.models import Complaint, ComplaintEvent


def get_complaint(session: Session, code: str) -> Complaint:
    """Find by ticket code as typed (case, spaces and dashes don't matter)."""
    wanted = normalise_ticket_code(code)
    if len(wanted) > 8:
        prefix, body = wanted[:-8], wanted[-8:]
        complaint = session.exec(
            select(Complaint).where(Complaint.code == f"{prefix}-{body[:4]}-{body[4:]}")
        ).first()
        if complaint is not None:
            return complaint
    raise NotFound(f"Laporan dengan kode {code.strip()} tidak ditemukan.")


def open_queue(session: Session, limit: int = 50) -> Sequence[Complaint]:
    """Open complaints, the earliest due (so overdue ones) first."""
    return session.exec(
        select(Complaint)
        .where(col(Complaint.state).in_([s.value for s in OPEN_STATES]))
        .order_by(col(Complaint.due_date), col(Complaint.received_at))
        .limit(limit)
    ).all()


def list_complaints(
    session: Session, state: ComplaintState | None = None, limit: int = 50
) -> Sequence[Complaint]:
    query = select(Complaint).order_by(col(Complaint.received_at).desc()).limit(limit)
    if state is not None:
        query = query.where(Complaint.state == state)
    return session.exec(query).all()


def events_of(session: Session, complaint: Complaint) -> Sequence[ComplaintEvent]:
    return session.exec(
        select(ComplaintEvent)
        .where(ComplaintEvent.complaint_id == complaint.id)
        .order_by(col(ComplaintEvent.at), col(ComplaintEvent.id))
    ).all()


def is_overdue(complaint: Complaint, today: date) -> bool:
    return complaint.state in OPEN_STATES and complaint.due_date < today
