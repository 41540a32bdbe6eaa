"""Engine, sessions and migrations.

SQLite runs in WAL mode with foreign keys on and a busy timeout, so the bot, the
scheduler and the CLI can share one file; PostgreSQL is used as is.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

import core.scope  # noqa: F401  (every session keeps to its office: see core/scope.py)

if TYPE_CHECKING:
    from alembic.config import Config

    from core.config import Settings

SQLITE_BUSY_TIMEOUT_MS = 15_000


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    # WAL + NORMAL is durable against process crashes; FULL adds power-loss safety.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


# Connections kept open per process: the web back office serves pages from a thread pool,
# and a pool smaller than the pages in flight opens and closes a connection (and, on
# SQLite, re-runs the PRAGMAs above) per request: measured in bench/web.py at 8 clients,
# server time p50 ~40 ms with the default 5, ~5 ms with 16.
POOL_SIZE = 16


# A transaction left open (a bug, a stuck thread) keeps its locks until it ends, blocking
# VACUUM, migrations and every TRUNCATE or ALTER behind it. Where the server sets no limit
# (`idle_in_transaction_session_timeout` = 0), each Sigap connection gets this one, so
# PostgreSQL ends such a session instead of letting it hold on for days. Sigap's longest
# pause inside a transaction is a report being rendered: seconds.
IDLE_IN_TRANSACTION_TIMEOUT = "5min"
APPLICATION_NAME = "sigap"  # what pg_stat_activity shows, unless the URL names another


def _configure_postgres(dbapi_connection: Any, _record: Any) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SHOW idle_in_transaction_session_timeout")
        row = cursor.fetchone()
        if row is not None and row[0] == "0":  # the server's or the role's own limit stays
            cursor.execute(
                f"SET idle_in_transaction_session_timeout = '{IDLE_IN_TRANSACTION_TIMEOUT}'"
            )
    dbapi_connection.commit()


def make_engine(database_url: str, **kwargs: Any) -> Engine:
    kwargs.setdefault("pool_size", POOL_SIZE)
    # a failed statement's message never carries its parameters (names, numbers, notes)
    kwargs.setdefault("hide_parameters", True)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    if "application_name" not in url.query:
        kwargs["connect_args"] = {"application_name": APPLICATION_NAME} | kwargs.get(
            "connect_args", {}
        )
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    event.listen(engine, "connect", _configure_postgres)
    return engine


@contextmanager
def session_scope(engine: Engine | Connection) -> Iterator[Session]:
    """A unit of work: committed when the block ends, rolled back if it raises."""
    with Session(bind=engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def repeatable_write(engine: Engine) -> Iterator[Session]:
    """A unit of work whose loss in a power cut costs only a repeat, never data: an
    outbox sent-mark (lost, the message is sent once more). It commits without waiting
    for the disk (SQLite ``synchronous=NORMAL`` under WAL, PostgreSQL
    ``synchronous_commit=off``), so marking a delivery at once costs no fsync; it still
    survives the process being killed, as the write has reached the operating system."""
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
            connection.commit()
        try:
            with session_scope(connection) as session:
                if not sqlite:
                    session.connection().exec_driver_sql("SET LOCAL synchronous_commit = off")
                yield session
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA synchronous=FULL")
                connection.commit()


def alembic_config(engine: Engine, settings: Settings | None = None) -> Config:
    """``settings`` describe the first office to a migration that needs them (0014)."""
    from alembic.config import Config  # only when migrating: a query needs none of it

    config = Config()
    config.set_main_option("script_location", str(files("core") / "migrations"))
    config.attributes["engine"] = engine
    if settings is not None:
        config.attributes["settings"] = settings
    return config


def upgrade(engine: Engine, revision: str = "head", settings: Settings | None = None) -> None:
    """Migrate to ``revision``; a database migrated by a newer Sigap is refused first
    (core.schema.SchemaNewerThanCode, one sentence) rather than half understood."""
    from alembic import command

    from core.schema import refuse_newer_schema

    refuse_newer_schema(engine)
    command.upgrade(alembic_config(engine, settings), revision)
