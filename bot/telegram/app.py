"""The Telegram channel: a python-telegram-bot Application around the channel-neutral desk.

One handler sees every update: it records the update id, lets the desk decide and queue
the answer in the same transaction, commits, and only then sends.

Several processes: in webhook mode any process takes any update, and answers Telegram
only once the update is recorded with its replies (a process killed before that never
said yes, so Telegram, or the reverse proxy, sends the update again). In polling mode on
PostgreSQL exactly one process polls: the one holding the advisory lock
(core/services/messaging/poll_lock.py); the others stand by and try again every
``STANDBY_RETRY_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Coroutine, Sequence
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.channel import ChannelKind
from bot.chat_files import FileRefused, already_kept, checked_kind, keep, size_limit
from bot.dialogs.desk import Desk, queue_apology
from bot.dialogs.types import ChatUser, KeptFile
from bot.http_body import bounded_body
from bot.telegram.convert import CHANNEL, chat_user, inbound
from bot.telegram.files import TELEGRAM_FILE_ID, stored_name
from bot.telegram.ordering import PerUserUpdateProcessor
from bot.telegram.request import AiohttpRequest
from bot.telegram.sender import TelegramSender
from bot.webhook_auth import telegram_secret_valid
from bot.webhook_json import json_object
from core.config import Settings
from core.db import session_scope
from core.digits import ascii_digits
from core.services.files.upsert import first_delivery
from core.services.messaging.outbox import QueuedMessage
from core.services.messaging.poll_lock import SessionLock

log = logging.getLogger(__name__)
TelegramApp = Application[Any, Any, Any, Any, Any, Any]
ALLOWED_UPDATES = ["message", "callback_query"]
STANDBY_RETRY_SECONDS = 1.0  # a standby process tries the polling lock this often
HOLD_CHECK_SECONDS = 2.0  # the polling process checks its lock's connection this often
WEBHOOK_ANSWER_WITHIN = 50.0  # Telegram gives up on a webhook call after about a minute


def build_application(settings: Settings) -> TelegramApp:
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    base = settings.telegram_api_base_url.rstrip("/")
    builder = ApplicationBuilder()
    if settings.telegram_concurrent_updates > 1:
        builder = builder.concurrent_updates(
            PerUserUpdateProcessor(settings.telegram_concurrent_updates)
        )
    return (
        builder.token(settings.telegram_bot_token.get_secret_value())
        .base_url(base)
        .base_file_url(base.replace("/bot", "/file/bot", 1))
        # one connection per update in flight, plus the background sender's
        .request(AiohttpRequest(settings.telegram_concurrent_updates + 4))
        .get_updates_request(AiohttpRequest(1))
        .build()
    )


class TelegramChannel:
    """Polling or webhook, the per-update handler, and the background outbox sender."""

    name = CHANNEL

    def __init__(self, settings: Settings, engine: Engine, desk: Desk) -> None:
        self.settings = settings
        self.engine = engine
        self.desk = desk
        self.application = build_application(settings)
        self.sender = TelegramSender(self.application.bot, engine, settings)
        self.webhook = settings.telegram_mode == "webhook"
        self._sender_task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()  # downloads, spinners
        self._handled: dict[int, asyncio.Future[None]] = {}  # webhook calls awaiting
        self._poll_lock: SessionLock | None = None
        self._poller: asyncio.Task[None] | None = None
        self._stop_polling = asyncio.Event()
        self.application.add_handler(TypeHandler(Update, self.on_update))
        self.application.add_error_handler(self.on_error)

    # -- life cycle --------------------------------------------------------------------
    async def start(self, poll_timeout: int = 10) -> None:
        self.sender.start_lease()  # before the first reply is claimed under it
        application = self.application
        await application.initialize()
        assert application.updater is not None
        if self.webhook:
            url, secret = self.settings.telegram_webhook_url, self._secret()
            assert url and secret
            await application.bot.set_webhook(
                url=url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
            )
        elif self.engine.dialect.name == "postgresql":  # maybe one of several processes
            self._stop_polling.clear()
            self._poll_lock = SessionLock(self.engine, f"telegram-polling:{self._bot_id()}")
            self._poller = asyncio.create_task(self._poll_while_holding(poll_timeout))
        else:  # SQLite: one process
            await application.updater.start_polling(poll_interval=0, timeout=poll_timeout)
        await application.start()
        self.start_sender()

    def _bot_id(self) -> str:
        token = self.settings.telegram_bot_token
        return token.get_secret_value().split(":", 1)[0] if token is not None else ""

    async def _poll_while_holding(self, poll_timeout: int) -> None:
        """Poll while this process holds the polling lock; stand by while another does."""
        lock, updater = self._poll_lock, self.application.updater
        assert lock is not None and updater is not None
        me = f"{socket.gethostname()} pid {os.getpid()}"
        standing_by = False
        while not self._stop_polling.is_set():
            try:
                taken = await asyncio.to_thread(lock.try_take)
            except Exception as exc:  # the database may be briefly away
                log.warning("telegram polling lock not reachable: %s", type(exc).__name__)
                await asyncio.to_thread(lock.drop)
                taken = False
            if not taken:
                if not standing_by:
                    log.info("telegram polling: another process polls; %s stands by", me)
                    standing_by = True
                await self._pause(STANDBY_RETRY_SECONDS)
                continue
            standing_by = False
            log.info("telegram polling: %s polls (it holds the polling lock)", me)
            try:
                await updater.start_polling(poll_interval=0, timeout=poll_timeout)
            except Exception as exc:  # e.g. Telegram unreachable: let go, try again
                log.warning("telegram polling could not start: %s", type(exc).__name__)
                await asyncio.to_thread(lock.drop)
                await self._pause(STANDBY_RETRY_SECONDS)
                continue
            while not self._stop_polling.is_set() and await asyncio.to_thread(lock.still_held):
                await self._pause(HOLD_CHECK_SECONDS)
            if updater.running:
                await updater.stop()
            if not self._stop_polling.is_set():
                log.warning("telegram polling: %s lost the polling lock; stands by", me)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop_polling.wait(), seconds)

    async def _stop_poller(self) -> None:
        self._stop_polling.set()
        if self._poller is not None:
            try:
                await self._poller
            except Exception:  # the poller's own failure must not stop the shutdown
                log.exception("telegram poller ended with an error")
            self._poller = None
        if self._poll_lock is not None:
            await asyncio.to_thread(self._poll_lock.close)  # the next process polls now
            self._poll_lock = None

    def start_sender(self) -> None:
        self._sender_task = asyncio.create_task(self.sender.run())

    async def stop_sender(self) -> None:
        self.sender.stop()
        if self._sender_task is not None:
            await self._sender_task
            self._sender_task = None

    async def stop(self) -> None:
        await self.stop_sender()
        await self._stop_poller()
        application = self.application
        assert application.updater is not None
        if application.updater.running:
            await application.updater.stop()
        await application.stop()
        await self.sender.settle()  # the last updates' replies
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        await application.shutdown()
        self.sender.finish()  # after the last update's replies went out

    async def deliver_pending(self, timeout: float) -> int:
        async with self.application.bot:
            return await self.sender.drain(timeout)

    # -- webhook -----------------------------------------------------------------------
    def _secret(self) -> str | None:
        secret = self.settings.telegram_webhook_secret
        return secret.get_secret_value() if secret is not None else None

    def routes(self) -> Sequence[BaseRoute]:
        if not self.webhook:
            return []
        return [Route("/telegram/webhook", self._webhook, methods=["POST"])]

    async def _webhook(self, request: Request) -> Response:
        given = request.headers.get("x-telegram-bot-api-secret-token")
        if not telegram_secret_valid(self._secret(), given):
            return PlainTextResponse("forbidden", 403)
        body = await bounded_body(request)
        if body is None:
            return PlainTextResponse("too large", 413)
        payload = json_object(body)  # an object, shallow: anything else is not Telegram's
        if payload is None:
            return PlainTextResponse("malformed body", 400)
        try:
            update = Update.de_json(payload, self.application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return PlainTextResponse("malformed body", 400)
        # Answer once the update is recorded with its replies (or refused): a process
        # killed before that never said yes, and the update comes again, to any process.
        handled = self._handled.get(update.update_id)
        if handled is None:
            handled = asyncio.get_running_loop().create_future()
            self._handled[update.update_id] = handled
            await self.application.update_queue.put(update)
        with contextlib.suppress(TimeoutError):  # still queued: it will be handled here
            await asyncio.wait_for(asyncio.shield(handled), WEBHOOK_ANSWER_WITHIN)
        return PlainTextResponse("ok")

    def _answered(self, update_id: int) -> None:
        handled = self._handled.pop(update_id, None)
        if handled is not None and not handled.done():
            handled.set_result(None)

    # -- one update --------------------------------------------------------------------
    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await self._handle(update)
        finally:
            self._answered(update.update_id)

    async def _handle(self, update: Update) -> None:
        user, message = chat_user(update), inbound(update)
        if user is None or message is None:
            return
        sender = self.sender
        delivered = sender.take_sent()
        files: tuple[KeptFile, ...] = ()
        try:
            with session_scope(self.engine) as session:
                sender.mark(session, delivered)  # what earlier turns delivered, in this commit
                if not first_delivery(session, CHANNEL, str(update.update_id)):
                    return  # handled before: nothing more (the marks above still commit)
                handled = self.desk.handle(session, user, message, claim_owner=sender.lease_id)
                queued, files = handled.queued, handled.files
                replies = [
                    m for m in queued if m.channel == CHANNEL and m.recipient == user.chat_id
                ]
                if len(replies) < len(queued):  # news for other chats: the background sender's
                    sender.wake.set()
        except Exception:
            sender.give_back(delivered)
            log.exception("update %s failed", update.update_id)
            replies = self._apologise(user, update.update_id)
        for file in files:  # only what a dialog step asked for and took
            self._download(file)
        await sender.deliver_soon(replies)
        if update.callback_query is not None:  # the spinner stops while the answer travels
            self._spawn(_answer(update))

    # -- files ---------------------------------------------------------------------------
    def _download(self, file: KeptFile) -> None:
        """Keep a copy of a photo or document as it arrives, so the back office can show
        it (a Telegram file id means nothing to a browser); the chat does not wait."""
        self._spawn(self._fetch_file(file))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _fetch_file(self, file: KeptFile) -> None:
        if not TELEGRAM_FILE_ID.fullmatch(file.ref):
            return
        try:
            if already_kept(self.engine, self.settings, file.ref):
                return
            remote = await self.application.bot.get_file(file.ref)
            if (remote.file_size or 0) > size_limit(self.settings, file):
                raise FileRefused("too large")
            content = bytes(await remote.download_as_bytearray())
            name = stored_name(file.ref, checked_kind(self.settings, file, content))
            await keep(self.engine, self.settings, file.ref, name, content)
        except (TelegramError, OSError, FileRefused, SQLAlchemyError) as exc:  # gone, disk full
            log.warning("telegram file not kept: %s %s", type(exc).__name__, exc)

    def _apologise(self, user: ChatUser, update_id: int) -> list[QueuedMessage]:
        """Nothing of the failed update was kept; say so, and never handle it twice."""
        try:
            with session_scope(self.engine) as session:
                if not first_delivery(session, CHANNEL, str(update_id)):
                    return []
                return queue_apology(session, user, self.sender.lease_id)
        except Exception:
            log.exception("could not record the failure of update %s", update_id)
            return []

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure, never the update itself: it holds residents' names and words."""
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("unhandled error for update %s", update_id, exc_info=context.error)


async def _answer(update: Update) -> None:
    assert update.callback_query is not None
    with contextlib.suppress(TelegramError):  # only stops the spinner: nothing to lose
        await update.callback_query.answer()


def _is_user_id(value: str) -> bool:
    return ascii_digits(value.removeprefix("-")) and len(value) <= 20


KIND = ChannelKind(
    name=CHANNEL,
    enabled=lambda settings: settings.telegram_bot_token is not None,
    build=TelegramChannel,
    is_address=_is_user_id,
    describe_address="ID pengguna Telegram (angka) / Telegram user id (a number)",
)
