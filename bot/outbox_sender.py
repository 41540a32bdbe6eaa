"""What every channel's outbox sender shares: the background loop, a lease on its claims,
sent-marks written right after the platform's answer, claiming due messages with per-chat
pacing, an overall pace, and recording failures and retries. A channel supplies only how
one message is sent.

A message is marked sent only after the platform accepted it, within 5 ms, in the next
update's commit or in one of its own (deliveries finishing together share it). That
commit does not wait for the disk: a sent-mark lost to a power cut only means the message
is sent once more, and it costs no fsync. A crash in those milliseconds between the
platform's yes and that commit means the message is sent again after the restart: at
least once, never lost. A
restarted sender takes back the dead process's claims at once (see
core.services.messaging.sender_leases).

Pacing: on SQLite (one process) the overall pace and the per-chat interval live in this
process's memory. On PostgreSQL every process may send, so each send first takes a slot
shared through the database (core.services.messaging.pacing): together the processes
keep the platform's overall rate, and every message, replies included, keeps the chat's
interval (SIGAP_PACING chooses; "auto" shares on PostgreSQL).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from bot.send_pace import LocalPace, SharedPace, shared_pacing
from core.config import Settings
from core.db import repeatable_write, session_scope
from core.services.messaging import outbox, sender_leases
from core.services.messaging.sender_leases import Holder

log = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 300.0
DEAD_CLAIM_CHECK_SECONDS = 5.0
MARK_WITHIN_SECONDS = 0.005
REPLIES_IN_FLIGHT = 4  # updates whose replies travel while later ones are handled
REPLIES_IN_FLIGHT_SHARED = 32  # ... when replies wait for their chat's shared slot


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it runs
        return True
    return True


def backoff(attempts: int, base_seconds: float) -> timedelta:
    """2, 4, 8, ... seconds (with the default base), at most five minutes."""
    return timedelta(seconds=min(base_seconds * 2**attempts, MAX_BACKOFF_SECONDS))


@dataclass
class Outcome:
    message_id: int
    status: str  # sent | retry | failed | release
    external_id: str | None = None
    error: str = ""
    delay: timedelta = timedelta()


class OutboxSender:
    channel: str  # set by each channel's sender

    def __init__(self, engine: Engine, settings: Settings, max_per_second: float) -> None:
        self.engine = engine
        self.settings = settings
        self.wake = asyncio.Event()
        self.pace: LocalPace | SharedPace = (
            SharedPace(engine, self.channel, max_per_second)
            if shared_pacing(settings, engine)
            else LocalPace(max_per_second)
        )
        self._stopping = False
        self._sent: list[Outcome] = []
        self._last_sent: dict[str, float] = {}
        self._last_release = float("-inf")
        self.holder = Holder(uuid.uuid4().hex, socket.gethostname(), os.getpid(), pid_alive)
        self._lease_thread: threading.Thread | None = None
        self._lease_stop = threading.Event()
        self._mark_scheduled = False
        self._chains: dict[str, asyncio.Task[None]] = {}  # replies in flight, per chat
        # shared pacing makes a reply wait for its chat's slot: more may wait meanwhile
        self._room = asyncio.Semaphore(
            REPLIES_IN_FLIGHT_SHARED if self.pace.shared else REPLIES_IN_FLIGHT
        )

    @property
    def lease_id(self) -> str:
        return self.holder.lease_id

    # -- what a channel provides ---------------------------------------------------------
    def chat_interval(self, chat: str) -> float:
        """Seconds between background messages to one chat (0: no pacing)."""
        raise NotImplementedError

    def shared_chat_interval(self, chat: str) -> float:
        """Seconds between any two messages to one chat, replies included, when several
        processes share the pace (by default the background interval)."""
        return self.chat_interval(chat)

    async def deliver(self, claimed: Sequence[outbox.Deliverable]) -> None:
        raise NotImplementedError

    # -- replies, sent beside the next update's work ---------------------------------------
    async def deliver_soon(self, replies: Sequence[outbox.Deliverable]) -> None:
        """Send an update's replies (claimed, committed) without holding up the next
        update: its database work overlaps this round trip. One chat's replies still go
        out in the order of its updates: each waits for that chat's previous ones. With
        ``REPLIES_IN_FLIGHT`` already on their way, wait: a backlog would only cost memory."""
        if not replies:
            return
        await self._room.acquire()
        chat = replies[0].recipient
        task = asyncio.create_task(self._after(self._chains.get(chat), replies))
        self._chains[chat] = task
        task.add_done_callback(lambda done: self._chain_done(chat, done))

    async def _after(
        self, previous: asyncio.Task[None] | None, replies: Sequence[outbox.Deliverable]
    ) -> None:
        if previous is not None:
            await asyncio.wait([previous])  # its outcome is its own; only the order matters
        await self.deliver(replies)

    def _chain_done(self, chat: str, task: asyncio.Task[None]) -> None:
        self._room.release()
        if self._chains.get(chat) is task:
            del self._chains[chat]
        if not task.cancelled() and task.exception() is not None:
            # the claims stay this sender's: the background loop takes them back later
            log.error("%s replies not recorded: %s", self.channel, type(task.exception()).__name__)

    async def settle(self) -> None:
        """Wait for every reply in flight (before the last sent-marks are written)."""
        while self._chains:
            await asyncio.wait(list(self._chains.values()))

    # -- sent-marks, written with the next transaction -------------------------------------
    def take_sent(self) -> list[Outcome]:
        """Deliveries not yet marked in the database; give them back if the commit fails."""
        taken, self._sent = self._sent, []
        return taken

    def give_back(self, taken: list[Outcome]) -> None:
        self._sent[:0] = taken

    @staticmethod
    def mark(session: Session, taken: list[Outcome]) -> None:
        """Mark deliveries sent inside the caller's transaction: under load this rides on
        the next update's commit instead of costing one per message."""
        outbox.mark_all_sent(session, [(o.message_id, o.external_id) for o in taken])

    def record_sent(self) -> None:
        taken = self.take_sent()
        if not taken:
            return
        try:
            with repeatable_write(self.engine) as session:  # no fsync: see the module doc
                self.mark(session, taken)
        except Exception:
            self.give_back(taken)
            raise

    def _mark_soon(self) -> None:
        """Write the sent-marks within ``MARK_WITHIN_SECONDS`` of the platform's yes: the
        next update's commit takes them when one comes sooner (under load, nearly always),
        else one commit for every delivery that finished meanwhile. A kill in that window
        means a message sent twice, never one lost."""
        if self._mark_scheduled:
            return
        self._mark_scheduled = True
        asyncio.get_running_loop().call_later(MARK_WITHIN_SECONDS, self._mark_now)

    def _mark_now(self) -> None:
        self._mark_scheduled = False
        try:
            self.record_sent()
        except Exception:  # kept: they ride on the next commit that succeeds
            log.exception("%s sent-marks not written yet", self.channel)

    # -- the lease on this sender's claims ---------------------------------------------
    def start_lease(self) -> None:
        """Take the lease and keep renewing it from a thread, so a busy event loop never
        lets it lapse while the process lives."""
        if self._lease_thread is not None:
            return
        with session_scope(self.engine) as session:
            sender_leases.take_lease(session, self.holder)
        self._lease_stop.clear()
        self._lease_thread = threading.Thread(
            target=self._renew_lease, name=f"{self.channel}-lease", daemon=True
        )
        self._lease_thread.start()

    def _renew_lease(self) -> None:
        while not self._lease_stop.wait(sender_leases.RENEW_EVERY.total_seconds()):
            try:
                with session_scope(self.engine) as session:
                    sender_leases.renew_lease(session, self.holder)
            except Exception:  # the database may be briefly away: renew next time
                log.warning("%s sender lease not renewed", self.channel)

    def end_lease(self) -> None:
        if self._lease_thread is None:
            return
        self._lease_stop.set()
        self._lease_thread.join()
        self._lease_thread = None
        with session_scope(self.engine) as session:
            sender_leases.end_lease(session, self.holder)

    def waiting(self) -> int:
        with session_scope(self.engine) as session:
            return outbox.waiting_count(session, self.channel)

    async def drain(self, timeout: float) -> int:
        """Outside `sigap run` (e.g. `sigap digest send-now`): send until nothing of this
        channel waits or ``timeout`` passes; how many still wait (`sigap run` sends them)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self.start_lease()
        try:
            while self.waiting() and loop.time() < deadline:
                await self.flush_due()
                self.record_sent()
                await asyncio.sleep(0.05)
        finally:
            self.record_sent()
            self.end_lease()
        return self.waiting()

    # -- the background loop -----------------------------------------------------------
    async def run(self) -> None:
        self.start_lease()
        while not self._stopping:
            try:
                await self.flush_due()
            except Exception:  # the database may be briefly unavailable: try next pass
                log.exception("%s outbox pass failed", self.channel)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), self.settings.outbox_poll_seconds)
            self.wake.clear()

    def stop(self) -> None:
        """Stop the loop; the channel calls ``finish`` once its last reply went out."""
        self._stopping = True
        self.wake.set()
        if self._sent:
            self.record_sent()

    def finish(self) -> None:
        """Record the last deliveries, hand back unsent claims, and end the lease."""
        self.record_sent()
        self.end_lease()

    async def flush_due(self) -> None:
        """One pass over due messages, in one transaction with the waiting sent-marks:
        with pacing, at most one per chat per pass and none within the chat's interval;
        without it, each chat's whole backlog in order."""
        taken = self.take_sent()
        try:
            with session_scope(self.engine) as session:
                self.mark(session, taken)
                if time.monotonic() - self._last_release > DEAD_CLAIM_CHECK_SECONDS:
                    sender_leases.release_dead_claims(session, self.holder)
                    self._last_release = time.monotonic()
                due = outbox.due_ids(session, self.channel)
                claimed = outbox.claim_many(session, self._choose(due), self.lease_id)
        except Exception:
            self.give_back(taken)
            raise
        await self.deliver(claimed)

    def _choose(self, due: Sequence[tuple[int, str]]) -> list[int]:
        chosen, seen = [], set()
        for message_id, chat in due:
            paced = self.chat_interval(chat) > 0
            if (paced and chat in seen) or self._too_soon(chat):
                continue
            seen.add(chat)
            chosen.append(message_id)
        return chosen

    def _too_soon(self, chat: str) -> bool:
        last = self._last_sent.get(chat)
        return last is not None and time.monotonic() - last < self.chat_interval(chat)

    def sent_to(self, chat: str) -> None:
        self._last_sent[chat] = time.monotonic()

    async def overall_gate(self, chat: str | None = None) -> None:
        """Stay under the platform's overall rate (and, when several processes share the
        pace, the chat's interval too): wait for this send's slot."""
        gap = self.shared_chat_interval(chat) if chat is not None and self.pace.shared else 0.0
        await self.pace.turn(chat, gap)

    async def send_in_order(
        self,
        claimed: Sequence[outbox.Deliverable],
        send_one: Callable[[outbox.Deliverable], Awaitable[Outcome]],
    ) -> None:
        """Send each chat's messages in order; after a retry in a chat, the rest of that
        chat's messages go back to wait behind it. Then record every outcome."""
        outcomes: list[Outcome] = []
        halted: set[str] = set()
        for message in claimed:
            assert message.id is not None
            if message.recipient in halted:
                outcomes.append(Outcome(message.id, "release"))
                continue
            outcome = await send_one(message)
            outcomes.append(outcome)
            if outcome.status == "retry":
                halted.add(message.recipient)
        self.record(outcomes)

    # -- outcomes ----------------------------------------------------------------------
    def record(self, outcomes: Sequence[Outcome]) -> None:
        """Sent ones wait for the next commit; failures, releases and retries now."""
        self._sent.extend(o for o in outcomes if o.status == "sent")
        if self._sent:
            self._mark_soon()
        others = [o for o in outcomes if o.status != "sent"]
        if not others:
            return
        with session_scope(self.engine) as session:
            for outcome in others:
                if outcome.status == "failed":
                    outbox.mark_failed(session, outcome.message_id, outcome.error)
                elif outcome.status == "release":
                    outbox.release(session, outcome.message_id)
                else:
                    self._retry(session, outcome)
        self.wake.set()

    def _retry(self, session: Session, outcome: Outcome) -> None:
        log.info(
            "%s outbox %s: %s; retry in %s",
            self.channel,
            outcome.message_id,
            outcome.error,
            outcome.delay,
        )
        status = outbox.mark_retry(session, outcome.message_id, outcome.error, outcome.delay)
        if status == outbox.FAILED:
            log.error("%s outbox %s given up: %s", self.channel, outcome.message_id, outcome.error)
