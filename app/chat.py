"""`sigap chat`: the dialogs at a terminal, as a resident or as a staff member, in the
practice database unless the operator asks for the real one."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from bot.dialogs.desk import Desk
from bot.dialogs.types import ChatUser
from bot.i18n import t
from bot.terminal import CHANNEL, TerminalChannel
from core.config import Settings
from core.db import make_engine, session_scope, upgrade
from core.models import Staff
from core.scope import across_offices, for_office
from core.services.access.accounts import link_staff_account
from core.services.operations.practice import copy_reference_data
from core.services.performance.records import get_active_staff

log = logging.getLogger(__name__)


def practice_engine(settings: Settings, real: Engine) -> Engine:
    """The practice database, migrated, with the office's current staff and services."""
    practice = make_engine(settings.practice_database_url)
    upgrade(practice, settings=settings)
    try:
        with session_scope(real) as source, session_scope(practice) as target:
            copy_reference_data(source, target)
    except SQLAlchemyError:  # no office database yet: practise with what is there
        log.info("practice database: no staff or services to copy")
    return practice


def _as_office_of(session: Session, staff_id: int) -> None:
    """The session works for the staff member's own office (one of several, maybe)."""
    office = session.exec(
        across_offices(select(Staff.office_id).where(Staff.id == staff_id))
    ).first()
    if office is not None:
        for_office(session, office)


def chat(
    settings: Settings,
    engine: Engine,
    staff_id: int | None,
    name: str,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
    *,
    practice: bool = False,
    watch: bool = False,
) -> None:
    """As staff, the terminal account ``staff-<id>`` is linked to that staff member
    first, exactly as an invite links a Telegram or WhatsApp account. ``watch`` prints
    news (a new report, a state change) while the terminal waits for input."""
    write(t("id", "terminal.practice" if practice else "terminal.real"))
    write(t("id", "terminal.leave"))
    key = f"staff-{staff_id}" if staff_id is not None else "warga"
    if staff_id is not None:
        with session_scope(engine) as session:
            _as_office_of(session, staff_id)
            staff = get_active_staff(session, staff_id)
            link_staff_account(session, staff, CHANNEL, key)
    channel = TerminalChannel(settings, engine, Desk(settings))
    channel.converse(ChatUser(CHANNEL, key, key, name), read, write, watch=watch)
