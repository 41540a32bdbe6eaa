"""Delivers the outbox to WhatsApp: replies at once, the rest in the background.

Within 24 h of the person's last message a normal message; outside it the approved
template, never a free-form message WhatsApp would refuse (error 131047). Throttling
(429, codes 4/80007/130429/131048/131056), network errors and 5xx back off and retry;
any other refusal is final and logged with its reason. A message is marked sent only
after the Graph API accepted it and gave its id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from bot.telegram.sender import STALE_RELEASE_SECONDS, Outcome, backoff, render
from bot.whatsapp import convert
from bot.whatsapp.graph import GraphClient, GraphError
from core.config import Settings
from core.db import session_scope
from core.services import outbox
from core.services.chat_window import open_windows

log = logging.getLogger(__name__)


class OutsideWindow(Exception):
    """Nothing allowed to send outside the 24 h window; final for this message."""


class WhatsAppSender:
    def __init__(self, graph: GraphClient, engine: Engine, settings: Settings) -> None:
        self.graph = graph
        self.engine = engine
        self.settings = settings
        self.wake = asyncio.Event()
        self._stopping = False
        self._chat_locks: dict[str, asyncio.Lock] = {}
        self._last_sent: dict[str, float] = {}
        self._next_slot = 0.0
        self._sent: list[Outcome] = []
        self._last_release = float("-inf")

    # -- sent-marks, written with the next transaction -----------------------------------
    def take_sent(self) -> list[Outcome]:
        """Deliveries not yet marked in the database; give them back if the commit fails.
        Marking rides on the next webhook's or pass's commit instead of costing one
        commit per reply (a crash before it means the message is sent again after the
        stale-claim timeout: at least once, never lost)."""
        taken, self._sent = self._sent, []
        return taken

    def give_back(self, taken: list[Outcome]) -> None:
        self._sent[:0] = taken

    @staticmethod
    def mark(session: Session, taken: list[Outcome]) -> None:
        outbox.mark_all_sent(session, [(o.message_id, o.external_id) for o in taken])

    # -- the background loop -----------------------------------------------------------
    async def run(self) -> None:
        while not self._stopping:
            try:
                await self.flush_due()
            except Exception:  # the database may be briefly unavailable: next pass
                log.exception("whatsapp outbox pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), self.settings.outbox_poll_seconds)
            self.wake.clear()

    def stop(self) -> None:
        self._stopping = True
        self.wake.set()

    def record_sent(self) -> None:
        taken = self.take_sent()
        try:
            with session_scope(self.engine) as session:
                self.mark(session, taken)
        except Exception:
            self.give_back(taken)
            raise

    async def flush_due(self) -> None:
        """One pass: with pacing, at most one message per person and none within the
        interval; without it, each person's whole backlog in order."""
        taken = self.take_sent()
        try:
            with session_scope(self.engine) as session:
                self.mark(session, taken)
                if time.monotonic() - self._last_release > STALE_RELEASE_SECONDS:
                    outbox.release_stale(session)
                    self._last_release = time.monotonic()
                chosen, seen = [], set()
                paced = self.settings.whatsapp_per_user_interval > 0
                for message_id, chat in outbox.due_ids(session, convert.CHANNEL):
                    if (paced and chat in seen) or self._too_soon(chat):
                        continue
                    seen.add(chat)
                    chosen.append(message_id)
                claimed = outbox.claim_many(session, chosen)
        except Exception:
            self.give_back(taken)
            raise
        await self.deliver(claimed)

    def _too_soon(self, chat: str) -> bool:
        last = self._last_sent.get(chat)
        interval = self.settings.whatsapp_per_user_interval
        return last is not None and time.monotonic() - last < interval

    # -- sending -----------------------------------------------------------------------
    async def deliver(self, claimed: Sequence[outbox.Deliverable], replying: bool = False) -> None:
        """Send claimed messages, each person's in order, and record every outcome.
        ``replying``: answers to the person who just wrote, whose window is open."""
        if not claimed:
            return
        if replying:
            in_window = {m.recipient for m in claimed}
        else:
            with session_scope(self.engine) as session:
                recipients = (m.recipient for m in claimed)
                in_window = open_windows(session, convert.CHANNEL, recipients)
        outcomes: list[Outcome] = []
        halted: set[str] = set()
        for message in claimed:
            assert message.id is not None
            if message.recipient in halted:  # keep the person's order: wait for the retry
                outcomes.append(Outcome(message.id, "release"))
                continue
            lock = self._chat_locks.setdefault(message.recipient, asyncio.Lock())
            async with lock:
                outcome = await self._send_one(message, message.recipient in in_window)
            outcomes.append(outcome)
            if outcome.status == "retry":
                halted.add(message.recipient)
        self._record(outcomes)
        if any(o.status == "retry" for o in outcomes):
            self.wake.set()

    async def _gate(self) -> None:
        """Stay under the number's overall rate without a lock per call."""
        now = time.monotonic()
        slot = max(now, self._next_slot)
        self._next_slot = slot + 1.0 / self.settings.whatsapp_max_per_second
        if slot > now:
            await asyncio.sleep(slot - now)

    async def _send_one(self, message: outbox.Deliverable, window_open: bool) -> Outcome:
        assert message.id is not None
        await self._gate()
        try:
            if window_open:
                try:
                    wamid = await self._send_free_form(message)
                except GraphError as exc:
                    if not exc.outside_window:
                        raise
                    wamid = await self._send_template(message)  # our clock vs Meta's
            else:
                wamid = await self._send_template(message)
        except GraphError as exc:
            return self._failure(message, exc)
        except OutsideWindow as exc:
            log.warning("whatsapp outbox %s to %s: %s", message.id, message.recipient, exc)
            return Outcome(message.id, "failed", error=str(exc))
        except OSError as exc:  # the report file is gone: nothing to retry
            log.error("whatsapp outbox %s: attachment unreadable: %s", message.id, exc)
            return Outcome(message.id, "failed", error=f"attachment: {exc}")
        self._last_sent[message.recipient] = time.monotonic()
        return Outcome(message.id, "sent", external_id=wamid)

    async def _send_free_form(self, message: outbox.Deliverable) -> str:
        text = render(message)
        if message.attachment:
            path = Path(message.attachment)
            media_id = await self.graph.upload(path)
            document = {"id": media_id, "filename": path.name, "caption": text[:1024]}
            return await self.graph.send(
                convert.addressed(message.recipient, {"type": "document", "document": document})
            )
        body = convert.body_for(text, message.markup, message.language)
        return await self.graph.send(convert.addressed(message.recipient, body))

    async def _send_template(self, message: outbox.Deliverable) -> str:
        """Outside the window: the approved template carries the text (the digest has
        its own template). A report file cannot travel in a template."""
        if message.attachment:
            raise OutsideWindow("outside the 24 h window: a file cannot be sent as a template")
        digest = message.topic == outbox.DIGEST_TOPIC
        settings = self.settings
        name = settings.whatsapp_template_digest if digest else settings.whatsapp_template_notify
        body = convert.template_body(name, message.language, render(message))
        return await self.graph.send(convert.addressed(message.recipient, body))

    def _failure(self, message: outbox.Deliverable, exc: GraphError) -> Outcome:
        assert message.id is not None
        if exc.temporary:
            base = self.settings.outbox_retry_base_seconds
            if exc.throttled:  # wait at least the per-person pace Meta asks for
                base = max(base, self.settings.whatsapp_per_user_interval)
            delay = backoff(message.attempts, base)
            return Outcome(message.id, "retry", error=str(exc), delay=delay)
        log.warning("whatsapp outbox %s refused for good: %s", message.id, exc)
        return Outcome(message.id, "failed", error=str(exc))

    def _record(self, outcomes: Sequence[Outcome]) -> None:
        self._sent.extend(o for o in outcomes if o.status == "sent")
        others = [o for o in outcomes if o.status != "sent"]
        if not others:
            return
        with session_scope(self.engine) as session:
            for outcome in others:
                if outcome.status == "failed":
                    outbox.mark_failed(session, outcome.message_id, outcome.error)
                elif outcome.status == "release":
                    outbox.release(session, outcome.message_id)
                elif outcome.status == "retry":
                    self._retry(session, outcome)

    @staticmethod
    def _retry(session: Session, outcome: Outcome) -> None:
        log.info(
            "whatsapp outbox %s: %s; retry in %s", outcome.message_id, outcome.error, outcome.delay
        )
        status = outbox.mark_retry(session, outcome.message_id, outcome.error, outcome.delay)
        if status == outbox.FAILED:
            log.error("whatsapp outbox %s given up: %s", outcome.message_id, outcome.error)
