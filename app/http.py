"""Sigap's HTTP server: the routes every enabled part offers (webhooks, the web back
office), plus a health check."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channel import ChatChannel
from web.context import Office
from web.office import web_routes

log = logging.getLogger(__name__)


def build_http_app(
    engine: Engine, channels: Sequence[ChatChannel], office: Office | None = None
) -> Starlette:
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
    if office is not None:
        routes.extend(web_routes(office))  # last: it answers every other path
    return Starlette(routes=routes)
