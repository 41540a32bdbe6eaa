"""Sigap's HTTP server: the routes every enabled part offers (webhooks, the web back
office), plus a health check and, with SIGAP_METRICS_TOKEN, /metrics (app/metrics.py).

/healthz answers 200 ``{"status": "ok"}``; 200 ``{"status": "degraded"}`` once the
oldest message waiting on an enabled channel has waited longer than
SIGAP_HEALTH_OUTBOX_MAX_AGE_MINUTES (the process serves, but messages are not going
out: a warning for whoever watches, not a reason for a load balancer to take the only
instance away); 503 ``{"status": "error"}`` when the database cannot be reached.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from prometheus_client import CollectorRegistry
from sqlalchemy import Engine, text
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from app.metrics import (
    CountWebhooks,
    DatabaseCollector,
    WebhookMetrics,
    metrics_route,
    webhook_paths,
)
from bot.channel import ChatChannel
from core.config import Settings
from core.services.operations.system_figures import oldest_waiting
from core.timeutil import utcnow
from web.context import Office
from web.office import web_routes

log = logging.getLogger(__name__)
DEFAULT_MAX_AGE_MINUTES = 15.0


def health_check(engine: Engine, channels: Sequence[str], max_age_minutes: float) -> Response:
    try:
        with Session(engine) as session:
            session.execute(text("SELECT 1"))
            oldest = oldest_waiting(session, channels)
    except Exception:
        log.exception("health check: database unreachable")
        return JSONResponse({"status": "error", "database": "unreachable"}, 503)
    waited = max(0.0, (utcnow() - oldest).total_seconds()) if oldest else 0.0
    limit = max_age_minutes * 60
    return JSONResponse(
        {
            "status": "degraded" if waited > limit else "ok",
            "database": "ok",
            "channels": list(channels),
            "outbox": {"oldest_waiting_seconds": round(waited), "max_age_seconds": round(limit)},
        }
    )


def build_http_app(
    engine: Engine,
    channels: Sequence[ChatChannel],
    office: Office | None = None,
    settings: Settings | None = None,
) -> Starlette:
    settings = settings or (office.settings if office is not None else None)
    names = [c.name for c in channels]
    max_age = settings.health_outbox_max_age_minutes if settings else DEFAULT_MAX_AGE_MINUTES

    async def health(request: Request) -> Response:
        return await run_in_threadpool(health_check, engine, names, max_age)

    registry = CollectorRegistry()
    webhooks = WebhookMetrics(registry)
    routes: list[BaseRoute] = [Route("/healthz", health, methods=["GET"])]
    if settings is not None and settings.metrics_token is not None:
        registry.register(DatabaseCollector(engine, settings, names))
        routes.append(metrics_route(registry, settings.metrics_token.get_secret_value()))
    served = [(channel.name, list(channel.routes())) for channel in channels]
    for _, channel_routes in served:
        routes.extend(channel_routes)
    if office is not None:
        routes.extend(web_routes(office))  # last: it answers every other path
    counted = Middleware(CountWebhooks, metrics=webhooks, paths=webhook_paths(served))
    return Starlette(routes=routes, middleware=[counted])
