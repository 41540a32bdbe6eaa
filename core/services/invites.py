"""One-time staff invitations: `sigap staff invite --role trantib` makes a deep link."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlmodel import Session, select

from core.domain.people import StaffRole
from core.errors import InvalidInput
from core.models import Staff, StaffInvite
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
    session: Session,
    code: str,
    telegram_user_id: int | None,
    whatsapp_id: str | None,
    display_name: str,
) -> Staff:
    """Turn a chat account into staff; each code works once and expires after a week."""
    invite = session.get(StaffInvite, code)
    if invite is None or invite.used_at is not None or invite.expires_at < utcnow():
        raise InvalidInput("Undangan tidak berlaku atau sudah dipakai.")
    existing = None
    if telegram_user_id is not None:
        existing = session.exec(
            select(Staff).where(Staff.telegram_user_id == telegram_user_id)
        ).first()
    elif whatsapp_id is not None:
        existing = session.exec(select(Staff).where(Staff.whatsapp_id == whatsapp_id)).first()
    staff = existing or Staff(
        name=invite.name or display_name,
        role=invite.role,
        telegram_user_id=telegram_user_id,
        whatsapp_id=whatsapp_id,
    )
    staff.role = invite.role
    staff.active = True
    session.add(staff)
    session.flush()
    invite.used_at = utcnow()
    invite.used_by_staff_id = staff.id
    session.add(invite)
    return staff
