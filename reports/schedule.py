"""The scheduler: APScheduler 3.11 in Sigap's event loop, running the office's duties.

The schedule comes from settings (crontab syntax, office time zone); nothing about it is
stored but the duties' run keys (`reports.deliver.claim_run`), written in the same
transaction as the messages a duty queues. At start every duty whose scheduled time
passed within SIGAP_MISFIRE_GRACE_HOURS runs once now: that makes up a run missed while
Sigap was down or cut short by a crash, and is a no-op when the run had finished (its key
is there). Several processes sharing one PostgreSQL database still queue a duty once.

The duties are methods of a ``Duties`` object built with the settings and the engine, so
the jobs hold no hidden module state and nothing secret is ever serialised.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine

from core.config import Settings
from core.db import session_scope
from core.domain.periods import Period
from core.models import Office
from core.scope import for_all_offices
from core.services.access.offices import active_offices, office_run_key
from core.services.operations.backup_duty import scheduled_backup
from core.services.operations.housekeeping import prune
from core.timeutil import local_date, utcnow
from reports import deliver

log = logging.getLogger(__name__)
CATCH_UP = "-catch-up"


class Duties:
    """What the office's calendar asks of Sigap, each a method run by the scheduler."""

    def __init__(
        self, settings: Settings, engine: Engine, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.clock = clock  # the duties' "now": a test can run October's on 1 October

    def _today(self) -> date:
        return local_date(self.clock(), self.settings.tz)

    def _offices(self) -> list[Office]:
        """Every active office: each gets its own digest, reminders and reports."""
        with session_scope(self.engine) as session:
            return active_offices(session)

    def weekly_digest(self) -> None:
        today = self._today()
        for office in self._offices():
            key = office_run_key(deliver.digest_key(today), office)
            queued = deliver.send_digest(self.engine, self.settings, today, key, office=office.id)
            log.info("%s: weekly digest queued for %s recipients", office.code, queued.recipients)

    def deadline_reminders(self) -> None:
        for office in self._offices():
            queued = deliver.send_deadline_reminders(
                self.engine, self.settings, self._today(), office=office.id
            )
            log.info(
                "%s: deadline reminders queued for %s recipients", office.code, queued.recipients
            )

    def submission_reminders(self) -> None:
        for office in self._offices():
            queued = deliver.send_submission_reminders(
                self.engine, self.settings, self._today(), office=office.id
            )
            if queued.recipients:
                log.info(
                    "%s: submission reminders queued for %s recipients",
                    office.code,
                    queued.recipients,
                )

    def monthly_reports(self) -> None:
        today = self._today()
        last_day = today.replace(day=1) - timedelta(days=1)
        period = Period(last_day.replace(day=1), last_day)
        for office in self._offices():
            key = office_run_key(f"monthly:{last_day:%Y-%m}", office)
            kinds = ["iku", "complaints"]
            deliver.send_period_reports(
                self.engine, self.settings, period, kinds, key, today, office=office.id
            )

    def quarterly_reports(self) -> None:
        today = self._today()
        last_day = today.replace(day=1) - timedelta(days=1)
        quarter = (last_day.month - 1) // 3 + 1
        period = Period.quarter(last_day.year, quarter)
        for office in self._offices():
            key = office_run_key(f"quarterly:{last_day.year}-Q{quarter}", office)
            kinds = ["iku", "skm", "complaints"]
            deliver.send_period_reports(
                self.engine, self.settings, period, kinds, key, today, office=office.id
            )

    def prune(self) -> None:
        with session_scope(self.engine) as session:
            for_all_offices(session)  # what only grows, in the whole deployment
            pruned = prune(
                session, self.clock(), self.settings.keep_days, self.settings.idle_account_days
            )
        log.info(
            "pruned %s update ids, %s messages, %s logins older than %s days, %s idle residents",
            pruned.updates,
            pruned.messages,
            pruned.logins,
            self.settings.keep_days,
            pruned.residents,
        )

    def backup(self) -> None:
        """The daily archive (core/services/operations/backup_duty.py): once across processes, the
        admins told in their chat when it fails or has gone missing."""
        outcome = scheduled_backup(self.engine, self.settings, self.clock())
        if outcome.result is not None:
            log.info(
                "backup written: %s (%s bytes, %s), %s old archives removed",
                outcome.result.path,
                outcome.result.size,
                "encrypted" if outcome.result.encrypted else "NOT encrypted",
                len(outcome.result.pruned),
            )
            if not outcome.result.encrypted:
                log.warning("the backup holds personal data: set SIGAP_BACKUP_PASSPHRASE")

    def schedule(self) -> dict[str, tuple[Callable[[], None], str]]:
        """Job id -> (duty, crontab), as the settings say."""
        settings = self.settings
        jobs = {
            "weekly-digest": (self.weekly_digest, settings.digest_cron),
            "deadline-reminders": (self.deadline_reminders, settings.deadline_cron),
            "submission-reminders": (self.submission_reminders, settings.submission_reminder_cron),
            "monthly-reports": (self.monthly_reports, settings.monthly_report_cron),
            "quarterly-reports": (self.quarterly_reports, settings.quarterly_report_cron),
            "prune": (self.prune, settings.prune_cron),
        }
        if settings.backup_cron:  # empty: backups run elsewhere (a systemd timer)
            jobs["backup"] = (self.backup, settings.backup_cron)
        return jobs


def start_scheduler(settings: Settings, engine: Engine) -> AsyncIOScheduler:
    """Start the duties in the running event loop; make up those that fell due within
    the grace (each once, now). The duties run in a thread pool (they render PDFs and
    charts, which would stall the chats), and a stop waits for a duty under way to end
    instead of cancelling it halfway."""
    scheduler = AsyncIOScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=2)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": int(settings.misfire_grace_hours * 3600) or None,
        },
        timezone=settings.tz,
    )
    scheduler.start(paused=True)  # jobs added to a started scheduler are scheduled at once
    now = utcnow()
    since = now - timedelta(hours=settings.misfire_grace_hours)
    for job_id, (duty, cron) in Duties(settings, engine).schedule().items():
        trigger = CronTrigger.from_crontab(cron, timezone=settings.tz)
        if _fired_since(trigger, since, now):
            scheduler.add_job(duty, id=job_id + CATCH_UP, name=job_id + CATCH_UP)
        scheduler.add_job(duty, trigger, id=job_id, name=job_id)
    scheduler.resume()
    return scheduler


def _fired_since(trigger: CronTrigger, since: datetime, now: datetime) -> bool:
    fire_time = trigger.get_next_fire_time(None, since)
    return fire_time is not None and fire_time <= now
