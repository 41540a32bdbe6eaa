"""How fast a channel's sender may send: alone (SQLite, one process) in this process's
memory, or shared with every other process through the database (PostgreSQL), overall
and per chat (core.services.messaging.pacing; SIGAP_PACING chooses)."""

from __future__ import annotations

import asyncio
import logging
import time

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from core.config import Settings
from core.services.messaging import pacing

log = logging.getLogger(__name__)
FORGET_IDLE_CHATS_SECONDS = 600.0  # how often the shared pace drops idle chats' rows
# A send leaves a little after its slot on a busy host (the event loop's jitter), and the
# next one to that chat may leave on time (from another process): the chat's interval is
# kept with this much to spare, so the platform never sees two closer than it allows.
CHAT_MARGIN_SECONDS = 0.25
STALE_SLOT_SECONDS, MAX_RETAKES = 0.1, 3  # a slot missed by more is not used


class LocalPace:
    """This process alone sends: the overall pace in memory, without a lock per call.
    Replies are not held to the chat's interval (the background loop's choice is)."""

    shared = False

    def __init__(self, max_per_second: float) -> None:
        self._gap = 1.0 / max_per_second
        self._next_slot = 0.0  # earliest monotonic time of the next send

    async def turn(self, chat: str | None, chat_gap: float) -> None:
        now = time.monotonic()
        slot = max(now, self._next_slot)
        self._next_slot = slot + self._gap
        if slot > now:
            await asyncio.sleep(slot - now)


class SharedPace:
    """Several processes send: each send takes its slot from the database (one
    statement), overall and in its chat, then waits for it. Should the database be away
    for a moment, this process paces alone meanwhile (and logs it)."""

    shared = True

    def __init__(self, engine: Engine, channel: str, max_per_second: float) -> None:
        self.engine = engine
        self.channel = channel
        self._gap = 1.0 / max_per_second
        self._fallback = LocalPace(max_per_second)
        self._forgot = time.monotonic()

    async def turn(self, chat: str | None, chat_gap: float) -> None:
        """Wait for this send's slot (the chat's first when it must wait: meanwhile no
        slot of the channel is held, so other chats go on)."""
        retakes = 0
        while True:
            try:
                gap = chat_gap + CHAT_MARGIN_SECONDS if chat_gap > 0 else 0.0
                # on the loop, as the handlers' own database work is: taken in a thread,
                # slots would be reserved while the loop stalls and then spent at once
                slot, due = self._take(chat, gap)
            except SQLAlchemyError:
                log.warning("%s shared pacing unavailable: pacing alone", self.channel)
                await self._fallback.turn(chat, chat_gap)
                return
            # the slot's moment on this host's clock, read when the database answered:
            # however long the answer took to come back to the loop, the send keeps it
            if due > time.monotonic():
                await asyncio.sleep(due - time.monotonic())
            stale = time.monotonic() - due > STALE_SLOT_SECONDS and retakes < MAX_RETAKES
            if slot.taken and not stale:
                return
            # the chat was not free (now it is), or this host stalled past the slot: a
            # fresh slot rather than a burst of sends whose slots all passed meanwhile
            retakes += slot.taken

    def _take(self, chat: str | None, chat_gap: float) -> tuple[pacing.Slot, float]:
        with self.engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            slot = pacing.take_slot(connection, self.channel, self._gap, chat, chat_gap)
            due = time.monotonic() + slot.wait
            if time.monotonic() - self._forgot > FORGET_IDLE_CHATS_SECONDS:
                self._forgot = time.monotonic()
                pacing.forget_idle_chats(connection)
        return slot, due


def shared_pacing(settings: Settings, engine: Engine) -> bool:
    if settings.pacing == "auto":
        return engine.dialect.name == "postgresql"
    return settings.pacing == "database"
