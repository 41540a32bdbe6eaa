"""One Sigap scheduler in its own process, for the shared-database test.

Run as ``python -m tests.scheduler_process`` with DATABASE_URL set. It imports everything,
prints ``ready`` and waits for a line on stdin, so that the test can start several of them
at the same instant; then it starts the real scheduler, waits until the weekly digest job
has been made up (or the timeout) and prints how many recipients this process queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent

from core.config import load_settings
from core.db import make_engine
from reports import deliver
from reports.schedule import start_scheduler

QUEUED: list[int] = []


def _record_queued() -> None:
    """Wrap send_digest to learn what this process did, without changing what it does."""
    real = deliver.send_digest

    def counting(*args: object, **kwargs: object) -> deliver.Queued:
        queued = real(*args, **kwargs)  # type: ignore[arg-type]
        QUEUED.append(queued.recipients)
        return queued

    deliver.send_digest = counting  # type: ignore[assignment]


async def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    settings = load_settings()
    engine = make_engine(settings.database_url)
    _record_queued()
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    finished = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_event(event: JobExecutionEvent) -> None:
        if event.job_id == "weekly-digest-catch-up":
            loop.call_soon_threadsafe(finished.set)

    scheduler = start_scheduler(settings, engine)
    scheduler.add_listener(on_event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(finished.wait(), timeout=float(sys.argv[1]))
    scheduler.shutdown(wait=True)
    engine.dispose()
    print("ran " + ",".join(map(str, QUEUED)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
