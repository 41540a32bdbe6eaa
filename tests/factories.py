"""Small builders for test data, going through the service layer like real users do."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from core.config import Settings
from core.db import make_engine
from core.domain.complaints import Channel, ComplaintState, Privacy
from core.domain.people import StaffRole
from core.models import ChatAccount, Complaint, Office, OfficeArea, Resident, Staff
from core.services.access.offices import forget_office_profile
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


def office_as_configured(database_url: str, settings: Settings) -> Settings:
    """Office #1 as ``settings`` describe it (name, letterhead, Camat, desa), as migration
    0014 makes it from an office's settings on its upgrade; ``settings`` returned."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        office = session.get(Office, 1)
        assert office is not None
        office.name, office.address = settings.office_name, settings.office_address
        office.logo_path = str(settings.office_logo) if settings.office_logo else None
        office.camat_name, office.camat_nip = settings.camat_name, settings.camat_nip
        office.camat_pangkat, office.ticket_prefix = settings.camat_pangkat, settings.ticket_prefix
        session.add(office)
        for area in session.exec(select(OfficeArea).where(OfficeArea.office_id == 1)).all():
            session.delete(area)
        session.add_all(OfficeArea(office_id=1, name=name) for name in settings.desa_list)
        session.commit()
    engine.dispose()
    return settings


def set_office(session: Session, **fields: object) -> Office:
    """Change office #1's row (as `sigap office set` does) within ``session``."""
    office = session.get(Office, 1)
    assert office is not None
    for name, value in fields.items():
        setattr(office, name, value)
    session.add(office)
    session.flush()
    forget_office_profile(session)
    return office
