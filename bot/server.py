"""Sigap's HTTP server (Starlette): the WhatsApp webhook, Telegram's webhook in webhook
mode, and a health check. Every POST is checked before its body is read as JSON."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from bot.whatsapp.channel import WhatsAppChannel
from bot.whatsapp.convert import MalformedWebhook

log = logging.getLogger(__name__)
TelegramApp = Application[Any, Any, Any, Any, Any, Any]
MAX_BODY = 3_000_000  # Meta's webhooks are small; refuse anything absurd unread


def build_server(
    engine: Engine,
    whatsapp: WhatsAppChannel | None = None,
    telegram: TelegramApp | None = None,
    telegram_secret: str | None = None,
) -> Starlette:
    async def health(request: Request) -> Response:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            log.exception("health check: database unreachable")
            return JSONResponse({"status": "error", "database": "unreachable"}, 503)
        return JSONResponse(
            {"status": "ok", "whatsapp": whatsapp is not None, "telegram_webhook": bool(telegram)}
        )

    async def whatsapp_verify(request: Request) -> Response:
        assert whatsapp is not None
        params = request.query_params
        answer = whatsapp.challenge(
            params.get("hub.mode"), params.get("hub.verify_token"), params.get("hub.challenge")
        )
        if answer is None:
            return PlainTextResponse("forbidden", 403)
        return PlainTextResponse(answer)

    async def whatsapp_event(request: Request) -> Response:
        assert whatsapp is not None
        body = await _body(request)
        if body is None:
            return PlainTextResponse("too large", 413)
        if not whatsapp.signed(body, request.headers.get("x-hub-signature-256")):
            return PlainTextResponse("bad signature", 403)
        try:
            whatsapp.receive(body)
        except MalformedWebhook as exc:
            log.warning("malformed WhatsApp webhook: %s", exc)
            return PlainTextResponse("malformed body", 400)
        return PlainTextResponse("ok")

    async def telegram_update(request: Request) -> Response:
        assert telegram is not None and telegram_secret is not None
        given = request.headers.get("x-telegram-bot-api-secret-token") or ""
        if not hmac.compare_digest(given, telegram_secret):
            return PlainTextResponse("forbidden", 403)
        body = await _body(request)
        try:
            update = Update.de_json(json.loads(body or b""), telegram.bot)
        except (ValueError, TypeError, KeyError):
            return PlainTextResponse("malformed body", 400)
        await telegram.update_queue.put(update)
        return PlainTextResponse("ok")

    routes = [Route("/healthz", health, methods=["GET"])]
    if whatsapp is not None:
        routes += [
            Route("/whatsapp/webhook", whatsapp_verify, methods=["GET"]),
            Route("/whatsapp/webhook", whatsapp_event, methods=["POST"]),
        ]
    if telegram is not None and telegram_secret is not None:
        routes.append(Route("/telegram/webhook", telegram_update, methods=["POST"]))
    return Starlette(routes=routes)


async def _body(request: Request) -> bytes | None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        return None
    body = await request.body()
    return None if len(body) > MAX_BODY else body
