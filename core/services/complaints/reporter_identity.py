"""Who may know who reported, and the trail every look at a hidden reporter leaves."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from core.domain.access import may_see_reporter
from core.domain.complaints import Privacy
from core.errors import NotAllowed
from core.models import Complaint, ComplaintEvent, Resident, Staff
from core.timeutil import utcnow


def reveal_reporter(
    session: Session, complaint: Complaint, staff: Staff, now: datetime | None = None
) -> Resident | None:
    """A hidden reporter's name and phone, for a handler who asks for them: each time it
    is written to the complaint's history (who looked, when), so a look is never silent.
    A reporter who chose to be known is shown to any active staff without this step."""
    if complaint.reporter_id is None:
        return None
    if not may_see_reporter(staff.role, staff.active, complaint.privacy is Privacy.OPEN):
        raise NotAllowed("Anda tidak berwenang melihat identitas pelapor.")
    if complaint.privacy is not Privacy.OPEN:
        assert complaint.id is not None
        session.add(
            ComplaintEvent(
                complaint_id=complaint.id,
                at=now or utcnow(),
                action="lihat_identitas",
                actor_staff_id=staff.id,
                actor_kind="staff",
            )
        )
    return session.get(Resident, complaint.reporter_id)
