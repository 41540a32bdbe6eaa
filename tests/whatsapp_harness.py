"""Runs Sigap's real HTTP server (uvicorn + Starlette) and WhatsApp channel against the
fake Graph API, and plays people who post signed webhooks to it."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import Engine
from starlette.applications import Starlette

from app.service import running
from core.config import Settings, load_settings
from tests.fakes import graph_api as wa
from tests.fakes.graph_api import FakeGraph
from tests.telegram_harness import outbox_idle, until


def wa_settings(database_url: str, graph: FakeGraph, media_dir: Path, **extra: Any) -> Settings:
    return load_settings(
        _env_file=None,
        DATABASE_URL=database_url,
        WHATSAPP_PHONE_NUMBER_ID=wa.PHONE_NUMBER_ID,
        WHATSAPP_ACCESS_TOKEN=wa.TOKEN,
        WHATSAPP_APP_SECRET=wa.APP_SECRET,
        WHATSAPP_VERIFY_TOKEN=wa.VERIFY_TOKEN,
        WHATSAPP_API_BASE_URL=graph.base_url,
        WHATSAPP_PER_USER_INTERVAL=0,
        SIGAP_MEDIA_DIR=str(media_dir),
        SIGAP_OUTBOX_POLL_SECONDS=0.05,
        SIGAP_OUTBOX_RETRY_BASE_SECONDS=0.05,
        **{"SIGAP_SCHEDULER": False, **extra},
    )


@contextlib.asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[str]:
    """uvicorn on a free port of 127.0.0.1, in this event loop; yields its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    await until(lambda: server.started or task.done())
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


_ENGINES: dict[str, Engine] = {}  # the database behind each running Sigap, by its URL


@contextlib.asynccontextmanager
async def running_sigap(settings: Settings, engine: Engine) -> AsyncIterator[str]:
    async with running(settings, engine) as sigap, serving(sigap.http) as url:
        _ENGINES[url] = engine
        try:
            yield url
        finally:
            del _ENGINES[url]


class WaPerson:
    """A WhatsApp user writing to the office's number."""

    def __init__(self, graph: FakeGraph, base_url: str, phone: str, name: str = "Warga WA"):
        self.graph = graph
        self.url = f"{base_url}/whatsapp/webhook"
        self.engine = _ENGINES.get(base_url)
        self.phone = phone
        self.name = name
        self.address = wa.bsuid(phone)  # what Sigap knows them by and writes to

    @property
    def inbox(self) -> list[dict[str, Any]]:
        return self.graph.sent_to(self.address)

    @property
    def last(self) -> dict[str, Any]:
        return self.inbox[-1]

    async def post(self, payload: dict[str, Any], signature: str | None = None) -> httpx.Response:
        body = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": signature if signature is not None else wa.sign(body),
        }
        async with httpx.AsyncClient() as client:
            return await client.post(self.url, content=body, headers=headers)

    async def send(self, payload: dict[str, Any], expect: int = 1) -> list[dict[str, Any]]:
        before = len(self.inbox)
        answer = await self.post(payload)
        assert answer.status_code == 200, answer.text
        await until(lambda: len(self.inbox) >= before + expect)
        await self.idle()
        return self.inbox[before:]

    async def idle(self) -> None:
        """Wait until Sigap is provably idle: the webhook was answered (so what it
        brought is stored) and the outbox is drained, so nothing more is on its way."""
        if self.engine is not None:
            engine = self.engine
            await until(lambda: outbox_idle(engine))

    async def says(self, body: str, expect: int = 1) -> list[dict[str, Any]]:
        return await self.send(wa.text(self.phone, body, name=self.name), expect)

    async def taps(
        self, label: str, message: dict[str, Any] | None = None, expect: int = 1
    ) -> list[dict[str, Any]]:
        """Choose by label: a reply button or list row of ``message`` (default the last
        one), or the number of that label when choices came as a numbered list."""
        message = message or self._last_with_choices()
        offered = wa.choices(message)
        if not offered:
            return await self.says(str(self.number_of(label, message)), expect)
        title, reply_id = next((t, i) for t, i in offered if label in t)
        kind = message["interactive"]["type"]
        reply = wa.button_reply if kind == "button" else wa.list_reply
        return await self.send(reply(self.phone, reply_id, title), expect)

    def _last_with_choices(self) -> dict[str, Any]:
        message: dict[str, Any]
        for message in reversed(self.inbox):
            if wa.choices(message) or "\n1. " in wa.body_text(message):
                return message
        raise AssertionError("no choices offered yet")

    @staticmethod
    def number_of(label: str, message: dict[str, Any]) -> int:
        for line in wa.body_text(message).splitlines():
            number, dot, rest = line.partition(". ")
            if dot and number.isdigit() and label in rest:
                return int(number)
        raise AssertionError(f"{label!r} not offered in {wa.body_text(message)!r}")
