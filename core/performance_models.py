"""Tables of the Perjanjian Kinerja and its follow-up: each IKU's target for a year, with
optional cumulative triwulan targets, and the SKM's rencana tindak lanjut. Imported
through ``core.models`` (its naming convention)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from core.domain.capaian import Direction
from core.domain.performance import Accumulation, IndicatorKind
from core.offices import OfficeScoped, office_column, office_key_column
from core.timeutil import utcnow
from core.types import EnumText, ExactDecimal

IKU_LABEL_LENGTH = 12  # an office's numbering: "IKU1", "IKU 2.1"


def _quarter_target() -> Decimal | None:
    return Field(default=None, sa_type=ExactDecimal(), nullable=True)  # type: ignore[no-any-return]


class IkuTarget(OfficeScoped, SQLModel, table=True):
    """The Perjanjian Kinerja target of one IKU for one year.

    ``target_q1``..``target_q4`` are what the office means to have reached by the end of
    each triwulan (cumulative, like the realisation a triwulan review compares), where it
    set them; a triwulan report shows them beside the annual target."""

    office_id: int | None = office_key_column()
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    iku: str = Field(primary_key=True, sa_type=String(30))  # the office's numbering
    target: Decimal = Field(sa_type=ExactDecimal())
    direction: Direction = Field(default=Direction.HIGHER_IS_BETTER, sa_type=EnumText(Direction))
    target_q1: Decimal | None = _quarter_target()
    target_q2: Decimal | None = _quarter_target()
    target_q3: Decimal | None = _quarter_target()
    target_q4: Decimal | None = _quarter_target()
    deleted_at: datetime | None = None  # soft delete: the audit trail says who and why

    def quarter_target(self, quarter: int) -> Decimal | None:
        value: Decimal | None = getattr(self, f"target_q{quarter}")
        return value


class DictionaryIndicator(SQLModel, table=True):
    """An indicator the kabupaten added to its dictionary, for any office to choose.
    Sigap's six computed ones are always in the dictionary without a row
    (``core.domain.performance.BUILT_IN_INDICATORS``); a row is mostly an indicator
    whose value offices enter per triwulan."""

    __tablename__ = "dictionaryindicator"

    code: str = Field(primary_key=True, max_length=30)
    name: str = Field(max_length=255)
    unit: str = Field(max_length=40)
    kind: IndicatorKind = Field(sa_type=EnumText(IndicatorKind))
    direction: Direction = Field(default=Direction.HIGHER_IS_BETTER, sa_type=EnumText(Direction))
    accumulation: Accumulation = Field(
        default=Accumulation.SNAPSHOT, sa_type=EnumText(Accumulation)
    )
    created_at: datetime = Field(default_factory=utcnow)


class OfficeIku(OfficeScoped, SQLModel, table=True):
    """One IKU of an office's set: its own number and, where it words the indicator
    otherwise, its own name. An office with no row reads the default set."""

    office_id: int | None = office_key_column()
    label: str = Field(primary_key=True, max_length=IKU_LABEL_LENGTH)
    indicator_code: str = Field(max_length=30)  # built-in, or a DictionaryIndicator
    name: str | None = Field(default=None, max_length=255)
    position: int = Field(default=0)  # the office's order; the register puts a new one last
    deleted_at: datetime | None = None  # soft delete: the audit trail says who and why


class IkuEntry(OfficeScoped, SQLModel, table=True):
    """The realisation of an entered indicator for one triwulan, with its evidence: a
    description, and the file behind it where there is one."""

    office_id: int | None = office_key_column()
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    quarter: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    iku: str = Field(primary_key=True, max_length=IKU_LABEL_LENGTH)
    value: Decimal = Field(sa_type=ExactDecimal())
    evidence: str = Field(max_length=500)
    file_ref: str | None = Field(default=None, max_length=255)
    deleted_at: datetime | None = None  # soft delete: the audit trail says who and why


class SkmFollowUp(OfficeScoped, SQLModel, table=True):
    """One step of the rencana tindak lanjut the office commits to after an SKM: for the
    whole unit (no service) or one service, usually aimed at a weak unsur; for a year, or
    for one triwulan of it. The SKM report prints them in its follow-up chapter."""

    id: int | None = Field(default=None, primary_key=True)
    office_id: int | None = office_column()
    year: int = Field(index=True)
    quarter: int | None = None  # 1..4; none: the whole year
    service_code: str | None = Field(default=None, max_length=32)  # none: the whole unit
    unsur: str | None = Field(default=None, max_length=2)  # U1..U9
    action: str = Field(max_length=500)
    responsible: str | None = Field(default=None, max_length=120)
    due_date: date | None = None
    deleted_at: datetime | None = None  # soft delete: the audit trail says who and why
    created_at: datetime = Field(default_factory=utcnow)


class ActivityPhoto(OfficeScoped, SQLModel, table=True):
    """A photo staff sent from the field as evidence that an activity was held (IKU3):
    a Telegram file id or ``wa:<media id>``, as complaint photos are kept."""

    id: int | None = Field(default=None, primary_key=True)
    office_id: int | None = office_column()
    activity_id: int = Field(foreign_key="activity.id", index=True)
    file_ref: str = Field(max_length=255)
    caption: str | None = Field(default=None, max_length=1000)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow)
