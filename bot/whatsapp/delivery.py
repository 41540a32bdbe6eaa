"""Deliver what waits in the WhatsApp outbox once, outside `sigap run` (e.g. `sigap
digest send-now`), with the same sender, window and retry rules."""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine
from sqlmodel import Session

from bot.whatsapp.convert import CHANNEL
from bot.whatsapp.graph import GraphClient
from bot.whatsapp.sender import WhatsAppSender
from core.config import Settings
from core.services.outbox import waiting_count


def _waiting(engine: Engine) -> int:
    with Session(engine) as session:
        return waiting_count(session, CHANNEL)


async def deliver_pending(settings: Settings, engine: Engine, timeout: float = 60.0) -> int:
    """Send until nothing WhatsApp-bound waits, or ``timeout`` passes; returns how many
    messages still wait (they stay queued for `sigap run`)."""
    graph = GraphClient(settings)
    sender = WhatsAppSender(graph, engine, settings)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        while _waiting(engine) and loop.time() < deadline:
            await sender.flush_due()
            sender.record_sent()
            await asyncio.sleep(0.05)
    finally:
        sender.record_sent()
        await graph.aclose()
    return _waiting(engine)
