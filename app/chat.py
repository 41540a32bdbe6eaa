"""`sigap chat`: the dialogs at a terminal, as a resident or as a staff member."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from bot.dialogs.desk import Desk
from bot.dialogs.types import ChatUser
from bot.terminal import CHANNEL, TerminalChannel
from core.config import Settings
from core.db import session_scope
from core.services.accounts import link_staff_account
from core.services.records import get_active_staff


def chat(
    settings: Settings,
    engine: Engine,
    staff_id: int | None,
    name: str,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
) -> None:
    """As staff, the terminal account ``staff-<id>`` is linked to that staff member
    first, exactly as an invite links a Telegram or WhatsApp account."""
    key = f"staff-{staff_id}" if staff_id is not None else "warga"
    if staff_id is not None:
        with session_scope(engine) as session:
            staff = get_active_staff(session, staff_id)
            link_staff_account(session, staff, CHANNEL, key)
    channel = TerminalChannel(settings, engine, Desk(settings))
    channel.converse(ChatUser(CHANNEL, key, key, name), read, write)
