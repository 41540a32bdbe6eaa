"""Rows from the files offices actually produce: an XLSX sheet, or a CSV separated by
``,`` or ``;`` (as Excel in an Indonesian locale saves it), with or without a BOM.

Each row comes with its line number in the file and its cells as text keyed by the
lower-cased header, so every later message can name the row and the column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from core.errors import InvalidInput
from core.services.files.xlsx_guard import MAX_XLSX_COLUMNS as MAX_COLUMNS
from core.services.files.xlsx_guard import MAX_XLSX_ROWS as MAX_ROWS
from core.services.files.xlsx_guard import UNREADABLE, check_xlsx, too_long, too_wide

MAX_CELL = 10_000
Record = tuple[int, Sequence[Any]]  # a row's line number and its cells as read


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
    while header and not header[-1]:  # an XLSX row comes as wide as the column limit
        header.pop()
    seen = [h for h in header if h]
    if len(seen) != len(set(seen)):
        raise InvalidInput("Baris 1: ada judul kolom yang sama dua kali.")
    return header


def read_rows(filename: str, content: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    """Every row of the file, or a refusal: a file past the row or column limits is
    refused before any row is handed on, so no row is checked or stored for nothing."""
    if content.startswith(b"PK\x03\x04") or filename.lower().endswith(".xlsx"):
        records = _xlsx_records(content)
    else:
        records = _csv_records(content)
    return _keyed_rows(records)


def _keyed_rows(records: list[Record]) -> Iterator[tuple[int, dict[str, str]]]:
    if not records:
        raise InvalidInput("Berkas tidak berisi data.")
    header = _header([_cell_text(v) for v in records[0][1]])
    for line, cells in records[1:]:
        yield line, _keyed(header, line, [_cell_text(v) for v in cells])


def _within_limits(records: Iterable[Record]) -> list[Record]:
    """The file's rows, read no further than one past the row limit; a row with text
    beyond the column limit is refused too."""
    kept: list[Record] = []
    for line, cells in records:
        if len(kept) == MAX_ROWS:
            raise too_long()
        if len(cells) > MAX_COLUMNS and any(_cell_text(c).strip() for c in cells[MAX_COLUMNS:]):
            raise too_wide()
        kept.append((line, cells))
    return kept


def _xlsx_records(content: bytes) -> list[Record]:
    """Measured first (core/services/files/xlsx_guard.py: size, rows, columns, strings),
    parsed only when within the limits; and even then openpyxl is told how far to read
    (``max_row``, ``max_col``), never trusting the sheet's own dimension, so no file can
    make it pad out more rows or cells than the limits."""
    check_xlsx(content)
    from openpyxl import load_workbook  # only when an XLSX within the limits arrives

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise InvalidInput(UNREADABLE) from None
    try:
        rows = book.worksheets[0].iter_rows(
            max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS, values_only=True
        )
        return _within_limits(enumerate(rows, start=1))  # text later: padding is shared
    except InvalidInput:
        raise
    except Exception:  # a shared string that is not there, a number that is none
        raise InvalidInput(UNREADABLE) from None
    finally:
        book.close()


def _csv_records(content: bytes) -> list[Record]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("Berkas CSV harus ber-encoding UTF-8.") from None
    end = text.find("\n")
    first_line = text if end == -1 else text[:end]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        return _within_limits((reader.line_num, cells) for cells in reader)
    except csv.Error as exc:
        raise InvalidInput(f"Baris {reader.line_num}: CSV rusak ({exc}).") from None
