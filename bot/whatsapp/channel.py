"""The WhatsApp channel: signed webhooks in, the same desk as Telegram, the outbox out.

A webhook is answered as soon as what it brought is stored: each message is handled in
one transaction (message id recorded, dialog advanced, replies queued), and sending and
photo downloads run after the answer, so Meta never waits on the Graph API.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channel import ChannelKind
from bot.chat_files import FileRefused, checked_kind, keep, size_limit
from bot.dialogs.desk import Desk, queue_apology
from bot.dialogs.types import Inbound, KeptFile
from bot.http_body import bounded_body
from bot.webhook_auth import meta_challenge_answer, meta_signature_valid
from bot.whatsapp import convert
from bot.whatsapp.convert import InboundMessage, MalformedWebhook, StatusUpdate
from bot.whatsapp.files import stored_name
from bot.whatsapp.graph import GraphClient, GraphError, MediaTooLarge
from bot.whatsapp.sender import WhatsAppSender
from core.config import Settings
from core.db import session_scope
from core.digits import ascii_digits
from core.models import OutboxMessage
from core.services.files.upsert import first_delivery
from core.services.messaging.chat_window import note_inbound
from core.services.messaging.outbox import QueuedMessage, record_delivery_status

log = logging.getLogger(__name__)
MEDIA_ATTEMPTS = 4


class WhatsAppChannel:
    def __init__(
        self, settings: Settings, engine: Engine, desk: Desk, graph: GraphClient | None = None
    ) -> None:
        assert settings.whatsapp_app_secret is not None
        assert settings.whatsapp_verify_token is not None
        self.settings = settings
        self.engine = engine
        self.desk = desk
        self.graph = graph or GraphClient(settings)
        self.sender = WhatsAppSender(self.graph, engine, settings)
        self._secret = settings.whatsapp_app_secret.get_secret_value().encode()
        self._verify_token = settings.whatsapp_verify_token.get_secret_value()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sender_task: asyncio.Task[None] | None = None

    name = convert.CHANNEL

    # -- life cycle --------------------------------------------------------------------
    async def start(self) -> None:
        self.sender.start_lease()  # before the first reply is claimed under it
        self._sender_task = asyncio.create_task(self.sender.run())

    async def stop(self) -> None:
        """Finish what the last webhooks started, then stop the background sender."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self.sender.stop()
        if self._sender_task is not None:
            await self._sender_task
        self.sender.finish()
        await self.graph.aclose()

    async def deliver_pending(self, timeout: float) -> int:
        try:
            return await self.sender.drain(timeout)
        finally:
            await self.graph.aclose()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- webhook ------------------------------------------------------------------------
    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/whatsapp/webhook", self._verify, methods=["GET"]),
            Route("/whatsapp/webhook", self._event, methods=["POST"]),
        ]

    async def _verify(self, request: Request) -> Response:
        params = request.query_params
        answer = self.challenge(
            params.get("hub.mode"), params.get("hub.verify_token"), params.get("hub.challenge")
        )
        if answer is None:
            return PlainTextResponse("forbidden", 403)
        return PlainTextResponse(answer)

    async def _event(self, request: Request) -> Response:
        body = await bounded_body(request)
        if body is None:
            return PlainTextResponse("too large", 413)
        if not self.signed(body, request.headers.get("x-hub-signature-256")):
            return PlainTextResponse("bad signature", 403)
        try:
            self.receive(body)
        except MalformedWebhook as exc:
            log.warning("malformed WhatsApp webhook: %s", exc)
            return PlainTextResponse("malformed body", 400)
        return PlainTextResponse("ok")

    def challenge(self, mode: str | None, token: str | None, challenge: str | None) -> str | None:
        return meta_challenge_answer(self._verify_token, mode, token, challenge)

    def signed(self, body: bytes, header: str | None) -> bool:
        return meta_signature_valid(self._secret, body, header)

    # -- webhook body ------------------------------------------------------------------
    def receive(self, body: bytes) -> None:
        """Store what the webhook brought; raises MalformedWebhook before storing any
        of it if the body is not Meta's shape."""
        for event in convert.parse_webhook(body):
            if isinstance(event, StatusUpdate):
                self._status(event)
                continue
            replies, files = self._handle(event)
            if replies:
                self._spawn(self.sender.deliver(replies, replying=True))
            for file in files:  # only what a dialog step asked for and took
                self._spawn(self._fetch_media(file))

    def _status(self, event: StatusUpdate) -> None:
        delivered = self.sender.take_sent()  # the message's own sent-mark may be waiting
        try:
            with session_scope(self.engine) as session:
                self.sender.mark(session, delivered)
                known = record_delivery_status(session, event.message_id, event.status, event.error)
        except Exception:
            self.sender.give_back(delivered)
            raise
        if event.status == "failed":
            log.warning("a whatsapp message failed after sending: %s", event.error)
            log.debug("failed after sending: %s", event.message_id)  # a wamid encodes the number
        if not known:
            log.info("status %s for a message Sigap did not send", event.status)

    def _handle(self, event: InboundMessage) -> tuple[list[QueuedMessage], tuple[KeptFile, ...]]:
        user = event.user
        delivered = self.sender.take_sent()
        try:
            with session_scope(self.engine) as session:
                self.sender.mark(session, delivered)  # earlier deliveries, in this commit
                if not first_delivery(session, convert.CHANNEL, event.message_id):
                    return [], ()  # a redelivery: handled before
                note_inbound(session, convert.CHANNEL, user.chat_id, event.sent_at)
                inbound = _numbered_choice(session, user.chat_id, event.inbound)
                handled = self.desk.handle(session, user, inbound, claim_owner=self.sender.lease_id)
        except Exception:
            self.sender.give_back(delivered)
            log.exception("an incoming whatsapp message failed")
            log.debug("failed incoming message: %s", event.message_id)
            return self._apologise(event), ()
        queued = handled.queued
        replies = [
            m for m in queued if m.channel == convert.CHANNEL and m.recipient == user.chat_id
        ]
        if len(replies) < len(queued):  # news for other people: the background sender's
            self.sender.wake.set()
        return replies, handled.files

    def _apologise(self, event: InboundMessage) -> list[QueuedMessage]:
        """Nothing of the failed message was kept; say so, and never handle it twice."""
        try:
            with session_scope(self.engine) as session:
                if not first_delivery(session, convert.CHANNEL, event.message_id):
                    return []
                note_inbound(session, convert.CHANNEL, event.user.chat_id, event.sent_at)
                return queue_apology(session, event.user, self.sender.lease_id)
        except Exception:
            log.exception("could not record the failure of an incoming whatsapp message")
            log.debug("failure not recorded: %s", event.message_id)
            return []

    async def _fetch_media(self, file: KeptFile) -> None:
        """Download a file at once: its URL expires within minutes."""
        media_id = file.ref.removeprefix(convert.MEDIA_PREFIX)
        for attempt in range(MEDIA_ATTEMPTS):
            try:
                content, _ = await self.graph.download(media_id, size_limit(self.settings, file))
                kind = checked_kind(self.settings, file, content)
            except (MediaTooLarge, FileRefused) as exc:
                log.warning("media %s not kept: %s", media_id, type(exc).__name__)
                return
            except GraphError as exc:
                if not exc.temporary or attempt == MEDIA_ATTEMPTS - 1:
                    log.error("media %s not downloaded: %s", media_id, exc)
                    return
                await asyncio.sleep(2**attempt)
                continue
            try:
                await keep(
                    self.engine, self.settings, file.ref, stored_name(media_id, kind), content
                )
            except (OSError, SQLAlchemyError) as exc:  # disk full, database away
                log.error("media %s not kept: %s", media_id, type(exc).__name__)
            return


