"""Tables behind the LKjIP's Bab III: the staff's analysis of each IKU for a year or a
triwulan, and the Renstra end-of-period target each IKU is measured against.

``core.models`` imports this module at its end; importing it here first sets the naming
convention of constraints before these tables are declared, whichever is imported first."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import String
from sqlmodel import Field, SQLModel

import core.models  # noqa: F401  (see the docstring)
from core.domain.capaian import Direction
from core.offices import OfficeScoped, office_key_column
from core.types import EnumText, ExactDecimal

ANALYSIS_MAX_CHARS = 2000  # one paragraph of a LKjIP, and within the web form's limits


def _analysis_text() -> str | None:
    return Field(default=None, max_length=ANALYSIS_MAX_CHARS)  # type: ignore[no-any-return]


class IkuAnalysis(OfficeScoped, SQLModel, table=True):
    """Why one IKU did as it did in one period, and what the office will do about it:
    the LKjIP's faktor pendorong, faktor penghambat and upaya / rencana tindak lanjut.

    ``quarter`` is 1..4 for a triwulan and 0 for the whole year, so (year, quarter, iku)
    is a key both databases hold unique (a NULL in a key would not be). Every change is
    in the registers' audit trail (``register_name = "analisis"``)."""

    office_id: int | None = office_key_column()
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    quarter: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    iku: str = Field(primary_key=True, sa_type=String(30))  # the office's numbering
    pendorong: str | None = _analysis_text()
    penghambat: str | None = _analysis_text()
    upaya: str | None = _analysis_text()
    deleted_at: datetime | None = None  # soft delete: the audit trail says who and why


class RenstraTarget(OfficeScoped, SQLModel, table=True):
    """The Renstra's target for one IKU at the end of its period (the LKjIP compares each
    year's realisation with it). Keyed by the period's last year, so the next Renstra's
    targets are kept beside the current one's."""

    office_id: int | None = office_key_column()
    end_year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    iku: str = Field(primary_key=True, sa_type=String(30))  # the office's numbering
    target: Decimal = Field(sa_type=ExactDecimal())
    direction: Direction = Field(default=Direction.HIGHER_IS_BETTER, sa_type=EnumText(Direction))
    deleted_at: datetime | None = None  # soft delete: the audit trail says who and why
