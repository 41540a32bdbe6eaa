"""What the chat benchmarks share: a fresh database with one officer on duty who receives
every new report, and waiting until the outbox has delivered everything."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlalchemy import Engine


def prepare(db: Path, accounts: list[tuple[str, str]]) -> None:
    from core.db import make_engine, session_scope, upgrade
    from core.domain.people import StaffRole
    from core.services.messaging.chat_window import note_inbound
    from core.services.performance.records import add_staff
    from core.timeutil import utcnow

    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    with session_scope(engine) as session:
        add_staff(session, "Petugas Bench", StaffRole.TRANTIB, accounts)
        for channel, chat in accounts:  # on duty: wrote this morning, so photos may follow
            note_inbound(session, channel, chat, utcnow())
    engine.dispose()


async def outbox_drained(engine: Engine, timeout: float = 120.0) -> tuple[int, int]:
    """(messages queued in all, still waiting) once nothing waits or time is up."""
    from sqlmodel import Session, col, func, select

    from core.models import OutboxMessage
    from core.services.messaging.outbox import PENDING, SENDING

    deadline = time.monotonic() + timeout
    waiting = 0
    while time.monotonic() < deadline:
        with Session(engine) as session:
            waiting = session.exec(
                select(func.count())
                .select_from(OutboxMessage)
                .where(col(OutboxMessage.status).in_([PENDING, SENDING]))
            ).one()
        if not waiting:
            break
        await asyncio.sleep(0.05)
    with Session(engine) as session:
        queued = session.exec(select(func.count()).select_from(OutboxMessage)).one()
    return queued, waiting
