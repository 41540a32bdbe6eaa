"""Runs the real Sigap Telegram application against the fake Bot API server."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from bot.dialogs.desk import Desk
from bot.telegram.app import TelegramChannel
from core.config import Settings, load_settings
from core.models import OutboxMessage
from core.services.messaging.outbox import PENDING, SENDING
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
        **{
            "SIGAP_OUTBOX_POLL_SECONDS": 0.05,
            "TELEGRAM_PER_CHAT_INTERVAL": 0,
            "SIGAP_OUTBOX_RETRY_BASE_SECONDS": 0.05,
            "SIGAP_SCHEDULER": False,
            # photos and documents are kept as they arrive: never in the checkout
            "SIGAP_MEDIA_DIR": tempfile.mkdtemp(prefix="sigap-media-"),
            **extra,
        },
    )


_RUNNING: dict[str, RunningBot] = {}  # by the fake Bot API's base URL


def outbox_idle(engine: Engine) -> bool:
    """Nothing waits to be sent or is being sent: every message queued so far was
    accepted by the fake (marked sent) or given up (failed)."""
    with Session(engine) as session:
        busy = session.exec(
            select(func.count())
            .select_from(OutboxMessage)
            .where(col(OutboxMessage.status).in_([PENDING, SENDING]))
        ).one()
    return busy == 0


class RunningBot:
    """The real Telegram channel, as `sigap run` starts it (short long polls). It counts
    the updates its handler finished, so the people talking to it know when it is idle."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.channel = TelegramChannel(settings, engine, Desk(settings))
        self.application = self.channel.application
        self.engine = engine
        self.handled: Counter[int] = Counter()
        handler = self.application.handlers[0][0]
        handle = handler.callback

        async def counted(update: Any, context: Any) -> None:
            try:
                await handle(update, context)
            finally:
                self.handled[update.update_id] += 1

        handler.callback = counted
        _RUNNING[settings.telegram_api_base_url.rstrip("/")] = self

    def idle_after(self, update_id: int, deliveries: int = 1) -> bool:
        return self.handled[update_id] >= deliveries and outbox_idle(self.engine)

    async def start(self) -> RunningBot:
        await self.channel.start(poll_timeout=1)
        return self

    async def stop(self) -> None:
        await self.channel.stop()
        for url, bot in list(_RUNNING.items()):
            if bot is self:
                del _RUNNING[url]


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
        """Send an update and wait until the bot is provably idle: the update handled
        and the outbox drained, so a message that would come later has come."""
        before = len(self.inbox)
        self.fake.push(update)
        await until(lambda: len(self.inbox) >= before + expect)
        bot = _RUNNING.get(self.fake.base_url.rstrip("/"))
        if bot is not None:
            await until(lambda: bot.idle_after(update["update_id"]))
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

    async def sends_document(self, file_id: str, file_name: str) -> list[Sent]:
        return await self._push(api.document(self.user_id, file_id, file_name), 1)
