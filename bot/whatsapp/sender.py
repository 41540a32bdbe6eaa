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
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from sqlalchemy import Engine

from bot.attachments import STORED_PHOTO, PhotoNotYetStored, stored_photo
from bot.notifications import rendered, words
from bot.outbox_sender import OutboxSender, Outcome, backoff
from bot.whatsapp import convert
from bot.whatsapp.graph import GraphClient, GraphError
from core.config import Settings
from core.db import session_scope
from core.services.messaging import outbox
from core.services.messaging.chat_window import open_windows

log = logging.getLogger(__name__)


class OutsideWindow(Exception):
    """Nothing allowed to send outside the 24 h window; final for this message."""


class WhatsAppSender(OutboxSender):
    channel = convert.CHANNEL

    def __init__(self, graph: GraphClient, engine: Engine, settings: Settings) -> None:
        super().__init__(engine, settings, settings.whatsapp_max_per_second)
        self.graph = graph
        self._chat_locks: dict[str, asyncio.Lock] = {}
        self._lock_users: dict[str, int] = {}

    def chat_interval(self, chat: str) -> float:
        return self.settings.whatsapp_per_user_interval

    def shared_chat_interval(self, chat: str) -> float:
        """None across processes: WhatsApp's pair limit (~1 per 6 s) tolerates bursts, and
        six seconds before every reply would be felt. Background news keeps its interval
        in each process's choice of what to send (``chat_interval``)."""
        return 0.0

    @contextlib.asynccontextmanager
    async def _turn_of(self, chat: str) -> AsyncIterator[None]:
        """One person's replies to two webhooks in a row must not overtake each other;
        the lock is forgotten when nobody waits for it (people are many, and stay)."""
        lock = self._chat_locks.setdefault(chat, asyncio.Lock())
        self._lock_users[chat] = self._lock_users.get(chat, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._lock_users[chat] -= 1
            if not self._lock_users[chat]:
                del self._lock_users[chat], self._chat_locks[chat]

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

        async def send_one(message: outbox.Deliverable) -> Outcome:
            async with self._turn_of(message.recipient):
                return await self._send_one(message, message.recipient in in_window)

        await self.send_in_order(claimed, send_one)

    async def _send_one(self, message: outbox.Deliverable, window_open: bool) -> Outcome:
        assert message.id is not None
        await self.overall_gate(message.recipient)
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
            log.warning("whatsapp outbox %s not sent: %s", message.id, exc)
            return Outcome(message.id, "failed", error=str(exc))
        except PhotoNotYetStored:  # its download is under way
            delay = backoff(message.attempts, self.settings.outbox_retry_base_seconds)
            return Outcome(message.id, "retry", error="photo not downloaded yet", delay=delay)
        except OSError as exc:  # the report file is gone: nothing to retry
            log.error("whatsapp outbox %s: attachment unreadable: %s", message.id, exc)
            return Outcome(message.id, "failed", error=f"attachment: {exc}")
        self.sent_to(message.recipient)
        return Outcome(message.id, "sent", external_id=wamid)

    async def _send_free_form(self, message: outbox.Deliverable) -> str:
        text, markup = rendered(message)
        if message.attachment and message.attachment.startswith(STORED_PHOTO):
            path = stored_photo(self.engine, self.settings, message.attachment)
            image = {"id": await self.graph.upload(path), "caption": text[:1024]}
            return await self.graph.send(
                convert.addressed(message.recipient, {"type": "image", "image": image})
            )
        if message.attachment:
            path = Path(message.attachment)
            media_id = await self.graph.upload(path)
            document = {"id": media_id, "filename": path.name, "caption": text[:1024]}
            return await self.graph.send(
                convert.addressed(message.recipient, {"type": "document", "document": document})
            )
        body = convert.body_for(text, markup, message.language)
        return await self.graph.send(convert.addressed(message.recipient, body))

    async def _send_template(self, message: outbox.Deliverable) -> str:
        """Outside the window: the approved template carries the text (the digest has
        its own template). A report file cannot travel in a template."""
        if message.attachment:
            raise OutsideWindow("outside the 24 h window: a file cannot be sent as a template")
        digest = message.topic == outbox.DIGEST_TOPIC
        settings = self.settings
        name = settings.whatsapp_template_digest if digest else settings.whatsapp_template_notify
        body = convert.template_body(name, message.language, words(message))
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
