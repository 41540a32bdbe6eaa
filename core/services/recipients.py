"""Who receives what by chat: section staff chats, and the office's leadership."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from core.config import Settings
from core.domain.people import COMPLAINT_HANDLERS, LEADERSHIP, StaffRole
from core.models import Staff


def _chats_of(people: Iterable[Staff]) -> list[tuple[str, str]]:
    recipients = []
    for person in people:
        if person.telegram_user_id is not None:
            recipients.append(("telegram", str(person.telegram_user_id)))
        if person.whatsapp_id:
            recipients.append(("whatsapp", person.whatsapp_id))
    return recipients


def _active(session: Session, roles: frozenset[StaffRole]) -> list[Staff]:
    people = session.exec(select(Staff).where(Staff.active == True)).all()  # noqa: E712
    return [p for p in people if p.role in roles]


def section_recipients(session: Session, settings: Settings, section: str) -> list[tuple[str, str]]:
    """(channel, chat id) pairs: the section's configured group chats, else every active
    complaint handler reachable by chat."""
    chats = settings.staff_chats.get(section, [])
    if chats:
        return [("telegram", chat) for chat in chats]
    return _chats_of(_active(session, COMPLAINT_HANDLERS))


def leadership_recipients(session: Session) -> list[tuple[str, str]]:
    """Every active camat and sekcam, on each chat they have joined."""
    return _chats_of(_active(session, LEADERSHIP))


def sekcam_recipients(session: Session) -> list[tuple[str, str]]:
    return _chats_of(_active(session, frozenset({StaffRole.SEKCAM})))
