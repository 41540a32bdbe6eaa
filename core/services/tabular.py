"""Rows from the files offices actually produce: an XLSX sheet, or a CSV separated by
``,`` or ``;`` (as Excel in an Indonesian locale saves it), with or without a BOM.

Each row comes with its line number in the file and its cells as text keyed by the
lower-cased header, so every later message can name the row and the column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from core.errors import InvalidInput
from core.services.xlsx_guard import check_xlsx

MAX_CELL = 10_000


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _keyed(header: list[str], line: int, cells: list[str]) -> dict[str, str]:
    if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
        raise InvalidInput(f"Baris {line}: lebih banyak kolom daripada judul kolom.")
    for cell in cells:
        if len(cell) > MAX_CELL:
            raise InvalidInput(f"Baris {line}: isi sel lebih dari {MAX_CELL} karakter.")
    return {name: (cells[i] if i < len(cells) else "").strip() for i, name in enumerate(header)}


def _header(cells: list[str]) -> list[str]:
    header = [c.strip().lower() for c in cells]
    seen = [h for h in header if h]
    if len(seen) != len(set(seen)):
        raise InvalidInput("Baris 1: ada judul kolom yang sama dua kali.")
    return header


def read_rows(filename: str, content: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    if content.startswith(b"PK\x03\x04") or filename.lower().endswith(".xlsx"):
        return _xlsx_rows(content)
    return _csv_rows(content)


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    """Measured first (core/services/xlsx_guard.py: size, rows, columns, strings),
    parsed only when within the limits."""
    check_xlsx(content)
    from openpyxl import load_workbook  # only when an XLSX within the limits arrives

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise InvalidInput("Berkas XLSX tidak bisa dibaca.") from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    first = next(rows, None)
    if first is None:
        raise InvalidInput("Berkas tidak berisi data.")
    header = _header([_cell_text(v) for v in first])
    for line, row in enumerate(rows, start=2):
        yield line, _keyed(header, line, [_cell_text(v) for v in row])


def _csv_rows(content: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("Berkas CSV harus ber-encoding UTF-8.") from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        first = next(reader, None)
        if first is None:
            raise InvalidInput("Berkas tidak berisi data.")
        header = _header(first)
        for cells in reader:
            yield reader.line_num, _keyed(header, reader.line_num, cells)
    except csv.Error as exc:
        raise InvalidInput(f"Baris {reader.line_num}: CSV rusak ({exc}).") from None
