"""Runs the real Sigap Telegram application against the fake Bot API server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from bot.dialogs.desk import Desk
from bot.telegram.app import TelegramChannel
from core.config import Settings, load_settings
from tests.fakes import telegram_api as api
from tests.fakes.telegram_api import FakeTelegram, Sent


async def until(condition: Callable[[], bool], timeout: float = 8.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the bot")
        await asyncio.sleep(0.01)


def bot_settings(database_url: str, fake: FakeTelegram, **extra: Any) -> Settings:
    return load_settings(
        _env_file=None,
        DATABASE_URL=database_url,
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.base_url,
        SIGAP_OUTBOX_POLL_SECONDS=0.05,
        TELEGRAM_PER_CHAT_INTERVAL=0,
        SIGAP_OUTBOX_RETRY_BASE_SECONDS=0.05,
        **{"SIGAP_SCHEDULER": False, **extra},
    )


class RunningBot:
    """The real Telegram channel, as `sigap run` starts it (short long polls)."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.channel = TelegramChannel(settings, engine, Desk(settings))
        self.application = self.channel.application

    async def start(self) -> RunningBot:
        await self.channel.start(poll_timeout=1)
        return self

    async def stop(self) -> None:
        await self.channel.stop()


class Person:
    """A Telegram account talking to the bot in its private chat (or a group)."""

    def __init__(self, fake: FakeTelegram, user_id: int, chat_id: int | None = None) -> None:
        self.fake = fake
        self.user_id = user_id
        self.chat_id = chat_id if chat_id is not None else user_id

    @property
    def inbox(self) -> list[Sent]:
        return self.fake.messages_to(self.chat_id)

    @property
    def last(self) -> Sent:
        return self.inbox[-1]

    async def _push(self, update: dict[str, Any], expect: int) -> list[Sent]:
        before = len(self.inbox)
        self.fake.push(update)
        await until(lambda: len(self.inbox) >= before + expect)
        await asyncio.sleep(0.02)  # let any further message of the same turn arrive
        return self.inbox[before:]

    async def says(self, body: str, expect: int = 1) -> list[Sent]:
        return await self._push(api.text(self.user_id, body, self.chat_id), expect)

    async def taps(self, label: str, expect: int = 1, message: Sent | None = None) -> list[Sent]:
        """Press the button whose label contains ``label`` on the latest message with buttons."""
        source = message or next(m for m in reversed(self.inbox) if m.buttons)
        exact = [v for text, v in source.buttons if text.lower() == label.lower()]
        value = (
            exact[0]
            if exact
            else next(v for text, v in source.buttons if label.lower() in text.lower())
        )
        return await self.presses(value, expect)

    async def presses(self, callback_data: str, expect: int = 1) -> list[Sent]:
        return await self._push(api.callback(self.user_id, callback_data, self.chat_id), expect)

    async def shares_location(self, latitude: float, longitude: float) -> list[Sent]:
        return await self._push(api.location(self.user_id, latitude, longitude), 1)

    async def sends_photo(self, file_id: str, caption: str | None = None) -> list[Sent]:
        return await self._push(api.photo(self.user_id, file_id, caption), 1)
