"""Column types that keep Python values exact on both SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Context, Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

# What the columns hold, on PostgreSQL (SQLite holds more and must not be given it): every
# ``int`` field and key is INTEGER, every ExactDecimal is NUMERIC(18, 4). The checks on
# input (core/services/files/fields.py) and the keys in addresses (web/office.py) use these.
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1
DECIMAL_PRECISION, DECIMAL_SCALE = 18, 4
DECIMAL_LIMIT = Decimal(10) ** (DECIMAL_PRECISION - DECIMAL_SCALE)  # |value| < 10^14
_TIDY_DIGITS = 40  # what SQLite's text column was meant to hold


def decimal_places(value: Decimal) -> int:
    """The decimals that count, exactly: 1.50 has one, 100 none."""
    exact = Context(prec=max(len(value.as_tuple().digits), 1))
    return max(0, -int(value.normalize(exact).as_tuple().exponent))


def tidy_decimal(value: Decimal) -> Decimal:
    """85.5000 -> 85.5 and 100.00 -> 100, never 1E+2; exact whatever the size, so a value
    stored past the column's bounds (written around the checks, on SQLite) still reads,
    and its row can be seen and corrected."""
    if not value.is_finite() or value.adjusted() >= _TIDY_DIGITS:
        return value
    exact = Context(prec=max(len(value.as_tuple().digits), _TIDY_DIGITS))
    if value == value.to_integral_value(context=exact):
        return value.quantize(Decimal(1), context=exact)
    return value.normalize(exact)


class ExactDecimal(TypeDecorator[Decimal]):
    """NUMERIC on PostgreSQL; canonical text on SQLite, which would otherwise use floats."""

    impl = String(40)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            numeric = Numeric(DECIMAL_PRECISION, DECIMAL_SCALE, asdecimal=True)
            return dialect.type_descriptor(numeric)
        return dialect.type_descriptor(String(40))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = Decimal(value)
        return value if dialect.name == "postgresql" else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return tidy_decimal(Decimal(str(value)))


class EnumText(TypeDecorator[StrEnum]):
    """A StrEnum stored as its plain value (no native ENUM types to migrate)."""

    impl = String(30)
    cache_ok = True

    def __init__(self, enum_cls: type[StrEnum], length: int = 30) -> None:
        super().__init__(length)
        self.enum_cls = enum_cls

    def process_bind_param(self, value: StrEnum | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum_cls(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum_cls(value)
