"""Deliver what is waiting in the outbox once, outside `sigap run` (e.g. `sigap digest
send-now`), with the same sender and the same retry rules."""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine
from sqlmodel import Session
from telegram import Bot

from bot.telegram.convert import CHANNEL
from bot.telegram.sender import TelegramSender
from core.config import Settings
from core.services.outbox import waiting_count


def _waiting(engine: Engine) -> int:
    with Session(engine) as session:
        return waiting_count(session, CHANNEL)


async def deliver_pending(settings: Settings, engine: Engine, timeout: float = 60.0) -> int:
    """Send until nothing Telegram-bound waits, or ``timeout`` passes; returns how many
    messages are still waiting (they stay queued for `sigap run`)."""
    assert settings.telegram_bot_token is not None
    base = settings.telegram_api_base_url.rstrip("/")
    bot = Bot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=base,
        base_file_url=base.replace("/bot", "/file/bot", 1),
    )
    sender = TelegramSender(bot, engine, settings)
    deadline = asyncio.get_running_loop().time() + timeout
    async with bot:
        while _waiting(engine) and asyncio.get_running_loop().time() < deadline:
            await sender.flush_due()
            sender.record_sent()
            await asyncio.sleep(0.05)
    return _waiting(engine)