LAST_MARKUP = (
    select(OutboxMessage.text, OutboxMessage.markup, OutboxMessage.language)
    .where(OutboxMessage.channel == convert.CHANNEL)
    .order_by(col(OutboxMessage.id).desc())
    .limit(1)
)


def _numbered_choice(session: Session, chat_id: str, inbound: Inbound) -> Inbound:
    """An answer "2" to a question that went out as a numbered list is choice 2."""
    if inbound.kind != "text" or not ascii_digits(inbound.text.strip().rstrip(".")):
        return inbound
    last = session.exec(LAST_MARKUP.where(OutboxMessage.recipient == chat_id)).first()
    if last is None or last[0] is None:
        return inbound
    options = convert.numbered_options(last[0], last[1], last[2])
    value = convert.choice_by_number(inbound.text, options)
    return inbound if value is None else Inbound("choice", choice=value)


def _is_whatsapp_id(value: str) -> bool:
    """A phone number in international form without "+", or a business-scoped user id."""
    return 0 < len(value) <= 140 and value.replace(".", "").replace("-", "").isalnum()


KIND = ChannelKind(
    name=convert.CHANNEL,
    enabled=lambda settings: settings.whatsapp_enabled,
    build=WhatsAppChannel,
    is_address=_is_whatsapp_id,
    describe_address="nomor WhatsApp (62...) atau BSUID / WhatsApp number (62...) or BSUID",
)
