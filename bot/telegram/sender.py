"""Delivers the outbox to Telegram: now for replies, in the background for the rest.

A message is marked sent only after Telegram accepted it. 429 waits retry_after, network
errors and 5xx back off and retry, a refusal (blocked bot, bad request) is logged as
failed. Background sends keep about one message per second per chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import warnings
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import Engine
from telegram import Bot
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.i18n import t
from bot.telegram.convert import CHANNEL, keyboard
from core.config import Settings
from core.db import session_scope
from core.models import OutboxMessage
from core.services import outbox

log = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 300.0


def backoff(attempts: int, base_seconds: float) -> timedelta:
    """2, 4, 8, ... seconds (with the default base), at most five minutes."""
    return timedelta(seconds=min(base_seconds * 2**attempts, MAX_BACKOFF_SECONDS))


def _retry_after(exc: RetryAfter) -> timedelta:
    """PTB 22 returns seconds or a timedelta (PTB_TIMEDELTA); accept both, quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = exc.retry_after
    return wait if isinstance(wait, timedelta) else timedelta(seconds=float(wait))


def render(message: OutboxMessage) -> str:
    if message.text is not None:
        text = message.text
    else:
        params = json.loads(message.params)
        note = params.get("note")
        params.setdefault("note_line", f"\n{note}" if note else "")
        text = t(message.language, str(message.template), **params)
    return text[: MessageLimit.MAX_TEXT_LENGTH]


class TelegramSender:
    def __init__(self, bot: Bot, engine: Engine, settings: Settings) -> None:
        self.bot = bot
        self.engine = engine
        self.settings = settings
        self.wake = asyncio.Event()
        self._last_sent: dict[str, float] = {}
        self._stopping = False

    async def send_now(self, message_ids: Iterable[int]) -> None:
        """Send a reply's messages in order; a failure leaves the rest for the loop."""
        for message_id in message_ids:
            if not await self._deliver(message_id):
                break
        self.wake.set()

    async def run(self) -> None:
        while not self._stopping:
            await self.flush_due()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), self.settings.outbox_poll_seconds)
            self.wake.clear()

    def stop(self) -> None:
        self._stopping = True
        self.wake.set()

    async def flush_due(self) -> int:
        """One pass over due messages, pacing per chat; returns how many were sent."""
        with session_scope(self.engine) as session:
            due = [(m.id, m.recipient) for m in outbox.due_messages(session, CHANNEL)]
        sent, blocked = 0, set()
        for message_id, chat in due:
            assert message_id is not None
            if chat in blocked or self._too_soon(chat):
                continue
            if await self._deliver(message_id):
                sent += 1
            else:
                blocked.add(chat)
        return sent

    def _too_soon(self, chat: str) -> bool:
        last = self._last_sent.get(chat)
        return (
            last is not None and time.monotonic() - last < self.settings.telegram_per_chat_interval
        )

    async def _deliver(self, message_id: int) -> bool:
        with session_scope(self.engine) as session:
            if not outbox.claim(session, message_id):
                return True  # someone else has it, or it is already done
            message = session.get(OutboxMessage, message_id)
            assert message is not None
        try:
            sent = await self.bot.send_message(
                chat_id=message.recipient,
                text=render(message),
                reply_markup=keyboard(message.markup, message.language),
            )
        except RetryAfter as exc:
            delay = _retry_after(exc)
            return self._retry(message_id, f"429 retry_after {delay}", delay)
        except (Forbidden, BadRequest) as exc:
            log.warning("outbox %s to %s refused for good: %s", message_id, message.recipient, exc)
            with session_scope(self.engine) as session:
                outbox.mark_failed(session, message_id, str(exc))
            return True
        except (NetworkError, TelegramError) as exc:
            return self._retry(
                message_id,
                str(exc),
                backoff(message.attempts, self.settings.outbox_retry_base_seconds),
            )
        self._last_sent[message.recipient] = time.monotonic()
        with session_scope(self.engine) as session:
            outbox.mark_sent(session, message_id, str(sent.message_id))
        return True

    def _retry(self, message_id: int, error: str, delay: timedelta) -> bool:
        log.info("outbox %s: %s; retry in %s", message_id, error, delay)
        with session_scope(self.engine) as session:
            status = outbox.mark_retry(session, message_id, error, delay)
        if status == outbox.FAILED:
            log.error("outbox %s given up after repeated errors: %s", message_id, error)
        return False
