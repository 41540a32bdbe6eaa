"""What an operator watches, as plain numbers: the outbox per channel, open and overdue
complaints, the last run of each scheduled duty, the last backup, disk space left.

Read by /metrics (app/metrics.py) at every scrape, by /healthz and by the admin page
"Sistem". A handful of aggregate queries and a directory listing, nothing per row, so a
scrape every 15 seconds costs the database nothing worth noticing. Core says the
numbers; the front ends word and format them.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, col, func

from core.config import Settings
from core.models import OutboxMessage, ScheduledRun
from core.services.complaints.desk import open_and_overdue
from core.services.messaging.outbox import FAILED, PENDING, SENDING, SENT
from core.services.operations import backup_db
from core.services.operations.backup import last_backup
from core.services.operations.backup_crypto import BackupError
from core.timeutil import local_date, utcnow

WAITING = (PENDING, SENDING)  # not yet accepted by the platform nor given up
# The scheduled duties that record a run key (``digest:2026-W47``) in ScheduledRun, by
# the key's prefix: reports/deliver.py and core/services/operations/backup_duty.py. The backup's
# key is claimed before its archive is written: its finished archives are in ``backup``.
DUTIES = ("digest", "deadline", "monthly", "quarterly", "backup")


@dataclass(frozen=True)
class ChannelSetup:
    """A chat channel as the settings configure it (app/channels.py says which)."""

    name: str
    enabled: bool  # its secrets are set: `sigap run` serves it
    mode: str  # "webhook" or "polling": how the platform's updates reach Sigap
    address: str | None = None  # where the platform's webhook calls, when known


@dataclass(frozen=True)
class ChannelOutbox:
    channel: str
    waiting: int = 0  # pending or being sent
    oldest_waiting_at: datetime | None = None  # when the oldest of them was queued
    sent: int = 0  # accepted by the platform (kept SIGAP_KEEP_DAYS, then pruned)
    refused: int = 0  # refused by the platform, or given up after every retry

    def oldest_age(self, now: datetime) -> float:
        """Seconds the oldest waiting message has waited (0 when none waits)."""
        if self.oldest_waiting_at is None:
            return 0.0
        return max(0.0, (now - self.oldest_waiting_at).total_seconds())


@dataclass(frozen=True)
class BackupFacts:
    at: datetime
    path: Path
    size: int | None  # None: removed (by the retention rule) while being looked at
    encrypted: bool


@dataclass(frozen=True)
class DiskSpace:
    folder: str  # what it holds: database, media, reports, backups
    path: Path
    free: int
    total: int


@dataclass(frozen=True)
class SystemFigures:
    now: datetime
    outbox: list[ChannelOutbox]  # by channel name
    open_complaints: int
    overdue_complaints: int
    last_runs: dict[str, datetime | None]  # DUTIES, each with its last run or None
    backup: BackupFacts | None
    disks: list[DiskSpace] = field(default_factory=list)

    def oldest_waiting_age(self, channels: Iterable[str] | None = None) -> float:
        """Seconds the oldest message waiting on one of ``channels`` (all: None) waited."""
        chosen = None if channels is None else set(channels)
        lines = [c for c in self.outbox if chosen is None or c.channel in chosen]
        return max((c.oldest_age(self.now) for c in lines), default=0.0)


def outbox_by_channel(session: Session, channels: Iterable[str] = ()) -> list[ChannelOutbox]:
    """Each channel with messages in the outbox, and each of ``channels`` even without
    any, by name: one grouped query."""
    rows = session.execute(
        sa.select(
            col(OutboxMessage.channel),
            col(OutboxMessage.status),
            func.count(),
            func.min(col(OutboxMessage.created_at)),
        ).group_by(col(OutboxMessage.channel), col(OutboxMessage.status))
    ).all()
    found: dict[str, dict[str, tuple[int, datetime | None]]] = {name: {} for name in channels}
    for channel, status, count, oldest in rows:
        found.setdefault(channel, {})[status] = (int(count), oldest)
    lines = []
    for channel, by_status in sorted(found.items()):
        waiting = [by_status[s] for s in WAITING if s in by_status]
        lines.append(
            ChannelOutbox(
                channel=channel,
                waiting=sum(n for n, _ in waiting),
                oldest_waiting_at=min((at for _, at in waiting if at is not None), default=None),
                sent=by_status.get(SENT, (0, None))[0],
                refused=by_status.get(FAILED, (0, None))[0],
            )
        )
    return lines


def oldest_waiting(session: Session, channels: Iterable[str]) -> datetime | None:
    """When the oldest message still waiting on one of ``channels`` was queued: the
    health check's question, answered from the outbox's status index."""
    names = list(channels)
    if not names:
        return None
    oldest: datetime | None = session.execute(
        sa.select(func.min(col(OutboxMessage.created_at))).where(
            col(OutboxMessage.status).in_(WAITING), col(OutboxMessage.channel).in_(names)
        )
    ).scalar()
    return oldest


def last_runs(session: Session) -> dict[str, datetime | None]:
    """The last recorded run of each scheduled duty (None: never), in one query."""
    key = col(ScheduledRun.key)
    duty = sa.case(*((key.startswith(f"{name}:"), name) for name in DUTIES), else_=None)
    rows = session.execute(
        sa.select(duty, func.max(col(ScheduledRun.ran_at))).where(duty.is_not(None)).group_by(duty)
    ).all()
    found = {name: at for name, at in rows}
    return {name: found.get(name) for name in DUTIES}


def backup_facts(settings: Settings) -> BackupFacts | None:
    """The newest finished archive in SIGAP_BACKUP_DIR (archives written elsewhere with
    ``--to`` are not seen)."""
    archive = last_backup(settings)
    if archive is None:
        return None
    try:
        size: int | None = archive.path.stat().st_size
    except OSError:
        size = None
    return BackupFacts(archive.at, archive.path, size, archive.encrypted)


def _existing(path: Path) -> Path:
    """The folder itself, or the nearest folder above it that exists (a folder Sigap has
    not written yet will be made on that disk)."""
    path = path.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def folders(settings: Settings) -> list[tuple[str, Path]]:
    """Where Sigap writes: the SQLite database's folder, media, reports, backups."""
    found = []
    if backup_db.kind_of(settings.database_url) == "sqlite":
        with contextlib.suppress(BackupError):  # an in-memory database has no folder
            found.append(("database", backup_db.sqlite_file(settings.database_url).parent))
    found += [
        ("media", settings.media_dir),
        ("reports", settings.reports_dir),
        ("backups", settings.backup_dir),
    ]
    return found


def disk_space(settings: Settings) -> list[DiskSpace]:
    spaces = []
    for name, folder in folders(settings):
        path = _existing(folder)
        try:
            usage = shutil.disk_usage(path)
        except OSError:
            continue
        spaces.append(DiskSpace(name, folder, usage.free, usage.total))
    return spaces


def system_figures(
    session: Session,
    settings: Settings,
    channels: Iterable[str] = (),
    now: datetime | None = None,
) -> SystemFigures:
    """Everything above at one moment; ``channels``: those this Sigap serves, listed
    even with an empty outbox."""
    moment = now or utcnow()
    open_now, overdue = open_and_overdue(session, local_date(moment, settings.tz))
    return SystemFigures(
        now=moment,
        outbox=outbox_by_channel(session, channels),
        open_complaints=open_now,
        overdue_complaints=overdue,
        last_runs=last_runs(session),
        backup=backup_facts(settings),
        disks=disk_space(settings),
    )
