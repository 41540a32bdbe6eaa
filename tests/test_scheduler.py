"""The scheduler: a digest that fell due while Sigap was down is sent once when it comes
back (within the grace, never twice), and several processes on one PostgreSQL database
send one digest between them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, JobEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine
from sqlmodel import select

from core.config import Settings, load_settings
from core.db import session_scope
from core.domain.people import StaffRole
from core.models import OutboxMessage, ScheduledRun
from core.services.performance.records import add_staff
from core.timeutil import utcnow
from reports.schedule import start_scheduler

CAMAT_CHAT = 5101
NOT_LATELY = "0 7 29 2 *"  # a schedule that has not fired in the last hours (leap days)
CRONS = {
    f"SIGAP_{name}_CRON": NOT_LATELY
    for name in (
        *("DIGEST", "DEADLINE", "MONTHLY_REPORT", "QUARTERLY_REPORT", "PRUNE", "BACKUP"),
        "SUBMISSION_REMINDER",
    )
}
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def scheduled(database_url: str, tmp_path: Path, engine: Engine) -> Settings:
    with session_scope(engine) as session:
        add_staff(
            session, "Camat Mumbulsari", StaffRole.CAMAT, accounts=[("telegram", str(CAMAT_CHAT))]
        )
    return load_settings(
        _env_file=None,
        DATABASE_URL=database_url,
        SIGAP_REPORTS_DIR=str(tmp_path / "reports"),
        SIGAP_MISFIRE_GRACE_HOURS=12,
        **CRONS,
    )


def digest_messages(engine: Engine) -> list[OutboxMessage]:
    with session_scope(engine) as session:
        query = select(OutboxMessage).where(OutboxMessage.recipient == str(CAMAT_CHAT))
        return list(session.exec(query).all())


def digest_runs(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        keys = session.exec(select(ScheduledRun.key)).all()
    return [k for k in keys if k.startswith("digest:")]


def fell_due(settings: Settings, ago: timedelta) -> Settings:
    """Settings whose daily digest time passed ``ago`` (while Sigap was down)."""
    moment = utcnow().astimezone(settings.tz) - ago
    return settings.model_copy(update={"digest_cron": f"{moment.minute} {moment.hour} * * *"})


async def comes_back(
    settings: Settings, engine: Engine, event_mask: int, job_id: str = "weekly-digest"
) -> AsyncIOScheduler:
    """Start again and wait for the digest job's fate (run or missed)."""
    fate = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_event(event: JobEvent) -> None:  # called in the duties' worker thread
        if event.job_id == job_id:
            loop.call_soon_threadsafe(fate.set)

    scheduler = start_scheduler(settings, engine)
    scheduler.add_listener(on_event, event_mask)
    if scheduler.get_job(job_id) is not None:  # still waiting to run
        await asyncio.wait_for(fate.wait(), timeout=30)
    return scheduler


async def test_missed_digest_is_sent_once_after_restart(
    scheduled: Settings, engine: Engine
) -> None:
    settings = fell_due(scheduled, ago=timedelta(hours=2))
    assert digest_messages(engine) == []

    scheduler = await comes_back(settings, engine, EVENT_JOB_EXECUTED, "weekly-digest-catch-up")
    messages = digest_messages(engine)
    assert len(messages) == 2  # the text and the full report as a file
    assert "Ringkasan" in str(messages[0].text) and messages[1].attachment
    assert Path(str(messages[1].attachment)).stat().st_size > 0
    job = scheduler.get_job("weekly-digest")
    assert job is not None and job.next_run_time > utcnow() + timedelta(hours=20)
    scheduler.shutdown(wait=False)

    # Coming back again (a crash right after the run, say): the run key says no.
    scheduler = await comes_back(settings, engine, EVENT_JOB_EXECUTED, "weekly-digest-catch-up")
    scheduler.shutdown(wait=False)
    assert len(digest_messages(engine)) == 2
    assert len(digest_runs(engine)) == 1


async def test_digest_missed_beyond_the_grace_is_not_sent(
    scheduled: Settings, engine: Engine
) -> None:
    settings = fell_due(scheduled, ago=timedelta(hours=13))
    scheduler = start_scheduler(settings, engine)
    catch_up = scheduler.get_job("weekly-digest-catch-up")
    job = scheduler.get_job("weekly-digest")
    scheduler.shutdown(wait=False)
    assert catch_up is None  # nothing to make up: the only run was past the grace
    assert job is not None and job.next_run_time > utcnow()
    assert digest_messages(engine) == []


async def test_a_run_cut_short_by_a_crash_is_made_up_once(
    scheduled: Settings, engine: Engine
) -> None:
    """A crash mid-run leaves no run key: coming back within the grace, Sigap runs the
    duty once; coming back again changes nothing."""
    settings = fell_due(scheduled, ago=timedelta(hours=1))
    for _ in range(2):
        scheduler = await comes_back(settings, engine, EVENT_JOB_EXECUTED, "weekly-digest-catch-up")
        scheduler.shutdown(wait=False)
        assert len(digest_messages(engine)) == 2
    assert len(digest_runs(engine)) == 1


async def test_a_schedule_that_has_not_fired_lately_runs_nothing_at_start(
    scheduled: Settings, engine: Engine
) -> None:
    scheduler = start_scheduler(scheduled, engine)
    jobs = sorted(job.id for job in scheduler.get_jobs())
    scheduler.shutdown(wait=False)
    assert jobs == [
        "backup",
        "deadline-reminders",
        "monthly-reports",
        "prune",
        "quarterly-reports",
        "submission-reminders",
        "weekly-digest",
    ]


def _start_process(database_url: str, reports: Path, digest_cron: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SIGAP_REPORTS_DIR": str(reports),
        "SIGAP_MISFIRE_GRACE_HOURS": "12",
        **CRONS,
        "SIGAP_DIGEST_CRON": digest_cron,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tests.scheduler_process", "10"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_processes_on_one_database_send_one_digest(
    scheduled: Settings, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    cron = fell_due(scheduled, ago=timedelta(minutes=30)).digest_cron
    processes = [_start_process(database_url, tmp_path / f"p{n}", cron) for n in range(2)]
    for process in processes:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    for process in processes:  # both come up at the same instant, the digest due in both
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    outputs = [process.communicate(timeout=90)[0] for process in processes]
    assert all(process.returncode == 0 for process in processes), outputs

    assert len(digest_messages(engine)) == 2, outputs
    assert len(digest_runs(engine)) == 1
    ran = [line.removeprefix("ran ") for out in outputs for line in out.splitlines()]
    queued = [int(n) for line in ran if line.startswith(("0", "1")) for n in line.split(",")]
    assert sum(queued) == 1, outputs  # one process queued it for the one Camat
