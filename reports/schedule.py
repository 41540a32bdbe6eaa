"""The scheduler: APScheduler 3.11 in the bot's event loop, jobs kept in the database.

A job that fell due while Sigap was down runs once when it comes back, if within
SIGAP_MISFIRE_GRACE_HOURS (coalesced: never once per missed time). Each duty also claims
a run key in the database (`reports.deliver.claim_run`), so several processes sharing one
PostgreSQL database, or a retry after a crash, still queue its messages once.

Job functions are module-level (the job store keeps a reference to them, never code);
they find settings and engine in ``RUNTIME``, set by `start_scheduler`, never in the
stored job (which must not hold secrets).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine

from core.config import Settings
from core.domain.periods import Period
from core.timeutil import local_date, utcnow
from reports import deliver

log = logging.getLogger(__name__)
RUNTIME: dict[str, Any] = {}


def _today() -> date:
    settings: Settings = RUNTIME["settings"]
    return local_date(utcnow(), settings.tz)


def weekly_digest_job() -> None:
    today = _today()
    year, week, _ = (today - timedelta(days=7)).isocalendar()
    queued = deliver.send_digest(
        RUNTIME["engine"], RUNTIME["settings"], today, f"digest:{year}-W{week:02d}"
    )
    log.info("weekly digest queued for %s recipients", queued.recipients)


def deadline_job() -> None:
    queued = deliver.send_deadline_reminders(RUNTIME["engine"], RUNTIME["settings"], _today())
    log.info("deadline reminders queued for %s recipients", queued.recipients)


def monthly_reports_job() -> None:
    today = _today()
    last_day = today.replace(day=1) - timedelta(days=1)
    period = Period(last_day.replace(day=1), last_day)
    key = f"monthly:{last_day:%Y-%m}"
    deliver.send_period_reports(
        RUNTIME["engine"], RUNTIME["settings"], period, ["iku", "complaints"], key, today
    )


def quarterly_reports_job() -> None:
    today = _today()
    last_day = today.replace(day=1) - timedelta(days=1)
    quarter = (last_day.month - 1) // 3 + 1
    period = Period.quarter(last_day.year, quarter)
    key = f"quarterly:{last_day.year}-Q{quarter}"
    deliver.send_period_reports(
        RUNTIME["engine"], RUNTIME["settings"], period, ["iku", "skm", "complaints"], key, today
    )


def job_specs(settings: Settings) -> dict[str, tuple[Any, str]]:
    return {
        "weekly-digest": (weekly_digest_job, settings.digest_cron),
        "deadline-reminders": (deadline_job, settings.deadline_cron),
        "monthly-reports": (monthly_reports_job, settings.monthly_report_cron),
        "quarterly-reports": (quarterly_reports_job, settings.quarterly_report_cron),
    }


def build_scheduler(settings: Settings, engine: Engine) -> AsyncIOScheduler:
    return AsyncIOScheduler(
        jobstores={
            "default": SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs"),
            "memory": MemoryJobStore(),  # catch-up runs: once, now, never stored
        },
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": int(settings.misfire_grace_hours * 3600) or None,
        },
        timezone=settings.tz,
    )


def start_scheduler(settings: Settings, engine: Engine) -> AsyncIOScheduler:
    """Start in the running event loop. A stored job whose schedule is unchanged is kept
    as it is — with its next run time, possibly passed while Sigap was down — so that a
    missed run is made up; a changed schedule replaces it.

    APScheduler moves a job's next run time on *before* the job runs, so a crash in the
    middle of a run would lose it. Hence every job whose last scheduled time lies within
    the grace also runs once now: its run key makes that a no-op if the run finished."""
    RUNTIME.update(settings=settings, engine=engine)
    scheduler = build_scheduler(settings, engine)
    scheduler.start(paused=True)
    grace = timedelta(hours=settings.misfire_grace_hours)
    now = utcnow()
    for job_id, (function, cron) in job_specs(settings).items():
        trigger = CronTrigger.from_crontab(cron, timezone=settings.tz)
        if _fired_since(trigger, now - grace, now):
            scheduler.add_job(function, id=f"{job_id}-catch-up", jobstore="memory")
        stored = scheduler.get_job(job_id)
        if stored is not None and repr(stored.trigger) == repr(trigger):
            continue
        scheduler.add_job(function, trigger, id=job_id, name=job_id, replace_existing=True)
    scheduler.resume()
    return scheduler


def _fired_since(trigger: CronTrigger, since: datetime, now: datetime) -> bool:
    fire_time = trigger.get_next_fire_time(None, since)
    return fire_time is not None and fire_time <= now
