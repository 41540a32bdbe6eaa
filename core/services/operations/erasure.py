"""Erasing a resident's identity at their request (UU 27/2022, the right to erasure).

What goes: the resident's row (name, phone, language) and their chat accounts (a
WhatsApp account's id may be the phone number itself), with their dialog positions and
the outbox messages to them that no sender holds right now. What stays: their
complaints and SKM answers, as records the office must keep, without any link to the
person: the complaint counts and figures do not change, staff can no longer see who
reported or tell them anything about it, and "Laporan saya" no longer lists them.

A chat account linked to staff is kept for the staff member (unlinked from the resident:
their next message registers a fresh, nameless-by-choice resident like anyone's first).
The WhatsApp 24-hour window row stays, so the confirmation can still be delivered; it
holds no name and goes with the nightly prune (core/services/operations/housekeeping.py).

Each complaint's history says its reporter's identity was erased, and one row in the
audit trail (``register_name = "pelapor"``) records the request with the complaint
codes: neither holds the name, the phone or the chat id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from core.errors import InvalidInput, NotFound
from core.models import ChatAccount, Complaint, ComplaintEvent, RegisterAudit, Resident, SkmResponse
from core.scope import across_offices, writing_across_offices
from core.services.access.offices import FIRST_OFFICE
from core.services.complaints.lifecycle import get_complaint
from core.services.operations.housekeeping import forget_accounts
from core.timeutil import utcnow

ERASURE_TRAIL = "pelapor"
ERASED = "identitas_dihapus"  # the complaint event's action
NOTE = "identitas pelapor dihapus atas permintaan"


@dataclass(frozen=True)
class ErasureResult:
    complaint_codes: tuple[str, ...]  # kept, now without a reporter
    ratings: int  # SKM answers kept, now without a respondent
    accounts: int  # chat accounts deleted


def erase_resident_identity(
    session: Session, resident_id: int, actor_description: str
) -> ErasureResult:
    """Erase the resident's identity; ``actor_description`` (who asked or acted, e.g.
    "pelapor lewat chat" or "cli") goes into the trail and must hold no personal data."""
    resident = session.get(Resident, resident_id)
    if resident is None:
        raise NotFound("Warga itu tidak ada (identitasnya mungkin sudah dihapus).")
    note = f"{NOTE} ({actor_description})"
    with writing_across_offices(session):  # their records, in every office they reached
        by_office = _detach_complaints(session, resident_id, note)
        ratings = session.execute(
            across_offices(
                update(SkmResponse)
                .where(col(SkmResponse.resident_id) == resident_id)
                .values(resident_id=None)
            )
        )
        session.execute(
            update(ChatAccount)
            .where(
                col(ChatAccount.resident_id) == resident_id, col(ChatAccount.staff_id).is_not(None)
            )
            .values(resident_id=None)
        )
        accounts = forget_accounts(session, col(ChatAccount.resident_id) == resident_id)
        session.delete(resident)
        for office, found in (by_office or {resident.last_office_id or FIRST_OFFICE: []}).items():
            session.add(_trail(office, note, found))
    codes = tuple(code for found in by_office.values() for code in found)
    return ErasureResult(codes, int(ratings.rowcount), accounts)  # type: ignore[attr-defined]


def _trail(office: int, note: str, codes: list[str]) -> RegisterAudit:
    """The erasure in the office's register trail: which of its complaints lost their
    reporter (no name, no number)."""
    return RegisterAudit(
        office_id=office,
        register_name=ERASURE_TRAIL,
        record_key="-",
        action="hapus",
        staff_id=None,
        reason=note[:500],
        changes=json.dumps({"pengaduan": [codes, None]}, ensure_ascii=False),
    )


def _detach_complaints(session: Session, resident_id: int, note: str) -> dict[int, list[str]]:
    """The resident's complaints, made anonymous, each with the erasure in its history;
    their codes by office."""
    theirs = select(Complaint).where(Complaint.reporter_id == resident_id)
    complaints = session.exec(across_offices(theirs.order_by(col(Complaint.id)))).all()
    now = utcnow()
    by_office: dict[int, list[str]] = {}
    for complaint in complaints:
        assert complaint.id is not None and complaint.office_id is not None
        complaint.reporter_id = None
        session.add(complaint)
        session.add(
            ComplaintEvent(
                office_id=complaint.office_id,
                complaint_id=complaint.id,
                at=now,
                action=ERASED,
                actor_kind="system",
                note=note,
            )
        )
        by_office.setdefault(complaint.office_id, []).append(complaint.code)
    session.flush()  # before the resident row goes: nothing may point at it
    return by_office


def reporter_of(session: Session, code: str) -> int:
    """The resident behind a complaint, by its code (for staff acting on a request made
    outside the chat, e.g. at the counter or by letter)."""
    complaint = get_complaint(session, code)
    if complaint.reporter_id is None:
        raise InvalidInput(f"Pengaduan {complaint.code} tidak mempunyai identitas pelapor.")
    return complaint.reporter_id
