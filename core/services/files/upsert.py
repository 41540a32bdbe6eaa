"""Upserts that work the same on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, bindparam, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from core.models import ProcessedUpdate


def add_to_counters(
    session: Session,
    table: Table,
    key_columns: Sequence[str],
    rows: Sequence[dict[str, Any]],
    fixed_columns: Sequence[str] = (),
) -> None:
    """Insert each row, or add its counter values to the row already under its key;
    ``fixed_columns`` are neither key nor counter (they go in with a new row only)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    counters = [name for name in rows[0] if name not in (*key_columns, *fixed_columns)]
    statement = statement.on_conflict_do_update(
        index_elements=list(key_columns),
        set_={name: table.c[name] + statement.excluded[name] for name in counters},
    )
    session.execute(statement, list(rows))


@lru_cache(maxsize=32)
def _insert_ignoring(dialect: str, table: Table, columns: tuple[str, ...]) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values({c: bindparam(c) for c in columns}).on_conflict_do_nothing()
    return statement.returning(*table.primary_key.columns)


def insert_if_absent(session: Session, table: Table, row: dict[str, Any]) -> bool:
    """Insert the row unless its key exists; True if it was inserted. The statement is
    built once per table and runs on the session's connection, without an ORM flush
    first (it runs for every chat update): only for tables no pending object refers to.

    RETURNING tells whether a row went in; the driver's rowcount cannot be trusted here
    (psycopg reports -1 for it when the table has a column with a Python-side default)."""
    dialect = session.get_bind().dialect.name
    statement = _insert_ignoring(dialect, table, tuple(sorted(row)))
    return session.connection().execute(statement, row).first() is not None


PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows of the same keys with one driver ``executemany``: each column's
    conversion is looked up once, not per row (SQLAlchemy's per-row parameter processing
    was a sixth of a large SKM import). Other parameter styles take the usual path."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    mark = PLACEHOLDERS.get(dialect.paramstyle)
    if mark is None:
        session.execute(insert(table), list(rows))
        return
    keys = list(rows[0])
    columns = [table.c[key] for key in keys]
    convert = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    names = ", ".join(dialect.identifier_preparer.quote(c.name) for c in columns)
    sql = f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({names}) "
    sql += f"VALUES ({', '.join([mark] * len(keys))})"
    pairs = list(zip(keys, convert, strict=True))
    values = [
        tuple(row[key] if fn is None or row[key] is None else fn(row[key]) for key, fn in pairs)
        for row in rows
    ]
    connection.exec_driver_sql(sql, values)


def delivery_key(key: str) -> str:
    """What is kept of an inbound id: a digest. A WhatsApp message id encodes the
    sender's number, and an erased resident's number must not outlive them here."""
    return hashlib.blake2b(key.encode(), digest_size=20).hexdigest()


def first_delivery(session: Session, channel: str, key: str) -> bool:
    """Record an inbound update or message id; False if it was recorded before (chat
    platforms deliver at least once), in which case the caller does nothing more."""
    table = ProcessedUpdate.__table__  # type: ignore[attr-defined]
    row = {"channel": channel, "update_key": delivery_key(key)}
    return insert_if_absent(session, table, row)
