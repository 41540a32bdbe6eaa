"""The office's records as SQLModel tables. Rules live in ``core.domain``; these hold data."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Column,
    Index,
    Integer,
    SmallInteger,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from core.domain.capaian import Direction
from core.domain.complaints import Channel, ComplaintState, Privacy, ReferralKind
from core.domain.people import StaffRole
from core.domain.performance import ActivityStatus, DocumentKind
from core.offices import OfficeScoped, office_column, office_key_column, optional_office_column
from core.timeutil import utcnow
from core.types import EnumText, ExactDecimal

# Named constraints keep later migrations (and SQLite batch rebuilds) deterministic.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Resident(SQLModel, table=True):
    """A person who reports or rates: reached through their chat accounts, if any (a
    walk-in reporter has none)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=32)
    language: str = Field(default="id", max_length=5)
    created_at: datetime = Field(default_factory=utcnow)
    # the office their last report went to: offered first next time (several offices)
    last_office_id: int | None = Field(default=None, foreign_key="office.id")


class Staff(OfficeScoped, SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    office_id: int | None = optional_office_column()
    name: str = Field(max_length=120)
    role: StaffRole = Field(sa_type=EnumText(StaffRole))
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)


class ChatAccount(SQLModel, table=True):
    """One person's account on one chat channel, e.g. ("telegram", "123456789").

    Channels are data here: core never names one. Replies and news for the person go to
    the account's external id. Everyone who writes is a resident (so anyone can report);
    an account linked to staff also carries the staff member's role into the chat.
    """

    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    external_id: str = Field(max_length=140)  # a WhatsApp BSUID is up to 131
    resident_id: int | None = Field(default=None, foreign_key="resident.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


_KABUPATEN_REFS: dict[str, Any] = {
    f"{dialect}_where": text("channel = 'kanal-kabupaten' AND external_ref IS NOT NULL")
    for dialect in ("sqlite", "postgresql")
}


class Complaint(OfficeScoped, SQLModel, table=True):
    __table_args__ = (
        # Covers the IKU4 count and the period recap (breakdowns, times, service level):
        # read from the index alone, a year's 200,000 complaints cost no table lookups.
        Index(
            "ix_complaint_period_recap",
            "office_id",
            "received_at",
            "state",
            "resolved_at",
            "privacy",
            "category",
            "channel",
            "desa",
            "acknowledged_at",
            "due_date",
        ),
        Index("ix_complaint_queue", "office_id", "state", "due_date"),
        # A complaint the kabupaten's channel disposed is stored once per office, however
        # often its export is imported (other channels' references may repeat: not held)
        Index(
            "uq_complaint_channel_ref",
            "office_id",
            "external_ref",
            unique=True,
            **_KABUPATEN_REFS,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    office_id: int | None = office_column()
    code: str = Field(max_length=20, unique=True)
    channel: Channel = Field(sa_type=EnumText(Channel))
    category: str = Field(max_length=40)
    description: str = Field(sa_column=Column(Text, nullable=False))
    desa: str | None = Field(default=None, max_length=80)
    latitude: float | None = None
    longitude: float | None = None
    privacy: Privacy = Field(default=Privacy.HIDDEN, sa_type=EnumText(Privacy))
    state: ComplaintState = Field(default=ComplaintState.DITERIMA, sa_type=EnumText(ComplaintState))
    reporter_id: int | None = Field(default=None, foreign_key="resident.id", index=True)
    external_ref: str | None = Field(default=None, max_length=64)
    duplicate_of_id: int | None = Field(default=None, foreign_key="complaint.id")
    assigned_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    received_at: datetime = Field(default_factory=utcnow)
    due_date: date
    acknowledged_at: datetime | None = None
    verified_at: datetime | None = None
    resolved_at: datetime | None = None
    confirmed_at: datetime | None = None
    resolution_note: str | None = Field(default=None, sa_column=Column(Text))


class ComplaintPhoto(OfficeScoped, SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    office_id: int | None = office_column()
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    file_ref: str = Field(max_length=255)
    caption: str | None = Field(default=None, max_length=1024)
    added_at: datetime = Field(default_factory=utcnow)


class ComplaintEvent(OfficeScoped, SQLModel, table=True):
    """The audit trail: every transition and staff action, who, when and why."""

    id: int | None = Field(default=None, primary_key=True)
    office_id: int | None = office_column()
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    action: str = Field(max_length=30)
    from_state: ComplaintState | None = Field(default=None, sa_type=EnumText(ComplaintState))
    to_state: ComplaintState | None = Field(default=None, sa_type=EnumText(ComplaintState))
    actor_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    actor_kind: str = Field(max_length=10)  # staff | reporter | system
    note: str | None = Field(default=None, sa_column=Column(Text))


class ComplaintReferral(OfficeScoped, SQLModel, table=True):
    """Where a complaint that is not the kecamatan's to settle went (bukan wewenang): the
    competent OPD, named, or back to the kabupaten's channel; read by the kabupaten."""

    __table_args__ = (Index("ix_complaintreferral_office_at", "office_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    office_id: int | None = office_column()
    complaint_id: int = Field(foreign_key="complaint.id", unique=True)  # closed once
    target_kind: ReferralKind = Field(sa_type=EnumText(ReferralKind))
    target_name: str = Field(max_length=120)
    note: str | None = Field(default=None, sa_column=Column(Text))
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    at: datetime = Field(default_factory=utcnow)


class Service(OfficeScoped, SQLModel, table=True):
    """A jenis layanan rated by the SKM; the code goes into chat deep links."""

    id: int | None = Field(default=None, primary_key=True)
    office_id: int | None = office_column()
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=120)
    active: bool = Field(default=True)


def _score_column() -> Any:
    return Field(default=None, sa_column=Column(SmallInteger, nullable=True))


_SARAN_ONLY: dict[str, Any] = {
    f"{dialect}_where": text("saran IS NOT NULL AND saran <> ''")
    for dialect in ("sqlite", "postgresql")
}


class SkmResponse(OfficeScoped, SQLModel, table=True):
    """One respondent's answers, keyed by unsur (u1..u9), never by question position."""

    __table_args__ = (
        # One response per person per service per day (NULL residents are not limited).
        UniqueConstraint("resident_id", "service_id", "tanggal"),
        Index("ix_skmresponse_tanggal_service", "office_id", "tanggal", "service_id"),
        # The few answers with a suggestion, newest first, for the SKM report's chapter V
        Index("ix_skmresponse_saran", "office_id", "tanggal", "id", **_SARAN_ONLY),
    )

    id: int | None = Field(default=None, primary_key=True)
    office_id: int | None = office_column()
    service_id: int = Field(foreign_key="service.id")
    tanggal: date
    jam: time | None = None
    u1: int | None = _score_column()
    u2: int | None = _score_column()
    u3: int | None = _score_column()
    u4: int | None = _score_column()
    u5: int | None = _score_column()
    u6: int | None = _score_column()
    u7: int | None = _score_column()
    u8: int | None = _score_column()
    u9: int | None = _score_column()
    jenis_kelamin: str | None = Field(default=None, max_length=1)
    usia: int | None = None
    pendidikan: str | None = Field(default=None, max_length=10)
    pekerjaan: str | None = Field(default=None, max_length=20)
    saran: str | None = Field(default=None, sa_column=Column(Text))
    resident_id: int | None = Field(default=None, foreign_key="resident.id")
    source: str = Field(default="chat", max_length=10)
    created_at: datetime = Field(default_factory=utcnow)


def _sum_column() -> Any:
    return Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))


class SkmDailyTotal(OfficeScoped, SQLModel, table=True):
    """Per day and service: respondents and each unsur's sum and count of answers.

    Maintained in the same transaction as every response, so a year's IKM reads about
    7,000 rows instead of a million; sums and counts keep the arithmetic exact.
    """

    __table_args__ = (
        # One office's days of a period: its IKM reads its own rows only (the primary
        # key, led by the day, walks every office's rows of the period: 4x slower for
        # one of 31 offices than for a single office with the whole year, bench/offices.py)
        Index("ix_skmdailytotal_office_tanggal", "office_id", "tanggal"),
    )

    tanggal: date = Field(primary_key=True)
    service_id: int = Field(primary_key=True, foreign_key="service.id")
    office_id: int | None = office_column()
    respondents: int = _sum_column()
    u1_sum: int = _sum_column()
    u1_n: int = _sum_column()
    u2_sum: int = _sum_column()
    u2_n: int = _sum_column()
    u3_sum: int = _sum_column()
    u3_n: int = _sum_column()
    u4_sum: int = _sum_column()
    u4_n: int = _sum_column()
    u5_sum: int = _sum_column()
    u5_n: int = _sum_column()
    u6_sum: int = _sum_column()
    u6_n: int = _sum_column()
    u7_sum: int = _sum_column()
    u7_n: int = _sum_column()
    u8_sum: int = _sum_column()
    u8_n: int = _sum_column()
    u9_sum: int = _sum_column()
    u9_n: int = _sum_column()


class SkmDailyProfile(OfficeScoped, SQLModel, table=True):
    """Per day and service: respondents by profile answer (e.g. jenis_kelamin = P)."""

    # One office's days of a period (the SKM summary's profile), as for SkmDailyTotal
    __table_args__ = (Index("ix_skmdailyprofile_office_tanggal", "office_id", "tanggal"),)

    tanggal: date = Field(primary_key=True)
    service_id: int = Field(primary_key=True, foreign_key="service.id")
    office_id: int | None = office_column()
    dimension: str = Field(primary_key=True, max_length=20)
    value: str = Field(primary_key=True, max_length=20)
    respondents: int = _sum_column()


class Activity(OfficeScoped, SQLModel, table=True):
    """An empowerment activity (IKU3), planned and then held, postponed or cancelled."""

    # one office's activities of a period, however many offices' years pile up
    __table_args__ = (Index("ix_activity_office_planned", "office_id", "planned_date"),)

    id: int | None = Field(default=None, primary_key=True)
    office_id: int | None = office_column()
    name: str = Field(max_length=200)
    kind: str = Field(max_length=40)
    desa: str | None = Field(default=None, max_length=80)
    planned_date: date | None = Field(default=None, index=True)
    held_date: date | None = None
    status: ActivityStatus = Field(
        default=ActivityStatus.DIRENCANAKAN, sa_type=EnumText(ActivityStatus)
    )
    target_group: str | None = Field(default=None, max_length=120)
    participants_male: int | None = None
    participants_female: int | None = None
    partner: str | None = Field(default=None, max_length=120)
    funding_source: str | None = Field(default=None, max_length=80)
    evidence_ref: str | None = Field(default=None, max_length=255)
    deleted_at: datetime | None = None  # soft delete: the audit trail says who and why
    created_at: datetime = Field(default_factory=utcnow)


class Document(OfficeScoped, SQLModel, table=True):
    """A penataan organisasi / tata laksana document (IKU1)."""

    __table_args__ = (Index("ix_document_office_date", "office_id", "doc_date"),)

    id: int | None = Field(default=None, primary_key=True)
    office_id: int | None = office_column()
    kind: DocumentKind = Field(sa_type=EnumText(DocumentKind))
    title: str = Field(max_length=200)
    doc_date: date = Field(index=True)
    file_ref: str | None = Field(default=None, max_length=255)
    deleted_at: datetime | None = None  # soft delete: the audit trail says who and why
    created_at: datetime = Field(default_factory=utcnow)


class SakipEvaluation(OfficeScoped, SQLModel, table=True):
    """The evaluator's LHE AKIP score for one year (IKU5); predikat derives from it."""

    office_id: int | None = office_key_column()
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    score: Decimal = Field(sa_type=ExactDecimal())
    note: str | None = Field(default=None, max_length=255)
    file_ref: str | None = Field(default=None, max_length=255)  # the LHE itself
    deleted_at: datetime | None = None  # soft delete: the audit trail says who and why


class ProgramIndicator(OfficeScoped, SQLModel, table=True):
    """An indicator of a programme in the year's renja / DPA (IKU6)."""

    id: int | None = Field(default=None, primary_key=True)
    office_id: int | None = office_column()
    year: int = Field(index=True)
    name: str = Field(max_length=255)
    unit: str | None = Field(default=None, max_length=40)
    target: Decimal = Field(sa_type=ExactDecimal())
    realisation: Decimal | None = Field(default=None, sa_type=ExactDecimal())
    direction: Direction = Field(default=Direction.HIGHER_IS_BETTER, sa_type=EnumText(Direction))
    deleted_at: datetime | None = None  # soft delete: the audit trail says who and why


class Holiday(OfficeScoped, SQLModel, table=True):
    """A day the office does not work (a national holiday, cuti bersama, or the office's
    own): not a working day for its due dates. National ones are added to every office at
    once (`sigap holiday add --all-offices`); a new office starts with the ones to come."""

    office_id: int | None = office_key_column()
    day: date = Field(primary_key=True)
    name: str = Field(max_length=120)
    national: bool = Field(default=False)  # added for every office by the kabupaten
    deleted_at: datetime | None = None  # soft delete: the audit trail says who and why


class ImportedFile(OfficeScoped, SQLModel, table=True):
    """A CSV already imported, by content hash: importing the same file twice is refused."""

    office_id: int | None = office_key_column()
    sha256: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=20)
    filename: str = Field(max_length=255)
    rows: int
    imported_at: datetime = Field(default_factory=utcnow)


# The back office's tables live beside these; re-exported so every model is one import.
import core.lkjip_models  # noqa: E402, F401  (the LKjIP's tables: import them from there)
from core.chat_models import ChatWindow as ChatWindow  # noqa: E402
from core.chat_models import DialogState as DialogState  # noqa: E402
from core.chat_models import OutboxMessage as OutboxMessage  # noqa: E402
from core.chat_models import ProcessedUpdate as ProcessedUpdate  # noqa: E402
from core.chat_models import StaffInvite as StaffInvite  # noqa: E402
from core.office_models import LoginLink as LoginLink  # noqa: E402
from core.office_models import RegisterAudit as RegisterAudit  # noqa: E402
from core.office_models import ScheduledRun as ScheduledRun  # noqa: E402
from core.office_models import SenderLease as SenderLease  # noqa: E402
from core.office_models import SendPace as SendPace  # noqa: E402
from core.office_models import WebSession as WebSession  # noqa: E402
from core.offices import Office as Office  # noqa: E402
from core.offices import OfficeArea as OfficeArea  # noqa: E402
from core.performance_models import ActivityPhoto as ActivityPhoto  # noqa: E402
from core.performance_models import DictionaryIndicator as DictionaryIndicator  # noqa: E402
from core.performance_models import IkuEntry as IkuEntry  # noqa: E402
from core.performance_models import IkuTarget as IkuTarget  # noqa: E402
from core.performance_models import OfficeIku as OfficeIku  # noqa: E402
from core.performance_models import SkmFollowUp as SkmFollowUp  # noqa: E402
from core.verification_models import IkuSubmission as IkuSubmission  # noqa: E402
from core.verification_models import SubmissionStep as SubmissionStep  # noqa: E402
from core.verification_models import SubmissionWindow as SubmissionWindow  # noqa: E402
