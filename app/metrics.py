"""/metrics in Prometheus text format, behind a bearer token (SIGAP_METRICS_TOKEN).

Each `sigap run` has its own registry (never the client library's global one): the
webhook counters and latency histogram it measures itself, and a collector that reads
the database at scrape time through core/services/operations/system_figures.py (a few aggregate
queries), so a scraped number is what the database says at that moment.

What the outbox figures count: messages still in the outbox table. Sent and refused
messages are pruned after SIGAP_KEEP_DAYS, so those two are gauges (they can go down),
not counters; alert on their rate of change, or on the waiting count and age.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.config import Settings
from core.scope import for_all_offices
from core.services.operations.backup import sigap_version
from core.services.operations.system_figures import SystemFigures, system_figures

# Meta and Telegram give a webhook a few seconds; Sigap answers in milliseconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class DatabaseCollector(Collector):
    """The figures the database holds, read afresh at every scrape."""

    def __init__(self, engine: Engine, settings: Settings, channels: Sequence[str]) -> None:
        self.engine = engine
        self.settings = settings
        self.channels = tuple(channels)

    def collect(self) -> Iterator[Metric]:
        with Session(self.engine) as session:
            for_all_offices(session)  # the deployment's figures: every office's together
            figures = system_figures(session, self.settings, self.channels)
        yield from outbox_metrics(figures)
        yield from office_metrics(figures)


def _gauge(name: str, documentation: str, labels: Sequence[str] = ()) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=list(labels))


def outbox_metrics(figures: SystemFigures) -> Iterable[Metric]:
    waiting = _gauge(
        "sigap_outbox_pending_messages",
        "Messages waiting to be sent (pending or being sent), per channel.",
        ["channel"],
    )
    age = _gauge(
        "sigap_outbox_oldest_pending_age_seconds",
        "How long the oldest waiting message has waited, per channel (0: none waits).",
        ["channel"],
    )
    sent = _gauge(
        "sigap_outbox_sent_messages",
        "Messages accepted by the platform, still in the outbox (pruned after "
        "SIGAP_KEEP_DAYS), per channel.",
        ["channel"],
    )
    refused = _gauge(
        "sigap_outbox_refused_messages",
        "Messages refused by the platform or given up after every retry, still in the "
        "outbox, per channel.",
        ["channel"],
    )
    for line in figures.outbox:
        waiting.add_metric([line.channel], line.waiting)
        age.add_metric([line.channel], line.oldest_age(figures.now))
        sent.add_metric([line.channel], line.sent)
        refused.add_metric([line.channel], line.refused)
    return [waiting, age, sent, refused]


def office_metrics(figures: SystemFigures) -> Iterable[Metric]:
    complaints_open = _gauge("sigap_complaints_open", "Complaints open now.")
    complaints_open.add_metric([], figures.open_complaints)
    overdue = _gauge("sigap_complaints_overdue", "Open complaints past their due date today.")
    overdue.add_metric([], figures.overdue_complaints)
    runs = _gauge(
        "sigap_scheduled_duty_last_run_timestamp_seconds",
        "When each scheduled duty last ran (Unix time; 0: never).",
        ["duty"],
    )
    for duty, at in figures.last_runs.items():
        runs.add_metric([duty], at.timestamp() if at else 0.0)
    backup = _gauge(
        "sigap_backup_last_success_timestamp_seconds",
        "When the newest finished archive in SIGAP_BACKUP_DIR was made (Unix time; 0: none).",
    )
    backup.add_metric([], figures.backup.at.timestamp() if figures.backup else 0.0)
    size = _gauge("sigap_backup_last_size_bytes", "Size of the newest archive (0: none).")
    size.add_metric([], (figures.backup.size or 0) if figures.backup else 0)
    free = _gauge(
        "sigap_disk_free_bytes",
        "Disk space left where Sigap writes (database, media, reports, backups).",
        ["folder"],
    )
    for disk in figures.disks:
        free.add_metric([disk.folder], disk.free)
    info = _gauge("sigap_info", "The Sigap version running.", ["version"])
    info.add_metric([sigap_version()], 1)
    return [complaints_open, overdue, runs, backup, size, free, info]


class WebhookMetrics:
    """Requests to the chat platforms' webhooks, by channel and status code, and their
    latency: measured by ``CountWebhooks`` around those routes only."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "sigap_webhook_requests",
            "Webhook requests answered, by channel and HTTP status code.",
            ["channel", "code"],
            registry=registry,
        )
        self.latency = Histogram(
            "sigap_webhook_request_duration_seconds",
            "Time to answer a webhook request, by channel.",
            ["channel"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )

    def observe(self, channel: str, status: int, seconds: float) -> None:
        self.requests.labels(channel=channel, code=str(status)).inc()
        self.latency.labels(channel=channel).observe(seconds)


class CountWebhooks:
    """ASGI middleware: a request to one of ``paths`` (path -> channel) is counted with
    the status it was answered with (500 when the app failed before answering) and timed
    to the end of its response; every other request passes untouched."""

    def __init__(self, app: ASGIApp, metrics: WebhookMetrics, paths: Mapping[str, str]) -> None:
        self.app = app
        self.metrics = metrics
        self.paths = dict(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        channel = self.paths.get(scope["path"]) if scope["type"] == "http" else None
        if channel is None:
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        finally:
            self.metrics.observe(channel, status, time.perf_counter() - started)


def webhook_paths(channels: Iterable[tuple[str, Sequence[BaseRoute]]]) -> dict[str, str]:
    """Path -> channel name of every route a channel serves."""
    return {
        route.path: name
        for name, routes in channels
        for route in routes
        if isinstance(route, Route)
    }


def bearer_matches(header: str | None, token: str) -> bool:
    """``Authorization: Bearer <token>``, compared in constant time."""
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def metrics_route(registry: CollectorRegistry, token: str) -> Route:
    async def metrics(request: Request) -> Response:
        if not bearer_matches(request.headers.get("authorization"), token):
            return PlainTextResponse(
                "unauthorized\n", 401, headers={"WWW-Authenticate": 'Bearer realm="sigap"'}
            )
        body = await run_in_threadpool(generate_latest, registry)  # the database is read
        return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})

    return Route("/metrics", metrics, methods=["GET"])
