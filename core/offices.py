"""The kantor kecamatan as data: one deployment may serve every kecamatan of a kabupaten.

A single-office install has one row, made from its settings by the migration that
introduced offices; the rows every office owns carry its id (see ``core.scope``, which
keeps each office's sessions to its own rows). Imported through ``core.models``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from core.timeutil import utcnow


class OfficeScoped:
    """Marks a table whose rows belong to one office (its ``office_id``): a session
    scoped to an office reads, changes and writes only that office's rows."""

    office_id: int | None


def office_column() -> Any:
    """The office a row belongs to; ``core.scope`` fills it in from the session."""
    return Field(default=None, nullable=False, foreign_key="office.id", index=True)


def optional_office_column() -> Any:
    """As ``office_column``, where a row may belong to the kabupaten, not to an office
    (a kabupaten-level staff member)."""
    return Field(default=None, nullable=True, foreign_key="office.id", index=True)


def office_key_column() -> Any:
    """The office as the first part of a key that is per office (a year's SAKIP score,
    a year's IKU target, a file imported): each office has its own."""
    return Field(
        default=None,
        primary_key=True,
        foreign_key="office.id",
        sa_column_kwargs={"autoincrement": False},
    )


class Office(SQLModel, table=True):
    """A kantor kecamatan: its official code, its ticket prefix, its letterhead and Camat."""

    id: int | None = Field(default=None, primary_key=True)
    # Kemendagri's code (e.g. 35.09.23); unique across the deployment
    code: str = Field(max_length=20, unique=True)
    name: str = Field(max_length=200)
    ticket_prefix: str = Field(max_length=5, unique=True)
    address: str = Field(default="", max_length=200)
    logo_path: str | None = Field(default=None, max_length=255)
    camat_name: str = Field(default="", max_length=120)
    camat_nip: str = Field(default="", max_length=24)
    camat_pangkat: str = Field(default="", max_length=60)
    # Where this office differs: "pkl=3;miras=2" (days, over the category list's) and
    # "trantib=-1001,-1002;pmks=-1003" (its sections' Telegram groups); empty: defaults
    service_levels: str = Field(default="", max_length=500)
    staff_chats: str = Field(default="", max_length=1000)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)


class OfficeArea(SQLModel, table=True):
    """A desa or kelurahan of an office, with its official code where it is known (an
    office made from settings knows only the names)."""

    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    code: str | None = Field(default=None, max_length=20, unique=True)
    name: str = Field(max_length=80)
    kind: str = Field(default="desa", max_length=10)  # desa | kelurahan
    active: bool = Field(default=True)
