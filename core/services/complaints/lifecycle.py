"""Complaint service: register, move through the lifecycle, and read back.

Every function takes the session of the caller's unit of work and never commits, so a
bot handler or a CLI command decides what is atomic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from core.config import Settings
from core.domain.access import COMPLAINT_HANDLERS
from core.domain.complaints import (
    OPEN_STATES,
    Channel,
    ComplaintState,
    Privacy,
    ReferralKind,
    check_transition,
    new_ticket_code,
)
from core.errors import InvalidInput, NotAllowed, NotFound
from core.models import Complaint, ComplaintEvent, ComplaintPhoto, Resident, Staff
from core.services.access.offices import office_profile
from core.services.complaints.categories import find_category
from core.services.complaints.due import service_level_days, work_calendar
from core.services.complaints.lookup import events_of as events_of
from core.services.complaints.lookup import get_complaint as get_complaint
from core.services.complaints.lookup import is_overdue as is_overdue
from core.services.complaints.lookup import list_complaints as list_complaints
from core.services.complaints.lookup import open_queue as open_queue
from core.services.complaints.referrals import MAX_TARGET, Destination, record_referral
from core.services.files.fields import EARLIEST_DATE, clean_text, refuse_hidden_characters
from core.services.messaging.notifications import notify_reporter
from core.timeutil import local_date, utcnow

MAX_DESCRIPTION = 1000  # the one limit: chat, CLI and web all check against it
MIN_DESCRIPTION = 10
MAX_PHOTOS = 3
S = ComplaintState

# A transition into these needs a note saying why (the reporter is told it).
NOTE_REQUIRED = {
    S.DITOLAK: "alasan penolakan",
    S.BUKAN_WEWENANG: "instansi rujukan",
    S.SELESAI: "catatan penyelesaian",
}


@dataclass(frozen=True)
class NewComplaint:
    channel: Channel
    category: str
    description: str
    desa: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    privacy: Privacy = Privacy.HIDDEN
    external_ref: str | None = None
    photos: Sequence[str] = ()
    captions: Sequence[str | None] = ()  # the resident's words with each photo, if any


CODE_ATTEMPTS = 20  # 30^8 codes: a clash is rare, twenty in a row means something is wrong


def _unused_ticket_code(session: Session, prefix: str) -> str:
    for _ in range(CODE_ATTEMPTS):
        code = new_ticket_code(prefix)
        if session.exec(select(Complaint.id).where(Complaint.code == code)).first() is None:
            return code
    raise RuntimeError(f"no unused ticket code after {CODE_ATTEMPTS} attempts")


def _validate(data: NewComplaint, settings: Settings, desa: tuple[str, ...]) -> None:
    """Every field held to its column and to printable text, on SQLite as on PostgreSQL;
    the messages name the field, never repeat its value."""
    text = data.description.strip()
    refuse_hidden_characters(text, "Uraian")
    if len(text) < MIN_DESCRIPTION:
        raise InvalidInput(f"Uraian terlalu pendek (minimal {MIN_DESCRIPTION} karakter).")
    if len(text) > MAX_DESCRIPTION:
        raise InvalidInput(f"Uraian terlalu panjang (maksimal {MAX_DESCRIPTION} karakter).")
    if len(data.photos) > MAX_PHOTOS:
        raise InvalidInput(f"Paling banyak {MAX_PHOTOS} foto.")
    if (data.latitude is None) != (data.longitude is None):
        raise InvalidInput("Lokasi perlu lintang dan bujur sekaligus.")
    if data.latitude is not None and not (
        -90 <= data.latitude <= 90 and data.longitude is not None and -180 <= data.longitude <= 180
    ):
        raise InvalidInput("Koordinat lokasi tidak valid.")
    find_category(data.category, settings.categories_file)
    if data.desa is not None and data.desa not in desa:
        raise InvalidInput(f"Desa tidak dikenal; pilihan: {', '.join(desa)}.")
    if data.external_ref is not None:
        clean_text(data.external_ref, "Nomor rujukan", 64)
    for ref in data.photos:
        clean_text(ref, "Foto", 255)
    for caption in data.captions:
        clean_text(caption or "", "Keterangan foto", 1024)


def _check_received(at: datetime) -> None:
    """A date typed for a walk-in or letter: not in the future, not before 2000."""
    if at > utcnow() + timedelta(days=1):
        raise InvalidInput("Tanggal diterima tidak boleh di masa depan.")
    if at.date() < EARLIEST_DATE:
        raise InvalidInput("Tanggal diterima sebelum tahun 2000.")


def register_complaint(
    session: Session,
    settings: Settings,
    data: NewComplaint,
    *,
    reporter: Resident | None = None,
    registered_by: Staff | None = None,
    received_at: datetime | None = None,
) -> Complaint:
    """Record a complaint with its due date; staff registering one must be handlers."""
    _validate(data, settings, office_profile(session).desa)
    if registered_by is not None:
        require_handler(registered_by)
    if received_at is not None:
        _check_received(received_at)
    received = received_at or utcnow()
    level = service_level_days(session, settings, data.category)
    due = work_calendar(session).add_working_days(local_date(received, settings.tz), level)
    complaint = Complaint(
        code=_unused_ticket_code(session, office_profile(session).ticket_prefix),
        channel=data.channel,
        category=data.category,
        description=data.description.strip(),
        desa=data.desa,
        latitude=data.latitude,
        longitude=data.longitude,
        privacy=data.privacy,
        reporter_id=reporter.id if reporter else None,
        external_ref=data.external_ref,
        received_at=received,
        due_date=due,
    )
    session.add(complaint)
    session.flush()
    assert complaint.id is not None
    captions = list(data.captions) + [None] * (len(data.photos) - len(data.captions))
    for ref, caption in zip(data.photos, captions, strict=False):
        session.add(ComplaintPhoto(complaint_id=complaint.id, file_ref=ref, caption=caption))
    _record(session, complaint, "diterima", None, S.DITERIMA, registered_by, None, received)
    return complaint


def require_handler(staff: Staff | None) -> Staff:
    """Re-checked on every action: an inactive or wrong-role account changes nothing."""
    if staff is None or not staff.active or staff.role not in COMPLAINT_HANDLERS:
        raise NotAllowed("Anda tidak berwenang menangani pengaduan.")
    return staff


def _record(
    session: Session,
    complaint: Complaint,
    action: str,
    from_state: ComplaintState | None,
    to_state: ComplaintState | None,
    staff: Staff | None,
    note: str | None,
    at: datetime,
    actor_kind: str | None = None,
) -> None:
    assert complaint.id is not None
    session.add(
        ComplaintEvent(
            complaint_id=complaint.id,
            at=at,
            action=action,
            from_state=from_state,
            to_state=to_state,
            actor_staff_id=staff.id if staff else None,
            actor_kind=actor_kind or ("staff" if staff else "system"),
            note=note,
        )
    )


def _acknowledge(complaint: Complaint, at: datetime) -> None:
    if complaint.acknowledged_at is None:
        complaint.acknowledged_at = at


def transition_complaint(
    session: Session,
    complaint: Complaint,
    target: ComplaintState,
    *,
    staff: Staff | None,
    note: str | None = None,
    duplicate_of: Complaint | None = None,
    now: datetime | None = None,
    destination: Destination | None = None,
) -> Complaint:
    """Move a complaint by a staff decision; refuses illegal moves and missing reasons.

    Bukan wewenang names where the complaint goes (``destination``: the competent OPD or
    the kabupaten's channel; the note then says more, if anything), and the referral is
    recorded for the kabupaten. Without a destination the note is the instansi rujukan,
    as before referrals were recorded, and is recorded as the OPD's name."""
    require_handler(staff)
    if target is S.DIPROSES and complaint.state is S.SELESAI:
        raise NotAllowed("Membuka kembali laporan selesai hanya bisa oleh pelapor.")
    check_transition(complaint.state, target)
    note = (note or "").strip() or None
    if target is S.BUKAN_WEWENANG:
        return _refer(session, complaint, staff, note, destination, now)
    if target in NOTE_REQUIRED and note is None:
        raise InvalidInput(f"Perlu {NOTE_REQUIRED[target]}.")
    if target is S.DUPLIKAT:
        duplicate_of = _original_of(session, complaint, duplicate_of)
        complaint.duplicate_of_id = duplicate_of.id
        note = note or f"Duplikat dari {duplicate_of.code}"
    at = now or utcnow()
    previous = complaint.state
    complaint.state = target
    _acknowledge(complaint, at)
    if target is S.DIVERIFIKASI:
        complaint.verified_at = at
    if target in (S.SELESAI, S.BUKAN_WEWENANG):
        complaint.resolved_at = at
        complaint.resolution_note = note
    session.add(complaint)
    _record(session, complaint, target.value, previous, target, staff, note, at)
    duplicate_code = duplicate_of.code if duplicate_of is not None else None
    notify_reporter(session, complaint, note=note, duplicate_of=duplicate_code)
    return complaint


def _refer(
    session: Session,
    complaint: Complaint,
    staff: Staff | None,
    note: str | None,
    destination: Destination | None,
    now: datetime | None,
) -> Complaint:
    """Bukan wewenang: closed as referred, the referral recorded, the reporter told where
    it went (in their chat, in their language)."""
    told: dict[str, str | None]
    if destination is None:
        if note is None:
            raise InvalidInput(f"Perlu {NOTE_REQUIRED[S.BUKAN_WEWENANG]}.")
        named = note.splitlines()[0].strip()
        if len(named) > MAX_TARGET:
            named = named[: MAX_TARGET - 1] + "…"
        recorded = Destination(ReferralKind.OPD, named)
        shown, told = note, {"note": note}
    else:
        recorded, shown = destination, destination.event_note(note)
        told = {"note": note, "destination": destination.name, "kind": destination.kind.value}
    if note is not None and len(note) > MAX_DESCRIPTION:
        raise InvalidInput(f"Catatan terlalu panjang (maksimal {MAX_DESCRIPTION} karakter).")
    at = now or utcnow()
    previous = complaint.state
    complaint.state = S.BUKAN_WEWENANG
    _acknowledge(complaint, at)
    complaint.resolved_at = at
    complaint.resolution_note = shown
    session.add(complaint)
    _record(
        session, complaint, S.BUKAN_WEWENANG.value, previous, S.BUKAN_WEWENANG, staff, shown, at
    )
    record_referral(session, complaint, recorded, note if destination else None, staff, at)
    notify_reporter(session, complaint, **told)
    return complaint


def _original_of(session: Session, complaint: Complaint, original: Complaint | None) -> Complaint:
    """Link to the root original, so chains of duplicates never form."""
    if original is None:
        raise InvalidInput("Sebutkan kode laporan aslinya.")
    while original.duplicate_of_id is not None:
        parent = session.get(Complaint, original.duplicate_of_id)
        if parent is None:
            break
        original = parent
    if original.id == complaint.id:
        raise InvalidInput("Laporan tidak bisa menjadi duplikat dirinya sendiri.")
    secret = Privacy.RAHASIA  # an open duplicate's history and reporter would see its code
    if original.privacy is secret and complaint.privacy is not secret:
        raise InvalidInput(f"Laporan {original.code} rahasia: tangani laporan ini tersendiri.")
    return original


def claim_complaint(
    session: Session, complaint: Complaint, staff: Staff, now: datetime | None = None
) -> Complaint:
    require_handler(staff)
    if complaint.state not in OPEN_STATES:
        raise InvalidInput(f"Laporan {complaint.code} sudah ditutup ({complaint.state.label}).")
    at = now or utcnow()
    complaint.assigned_staff_id = staff.id
    _acknowledge(complaint, at)
    session.add(complaint)
    _record(session, complaint, "klaim", complaint.state, complaint.state, staff, None, at)
    return complaint


def attach_photo(
    session: Session, complaint: Complaint, file_ref: str, caption: str | None = None
) -> None:
    assert complaint.id is not None
    session.add(ComplaintPhoto(complaint_id=complaint.id, file_ref=file_ref, caption=caption))


def add_progress_note(
    session: Session, complaint: Complaint, staff: Staff, note: str, now: datetime | None = None
) -> Complaint:
    require_handler(staff)
    if not note.strip():
        raise InvalidInput("Catatan perkembangan kosong.")
    at = now or utcnow()
    _acknowledge(complaint, at)
    session.add(complaint)
    _record(session, complaint, "catatan", complaint.state, complaint.state, staff, note, at)
    return complaint


def _require_reporter(complaint: Complaint, resident: Resident) -> None:
    if complaint.reporter_id is None or complaint.reporter_id != resident.id:
        raise NotFound("Laporan tidak ditemukan.")


def reopen_complaint(
    session: Session,
    settings: Settings,
    complaint: Complaint,
    resident: Resident,
    reason: str,
    now: datetime | None = None,
) -> Complaint:
    """The reporter says the problem is not fixed, within the reopen window."""
    _require_reporter(complaint, resident)
    at = now or utcnow()
    if complaint.state is not S.SELESAI or complaint.resolved_at is None:
        raise InvalidInput("Hanya laporan yang sudah selesai yang bisa dibuka kembali.")
    if at - complaint.resolved_at > timedelta(days=settings.reopen_days):
        raise InvalidInput(
            f"Batas membuka kembali ({settings.reopen_days} hari) sudah lewat. "
            "Silakan buat laporan baru."
        )
    complaint.state = S.DIPROSES
    complaint.resolved_at = None
    complaint.confirmed_at = None
    session.add(complaint)
    _record(
        session,
        complaint,
        "dibuka_kembali",
        S.SELESAI,
        S.DIPROSES,
        None,
        reason,
        at,
        actor_kind="reporter",
    )
    return complaint


def confirm_resolution(
    session: Session, complaint: Complaint, resident: Resident, now: datetime | None = None
) -> Complaint:
    _require_reporter(complaint, resident)
    if complaint.state is not S.SELESAI:
        raise InvalidInput("Laporan belum selesai.")
    at = now or utcnow()
    complaint.confirmed_at = at
    session.add(complaint)
    _record(
        session,
        complaint,
        "dikonfirmasi",
        S.SELESAI,
        S.SELESAI,
        None,
        None,
        at,
        actor_kind="reporter",
    )
    return complaint
