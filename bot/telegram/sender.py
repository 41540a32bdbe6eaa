"""Delivers the outbox to Telegram: now for replies, in the background for the rest.

A message is marked sent only after Telegram accepted it. 429 waits retry_after, network
errors and 5xx back off and retry, a refusal (blocked bot, bad request) is logged as
failed. Pacing lives here rather than in PTB's AIORateLimiter: every message already
passes through this sender, and the limiter's per-request locking measured 0.7 ms per
request in `bench/telegram_bot.py`. Overall ~TELEGRAM_MAX_PER_SECOND; background sends
at most ~1/s per private chat and 20/min per group.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session
from telegram import Bot, Message
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.i18n import t
from bot.telegram.convert import CHANNEL, keyboard
from core.config import Settings
from core.db import session_scope
from core.services import outbox

log = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 300.0
STALE_RELEASE_SECONDS = 30.0
GROUP_INTERVAL_SECONDS = 3.0  # Telegram: 20 messages per minute to one group


def backoff(attempts: int, base_seconds: float) -> timedelta:
    """2, 4, 8, ... seconds (with the default base), at most five minutes."""
    return timedelta(seconds=min(base_seconds * 2**attempts, MAX_BACKOFF_SECONDS))


def _retry_after(exc: RetryAfter) -> timedelta:
    """PTB 22 returns seconds or a timedelta (PTB_TIMEDELTA); accept both, quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = exc.retry_after
    return wait if isinstance(wait, timedelta) else timedelta(seconds=float(wait))


def render(message: outbox.Deliverable) -> str:
    if message.text is not None:
        text = message.text
    else:
        params = json.loads(message.params)
        note = params.get("note")
        params.setdefault("note_line", f"\n{note}" if note else "")
        text = t(message.language, str(message.template), **params)
    return text[: MessageLimit.MAX_TEXT_LENGTH]


@dataclass
class Outcome:
    message_id: int
    status: str  # sent | retry | failed | release
    external_id: str | None = None
    error: str = ""
    delay: timedelta = timedelta()


