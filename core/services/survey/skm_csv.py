"""CSV import and export: all or nothing, and every bad row named by its line number.

Exported text that a spreadsheet would run as a formula is marked as text with a leading
apostrophe (core/formulas.py); the import takes that mark off again, so an export reads
back as it was, and a file saved from Excel with ``'=...`` cells reads as their text."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date, time
from typing import TextIO, TypeVar

from sqlmodel import Session

from core.domain.periods import Period
from core.domain.skm import UNSUR_FIELDS, Unsur
from core.errors import InvalidInput, SigapError
from core.formulas import QUOTE, neutralise, restore
from core.services.survey.skm import RespondentProfile, SkmAnswers, get_service, responses_in_period

SKM_REQUIRED = ["tanggal", "layanan", *[u.field for u in Unsur]]
SKM_OPTIONAL = ["jam", "jenis_kelamin", "usia", "pendidikan", "pekerjaan", "saran"]
ACTIVITY_REQUIRED = ["nama", "jenis"]
ACTIVITY_OPTIONAL = [
    "desa",
    "tanggal_rencana",
    "tanggal_pelaksanaan",
    "status",
    "peserta_l",
    "peserta_p",
    "sasaran",
    "mitra",
    "sumber_dana",
]
HOLIDAY_REQUIRED = ["tanggal", "keterangan"]

T = TypeVar("T")


def _rows(handle: TextIO, required: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows as {column: text}. A row cut short before a required column, a row longer
    than the header (cells that would be dropped), a repeated column name or a broken
    quote is refused with its line, never read silently; optional columns may be left
    off the end of a row."""
    reader = csv.reader(handle, strict=True)
    try:
        header = read_header(reader, required)
        for cells in reader:
            row = row_values(header, required, cells, reader.line_num)
            if row is not None:
                yield reader.line_num, row
    except csv.Error as exc:
        raise broken_csv(reader.line_num, exc) from None


def read_header(reader: Iterator[list[str]], required: list[str]) -> list[str]:
    """The first row's column names, lower case; a repeated or missing one is refused."""
    header = [h.strip().lower() for h in next(reader, [])]
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        raise InvalidInput(f"Baris 1: judul kolom ganda: {', '.join(repeated)}")
    missing = [c for c in required if c not in header]
    if missing:
        raise InvalidInput(f"Baris 1: kolom wajib tidak ada: {', '.join(missing)}")
    return header


def row_values(
    header: list[str], required: list[str], cells: list[str], line: int
) -> dict[str, str] | None:
    """One row as {column: text}, or None for a blank row (skipped)."""
    if not any(c.strip() for c in cells):
        return None
    absent = [c for c in header[len(cells) :] if c in required]
    if len(cells) > len(header) or absent:
        raise InvalidInput(
            f"Baris {line}: {len(cells)} kolom, padahal judulnya "
            f"{len(header)} (baris terpotong atau kolom berlebih)"
        )
    cells = cells + [""] * (len(header) - len(cells))  # optional columns left off the end
    return {k: _cell(v) for k, v in zip(header, cells, strict=True)}


def broken_csv(line: int, exc: csv.Error) -> InvalidInput:
    return InvalidInput(f"Baris {line}: CSV rusak ({exc})")


def _cell(text: str) -> str:
    """A cell's text, trimmed, with an export's formula marker taken off (the marker is
    rare: most cells skip the call)."""
    text = text.strip()
    return restore(text) if text[:1] == QUOTE else text


def _parse_all(
    handle: TextIO, required: list[str], parse: Callable[[dict[str, str]], T]
) -> list[T]:
    """Parse every row or raise for the first bad one: nothing is half-imported."""
    parsed: list[T] = []
    for line, row in _rows(handle, required):
        if not any(row.values()):
            continue
        try:
            parsed.append(parse(row))
        except (SigapError, ValueError) as exc:
            raise InvalidInput(f"Baris {line}: {exc}") from None
    if not parsed:
        raise InvalidInput("Berkas tidak berisi data.")
    return parsed


