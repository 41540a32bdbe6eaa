"""Deliver what is waiting in the outbox once, outside `sigap run` (e.g. `sigap digest
send-now`), with the same sender and the same retry rules."""

from __future__ import annotations

from sqlalchemy import Engine
from telegram import Bot

from bot.telegram.request import AiohttpRequest
from bot.telegram.sender import TelegramSender
from core.config import Settings


async def deliver_pending(settings: Settings, engine: Engine, timeout: float = 60.0) -> int:
    """Send until nothing Telegram-bound waits, or ``timeout`` passes; returns how many
    messages are still waiting (they stay queued for `sigap run`)."""
    assert settings.telegram_bot_token is not None
    base = settings.telegram_api_base_url.rstrip("/")
    bot = Bot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=base,
        base_file_url=base.replace("/bot", "/file/bot", 1),
        request=AiohttpRequest(1),
    )
    async with bot:
        return await TelegramSender(bot, engine, settings).drain(timeout)
