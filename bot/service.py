"""`sigap run`: the Telegram bot, the WhatsApp channel, the HTTP server, the outbox
senders and the scheduler, in one process and one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator

import uvicorn
from sqlalchemy import Engine
from starlette.applications import Starlette

from bot.dialogs.desk import Desk
from bot.server import TelegramApp, build_server
from bot.telegram.app import build_application, start_sender, stop_sender
from bot.whatsapp.channel import WhatsAppChannel
from core.config import Settings

log = logging.getLogger(__name__)


async def serve(settings: Settings, engine: Engine) -> None:
    """Run until SIGINT/SIGTERM (uvicorn handles both), then stop everything in order."""
    async with channels(settings, engine) as app:
        config = uvicorn.Config(
            app, host=settings.http_host, port=settings.http_port, log_level="warning"
        )
        log.info("HTTP server on %s:%s", settings.http_host, settings.http_port)
        await uvicorn.Server(config).serve()


@contextlib.asynccontextmanager
async def channels(settings: Settings, engine: Engine) -> AsyncIterator[Starlette]:
    """Start what is configured; yield the HTTP app that receives the webhooks."""
    telegram = build_application(settings, engine) if settings.telegram_bot_token else None
    whatsapp = (
        WhatsAppChannel(settings, engine, Desk(settings)) if settings.whatsapp_enabled else None
    )
    secret = settings.telegram_webhook_secret
    webhook = settings.telegram_mode == "webhook" and telegram is not None
    if telegram is not None:
        await _start_telegram(telegram, settings, webhook)
    if whatsapp is not None:
        whatsapp.start()
    # Everything loaded so far lives as long as the process: keep it out of the cyclic
    # collector's sweeps, which otherwise walk it again and again under load; and collect
    # less often (a webhook allocates thousands of short-lived objects, freed by reference
    # counting anyway). Measured in bench/whatsapp.py, 8 webhooks in flight: p99
    # 70 -> 31 ms with the freeze, 42-55 -> 33-39 ms with the thresholds, +4 MB.
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(10_000, 50, 50)
    scheduler = None
    if settings.scheduler_enabled and telegram is None:  # else Telegram's start runs it
        from reports.schedule import start_scheduler

        scheduler = start_scheduler(settings, engine)
    try:
        yield build_server(
            engine,
            whatsapp=whatsapp,
            telegram=telegram if webhook else None,
            telegram_secret=secret.get_secret_value() if secret and webhook else None,
        )
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if whatsapp is not None:
            await whatsapp.stop()
        if telegram is not None:
            await _stop_telegram(telegram)
        gc.set_threshold(*thresholds)


async def _start_telegram(application: TelegramApp, settings: Settings, webhook: bool) -> None:
    await application.initialize()
    assert application.updater is not None
    if webhook:
        assert settings.telegram_webhook_url and settings.telegram_webhook_secret
        await application.bot.set_webhook(
            url=settings.telegram_webhook_url,
            secret_token=settings.telegram_webhook_secret.get_secret_value(),
            allowed_updates=["message", "callback_query"],
        )
    else:
        await application.updater.start_polling()
    await application.start()
    await start_sender(application)  # run_polling would do this in post_init


async def _stop_telegram(application: TelegramApp) -> None:
    await stop_sender(application)
    assert application.updater is not None
    if application.updater.running:
        await application.updater.stop()
    await application.stop()
    await application.shutdown()


def run(settings: Settings, engine: Engine) -> None:
    asyncio.run(serve(settings, engine))
