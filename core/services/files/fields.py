"""The fields of the office's registers: how a value typed in a form, a CSV or an XLSX
cell becomes a Python value, checked before it reaches the database.

The same rules serve the web forms, the imports and the command line, so a value refused
in one is refused in all, with one sentence naming the field. Lengths and numbers match
the columns (core/types.py), so PostgreSQL and SQLite see the same (valid) values.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from core.errors import InvalidInput
from core.types import (
    DECIMAL_LIMIT,
    DECIMAL_PRECISION,
    DECIMAL_SCALE,
    INTEGER_MAX,
    INTEGER_MIN,
    decimal_places,
    tidy_decimal,
)

EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", re.ASCII)


class FieldKind(StrEnum):
    TEXT = "text"
    DATE = "date"
    INT = "int"
    DECIMAL = "decimal"
    CHOICE = "choice"
    DESA = "desa"  # one of the office's desa (SIGAP_DESA)


@dataclass(frozen=True)
class FieldSpec:
    name: str  # the model attribute
    column: str  # the form field and the file column, as offices name it
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = False
    max_length: int = 120
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None


def refuse_hidden_characters(text: str, label: str) -> None:
    """No control characters (but line breaks and tabs) and no direction overrides:
    they hide or reorder what a list or a page then shows."""
    if text.isprintable():  # no Cc, no Cf: the usual case, checked in C
        return
    for char in text:
        category = unicodedata.category(char)
        control = category == "Cc" and char not in "\n\t"
        if control or (category == "Cf" and char != "\u200d"):
            raise InvalidInput(f"{label}: berisi karakter yang tidak diizinkan.")


def clean_text(text: str, label: str, max_length: int) -> str:
    """Trimmed text without hidden characters, within its length."""
    text = text.strip()
    refuse_hidden_characters(text, label)
    if len(text) > max_length:
        raise InvalidInput(f"{label}: paling banyak {max_length} karakter.")
    return text


def parse_date(text: str, label: str) -> date:
    """``YYYY-MM-DD`` or ``DD/MM/YYYY``, within 2000..2100 (a typo, not a record)."""
    found = _DMY.match(text)
    try:
        if found:
            day, month, year = (int(g) for g in found.groups())
            value = date(year, month, day)
        else:
            value = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{label}: '{text}' bukan tanggal (TTTT-BB-HH atau HH/BB/TTTT)."
        ) from None
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise InvalidInput(f"{label}: tanggal {value.isoformat()} di luar 2000–2100.")
    return value


def _bounds(spec: FieldSpec) -> tuple[int | None, int | None]:
    """The field's own bounds; an integer's within its column's (INTEGER)."""
    low, high = spec.minimum, spec.maximum
    if spec.kind is FieldKind.INT:
        low = INTEGER_MIN if low is None else max(low, INTEGER_MIN)
        high = INTEGER_MAX if high is None else min(high, INTEGER_MAX)
    return low, high


def _shown(number: int) -> str:
    return f"{number:,}".replace(",", ".")  # 2.147.483.647, as Indonesian readers write it


def _check_bounds(spec: FieldSpec, value: int | Decimal) -> None:
    """Within the field's bounds, then within what its column holds (core/types.py), so
    PostgreSQL never refuses it and SQLite never keeps what no page can read."""
    low, high = _bounds(spec)
    if low is not None and value < low:
        raise InvalidInput(f"{spec.label}: tidak boleh kurang dari {_shown(low)}.")
    if high is not None and value > high:
        raise InvalidInput(f"{spec.label}: tidak boleh lebih dari {_shown(high)}.")
    if spec.kind is not FieldKind.DECIMAL:
        return
    number = Decimal(value)  # exact, an int included
    if abs(number) >= DECIMAL_LIMIT:
        digits = DECIMAL_PRECISION - DECIMAL_SCALE
        raise InvalidInput(f"{spec.label}: paling banyak {digits} angka sebelum koma.")
    if decimal_places(number) > DECIMAL_SCALE:
        raise InvalidInput(f"{spec.label}: paling banyak {DECIMAL_SCALE} angka di belakang koma.")


