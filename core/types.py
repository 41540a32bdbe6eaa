"""Column types that keep Python values exact on both SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


def tidy_decimal(value: Decimal) -> Decimal:
    """85.5000 -> 85.5 and 100.00 -> 100, never 1E+2."""
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


class ExactDecimal(TypeDecorator[Decimal]):
    """NUMERIC on PostgreSQL; canonical text on SQLite, which would otherwise use floats."""

    impl = String(40)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(18, 4, asdecimal=True))
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
