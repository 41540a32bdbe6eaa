"""The Telegram channel: a python-telegram-bot Application around the channel-neutral desk.

One handler sees every update: it records the update id, lets the desk decide and queue
the answer in the same transaction, commits, and only then sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from typing import Any

from sqlalchemy import Engine
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.dialogs.desk import Desk, queue_apology
from bot.dialogs.types import ChatUser
from bot.telegram.convert import CHANNEL, chat_user, inbound
from bot.telegram.ordering import PerUserUpdateProcessor
from bot.telegram.request import AiohttpRequest
from bot.telegram.sender import TelegramSender
from core.config import Settings
from core.db import session_scope
from core.services.outbox import QueuedMessage
from core.services.upsert import first_delivery

log = logging.getLogger(__name__)


def build_application(
    settings: Settings, engine: Engine
) -> Application[Any, Any, Any, Any, Any, Any]:
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    token = settings.telegram_bot_token.get_secret_value()
    base = settings.telegram_api_base_url.rstrip("/")
    builder = ApplicationBuilder()
    if settings.telegram_concurrent_updates > 1:
        builder = builder.concurrent_updates(
            PerUserUpdateProcessor(settings.telegram_concurrent_updates)
        )
    application = (
        builder.token(token)
        .base_url(base)
        .base_file_url(base.replace("/bot", "/file/bot", 1))
        # one connection per update in flight, plus the background sender's
        .request(AiohttpRequest(settings.telegram_concurrent_updates + 4))
        .get_updates_request(AiohttpRequest(1))
        .post_init(start_sender)
        .post_shutdown(stop_sender)
        .build()
    )
    application.bot_data.update(
        desk=Desk(settings),
        engine=engine,
        settings=settings,
        sender=TelegramSender(application.bot, engine, settings),
    )
    application.add_handler(TypeHandler(Update, on_update))
    application.add_error_handler(on_error)
    return application


async def start_sender(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    # Everything loaded so far (modules, mappers, compiled statements) lives as long as
    # the process: keep it out of the cyclic collector's sweeps, which otherwise walk it
    # again and again (measured: ~10% of the throughput in bench/telegram_bot.py).
    gc.freeze()
    sender: TelegramSender = application.bot_data["sender"]
    application.bot_data["sender_task"] = asyncio.create_task(sender.run())
    settings: Settings = application.bot_data["settings"]
    if settings.scheduler_enabled:  # same process and event loop as the bot
        from reports.schedule import start_scheduler

        scheduler = start_scheduler(settings, application.bot_data["engine"])
        application.bot_data["scheduler"] = scheduler


async def stop_sender(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    scheduler = application.bot_data.pop("scheduler", None)
    if scheduler is not None:
        scheduler.shutdown(wait=False)
    sender: TelegramSender = application.bot_data["sender"]
    sender.stop()
    task = application.bot_data.get("sender_task")
    if task is not None:
        await task


async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user, message = chat_user(update), inbound(update)
    if user is None or message is None:
        return
    data = context.bot_data
    desk: Desk = data["desk"]
    sender: TelegramSender = data["sender"]
    delivered = sender.take_sent()
    try:
        with session_scope(data["engine"]) as session:
            sender.mark(session, delivered)  # what earlier turns delivered, in this commit
            if not first_delivery(session, CHANNEL, str(update.update_id)):
                return  # handled before: nothing more (the marks above still commit)
            queued = desk.handle(session, user, message, claim_replies=True)
            replies = [m for m in queued if m.channel == CHANNEL and m.recipient == user.chat_id]
            if len(replies) < len(queued):  # news for other chats: the background sender's
                sender.wake.set()
    except Exception:
        sender.give_back(delivered)
        log.exception("update %s failed", update.update_id)
        replies = _apologise(data, user, update.update_id)
    if update.callback_query is None:
        await sender.deliver(replies)
    else:  # the button's spinner stops while the answer is on its way
        await asyncio.gather(sender.deliver(replies), _answer(update))


async def _answer(update: Update) -> None:
    assert update.callback_query is not None
    with contextlib.suppress(TelegramError):  # only stops the spinner: nothing to lose
        await update.callback_query.answer()


def _apologise(data: dict[str, Any], user: ChatUser, update_id: int) -> list[QueuedMessage]:
    """Nothing of the failed update was kept; say so, and never handle it twice."""
    try:
        with session_scope(data["engine"]) as session:
            if not first_delivery(session, CHANNEL, str(update_id)):
                return []
            return queue_apology(session, user)
    except Exception:
        log.exception("could not record the failure of update %s", update_id)
        return []


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure, never the update itself: it holds residents' names and words."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("unhandled error for update %s", update_id, exc_info=context.error)
