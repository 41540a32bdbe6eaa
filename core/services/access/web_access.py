"""Logging in to the web back office without passwords: a one-time link sent to the staff
member's own chat (or printed by an admin at the server) opens a server-side session.

Only hashes of link tokens and session ids are stored, so a copy of the database opens
nothing. A link works once, for a few minutes; a session ends at its expiry, at logout,
or as soon as the staff member is deactivated.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from core.config import Settings
from core.errors import InvalidInput, NotFound
from core.models import LoginLink, Staff, WebSession
from core.scope import ACROSS_OFFICES, across_offices
from core.timeutil import utcnow

LINK_LIFETIME = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=12)
LINK_REFUSED = (
    "Tautan masuk tidak berlaku (sudah dipakai atau kedaluwarsa). Minta yang baru dengan /masuk."
)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_login_link(session: Session, staff: Staff, now: datetime | None = None) -> str:
    """A new one-time token for an active staff member; the caller builds the address.
    The staff member's earlier unused links stop working: only the newest one opens."""
    if not staff.active or staff.id is None:
        raise NotFound("Petugas tidak ditemukan atau tidak aktif.")
    token = secrets.token_urlsafe(32)
    at = now or utcnow()
    session.execute(
        update(LoginLink)
        .where(col(LoginLink.staff_id) == staff.id, col(LoginLink.used_at).is_(None))
        .values(used_at=at)
    )
    session.add(
        LoginLink(
            token_hash=_hash(token), staff_id=staff.id, created_at=at, expires_at=at + LINK_LIFETIME
        )
    )
    return token


class TooManyLinks(InvalidInput):
    """More login links asked for by chat within the hour than the office allows."""


def request_login_link(
    session: Session, staff: Staff, per_hour: int, now: datetime | None = None
) -> str:
    """/masuk in the chat: a link, unless this staff member already asked ``per_hour``
    times in the last hour (a stolen phone or a script cannot mint links without end)."""
    at = now or utcnow()
    asked = session.exec(
        select(func.count())
        .select_from(LoginLink)
        .where(LoginLink.staff_id == staff.id, col(LoginLink.created_at) > at - timedelta(hours=1))
    ).one()
    if asked >= per_hour:
        raise TooManyLinks("too many login links")
    return issue_login_link(session, staff, now=at)


def login_url(settings: Settings, token: str) -> str:
    """Where a login link points: the back office as staff reach it."""
    return f"{settings.web_address}/masuk?t={token}"


@dataclass(frozen=True)
class NewSession:
    session_id: str  # goes into the cookie, never stored
    web_session: WebSession
    staff: Staff


def redeem_login_link(session: Session, token: str, now: datetime | None = None) -> NewSession:
    """Uses the link up (atomically: of two browsers opening it, one gets in)."""
    at = now or utcnow()
    token_hash = _hash(token)
    used = session.execute(
        update(LoginLink)
        .where(
            col(LoginLink.token_hash) == token_hash,
            col(LoginLink.used_at).is_(None),
            col(LoginLink.expires_at) > at,
        )
        .values(used_at=at)
    )
    link = session.get(LoginLink, token_hash) if used.rowcount == 1 else None  # type: ignore[attr-defined]
    staff = (
        session.get(Staff, link.staff_id, execution_options=ACROSS_OFFICES)
        if link is not None
        else None
    )
    if staff is None or not staff.active:
        raise InvalidInput(LINK_REFUSED)
    session_id = secrets.token_urlsafe(32)
    web_session = WebSession(
        id_hash=_hash(session_id),
        staff_id=link.staff_id,  # type: ignore[union-attr]
        csrf_token=secrets.token_urlsafe(32),
        created_at=at,
        expires_at=at + SESSION_LIFETIME,
    )
    session.add(web_session)
    return NewSession(session_id, web_session, staff)


def active_session(
    session: Session, session_id: str, now: datetime | None = None
) -> tuple[WebSession, Staff] | None:
    """The live session behind a cookie and its (active) staff member, read afresh."""
    if not session_id or len(session_id) > 100:
        return None
    found = session.exec(
        across_offices(  # whoever it is, before their office is known
            select(WebSession, Staff)
            .join(Staff, col(Staff.id) == WebSession.staff_id)
            .where(
                WebSession.id_hash == _hash(session_id),
                col(WebSession.revoked_at).is_(None),
                col(WebSession.expires_at) > (now or utcnow()),
                Staff.active == True,  # noqa: E712
            )
        )
    ).first()
    return None if found is None else (found[0], found[1])


def end_session(session: Session, session_id: str) -> None:
    web_session = session.get(WebSession, _hash(session_id))
    if web_session is not None and web_session.revoked_at is None:
        web_session.revoked_at = utcnow()
        session.add(web_session)


def set_session_language(session: Session, web_session: WebSession, language: str) -> None:
    web_session.language = language
    session.add(web_session)


def revoke_sessions_of(session: Session, staff_id: int) -> None:
    """Deactivation ends every open browser session of the staff member at once."""
    session.execute(
        update(WebSession)
        .where(col(WebSession.staff_id) == staff_id, col(WebSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    session.execute(
        update(LoginLink)
        .where(col(LoginLink.staff_id) == staff_id, col(LoginLink.used_at).is_(None))
        .values(used_at=utcnow())
    )


def has_any_staff(session: Session) -> bool:
    """Anyone at work in any office: a fresh install has no one (its first admin is made)."""
    found = session.exec(across_offices(select(Staff.id).where(col(Staff.active))))
    return found.first() is not None