def _parse_int(text: str, spec: FieldSpec) -> int:
    if not re.fullmatch(r"-?[0-9]+", text):
        raise InvalidInput(f"{spec.label}: '{text}' bukan bilangan bulat.")
    value = int(text)
    _check_bounds(spec, value)
    return value


def _parse_decimal(text: str, spec: FieldSpec) -> Decimal:
    """Accepts ``79,5`` as offices type it, as well as ``79.5``."""
    normal = text.replace(" ", "")
    if "," in normal and "." not in normal:
        normal = normal.replace(",", ".")
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", normal):
        raise InvalidInput(f"{spec.label}: '{text}' bukan angka.")
    try:
        value = Decimal(normal)
    except InvalidOperation:
        raise InvalidInput(f"{spec.label}: '{text}' bukan angka.") from None
    _check_bounds(spec, value)
    return value


def _check_number(spec: FieldSpec, value: Any) -> int | Decimal:
    """A number given as a value (the command line, a dialog), held to the same rules."""
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise InvalidInput(f"{spec.label}: '{value}' bukan angka.")
    if isinstance(value, Decimal) and not value.is_finite():
        raise InvalidInput(f"{spec.label}: '{value}' bukan angka.")
    integral = not isinstance(value, Decimal) or value == value.to_integral_value()
    if spec.kind is FieldKind.INT and not integral:
        raise InvalidInput(f"{spec.label}: '{value}' bukan bilangan bulat.")
    _check_bounds(spec, value)  # before int(): 1E+999999 is refused, never expanded
    return int(value) if spec.kind is FieldKind.INT else value


def _parse_choice(text: str, spec: FieldSpec, choices: tuple[str, ...]) -> str:
    for choice in choices:
        if text.casefold() == choice.casefold():
            return choice
    raise InvalidInput(f"{spec.label}: '{text}' tidak dikenal (pilihan: {', '.join(choices)}).")


def parse_field(spec: FieldSpec, raw: str, desa: tuple[str, ...] = ()) -> Any:
    """One field's value from text, or None when left empty and not required."""
    text = clean_text(raw, spec.label, max(spec.max_length, 40))
    if not text:
        if spec.required:
            raise InvalidInput(f"{spec.label}: wajib diisi.")
        return None
    if spec.kind is FieldKind.DATE:
        return parse_date(text, spec.label)
    if spec.kind is FieldKind.INT:
        return _parse_int(text, spec)
    if spec.kind is FieldKind.DECIMAL:
        return _parse_decimal(text, spec)
    if spec.kind is FieldKind.CHOICE:
        return _parse_choice(text, spec, spec.choices)
    if spec.kind is FieldKind.DESA:
        return _parse_choice(text, spec, desa) if desa else clean_text(text, spec.label, 80)
    return clean_text(text, spec.label, spec.max_length)


def format_field(value: Any) -> str:
    """A stored value as a form, an export or a page shows it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Decimal):
        return format(tidy_decimal(value), "f")  # exact, whatever its size: 100, 85.5
    return str(value)


def check_value(spec: FieldSpec, value: Any) -> Any:
    """A typed value (from the command line or a dialog) held to the same rules as text."""
    if value is None or value == "":
        if spec.required:
            raise InvalidInput(f"{spec.label}: wajib diisi.")
        return None
    if isinstance(value, StrEnum):
        value = value.value
    if isinstance(value, str) and spec.kind in (FieldKind.TEXT, FieldKind.DESA):
        cleaned = clean_text(value, spec.label, spec.max_length)
        if not cleaned and spec.required:
            raise InvalidInput(f"{spec.label}: wajib diisi.")
        return cleaned or None
    if isinstance(value, str) and spec.kind is FieldKind.CHOICE:
        return _parse_choice(value, spec, spec.choices)
    if spec.kind is FieldKind.DATE and isinstance(value, date):
        return parse_date(value.isoformat(), spec.label)
    if spec.kind in (FieldKind.INT, FieldKind.DECIMAL):
        return _check_number(spec, value)
    return value
