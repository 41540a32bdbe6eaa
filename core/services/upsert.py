"""Upserts that work the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def add_to_counters(
    session: Session,
    table: Table,
    key_columns: Sequence[str],
    rows: Sequence[dict[str, Any]],
) -> None:
    """Insert each row, or add its counter values to the row already under its key."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    counters = [name for name in rows[0] if name not in key_columns]
    statement = statement.on_conflict_do_update(
        index_elements=list(key_columns),
        set_={name: table.c[name] + statement.excluded[name] for name in counters},
    )
    session.execute(statement, list(rows))


def insert_if_absent(session: Session, table: Table, row: dict[str, Any]) -> bool:
    """Insert the row unless its key exists; True if it was inserted."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = session.execute(insert(table).values(**row).on_conflict_do_nothing())
    return bool(getattr(result, "rowcount", 0))
