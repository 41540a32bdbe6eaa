"""What a resident reaches of their own complaints: whichever office each went to.

A resident is not of one office: their list and a ticket they name are found across
offices, but only among their own, and the session then works for that ticket's office
(a confirmation or a reopening is that office's record).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from core.domain.complaints import normalise_ticket_code
from core.errors import NotFound
from core.models import Complaint, Resident
from core.scope import across_offices, for_office


def complaints_of_resident(
    session: Session, resident: Resident, limit: int = 10
) -> Sequence[Complaint]:
    """The resident's newest reports, to whichever office each went."""
    query = select(Complaint).where(Complaint.reporter_id == resident.id)
    newest = query.order_by(col(Complaint.received_at).desc()).limit(limit)
    return session.exec(across_offices(newest)).all()


def own_complaint(session: Session, resident: Resident, code: str) -> Complaint:
    """The resident's own complaint by its code as typed; anyone else's is "not found".
    The session works for its office from here on."""
    wanted = normalise_ticket_code(code)
    prefix, body = wanted[:-8], wanted[-8:]
    mine = select(Complaint).where(
        Complaint.reporter_id == resident.id,
        Complaint.code == f"{prefix}-{body[:4]}-{body[4:]}",
    )
    complaint = session.exec(across_offices(mine)).first() if len(wanted) > 8 else None
    if complaint is not None and complaint.office_id is not None:
        for_office(session, complaint.office_id)
        return complaint
    raise NotFound(f"Laporan dengan kode {code.strip()[:20]} tidak ditemukan.")
