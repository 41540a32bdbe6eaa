"""A report as data: key figures and tables, rendered alike to every format.

Tables hold real numbers (int, Decimal) or text, never numbers formatted as text, so the
XLSX cells and the JSON carry the same values the chat text and PDF show.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from core.config import Settings
from core.domain.periods import Period
from core.services.access.offices import OfficeProfile
from core.timeutil import utcnow

Cell = str | int | Decimal | date | None
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Table:
    key: str  # the JSON key and XLSX sheet name
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    total: int | None = None  # rows in the whole list, when ``rows`` holds only its start

    @property
    def row_count(self) -> int:
        return len(self.rows) if self.total is None else self.total


class Chart:
    """Drawn on first use: only HTML and PDF show charts, and drawing one costs tenths
    of a second that the text, XLSX and JSON renderings need not pay."""

    def __init__(
        self, title: str, draw: Callable[[], bytes], spec: dict[str, Any] | None = None
    ) -> None:
        self.title = title
        self._draw = draw
        self.spec = spec or {}  # what is drawn (kind, base, target): for readers and tests

    @cached_property
    def png(self) -> bytes:
        return self._draw()


MONTH_NAMES = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip


def long_date(day: date) -> str:
    """1 Desember 2026: how a signed letter dates itself."""
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


LOGO_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))
LOGO_MAX_BYTES = 2 * 1024 * 1024


def _logo(path: Path | None) -> tuple[bytes | None, str]:
    """The office logo's bytes and type, told by their content, not the file's name:
    a path set to anything but a PNG or JPEG of at most 2 MB (a typo, ``/proc/...``)
    puts no logo and nothing of that file in a report."""
    if path is None or not path.is_file():
        return None, "image/png"
    with path.open("rb") as handle:
        data = handle.read(LOGO_MAX_BYTES + 1)
    for signature, kind in LOGO_SIGNATURES:
        if data.startswith(signature) and len(data) <= LOGO_MAX_BYTES:
            return data, kind
    log.warning("the office logo is not a PNG or JPEG of at most 2 MB: no logo")
    return None, "image/png"


@dataclass(frozen=True)
class Letterhead:
    """The kop surat and the signature block of a report an office files (HTML, PDF)."""

    government: str  # PEMERINTAH KABUPATEN JEMBER
    office: str  # KECAMATAN MUMBULSARI
    address: str
    logo: bytes | None
    logo_type: str
    place: str
    position: str  # Camat Mumbulsari
    signatory: str
    nip: str
    rank: str = ""  # pangkat/golongan, printed between the name and the NIP

    @classmethod
    def of_office(cls, settings: Settings, office: OfficeProfile) -> Letterhead:
        """The office's own kop and Camat; the kabupaten and the place from settings."""
        logo, kind = _logo(Path(office.logo_path) if office.logo_path else None)
        short = office.name.removeprefix("Kecamatan ").strip()
        return cls(
            government=f"PEMERINTAH {settings.kabupaten.upper()}",
            office=office.name.upper(),
            address=office.address,
            logo=logo,
            logo_type=kind,
            place=settings.signature_place or short,
            position=f"Camat {short}",
            signatory=office.camat_name,
            nip=office.camat_nip,
            rank=office.camat_pangkat,
        )


def kabupaten_letterhead(settings: Settings) -> Letterhead:
    """The kabupaten's own kop (its Bagian Organisasi) and signatory, for the roll-up."""
    return Letterhead(
        government=f"PEMERINTAH {settings.kabupaten.upper()}",
        office=settings.kabupaten_unit.upper(),
        address=settings.kabupaten_address,
        logo=None,
        logo_type="",
        place=settings.kabupaten.removeprefix("Kabupaten ").strip(),
        position=settings.kabupaten_signatory_position,
        signatory=settings.kabupaten_signatory,
        nip=settings.kabupaten_signatory_nip,
    )


@dataclass
class Report:
    kind: str  # weekly | iku | skm | complaints
    title: str
    office: str
    period: Period
    generated_at: datetime
    summary: list[tuple[str, Cell]]  # key figures, in reading order
    tables: list[Table]
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # what one template alone needs
    letterhead: Letterhead | None = None


def new_report(
    kind: str, title: str, settings: Settings, period: Period, office: OfficeProfile
) -> Report:
    return Report(
        kind=kind,
        title=title,
        office=f"{office.name}, {settings.kabupaten}",
        period=period,
        generated_at=utcnow().astimezone(settings.tz),
        summary=[],
        tables=[],
        letterhead=Letterhead.of_office(settings, office),
    )


def json_value(cell: Cell) -> Any:
    if isinstance(cell, Decimal):
        return int(cell) if cell == cell.to_integral_value() else float(cell)
    if isinstance(cell, date):
        return cell.isoformat()
    return cell


def as_json(report: Report) -> dict[str, Any]:
    return {
        "kind": report.kind,
        "title": report.title,
        "office": report.office,
        "period": {"start": report.period.start.isoformat(), "end": report.period.end.isoformat()},
        "generated_at": report.generated_at.isoformat(),
        "summary": {label: json_value(value) for label, value in report.summary},
        "tables": {
            table.key: {
                "title": table.title,
                "columns": table.columns,
                "rows": [[json_value(cell) for cell in row] for row in table.rows],
            }
            for table in report.tables
        },
        "notes": report.notes,
    }
