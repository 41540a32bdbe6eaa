"""The analysis a LKjIP asks for, per IKU and per year or triwulan: why the indicator
succeeded or fell short (faktor pendorong, faktor penghambat) and what the office will do
(upaya / rencana tindak lanjut).

Kept as a register (core/services/performance/registers.py), so writing it is authorised by the role
matrix and every change lands in the same audit trail as the other registers, with who,
when, what it said before and why. Who may write the analysis of an IKU is whoever keeps
the records behind it (`ANALYSIS_RIGHTS`): the secretariat (which compiles the LKjIP)
and the admin for every IKU, each section for its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from core.domain.access import Permission
from core.domain.performance import IndicatorKind
from core.domain.periods import Period
from core.errors import InvalidInput, NotAllowed
from core.lkjip_models import ANALYSIS_MAX_CHARS, IkuAnalysis
from core.models import RegisterAudit
from core.scope import office_of
from core.services.access.authz import Actor, authorize
from core.services.files.fields import FieldKind, FieldSpec, clean_text
from core.services.performance.iku_set import chosen_iku
from core.services.performance.registers import Register, create_record, history, update_record

ANALYSIS_TRAIL = "analisis"
WHOLE_YEAR = 0  # ``IkuAnalysis.quarter`` of a year's analysis

# The right that keeps the records behind each IKU also writes its analysis.
ANALYSIS_RIGHTS: dict[IndicatorKind, Permission] = {
    IndicatorKind.DOCUMENTS: Permission.MANAGE_DOCUMENTS,  # the document register
    IndicatorKind.IKM: Permission.MANAGE_SERVICES,  # the SKM services and their follow-up
    IndicatorKind.ACTIVITIES: Permission.MANAGE_ACTIVITIES,  # the empowerment activities
    IndicatorKind.TRANTIB: Permission.HANDLE_COMPLAINTS,  # the complaint desk
    IndicatorKind.SAKIP: Permission.MANAGE_PERFORMANCE,  # the SAKIP score
    IndicatorKind.PROGRAMS: Permission.MANAGE_PERFORMANCE,  # the programme indicators
    IndicatorKind.ENTERED: Permission.MANAGE_PERFORMANCE,  # the entered realisations
}
_KEY = re.compile(r"(\d{4})(?:-Q([1-4]))?-(.{1,12})", re.ASCII)
TEXTS = ("pendorong", "penghambat", "upaya")
TEXT_LABELS = {
    "pendorong": "Faktor pendorong",
    "penghambat": "Faktor penghambat",
    "upaya": "Upaya / rencana tindak lanjut",
}

K = FieldKind
_FIELDS = (
    FieldSpec("year", "tahun", "Tahun", K.INT, True, minimum=2000, maximum=2100),
    FieldSpec("quarter", "triwulan", "Triwulan (0: setahun)", K.INT, True, minimum=0, maximum=4),
    FieldSpec("iku", "iku", "IKU", required=True, max_length=12),
    *(FieldSpec(n, n, TEXT_LABELS[n], max_length=ANALYSIS_MAX_CHARS) for n in TEXTS),
)


@dataclass(frozen=True)
class AnalysisPeriod:
    """A year (quarter 0) or one triwulan of it: the periods a LKjIP analysis is for."""

    year: int
    quarter: int = WHOLE_YEAR

    @classmethod
    def of(cls, period: Period) -> AnalysisPeriod | None:
        """The analysis period a report or page period is, if it is one (a free date
        range is not: nobody writes a LKjIP for 3 to 17 March)."""
        if period.is_whole_year:
            return cls(period.start.year)
        quarter = period.quarter_number
        return cls(period.start.year, quarter) if quarter is not None else None

    @property
    def label(self) -> str:
        if self.quarter == WHOLE_YEAR:
            return f"Tahun {self.year}"
        return f"Triwulan {['I', 'II', 'III', 'IV'][self.quarter - 1]} {self.year}"

    def key(self, code: str) -> str:
        """``2026-IKU4`` for a year, ``2026-Q2-IKU4`` for a triwulan (as ``2026-Q2`` names
        a triwulan elsewhere)."""
        if self.quarter == WHOLE_YEAR:
            return f"{self.year}-{code}"
        return f"{self.year}-Q{self.quarter}-{code}"


def _key_of(row: IkuAnalysis) -> str:
    return AnalysisPeriod(row.year, row.quarter).key(row.iku)


def _find(session: Session, key: str) -> IkuAnalysis | None:
    found = _KEY.fullmatch(key)
    if found is None:
        return None
    year, quarter = int(found.group(1)), int(found.group(2) or WHOLE_YEAR)
    return session.get(IkuAnalysis, (office_of(session), year, quarter, found.group(3)))


def analysis_register(code: str, kind: IndicatorKind) -> Register:
    """The register of one IKU's analyses: one trail for all, each kind's own right."""
    return Register(
        name=ANALYSIS_TRAIL,
        title=f"Analisis kinerja {code} (LKjIP)",
        model=IkuAnalysis,
        permission=ANALYSIS_RIGHTS[kind],
        fields=_FIELDS,
        key_of=_key_of,
        find=_find,
        year_column=IkuAnalysis.year,
        order=(col(IkuAnalysis.year), col(IkuAnalysis.quarter), col(IkuAnalysis.iku)),
        natural_key=lambda values: AnalysisPeriod(values["year"], values["quarter"]).key(
            values["iku"]
        ),
    )


def may_write(actor: Actor, kind: IndicatorKind) -> bool:
    try:
        authorize(actor, ANALYSIS_RIGHTS[kind])
    except NotAllowed:
        return False
    return True


def get_analysis(session: Session, code: str, when: AnalysisPeriod) -> IkuAnalysis | None:
    row = session.get(IkuAnalysis, (office_of(session), when.year, when.quarter, code))
    return row if row is not None and row.deleted_at is None else None


def _kind_of(session: Session, code: str) -> IndicatorKind:
    chosen = chosen_iku(session, code)
    if chosen is None:
        raise InvalidInput(f"IKU '{code}' tidak ada dalam set IKU kantor ini.")
    return chosen.kind


def save_analysis(
    session: Session,
    code: str,
    when: AnalysisPeriod,
    texts: Mapping[str, str | None],
    actor: Actor,
    reason: str | None = None,
) -> IkuAnalysis:
    """Write (or correct) the analysis; each text is checked like any register field
    (at most 2,000 characters, no hidden characters) and the change is audited. A first
    analysis with nothing in it is refused; a correction may empty a text."""
    register = analysis_register(code, _kind_of(session, code))
    authorize(actor, register.permission)
    values: dict[str, Any] = {"year": when.year, "quarter": when.quarter, "iku": code}
    values |= {name: (texts.get(name) or "").strip() or None for name in TEXTS}
    reason = clean_text(reason or "", "Alasan", 500) or None
    key = when.key(code)
    existing = _find(session, key)
    if existing is not None and existing.deleted_at is None:
        row: IkuAnalysis = update_record(session, register, key, values, actor, reason)
        return row
    if not any(values[name] for name in TEXTS):
        raise InvalidInput("Isi paling sedikit satu: faktor pendorong, penghambat atau upaya.")
    created: IkuAnalysis = create_record(session, register, values, actor)
    return created


def analyses_for(session: Session, period: Period) -> dict[str, IkuAnalysis]:
    """The analyses of a year or a triwulan, by IKU (none for a free date range)."""
    when = AnalysisPeriod.of(period)
    if when is None:
        return {}
    rows = session.exec(
        select(IkuAnalysis).where(
            IkuAnalysis.year == when.year,
            IkuAnalysis.quarter == when.quarter,
            col(IkuAnalysis.deleted_at).is_(None),
        )
    ).all()
    return {row.iku: row for row in rows}


def analysis_trail(session: Session, code: str, when: AnalysisPeriod) -> Sequence[RegisterAudit]:
    """Every change to one analysis, oldest first."""
    return history(session, analysis_register(code, _kind_of(session, code)), when.key(code))
