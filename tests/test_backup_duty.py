"""The daily backup duty: run by the scheduler, once a day however often it is asked,
old archives pruned by the rule, and the admins told in their chat when it fails or
when backups have gone missing."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobEvent
from sqlalchemy import Engine
from sqlmodel import select

from bot.notifications import words
from core.config import Settings, load_settings
from core.db import session_scope
from core.domain.people import StaffRole
from core.models import OutboxMessage, ScheduledRun
from core.services.operations.backup import create_backup, last_backup
from core.services.operations.backup_retention import archive_name, archives
from core.services.performance.records import add_staff
from core.timeutil import utcnow
from reports.schedule import Duties, start_scheduler

ADMIN_CHAT, CAMAT_CHAT = "5301", "5302"
NOT_LATELY = "0 7 29 2 *"
QUIET = {
    f"SIGAP_{name}_CRON": NOT_LATELY
    for name in ("DIGEST", "DEADLINE", "MONTHLY_REPORT", "QUARTERLY_REPORT", "PRUNE", "BACKUP")
}


@pytest.fixture
def office(database_url: str, tmp_path: Path, engine: Engine) -> Settings:
    with session_scope(engine) as session:
        add_staff(session, "Admin Kecamatan", StaffRole.ADMIN, accounts=[("telegram", ADMIN_CHAT)])
        add_staff(session, "Camat", StaffRole.CAMAT, accounts=[("telegram", CAMAT_CHAT)])
    return load_settings(
        _env_file=None,
        DATABASE_URL=database_url,
        SIGAP_MEDIA_DIR=str(tmp_path / "media"),
        SIGAP_REPORTS_DIR=str(tmp_path / "reports"),
        SIGAP_BACKUP_DIR=str(tmp_path / "backups"),
        SIGAP_MISFIRE_GRACE_HOURS=12,
        **QUIET,
    )


def told(engine: Engine, chat: str) -> list[str]:
    with session_scope(engine) as session:
        query = select(OutboxMessage).where(OutboxMessage.recipient == chat)
        return [words(message) for message in session.exec(query).all()]


def backup_runs(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        return [k for k in session.exec(select(ScheduledRun.key)).all() if k.startswith("backup:")]


async def test_a_failed_scheduled_backup_alerts_the_admins(
    office: Settings, engine: Engine, tmp_path: Path
) -> None:
    (tmp_path / "not-a-folder").write_text("a file where the backups should go")
    moment = utcnow().astimezone(office.tz) - timedelta(hours=1)
    settings = office.model_copy(
        update={
            "backup_dir": tmp_path / "not-a-folder" / "backups",
            "backup_cron": f"{moment.minute} {moment.hour} * * *",  # fell due an hour ago
        }
    )
    fate = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_event(event: JobEvent) -> None:
        if event.job_id == "backup-catch-up":
            loop.call_soon_threadsafe(fate.set)

    scheduler = start_scheduler(settings, engine)
    scheduler.add_listener(on_event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    if scheduler.get_job("backup-catch-up") is not None:
        await asyncio.wait_for(fate.wait(), timeout=60)
    scheduler.shutdown(wait=True)

    [alert] = told(engine, ADMIN_CHAT)
    assert "Cadangan harian Sigap GAGAL" in alert and "Not a directory" in alert
    assert told(engine, CAMAT_CHAT) == []  # the admins' business while they are reachable
    assert len(backup_runs(engine)) == 1

    Duties(settings, engine).backup()  # asked again the same day: nothing more
    assert len(told(engine, ADMIN_CHAT)) == 1


def test_the_daily_backup_runs_once_and_keeps_what_the_rule_says(
    office: Settings, engine: Engine
) -> None:
    settings = office.model_copy(
        update={"backup_keep_daily": 3, "backup_keep_weekly": 0, "backup_keep_monthly": 0}
    )
    now = utcnow()
    settings.backup_dir.mkdir(parents=True)
    for days in range(1, 6):  # the last five days' archives (by name)
        (settings.backup_dir / archive_name(now - timedelta(days=days), False)).write_bytes(b"x")

    Duties(settings, engine, clock=lambda: now).backup()
    Duties(settings, engine, clock=lambda: now + timedelta(minutes=5)).backup()

    found = archives(settings.backup_dir)
    assert [a.at.date() for a in found] == [(now - timedelta(days=d)).date() for d in range(3)]
    newest = last_backup(settings)
    assert newest is not None and newest.path == found[0].path and newest.at == found[0].at
    assert newest.path.stat().st_size > 10_000  # a real archive, not one of the stand-ins
    assert backup_runs(engine) == [f"backup:{now.astimezone(settings.tz).date()}"]
    assert told(engine, ADMIN_CHAT) == []


def test_missing_backups_are_reported_once(office: Settings, engine: Engine) -> None:
    now = utcnow()
    create_backup(office, now=now - timedelta(days=3))

    Duties(office, engine, clock=lambda: now).backup()
    Duties(office, engine, clock=lambda: now).backup()

    [alert] = told(engine, ADMIN_CHAT)
    since = (now - timedelta(days=3)).astimezone(office.tz)
    assert "Tidak ada cadangan Sigap sejak" in alert and f"{since:%d-%m-%Y}" in alert
    assert len(archives(office.backup_dir)) == 2  # and today's was made


def test_without_an_admin_on_chat_the_leadership_is_told(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    with session_scope(engine) as session:
        add_staff(session, "Admin Web", StaffRole.ADMIN)  # made at first run: web only
        add_staff(session, "Camat", StaffRole.CAMAT, accounts=[("whatsapp", "6281200000001")])
    (tmp_path / "full").write_text("")
    settings = load_settings(
        _env_file=None, DATABASE_URL=database_url, SIGAP_BACKUP_DIR=str(tmp_path / "full" / "b")
    )
    Duties(settings, engine).backup()
    [alert] = told(engine, "6281200000001")
    assert "GAGAL" in alert
