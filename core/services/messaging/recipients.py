"""Who receives what by chat: section staff chats, and the office's leadership."""

from __future__ import annotations

from sqlmodel import Session, col, select

from core.config import Settings
from core.domain.access import COMPLAINT_HANDLERS, LEADERSHIP, Permission, roles_with
from core.domain.people import StaffRole
from core.models import Staff
from core.scope import for_all_offices, office_of
from core.services.access.accounts import Address, addresses_of_staff
from core.services.access.offices import FIRST_OFFICE, office_profile


def _active(session: Session, roles: frozenset[StaffRole]) -> list[int]:
    people = session.exec(
        select(Staff.id, Staff.role).where(Staff.active == True).order_by(col(Staff.id))  # noqa: E712
    ).all()
    return [staff_id for staff_id, role in people if role in roles and staff_id is not None]


def section_recipients(session: Session, settings: Settings, section: str) -> list[Address]:
    """The section's group chats as the office set them (the Kantor page, `sigap office
    set`; for the first office, TELEGRAM_STAFF_CHATS until it sets its own), else every
    chat account of every active complaint handler of the session's office."""
    own = office_profile(session).staff_chats
    if own:
        return [Address("telegram", chat) for chat in own.get(section, [])] or (
            handler_recipients(session)
        )
    chats = settings.staff_chats.get(section, [])
    if chats and office_of(session) == FIRST_OFFICE:  # the settings' chats: the first office's
        return [Address(*chat) for chat in chats]
    return handler_recipients(session)


def handler_recipients(session: Session) -> list[Address]:
    """Every active complaint handler on each chat they have joined, never a group: for
    what only handlers may read (a rahasia complaint), whoever else sits in the group."""
    return addresses_of_staff(session, _active(session, COMPLAINT_HANDLERS))


def leadership_recipients(session: Session) -> list[Address]:
    """Every active camat and sekcam, on each chat they have joined."""
    return addresses_of_staff(session, _active(session, LEADERSHIP))


def sekcam_recipients(session: Session) -> list[Address]:
    return addresses_of_staff(session, _active(session, frozenset({StaffRole.SEKCAM})))


def admin_recipients(session: Session) -> list[Address]:
    """Every active admin on each chat they have joined (the backup alerts); when no
    admin has joined a chat (an admin made at first run uses only the web), the
    leadership, so that the news still reaches someone who can act on it."""
    admins = addresses_of_staff(session, _active(session, frozenset({StaffRole.ADMIN})))
    return admins or leadership_recipients(session)


def submitter_recipients(session: Session) -> list[Address]:
    """Everyone of the office who may submit its triwulan IKU to the kabupaten."""
    return addresses_of_staff(session, _active(session, roles_with(Permission.SUBMIT_IKU)))


def kabupaten_recipients(session: Session, roles: frozenset[StaffRole]) -> list[Address]:
    """Every active kabupaten account of these roles on each chat it joined: they belong
    to no office, so they are read past the session's office."""
    with for_all_offices(Session(session.get_bind())) as every:
        return addresses_of_staff(every, _active(every, roles))