def _date(text: str, column: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{column} '{text}' bukan tanggal TTTT-BB-HH") from None


def _optional_date(text: str, column: str) -> date | None:
    return _date(text, column) if text else None


def _optional_int(text: str, column: str) -> int | None:
    if not text:
        return None
    if not ASCII_INTEGER.fullmatch(text):  # int() would also read "١٢" (Arabic-Indic)
        raise InvalidInput(f"{column} '{text[:20]}' bukan bilangan bulat (angka 0–9)")
    return int(text)


SCORE_TEXTS: dict[str, int | None] = {"": None, "1": 1, "2": 2, "3": 3, "4": 4}


def _fast_score(text: str, unsur: Unsur) -> int | None:
    """The usual answer by one lookup; anything else through `_score` and its message."""
    value = SCORE_TEXTS.get(text, -1)
    return _score(text, unsur) if value == -1 else value


def _score(text: str, unsur: Unsur) -> int | None:
    value = _optional_int(text, unsur.field)
    if value is not None and not 1 <= value <= 4:
        raise InvalidInput(f"{unsur.field} harus 1..4 atau kosong, bukan {value}")
    return value


# A line that starts like a row inside the saran: a quote left open swallowed the next row.
SWALLOWED_ROW = re.compile(r"\n\s*\d{4}-\d{2}-\d{2}\s*,")
ASCII_INTEGER = re.compile(r"-?[0-9]+")


def _saran(text: str) -> str | None:
    if SWALLOWED_ROW.search(text):
        raise InvalidInput('saran memuat baris berikutnya (tanda kutip " tidak ditutup?)')
    return text or None


def skm_row_parser(session: Session) -> Callable[[dict[str, str]], SkmAnswers]:
    """The rules an imported SKM row is read and checked by: a bad value raises
    (`SigapError` or `ValueError`), the caller adds the line number."""
    services: dict[str, int] = {}

    def service_id(code: str) -> int:
        if code not in services:
            service = get_service(session, code)
            assert service.id is not None
            services[code] = service.id
        return services[code]

    def parse(row: dict[str, str]) -> SkmAnswers:
        jam = row.get("jam", "")
        answers = SkmAnswers(
            service_id=service_id(row["layanan"]),
            tanggal=_date(row["tanggal"], "tanggal"),
            jam=time.fromisoformat(jam) if jam else None,
            scores={u: _fast_score(row[f], u) for u, f in UNSUR_FIELDS},
            profile=RespondentProfile(
                jenis_kelamin=row.get("jenis_kelamin") or None,
                usia=_optional_int(row.get("usia", ""), "usia"),
                pendidikan=row.get("pendidikan") or None,
                pekerjaan=row.get("pekerjaan") or None,
            ),
            saran=_saran(row.get("saran", "")),
        )
        answers.validate()
        return answers

    return parse


def iter_skm_csv(session: Session, handle: TextIO) -> Iterator[SkmAnswers]:
    """The file's answers one row at a time (a bad row raises with its line number).
    `sigap skm import` takes the faster path of core/services/survey/skm_import.py, which
    falls back on these same rules for every row it cannot read at a glance."""
    parse = skm_row_parser(session)
    for line, row in _rows(handle, SKM_REQUIRED):
        try:
            yield parse(row)
        except (SigapError, ValueError) as exc:
            raise InvalidInput(f"Baris {line}: {exc}") from None


def _csv_cell(value: str | int | None) -> str | int:
    """A number as a number; text neutralised, so no spreadsheet runs a resident's
    ``=HYPERLINK(...)``, ``+1+1`` or ``@SUM(...)`` as a formula."""
    if value is None:
        return ""
    return neutralise(value) if isinstance(value, str) else value


def write_skm_csv(session: Session, period: Period, handle: TextIO) -> int:
    writer = csv.writer(handle)
    writer.writerow(SKM_REQUIRED + SKM_OPTIONAL)
    count = 0
    for response, code in responses_in_period(session, period):
        scores = [getattr(response, u.field) for u in Unsur]
        row: list[str | int | None] = [
            response.tanggal.isoformat(),
            code,
            *scores,
            response.jam.strftime("%H:%M") if response.jam else None,
            response.jenis_kelamin,
            response.usia,
            response.pendidikan,
            response.pekerjaan,
            response.saran,
        ]
        writer.writerow([_csv_cell(value) for value in row])
        count += 1
    return count


def read_holidays_csv(handle: TextIO) -> list[tuple[date, str]]:
    def parse(row: Mapping[str, str]) -> tuple[date, str]:
        return _date(row["tanggal"], "tanggal"), row["keterangan"] or "Libur"

    return _parse_all(handle, HOLIDAY_REQUIRED, parse)
