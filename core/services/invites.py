"""One-time staff invitations: `sigap staff invite --role trantib` makes a deep link."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlmodel import Session

from core.domain.people import StaffRole
from core.errors import InvalidInput
from core.models import Staff, StaffInvite
from core.services.accounts import link_staff_account, staff_for_account
from core.timeutil import utcnow

INVITE_VALIDITY = timedelta(days=7)


def create_invite(session: Session, role: StaffRole, name: str | None = None) -> StaffInvite:
    invite = StaffInvite(
        code=secrets.token_urlsafe(18), role=role, name=name, expires_at=utcnow() + INVITE_VALIDITY
    )
    session.add(invite)
    session.flush()
    return invite


def redeem_invite(
    session: Session, code: str, channel: str, external_id: str, display_name: str
) -> Staff:
    """Turn a chat account into staff; each code works once and expires after a week.
    An account that already belongs to staff keeps its person and takes the new role."""
    invite = session.get(StaffInvite, code)
    if invite is None or invite.used_at is not None or invite.expires_at < utcnow():
        raise InvalidInput("Undangan tidak berlaku atau sudah dipakai.")
    staff = staff_for_account(session, channel, external_id, active_only=False) or Staff(
        name=invite.name or display_name, role=invite.role
    )
    staff.role = invite.role
    staff.active = True
    session.add(staff)
    session.flush()
    link_staff_account(session, staff, channel, external_id)
    invite.used_at = utcnow()
    invite.used_by_staff_id = staff.id
    session.add(invite)
    return staff
