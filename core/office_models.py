"""Tables beside the office's records: web logins and sessions, the registers' audit
trail, the outbox senders' leases and shared send pace, and the scheduler's run keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from core.offices import OfficeScoped, office_column
from core.timeutil import utcnow


class RegisterAudit(OfficeScoped, SQLModel, table=True):
    """Who changed a register row, when and why: created, edited, deleted, imported.

    ``changes`` holds the fields that changed as JSON ({field: [before, after]}), so the
    page can show what a correction corrected.
    """

    __table_args__ = (Index("ix_registeraudit_record", "register_name", "record_key"),)

    id: int | None = Field(default=None, primary_key=True)
    office_id: int | None = office_column()
    register_name: str = Field(max_length=30)
    record_key: str = Field(max_length=40)
    action: str = Field(max_length=10)  # buat | ubah | hapus | impor
    at: datetime = Field(default_factory=utcnow)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")  # None: the CLI
    reason: str | None = Field(default=None, max_length=500)
    changes: str = Field(default="{}", sa_column=Column(Text, nullable=False))


class LoginLink(SQLModel, table=True):
    """A one-time link into the web back office; only its hash is kept."""

    token_hash: str = Field(primary_key=True, max_length=64)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class WebSession(SQLModel, table=True):
    """A logged-in browser, server side: the cookie holds a random id, the table its hash.
    Ends at ``expires_at``, at logout, or when the staff member is deactivated."""

    id_hash: str = Field(primary_key=True, max_length=64)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    csrf_token: str = Field(max_length=64)
    language: str = Field(default="id", max_length=5)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None


class SenderLease(SQLModel, table=True):
    """One live outbox sender: its claims are its own while the lease lives.

    Renewed every few seconds while the process lives; a lease whose renewals stopped,
    or whose process is gone from this host, is dead and its claims go back to pending
    at once, so a restart sends what the crashed process had claimed without waiting."""

    id: str = Field(primary_key=True, max_length=40)
    host: str = Field(max_length=255)
    pid: int
    started_at: datetime = Field(default_factory=utcnow)
    renewed_at: datetime = Field(default_factory=utcnow)


class SendPace(SQLModel, table=True):
    """The next free send slot of a channel (key ``telegram``) or of one chat on it (key
    ``telegram:12345``), shared by every process on one PostgreSQL database so that
    together they keep the platform's overall and per-chat limits. ``next_at`` is the
    database server's clock in epoch seconds (one clock for every process)."""

    key: str = Field(primary_key=True, max_length=120)
    next_at: float


class ScheduledRun(SQLModel, table=True):
    """One row per scheduled duty done (e.g. ``digest:2026-W48``): inserted in the same
    transaction as the messages it queues, so a duty runs once however many processes
    share the database and however often the scheduler retries after a restart."""

    key: str = Field(primary_key=True, max_length=80)
    ran_at: datetime = Field(default_factory=utcnow)
