"""The daily backup the scheduler runs, and the admins told when backups stop.

Once across processes: the run key ``backup:<office date>`` is claimed before the
archive is written, so several `sigap run` on one database write one archive a day.
A backup that fails is reported to the admins in their chat at once, with the reason;
a backup that went missing (a process that died while writing it, a scheduler that was
down) is reported by the next run, when the newest archive is older than
SIGAP_BACKUP_MAX_AGE_HOURS. Core says what happened; the chat layer words it
(``backup.failed``, ``backup.missing`` in bot/locales).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from core.config import Settings
from core.db import session_scope
from core.models import ScheduledRun
from core.scope import for_all_offices
from core.services.files.upsert import insert_if_absent
from core.services.messaging.outbox import enqueue
from core.services.messaging.recipients import admin_recipients
from core.services.operations.backup import BackupResult, create_backup, last_backup
from core.timeutil import local_date

log = logging.getLogger(__name__)
FAILED = "backup.failed"
MISSING = "backup.missing"


@dataclass(frozen=True)
class DutyOutcome:
    ran: bool  # False: another process had claimed today's run
    result: BackupResult | None = None
    error: str | None = None
    missing_since: datetime | None = None


def alert_admins(session: Session, event: str, params: dict[str, Any], key: str) -> int:
    """Queue ``event`` to every admin once per ``key``; how many chats it went to."""
    recipients = admin_recipients(session)
    for channel, chat in recipients:
        enqueue(
            session,
            channel,
            chat,
            template=event,
            params=params,
            dedupe_key=f"{key}:{channel}:{chat}",
        )
    if not recipients:
        log.error("no admin or leader on any chat to tell: %s", event)
    return len(recipients)


def one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:300]


def scheduled_backup(engine: Engine, settings: Settings, now: datetime) -> DutyOutcome:
    today = local_date(now, settings.tz)
    previous = last_backup(settings)
    missing = previous is not None and now - previous.at > timedelta(
        hours=settings.backup_max_age_hours
    )
    with session_scope(engine) as session:
        for_all_offices(session)  # the deployment's backup: every office's admins hear
        if missing and previous is not None:
            since = previous.at.astimezone(settings.tz)
            params = {"since": f"{since:%d-%m-%Y %H:%M}", "folder": str(settings.backup_dir)}
            alert_admins(session, MISSING, params, f"backup-missing:{today}")
        table = ScheduledRun.__table__  # type: ignore[attr-defined]
        if not insert_if_absent(session, table, {"key": f"backup:{today}"}):
            return DutyOutcome(ran=False)
    missing_since = previous.at if missing and previous is not None else None
    try:
        result = create_backup(settings, now=now)
    except Exception as exc:  # whatever stopped it, the admins must hear of it
        log.exception("scheduled backup failed")
        with session_scope(engine) as session:
            for_all_offices(session)
            params = {"reason": one_line(exc), "day": f"{today:%d-%m-%Y}"}
            alert_admins(session, FAILED, params, f"backup-failed:{today}")
        return DutyOutcome(True, error=one_line(exc), missing_since=missing_since)
    return DutyOutcome(True, result, missing_since=missing_since)
