"""The chat side's tables: where each person is in a dialog, updates already handled,
WhatsApp's 24-hour window, the outbox, where files sent in a chat are kept, and staff
invitations. Imported through ``core.models`` (its naming convention)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from core.domain.people import StaffRole
from core.offices import OfficeScoped, optional_office_column
from core.timeutil import utcnow
from core.types import EnumText


class DialogState(SQLModel, table=True):
    """Where one person is in a chat dialog; kept in the database so a restart resumes."""

    channel: str = Field(primary_key=True, max_length=20)
    user_key: str = Field(primary_key=True, max_length=140)
    dialog: str = Field(max_length=30)
    step: str = Field(max_length=30)
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


class ProcessedUpdate(SQLModel, table=True):
    """An inbound update already handled: a second delivery changes nothing."""

    channel: str = Field(primary_key=True, max_length=20)
    update_key: str = Field(primary_key=True, max_length=200)  # a WhatsApp wamid runs long
    processed_at: datetime = Field(default_factory=utcnow)


class ChatWindow(SQLModel, table=True):
    """When a person last wrote to us on a channel: WhatsApp accepts free-form messages
    only within 24 h of that; after it, only an approved template."""

    channel: str = Field(primary_key=True, max_length=20)
    chat_id: str = Field(primary_key=True, max_length=140)
    last_inbound_at: datetime


class StoredFile(SQLModel, table=True):
    """A file sent in a chat, once its channel has downloaded it: ``file_ref`` is what the
    rows keep (the platform's id, by which the bot sends the file on), ``stored_as`` the
    name the channel gave it inside SIGAP_MEDIA_DIR. Written only after the whole file is
    in place. No office's row: a file is found only through the office's row naming its
    ``file_ref`` (a complaint's photo, a register's evidence), never listed by itself."""

    file_ref: str = Field(primary_key=True, max_length=255)
    stored_as: str = Field(max_length=200)
    stored_at: datetime = Field(default_factory=utcnow)


class OutboxMessage(SQLModel, table=True):
    """A message to deliver; marked sent only after the platform accepted it.

    Either ``text`` (rendered by a dialog) or ``template`` + ``params`` (rendered at send
    time in the recipient's language, so core can enqueue without knowing any wording).
    """

    __table_args__ = (
        Index("ix_outbox_pending", "status", "next_attempt_at"),
        Index("ix_outbox_external_id", "external_id"),  # status callbacks find the message
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    recipient: str = Field(max_length=140)  # a WhatsApp BSUID is up to 131
    language: str = Field(default="id", max_length=5)
    text: str | None = Field(default=None, sa_column=Column(Text))
    template: str | None = Field(default=None, max_length=60)
    params: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    markup: str | None = Field(default=None, sa_column=Column(Text))
    attachment: str | None = Field(default=None, max_length=255)
    status: str = Field(default="pending", max_length=10)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    external_id: str | None = Field(default=None, max_length=200)
    # what the platform reported after accepting it: delivered, read, failed (WhatsApp)
    delivery_status: str | None = Field(default=None, max_length=20)
    last_error: str | None = Field(default=None, max_length=500)
    dedupe_key: str | None = Field(default=None, max_length=120, unique=True)
    topic: str | None = Field(default=None, max_length=30)  # e.g. "digest"
    claimed_by: str | None = Field(default=None, max_length=40)  # the sender lease sending it


class StaffInvite(OfficeScoped, SQLModel, table=True):
    """A one-time invitation; the only way for a chat account to become staff.

    Only the code's hash is kept (like login links): the code itself is shown once to
    whoever made the invite, so a copy of the database makes nobody staff."""

    id: int | None = Field(default=None, primary_key=True)
    office_id: int | None = optional_office_column()
    code_hash: str = Field(max_length=64, unique=True)
    role: StaffRole = Field(sa_type=EnumText(StaffRole))
    name: str | None = Field(default=None, max_length=120)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_staff_id: int | None = Field(default=None, foreign_key="staff.id")  # None: CLI
    expires_at: datetime
    used_at: datetime | None = None
    used_by_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    revoked_at: datetime | None = None
