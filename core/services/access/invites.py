"""One-time staff invitations: `sigap staff invite --role trantib` makes a deep link.

Only the hash of an invite's code is stored: the code is shown once, to whoever made the
invite, and a copy of the database makes nobody staff. Pending invites are listed (by
role, name and expiry, never by code) and can be revoked until they are used.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from core.domain.access import Permission
from core.domain.people import StaffRole
from core.errors import InvalidInput, NotFound
from core.models import Staff, StaffInvite
from core.scope import across_offices, for_office
from core.services.access.accounts import link_staff_account, staff_for_account
from core.services.access.authz import OPERATOR, Actor, actor_staff_id, authorize
from core.services.access.staff_audit import record_staff_change
from core.timeutil import utcnow

# The kabupaten's roles are no office's: not invited into one, not swapped with one's.
KABUPATEN_ROLE_APART = (
    "Peran kabupaten (Bagian Organisasi, Bupati, Inspektorat) dan peran kantor tidak dapat "
    "dipertukarkan; akun kabupaten dibuat oleh pengelola server, bukan oleh kantor."
)

INVITE_VALIDITY = timedelta(days=7)
INVITE_REFUSED = "Undangan tidak berlaku atau sudah dipakai."
MAX_CODE_LENGTH = 64  # a code is 24 characters; anything longer is not one of ours


@dataclass(frozen=True)
class NewInvite:
    invite: StaffInvite
    code: str  # shown once to whoever made the invite, never stored


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def create_invite(
    session: Session, role: StaffRole, name: str | None = None, actor: Actor = OPERATOR
) -> NewInvite:
    authorize(actor, Permission.MANAGE_STAFF)
    if role.kabupaten:  # an invite joins an office; the kabupaten's accounts are made apart
        raise InvalidInput(KABUPATEN_ROLE_APART)
    code = secrets.token_urlsafe(18)
    invite = StaffInvite(
        code_hash=_hash(code),
        role=role,
        name=name,
        created_by_staff_id=actor_staff_id(actor),
        expires_at=utcnow() + INVITE_VALIDITY,
    )
    session.add(invite)
    session.flush()
    record_staff_change(
        session,
        actor,
        None,
        "undang",
        {"peran": [None, role.value], "nama": [None, name], "undangan": [None, invite.id]},
    )
    return NewInvite(invite, code)


def pending_invites(session: Session, now: datetime | None = None) -> Sequence[StaffInvite]:
    """Invites that could still make someone staff: unused, unrevoked, unexpired."""
    return session.exec(
        select(StaffInvite)
        .where(
            col(StaffInvite.used_at).is_(None),
            col(StaffInvite.revoked_at).is_(None),
            col(StaffInvite.expires_at) > (now or utcnow()),
        )
        .order_by(col(StaffInvite.id))
    ).all()


def revoke_invite(session: Session, invite_id: int, actor: Actor = OPERATOR) -> StaffInvite:
    authorize(actor, Permission.MANAGE_STAFF)
    invite = session.get(StaffInvite, invite_id)
    if invite is None or invite.used_at is not None or invite.revoked_at is not None:
        raise NotFound(f"Undangan #{invite_id} tidak ada atau sudah tidak berlaku.")
    invite.revoked_at = utcnow()
    session.add(invite)
    record_staff_change(session, actor, None, "cabut", {"undangan": [invite_id, None]})
    return invite


def _spend(session: Session, code: str) -> StaffInvite:
    """Uses the invite up atomically: of two accounts redeeming one code, one wins."""
    if not code or len(code) > MAX_CODE_LENGTH:
        raise InvalidInput(INVITE_REFUSED)
    now = utcnow()
    spent = session.execute(
        across_offices(  # the code says which office: the session learns it from the invite
            update(StaffInvite)
            .where(
                col(StaffInvite.code_hash) == _hash(code),
                col(StaffInvite.used_at).is_(None),
                col(StaffInvite.revoked_at).is_(None),
                col(StaffInvite.expires_at) > now,
            )
            .values(used_at=now)
        )
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidInput(INVITE_REFUSED)
    found = select(StaffInvite).where(StaffInvite.code_hash == _hash(code))
    invite = session.exec(across_offices(found)).one()
    if invite.office_id is not None:
        for_office(session, invite.office_id)
    return invite


def redeem_invite(
    session: Session, code: str, channel: str, external_id: str, display_name: str
) -> Staff:
    """Turn a chat account into staff; each code works once and expires after a week.
    An account that already belongs to staff keeps its person and takes the new role."""
    known = staff_for_account(session, channel, external_id, active_only=False)
    if known is not None and known.role.kabupaten:  # never moved into an office by a link
        raise InvalidInput(KABUPATEN_ROLE_APART)
    invite = _spend(session, code)
    staff = known or Staff(name=invite.name or display_name, role=invite.role)
    before = None if staff.id is None else staff.role.value
    staff.role, staff.office_id = invite.role, invite.office_id  # the invite's office
    staff.active = True
    session.add(staff)
    session.flush()
    link_staff_account(session, staff, channel, external_id)
    invite.used_by_staff_id = staff.id
    session.add(invite)
    record_staff_change(
        session, None, staff.id, "gabung", {"peran": [before, invite.role.value]}, via=invite.id
    )
    return staff
