"""Which process polls Telegram: a PostgreSQL session-level advisory lock, held on a
connection of its own for as long as that process polls.

Telegram serves getUpdates to one caller at a time (a second gets 409 Conflict), so of
several `sigap run` processes on one database exactly one polls. The lock belongs to the
database session: when the holder dies, its connection closes and PostgreSQL frees the
lock at once (across hosts, once the server notices the dead connection: its TCP
keepalive settings). The others try again every second or two and one takes over.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

from core.db import APPLICATION_NAME as APP


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a name (advisory locks are keyed by a bigint)."""
    digest = hashlib.sha256(f"sigap:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class SessionLock:
    """One advisory lock on one dedicated connection (not the pool's: the lock lives as
    long as the connection, and a pooled one would outlive its user)."""

    def __init__(self, engine: Engine, name: str) -> None:
        self._engine = create_engine(
            engine.url,
            poolclass=NullPool,
            hide_parameters=True,
            # a dead database host is noticed by the holder within seconds, and a dead
            # holder by the server (which then frees the lock): keepalives both ways
            # (a pooler in transaction mode, e.g. PgBouncer's, would not keep the lock)
            connect_args={
                "keepalives": 1,
                "keepalives_idle": 5,
                "keepalives_interval": 2,
                "connect_timeout": 10,
                "options": (
                    "-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2"
                    " -c tcp_keepalives_count=3 -c tcp_user_timeout=15000"
                ),
                **({} if "application_name" in engine.url.query else {"application_name": APP}),
            },
        )
        self.key = lock_key(name)
        self._connection: Connection | None = None
        self.held = False

    def try_take(self) -> bool:
        """Take the lock if nobody holds it; False while another session does."""
        if self._connection is None:
            self._connection = self._engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            )
        taken = self._connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
        ).scalar()
        self.held = bool(taken)
        return self.held

    def still_held(self) -> bool:
        """The session holding the lock is still there (a lost connection lost it)."""
        if self._connection is None or not self.held:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
        except Exception:
            self.drop()
            return False
        return True

    def drop(self) -> None:
        """Close the connection: the lock, if held, goes with it."""
        connection, self._connection, self.held = self._connection, None, False
        if connection is not None:
            try:
                connection.close()
            except Exception:  # already broken: nothing more to free
                connection.invalidate()

    def close(self) -> None:
        self.drop()
        self._engine.dispose()
