"""The bot's own HTTP transport (bot/telegram/request.py), driven through a real PTB Bot.

The end-to-end chat tests already run every conversation over it; these cover what they
cannot reach: uploads, a Bot API that is down or silent, and a token kept out of errors.
"""

from __future__ import annotations

import asyncio
import io
import socket
import threading
from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.telegram.request import AiohttpRequest
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_harness import until

TOKEN = FakeTelegram.token


def bot_at(base_url: str, request: AiohttpRequest) -> Bot:
    return Bot(
        TOKEN,
        base_url=base_url,
        base_file_url=base_url.replace("/bot", "/file/bot", 1),
        request=request,
    )


def clear_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever proxies this machine names (lower case wins in urllib) are set aside."""
    for name in ("http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)


class SilentServer:
    """Accepts connections and reads requests, but never answers: a Bot API that hangs.
    Counts the requests whose headers arrived, so a test can wait on that."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/bot"
        self.requests = 0
        self._lock = threading.Lock()
        self._held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # closed
            self._held.append(connection)
            threading.Thread(target=self._read, args=(connection,), daemon=True).start()

    def _read(self, connection: socket.socket) -> None:
        seen = b""
        while b"\r\n\r\n" not in seen:
            try:
                chunk = connection.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            seen += chunk
        with self._lock:
            self.requests += 1

    def close(self) -> None:
        self.listener.close()
        for connection in self._held:
            connection.close()


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


@pytest.fixture
def closed_port() -> str:
    """A port nobody listens on: connecting is refused at once."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/bot"


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with bot_at(fake.base_url, AiohttpRequest(2)) as running:
        yield running


async def test_a_message_with_a_keyboard_arrives_as_sent(bot: Bot, fake: FakeTelegram) -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Lapor", callback_data="r")]])
    message = await bot.send_message(42, "Halo, ada yang bisa dibantu?", reply_markup=keyboard)

    assert message.chat.id == 42
    (sent,) = fake.sent
    assert (sent.method, sent.text, sent.buttons) == (
        "sendMessage",
        "Halo, ada yang bisa dibantu?",
        [("Lapor", "r")],
    )


async def test_a_file_is_uploaded_whole_with_its_name(bot: Bot, fake: FakeTelegram) -> None:
    content = bytes(range(256)) * 400  # 100 KiB, every byte value
    await bot.send_document(
        42, io.BytesIO(content), filename="IKU-2026-W47.pdf", caption="Ringkasan IKU"
    )

    (sent,) = fake.sent
    assert sent.method == "sendDocument"
    assert sent.params["caption"] == "Ringkasan IKU"
    assert sent.params["document"] == {"filename": "IKU-2026-W47.pdf", "content": content}


async def test_an_unreachable_api_is_a_network_error_without_the_token(closed_port: str) -> None:
    request = AiohttpRequest(1, connect_timeout=2)
    await request.initialize()  # not Bot.initialize: its getMe would fail the same way
    try:
        with pytest.raises(NetworkError) as caught:
            await bot_at(closed_port, request).send_message(42, "halo")
    finally:
        await request.shutdown()

    assert not isinstance(caught.value, TimedOut)
    assert TOKEN not in str(caught.value)
    assert TOKEN.split(":")[1] not in str(caught.value)


async def test_an_api_that_never_answers_times_out(silent: SilentServer) -> None:
    """The request went out and no answer came: a read timeout, which (unlike a pool or
    connect timeout) may not say "not sent", since Telegram may have acted on it."""
    request = AiohttpRequest(1, read_timeout=0.3)
    bot = bot_at(silent.url, request)
    await request.initialize()  # Bot.initialize would call getMe, which would hang too
    try:
        with pytest.raises(TimedOut) as caught:
            await bot.send_message(42, "halo")
    finally:
        await request.shutdown()

    assert silent.requests == 1
    assert "not sent" not in str(caught.value)
    assert TOKEN not in str(caught.value)


async def test_a_full_pool_times_out_without_sending(silent: SilentServer) -> None:
    """One connection, held by a hanging call: the next waits for it no longer than
    pool + connect timeouts (aiohttp bounds the two together), then gives up saying
    nothing was sent, which PTB's callers may safely retry."""
    request = AiohttpRequest(1, read_timeout=30, connect_timeout=0.2, pool_timeout=0.2)
    bot = bot_at(silent.url, request)
    await request.initialize()
    hanging = asyncio.create_task(bot.send_message(42, "pertama"))
    try:
        await until(lambda: silent.requests == 1)  # the only connection is taken
        with pytest.raises(TimedOut, match="not sent"):
            await bot.send_message(42, "kedua")
        assert not hanging.done() and silent.requests == 1  # the second never went out
    finally:
        hanging.cancel()
        await asyncio.gather(hanging, return_exceptions=True)
        await request.shutdown()


async def test_the_environments_proxy_carries_the_calls(
    fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Offices often reach the internet only through a proxy. Here the fake server plays
    the proxy; the Bot API's own host does not even resolve."""
    clear_proxies(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", fake.base_url.removesuffix("/bot"))
    async with bot_at("http://api.telegram.invalid/bot", AiohttpRequest(1)) as bot:
        await bot.send_message(42, "lewat proxy")

    assert [s.text for s in fake.sent] == ["lewat proxy"]
    assert fake.proxied == 2  # getMe, then the message


async def test_no_proxy_is_respected(fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> None:
    clear_proxies(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # would be refused
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    async with bot_at(fake.base_url, AiohttpRequest(1)) as bot:
        await bot.send_message(42, "langsung")

    assert [s.text for s in fake.sent] == ["langsung"]
    assert fake.proxied == 0


async def test_a_call_before_initialize_is_refused_plainly(fake: FakeTelegram) -> None:
    bot = bot_at(fake.base_url, AiohttpRequest(1))
    with pytest.raises(NetworkError, match="not initialized"):
        await bot.send_message(42, "halo")
    assert fake.sent == []


async def test_shutdown_then_initialize_works_again(fake: FakeTelegram) -> None:
    """PTB's Application shuts its bot down and may start it again (e.g. tests, webhooks)."""
    request = AiohttpRequest(1)
    bot = bot_at(fake.base_url, request)
    async with bot:
        await bot.send_message(1, "satu")
    async with bot:
        await bot.send_message(2, "dua")
    assert [s.text for s in fake.sent] == ["satu", "dua"]
