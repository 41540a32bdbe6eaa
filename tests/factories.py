"""Small builders for test data, going through the service layer like real users do."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from core.config import Settings
from core.domain.complaints import Channel, ComplaintState, Privacy
from core.domain.people import StaffRole
from core.models import ChatAccount, Complaint, Resident, Staff
from core.services.complaints import lifecycle as svc
from core.services.performance.records import add_staff


def staff(session: Session, role: StaffRole = StaffRole.TRANTIB, name: str = "Budi") -> Staff:
    return add_staff(session, name, role)


def resident(session: Session, user_id: str = "1001", name: str | None = "Siti") -> Resident:
    """A resident who wrote from Telegram account ``user_id``."""
    person = Resident(name=name, phone="081234567890")
    session.add(person)
    session.flush()
    session.add(ChatAccount(channel="telegram", external_id=user_id, resident_id=person.id))
    session.flush()
    return person


def complaint(
    session: Session,
    settings: Settings,
    *,
    reporter: Resident | None = None,
    category: str = "pkl",
    received_at: datetime | None = None,
    privacy: Privacy = Privacy.HIDDEN,
) -> Complaint:
    data = svc.NewComplaint(
        channel=Channel.TELEGRAM,
        category=category,
        privacy=privacy,
        description="PKL berjualan di trotoar depan pasar Mumbulsari",
    )
    return svc.register_complaint(
        session, settings, data, reporter=reporter, received_at=received_at
    )


PATH_TO = {
    ComplaintState.DITERIMA: [],
    ComplaintState.DIVERIFIKASI: [ComplaintState.DIVERIFIKASI],
    ComplaintState.DIPROSES: [ComplaintState.DIVERIFIKASI, ComplaintState.DIPROSES],
    ComplaintState.SELESAI: [
        ComplaintState.DIVERIFIKASI,
        ComplaintState.DIPROSES,
        ComplaintState.SELESAI,
    ],
}


def advance(
    session: Session, item: Complaint, to: ComplaintState, by: Staff, at: datetime | None = None
) -> Complaint:
    for state in PATH_TO[to]:
        svc.transition_complaint(session, item, state, staff=by, note="catatan petugas", now=at)
    return item
