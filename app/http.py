"""Sigap's HTTP server: the routes every enabled part offers, plus a health check."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channel import ChatChannel

log = logging.getLogger(__name__)


def build_http_app(engine: Engine, channels: Sequence[ChatChannel]) -> Starlette:
    async def health(request: Request) -> Response:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            log.exception("health check: database unreachable")
            return JSONResponse({"status": "error", "database": "unreachable"}, 503)
        return JSONResponse({"status": "ok", "channels": [c.name for c in channels]})

    routes: list[BaseRoute] = [Route("/healthz", health, methods=["GET"])]
    for channel in channels:
        routes.extend(channel.routes())
    return Starlette(routes=routes)
