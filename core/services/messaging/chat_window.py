"""The 24-hour customer-service window of WhatsApp: free-form messages may be sent only
within 24 h of the person's last message; after that only an approved template."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from core.models import ChatWindow
from core.timeutil import utcnow

WINDOW = timedelta(hours=24)
TABLE: Table = ChatWindow.__table__  # type: ignore[attr-defined]


@lru_cache(maxsize=2)
def _note_statement(dialect: str) -> Any:
    """Built once per dialect: it runs for every inbound message."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(TABLE).values(
        channel=bindparam("channel"), chat_id=bindparam("chat_id"), last_inbound_at=bindparam("at")
    )
    return statement.on_conflict_do_update(
        index_elements=["channel", "chat_id"],
        set_={"last_inbound_at": statement.excluded.last_inbound_at},
        where=TABLE.c.last_inbound_at < statement.excluded.last_inbound_at,
    )


def note_inbound(session: Session, channel: str, chat_id: str, at: datetime) -> None:
    """Remember the latest message time; an older one arriving late changes nothing."""
    statement = _note_statement(session.get_bind().dialect.name)
    session.connection().execute(statement, {"channel": channel, "chat_id": chat_id, "at": at})


def open_windows(
    session: Session, channel: str, chat_ids: Iterable[str], now: datetime | None = None
) -> set[str]:
    """Which of these chats may receive a free-form message now."""
    wanted = sorted(set(chat_ids))
    if not wanted:
        return set()
    since = (now or utcnow()) - WINDOW
    rows = session.exec(
        select(ChatWindow.chat_id).where(
            ChatWindow.channel == channel,
            col(ChatWindow.chat_id).in_(wanted),
            col(ChatWindow.last_inbound_at) > since,
        )
    ).all()
    return set(rows)
