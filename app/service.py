"""Running Sigap: settings and engine in, every enabled part started in one event loop,
and stopped in the reverse order.

Start order: the channels (they begin receiving and sending), the scheduler (its duties
queue messages the channels' senders deliver), then the HTTP server with every route.
Stop order is the reverse, so no duty queues into a stopped channel and every delivery a
channel made is recorded before the process ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass

import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine
from starlette.applications import Starlette

from app.channels import build_channels
from app.http import build_http_app
from app.processes import warn_about_sharing
from app.tuning import tuned_for_service
from app.web import build_office
from bot.channel import ChatChannel
from bot.dialogs.desk import Desk
from core.config import Settings

log = logging.getLogger(__name__)


@dataclass
class Running:
    """What one `sigap run` holds while it lives; passed around, never kept in a module."""

    channels: list[ChatChannel]
    http: Starlette
    scheduler: AsyncIOScheduler | None = None


@contextlib.asynccontextmanager
async def running(
    settings: Settings,
    engine: Engine,
    build: Callable[[Settings, Engine, Desk], list[ChatChannel]] = build_channels,
) -> AsyncIterator[Running]:
    """Build and start everything the settings enable; stop it all on the way out."""
    channels = build(settings, engine, Desk(settings))
    started: list[ChatChannel] = []
    try:
        for channel in channels:
            await channel.start()
            started.append(channel)
            log.info("%s channel started", channel.name)
        with tuned_for_service():
            office = build_office(settings, engine)
            state = Running(channels, build_http_app(engine, channels, office, settings))
            if settings.scheduler_enabled:
                # Imported here: the duties render PDF reports and charts (WeasyPrint,
                # matplotlib), ~40 MB of modules a process without a scheduler never needs.
                from reports.schedule import start_scheduler

                state.scheduler = start_scheduler(settings, engine)
            try:
                yield state
            finally:
                if state.scheduler is not None:
                    state.scheduler.shutdown(wait=True)  # a duty under way ends first
    finally:
        for channel in reversed(started):
            await channel.stop()
            log.info("%s channel stopped", channel.name)


class StopRequest:
    """SIGTERM (systemd, docker) and SIGINT (Ctrl-C) both ask for the same clean stop.

    While the HTTP server runs, uvicorn handles both signals itself and, once it has shut
    down, raises the signal again: that lands here and is only noted, so the channels and
    the scheduler are still stopped in order (with SIGTERM's default action the process
    died there, leaving accepted replies marked as being sent). Before the server starts,
    a signal skips serving; after it, the stop already under way goes on."""

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self) -> None:
        self.requested = False
        self.server: uvicorn.Server | None = None

    def __call__(self, signum: int, frame: object) -> None:
        self.requested = True
        if self.server is not None:
            self.server.should_exit = True

    @contextlib.contextmanager
    def installed(self) -> Iterator[StopRequest]:
        previous = {sig: signal.signal(sig, self) for sig in self.SIGNALS}
        try:
            yield self
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


async def serve(settings: Settings, engine: Engine, stop: StopRequest | None = None) -> None:
    """Run until SIGINT/SIGTERM, then stop everything in order."""
    stop = stop or StopRequest()
    warn_about_sharing(settings, engine)  # several processes share files: say what won't
    async with running(settings, engine) as state:
        # uvicorn's "Uvicorn running on ..." says when the port is open; its access log
        # stays off (a request line can carry a login token).
        config = uvicorn.Config(
            state.http,
            host=settings.http_host,
            port=settings.http_port,
            log_level="info",
            access_log=False,
            # uvicorn's own loggers go through Sigap's (app/logs.py): an unhandled
            # error's message, which may quote a row, stays out of INFO and above
            log_config=None,
        )
        stop.server = uvicorn.Server(config)
        if not stop.requested:
            log.info("HTTP server on %s:%s", settings.http_host, settings.http_port)
            await stop.server.serve()
    log.info("Sigap stopped")


def run(settings: Settings, engine: Engine) -> None:
    with StopRequest().installed() as stop:
        asyncio.run(serve(settings, engine, stop))


async def deliver_pending(settings: Settings, engine: Engine, timeout: float = 60.0) -> int:
    """Outside `sigap run` (e.g. `sigap digest send-now`): every enabled channel sends
    what waits for it once; how many messages still wait (`sigap run` sends them)."""
    left = 0
    for channel in build_channels(settings, engine, Desk(settings)):
        left += await channel.deliver_pending(timeout)
    return left
