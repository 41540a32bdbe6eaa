"""Delivers the outbox to Telegram: now for replies, in the background for the rest.

A message is marked sent only after Telegram accepted it. 429 waits retry_after, network
errors and 5xx back off and retry, a refusal (blocked bot, bad request) is logged as
failed. Pacing lives in the shared outbox sender rather than in PTB's AIORateLimiter:
every message already passes through it, and the limiter's per-request locking measured
0.7 ms per request in `bench/telegram_bot.py`. Overall ~TELEGRAM_MAX_PER_SECOND; background sends
at most ~1/s per private chat and 20/min per group.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from telegram import Bot, Message
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.attachments import STORED_PHOTO, TELEGRAM_PHOTO, PhotoNotYetStored, stored_photo
from bot.notifications import rendered, words
from bot.outbox_sender import OutboxSender, Outcome, backoff
from bot.telegram.convert import CHANNEL, keyboard
from core.config import Settings
from core.services.messaging import outbox

log = logging.getLogger(__name__)
GROUP_INTERVAL_SECONDS = 3.0  # Telegram: 20 messages per minute to one group


def _retry_after(exc: RetryAfter) -> timedelta:
    """PTB 22 returns seconds or a timedelta (PTB_TIMEDELTA); accept both, quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = exc.retry_after
    return wait if isinstance(wait, timedelta) else timedelta(seconds=float(wait))


class TelegramSender(OutboxSender):
    channel = CHANNEL

    def __init__(self, bot: Bot, engine: Engine, settings: Settings) -> None:
        super().__init__(engine, settings, settings.telegram_max_per_second)
        self.bot = bot

    def chat_interval(self, chat: str) -> float:
        """Background sends: ~1/s to a private chat, 20/min to a group (negative id)."""
        interval = self.settings.telegram_per_chat_interval
        return max(interval, GROUP_INTERVAL_SECONDS) if chat.startswith("-") else interval

    async def deliver(self, claimed: Sequence[outbox.Deliverable]) -> None:
        """Send messages already claimed (in the handler's transaction), in order, and
        record every outcome."""
        await self.send_in_order(claimed, self._send_one)

    async def _send_one(self, message: outbox.Deliverable) -> Outcome:
        assert message.id is not None
        await self.overall_gate(message.recipient)
        try:
            if message.attachment:
                sent = await self._send_file(message)
            else:
                text, markup = rendered(message)
                sent = await self.bot.send_message(
                    chat_id=message.recipient,
                    text=text[: MessageLimit.MAX_TEXT_LENGTH],
                    reply_markup=keyboard(markup, message.language),
                )
        except RetryAfter as exc:
            delay = _retry_after(exc)
            return Outcome(message.id, "retry", error=f"429 retry_after {delay}", delay=delay)
        except (Forbidden, BadRequest) as exc:
            log.warning("outbox %s refused for good: %s", message.id, exc)
            return Outcome(message.id, "failed", error=str(exc))
        except PhotoNotYetStored:  # its download is under way
            base = self.settings.outbox_retry_base_seconds
            delay = backoff(message.attempts, base)
            return Outcome(message.id, "retry", error="photo not downloaded yet", delay=delay)
        except OSError as exc:  # the report file is gone: nothing to retry
            log.error("outbox %s: attachment unreadable: %s", message.id, exc)
            return Outcome(message.id, "failed", error=f"attachment: {exc}")
        except TelegramError as exc:  # network errors, timeouts and 5xx
            base = self.settings.outbox_retry_base_seconds
            return Outcome(
                message.id, "retry", error=str(exc), delay=backoff(message.attempts, base)
            )
        self.sent_to(message.recipient)
        return Outcome(message.id, "sent", external_id=str(sent.message_id))

    async def _send_file(self, message: outbox.Deliverable) -> Message:
        """A report file, or a resident's photo (by its Telegram file id, or a stored
        WhatsApp photo), with the message text as its caption (Telegram: ≤ 1024)."""
        caption = words(message)[: MessageLimit.CAPTION_LENGTH]
        attachment = str(message.attachment)
        if attachment.startswith(TELEGRAM_PHOTO):
            photo = attachment.removeprefix(TELEGRAM_PHOTO)
            return await self.bot.send_photo(
                chat_id=message.recipient, photo=photo, caption=caption
            )
        if attachment.startswith(STORED_PHOTO):
            with stored_photo(self.engine, self.settings, attachment).open("rb") as image:
                return await self.bot.send_photo(
                    chat_id=message.recipient, photo=image, caption=caption
                )
        path = Path(attachment)
        with path.open("rb") as document:
            return await self.bot.send_document(
                chat_id=message.recipient,
                document=document,
                filename=path.name,
                caption=words(message)[: MessageLimit.CAPTION_LENGTH],
            )
