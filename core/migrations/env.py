"""Alembic environment: runs against the engine Sigap hands it (see core.db.upgrade)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import core.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from core.config import get_settings
from core.db import make_engine

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = context.config.attributes.get("engine") or make_engine(get_settings().database_url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it into a new one and dropping the old: with
            # foreign keys enforced, dropping a table other rows refer to fails on any
            # filled database. The pragma only takes effect outside a transaction; the
            # check afterwards makes sure the migrated rows still hold together.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        with connection.begin():
            _migrate(connection, sqlite)
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
            if broken:
                raise RuntimeError(f"migration left {len(broken)} broken foreign key(s)")


def _migrate(connection: Connection, sqlite: bool) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    context.run_migrations()


run_migrations_online()
