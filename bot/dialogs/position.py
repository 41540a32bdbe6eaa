"""Where a person stands in a dialog, stored per (channel, user) so a restart resumes;
read with the account itself (core.services.access.accounts.chat_context), in one query.

Read and written with statements built once: this runs for every chat update, and an
ORM object per turn cost more than the SQL itself. They run on the session's connection
(same transaction) because the ORM's execute path, autoflush included, cost more still.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from core.models import DialogState
from core.timeutil import utcnow

TABLE: Table = DialogState.__table__  # type: ignore[attr-defined]
KEY = (TABLE.c.channel == bindparam("channel")) & (TABLE.c.user_key == bindparam("user_key"))
CLEAR = delete(TABLE).where(KEY)


@dataclass
class Position:
    dialog: str
    step: str
    data: str = "{}"


@lru_cache(maxsize=4)
def _save_statement(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(TABLE).values(
        channel=bindparam("channel"),
        user_key=bindparam("user_key"),
        dialog=bindparam("dialog"),
        step=bindparam("step"),
        data=bindparam("data"),
        updated_at=bindparam("at"),
    )
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[TABLE.c.channel, TABLE.c.user_key],
        set_={
            "dialog": excluded.dialog,
            "step": excluded.step,
            "data": excluded.data,
            "updated_at": excluded.updated_at,
        },
    )


def save_position(session: Session, channel: str, user_key: str, position: Position) -> None:
    statement = _save_statement(session.get_bind().dialect.name)
    session.connection().execute(
        statement,
        {
            "channel": channel,
            "user_key": user_key,
            "dialog": position.dialog,
            "step": position.step,
            "data": position.data,
            "at": utcnow(),
        },
    )


def clear_position(session: Session, channel: str, user_key: str) -> None:
    session.connection().execute(CLEAR, {"channel": channel, "user_key": user_key})
