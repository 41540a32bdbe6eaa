"""Tables of the kabupaten's quarterly verification (issue 27): an office submits its
IKU realisation for a triwulan, frozen as a snapshot with the evidence behind each
figure; the kabupaten verifies or returns each IKU; every step is kept. Imported
through ``core.models``."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, text
from sqlmodel import Field, SQLModel

from core.offices import OfficeScoped, office_column, office_key_column
from core.timeutil import utcnow


class IkuSubmission(OfficeScoped, SQLModel, table=True):
    """An office's latest submission of one triwulan. ``snapshot`` (JSON) is what it
    submitted: never changed once made; a resubmission replaces it with a new version,
    and the steps keep every version's."""

    office_id: int | None = office_key_column()
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    quarter: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    version: int = Field(default=1)
    snapshot: str = Field(sa_column=Column(Text, nullable=False))
    submitted_at: datetime = Field(default_factory=utcnow)
    submitted_by: int | None = Field(default=None, foreign_key="staff.id")


class SubmissionStep(OfficeScoped, SQLModel, table=True):
    """One step of a submission's history: submitted (the whole triwulan, ``iku``
    empty), or one IKU verified or returned with its reason, by whom and when.

    One submission per version and one decision per IKU and version, kept unique by the
    database: two verifiers (or two submitters) at the same moment cannot both win."""

    __table_args__ = (
        Index(
            "uq_submissionstep_decision",
            "office_id",
            "year",
            "quarter",
            "version",
            "iku",
            "stage",
            unique=True,
            sqlite_where=text("iku IS NOT NULL"),
            postgresql_where=text("iku IS NOT NULL"),
        ),
        Index(
            "uq_submissionstep_submission",
            "office_id",
            "year",
            "quarter",
            "version",
            unique=True,
            sqlite_where=text("iku IS NULL"),
            postgresql_where=text("iku IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    office_id: int | None = office_column()
    year: int = Field(index=True)
    quarter: int
    version: int
    iku: str | None = Field(default=None, max_length=12)
    action: str = Field(max_length=20)  # diajukan | diverifikasi | dikembalikan
    stage: int = Field(default=1)  # which verifier in turn decided (1: the first)
    reason: str | None = Field(default=None, max_length=1000)
    snapshot: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    at: datetime = Field(default_factory=utcnow)


class SubmissionWindow(SQLModel, table=True):
    """When the kabupaten takes a triwulan's submissions: from ``opens_on`` until it is
    closed, due by ``deadline`` (late ones are listed as overdue, not refused). One row
    per triwulan for every office; a triwulan with no row is open from the day after it
    ends with the default deadline (SIGAP_SUBMISSION_DEADLINE_WORKDAYS working days)."""

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    quarter: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    opens_on: date
    deadline: date
    closed_at: datetime | None = None
    changed_by: int | None = Field(default=None, foreign_key="staff.id")
    changed_at: datetime = Field(default_factory=utcnow)