class TelegramSender:
    def __init__(self, bot: Bot, engine: Engine, settings: Settings) -> None:
        self.bot = bot
        self.engine = engine
        self.settings = settings
        self.wake = asyncio.Event()
        self._last_sent: dict[str, float] = {}
        self._last_release = float("-inf")
        self._stopping = False
        self._sent: list[Outcome] = []
        self._next_slot = 0.0  # overall pacing: earliest monotonic time of the next send

    async def deliver(self, claimed: Sequence[outbox.Deliverable]) -> None:
        """Send messages already claimed (in the handler's transaction), in order, and
        record every outcome in one transaction."""
        outcomes: list[Outcome] = []
        halted: set[str] = set()
        for message in claimed:
            assert message.id is not None
            if message.recipient in halted:  # keep a chat's order: wait for the retry
                outcomes.append(Outcome(message.id, "release"))
                continue
            outcome = await self._send_one(message)
            outcomes.append(outcome)
            if outcome.status == "retry":
                halted.add(message.recipient)
        self._record(outcomes)
        if any(o.status != "sent" for o in outcomes):
            self.wake.set()

    def take_sent(self) -> list[Outcome]:
        """Deliveries not yet marked in the database; give them back if the commit fails."""
        taken, self._sent = self._sent, []
        return taken

    def give_back(self, taken: list[Outcome]) -> None:
        self._sent[:0] = taken

    @staticmethod
    def mark(session: Session, taken: list[Outcome]) -> None:
        """Mark deliveries sent inside the caller's transaction: under load this rides
        on the next update's commit instead of costing one per reply."""
        outbox.mark_all_sent(session, [(o.message_id, o.external_id) for o in taken])

    def record_sent(self) -> None:
        taken = self.take_sent()
        try:
            with session_scope(self.engine) as session:
                self.mark(session, taken)
        except Exception:
            self.give_back(taken)
            raise

    async def run(self) -> None:
        while not self._stopping:
            try:
                await self.flush_due()
            except Exception:  # the database may be briefly unavailable: try next pass
                log.exception("outbox pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), self.settings.outbox_poll_seconds)
            self.wake.clear()

    def stop(self) -> None:
        self._stopping = True
        self.wake.set()
        if self._sent:
            self.record_sent()

    async def flush_due(self) -> None:
        """One pass over due messages, in one transaction with the sent-marks waiting to
        be written: with pacing, at most one per chat per pass and not within the chat's
        interval; without it, each chat's whole backlog in order."""
        taken = self.take_sent()
        try:
            with session_scope(self.engine) as session:
                self.mark(session, taken)
                if time.monotonic() - self._last_release > STALE_RELEASE_SECONDS:
                    outbox.release_stale(session)
                    self._last_release = time.monotonic()
                claimed = outbox.claim_many(session, self._choose(outbox.due_ids(session, CHANNEL)))
        except Exception:
            self.give_back(taken)
            raise
        await self.deliver(claimed)

    def _choose(self, due: Sequence[tuple[int, str]]) -> list[int]:
        paced = self.settings.telegram_per_chat_interval > 0
        chosen, seen = [], set()
        for message_id, chat in due:
            if (paced and chat in seen) or self._too_soon(chat):
                continue
            seen.add(chat)
            chosen.append(message_id)
        return chosen

    def _too_soon(self, chat: str) -> bool:
        """Background sends: ~1/s to a private chat, 20/min to a group (negative id)."""
        last = self._last_sent.get(chat)
        interval = self.settings.telegram_per_chat_interval
        if chat.startswith("-"):
            interval = max(interval, GROUP_INTERVAL_SECONDS)
        return last is not None and time.monotonic() - last < interval

    async def _overall_gate(self) -> None:
        """Stay under Telegram's overall limit (~30 messages/s) without a lock per call."""
        now = time.monotonic()
        slot = max(now, self._next_slot)
        self._next_slot = slot + 1.0 / self.settings.telegram_max_per_second
        if slot > now:
            await asyncio.sleep(slot - now)

    async def _send_one(self, message: outbox.Deliverable) -> Outcome:
        assert message.id is not None
        await self._overall_gate()
        try:
            if message.attachment:
                sent = await self._send_file(message)
            else:
                sent = await self.bot.send_message(
                    chat_id=message.recipient,
                    text=render(message),
                    reply_markup=keyboard(message.markup, message.language),
                )
        except RetryAfter as exc:
            delay = _retry_after(exc)
            return Outcome(message.id, "retry", error=f"429 retry_after {delay}", delay=delay)
        except (Forbidden, BadRequest) as exc:
            log.warning("outbox %s to %s refused for good: %s", message.id, message.recipient, exc)
            return Outcome(message.id, "failed", error=str(exc))
        except OSError as exc:  # the report file is gone: nothing to retry
            log.error("outbox %s: attachment unreadable: %s", message.id, exc)
            return Outcome(message.id, "failed", error=f"attachment: {exc}")
        except TelegramError as exc:  # network errors, timeouts and 5xx
            base = self.settings.outbox_retry_base_seconds
            return Outcome(
                message.id, "retry", error=str(exc), delay=backoff(message.attempts, base)
            )
        self._last_sent[message.recipient] = time.monotonic()
        return Outcome(message.id, "sent", external_id=str(sent.message_id))

    async def _send_file(self, message: outbox.Deliverable) -> Message:
        """A report file, with the message text as its caption (Telegram: ≤ 1024)."""
        path = Path(str(message.attachment))
        with path.open("rb") as document:
            return await self.bot.send_document(
                chat_id=message.recipient,
                document=document,
                filename=path.name,
                caption=render(message)[: MessageLimit.CAPTION_LENGTH],
            )

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
                else:
                    log.info(
                        "outbox %s: %s; retry in %s",
                        outcome.message_id,
                        outcome.error,
                        outcome.delay,
                    )
                    status = outbox.mark_retry(
                        session, outcome.message_id, outcome.error, outcome.delay
                    )
                    if status == outbox.FAILED:
                        log.error("outbox %s given up: %s", outcome.message_id, outcome.error)
