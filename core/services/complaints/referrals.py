"""Where a complaint that is not the kecamatan's to settle goes ("bukan wewenang"): the
competent OPD, named by the officer, or back to the kabupaten's complaint channel.

The referral is recorded with the transition (``lifecycle.transition_complaint`` with a
``destination``), in the office's rows; the kabupaten reads every office's referrals
(``kabupaten_referrals``), never the reporter's identity, and a rahasia complaint's
description not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from core.config import Settings
from core.domain.complaints import Privacy, ReferralKind
from core.errors import InvalidInput
from core.models import Complaint, ComplaintReferral, Office, Staff
from core.scope import across_offices
from core.services.files.fields import clean_text

MAX_TARGET = 120  # ComplaintReferral.target_name
MIN_TARGET = 3
MAX_SUGGESTIONS = 20
MAX_LISTED = 5000  # one page or export of the kabupaten's referrals (the newest)


@dataclass(frozen=True)
class Destination:
    kind: ReferralKind
    name: str

    @staticmethod
    def opd(name: str) -> Destination:
        """A competent OPD as the officer names it (e.g. "Dinas PU Bina Marga")."""
        text = clean_text(" ".join(name.split()), "Instansi rujukan", MAX_TARGET)
        if len(text) < MIN_TARGET:
            raise InvalidInput(
                "Sebutkan instansi rujukan (OPD yang berwenang, misalnya Dinas PU Bina Marga)."
            )
        return Destination(ReferralKind.OPD, text)

    @staticmethod
    def kabupaten(settings: Settings) -> Destination:
        """Back to the kabupaten's channel, by the name the kabupaten gave it."""
        return Destination(ReferralKind.KABUPATEN, settings.kabupaten_channel_name[:MAX_TARGET])

    @staticmethod
    def chosen(settings: Settings, kind: str, name: str) -> Destination:
        """From a form or a dialog: ``kind`` "kabupaten", or "opd" with its name."""
        if kind == ReferralKind.KABUPATEN.value:
            return Destination.kabupaten(settings)
        if kind == ReferralKind.OPD.value:
            return Destination.opd(name)
        raise InvalidInput("Pilih tujuan rujukan: OPD yang berwenang atau kanal kabupaten.")

    def event_note(self, note: str | None) -> str:
        """As the complaint's history and its resolution note read it."""
        return f"Dirujuk ke {self.name}" + (f": {note}" if note else "")


def record_referral(
    session: Session,
    complaint: Complaint,
    destination: Destination,
    note: str | None,
    staff: Staff | None,
    at: datetime,
) -> ComplaintReferral:
    assert complaint.id is not None
    referral = ComplaintReferral(
        complaint_id=complaint.id,
        target_kind=destination.kind,
        target_name=destination.name,
        note=note,
        staff_id=staff.id if staff else None,
        at=at,
    )
    session.add(referral)
    return referral


def referral_of(session: Session, complaint: Complaint) -> ComplaintReferral | None:
    return session.exec(
        select(ComplaintReferral).where(ComplaintReferral.complaint_id == complaint.id)
    ).first()


def opd_suggestions(session: Session) -> list[str]:
    """The OPD this office referred to before, the most used first: offered again."""
    uses = func.count()
    rows = session.exec(
        select(ComplaintReferral.target_name, uses)
        .where(ComplaintReferral.target_kind == ReferralKind.OPD)
        .group_by(col(ComplaintReferral.target_name))
        .order_by(uses.desc(), col(ComplaintReferral.target_name))
        .limit(MAX_SUGGESTIONS)
    ).all()
    return [name for name, _ in rows]


@dataclass(frozen=True)
class ReferralLine:
    """One referral as the kabupaten reads it: no reporter, ever."""

    office_code: str
    kecamatan: str
    code: str
    external_ref: str | None
    at: datetime
    received_at: datetime
    category: str
    kind: ReferralKind
    destination: str
    note: str
    description: str  # empty for a rahasia complaint
    rahasia: bool


def kabupaten_referrals(
    session: Session,
    kind: ReferralKind | None = None,
    office_code: str | None = None,
    limit: int = MAX_LISTED,
) -> list[ReferralLine]:
    """Every office's referrals, newest first (one statement across the offices, read
    by the kabupaten's session; the reporter's columns are never selected)."""
    query = (
        sa_select(
            col(Office.code),
            col(Office.name),
            col(Complaint.code),
            col(Complaint.external_ref),
            col(ComplaintReferral.at),
            col(Complaint.received_at),
            col(Complaint.category),
            col(ComplaintReferral.target_kind),
            col(ComplaintReferral.target_name),
            col(ComplaintReferral.note),
            col(Complaint.description),
            col(Complaint.privacy),
        )
        .join(Complaint, col(Complaint.id) == col(ComplaintReferral.complaint_id))
        .join(Office, col(Office.id) == col(ComplaintReferral.office_id))
        .order_by(col(ComplaintReferral.at).desc(), col(ComplaintReferral.id).desc())
        .limit(limit)
    )
    if kind is not None:
        query = query.where(col(ComplaintReferral.target_kind) == kind)
    if office_code:
        query = query.where(col(Office.code) == office_code)
    return [
        ReferralLine(
            office_code=row[0],
            kecamatan=row[1],
            code=row[2],
            external_ref=row[3],
            at=row[4],
            received_at=row[5],
            category=row[6],
            kind=ReferralKind(row[7]),
            destination=row[8],
            # a rahasia complaint's note often repeats its content: withheld as well
            note="" if Privacy(row[11]) is Privacy.RAHASIA else row[9] or "",
            description="" if Privacy(row[11]) is Privacy.RAHASIA else row[10],
            rahasia=Privacy(row[11]) is Privacy.RAHASIA,
        )
        for row in session.execute(across_offices(query)).all()
    ]


def offices_with_referrals(session: Session) -> Sequence[tuple[str, str]]:
    """(code, name) of every office, for the kabupaten page's filter."""
    return session.exec(select(Office.code, Office.name).order_by(col(Office.code))).all()
