"""Deliver what waits in the WhatsApp outbox once, outside `sigap run` (e.g. `sigap
digest send-now`), with the same sender, window and retry rules."""

from __future__ import annotations

from sqlalchemy import Engine

from bot.whatsapp.graph import GraphClient
from bot.whatsapp.sender import WhatsAppSender
from core.config import Settings


async def deliver_pending(settings: Settings, engine: Engine, timeout: float = 60.0) -> int:
    """Send until nothing WhatsApp-bound waits, or ``timeout`` passes; returns how many
    messages still wait (they stay queued for `sigap run`)."""
    graph = GraphClient(settings)
    try:
        return await WhatsAppSender(graph, engine, settings).drain(timeout)
    finally:
        await graph.aclose()
