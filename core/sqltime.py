"""Time arithmetic done by the database, identically on SQLite and PostgreSQL.

A year's complaint report measures ~200,000 intervals; turning each stored timestamp
into a Python datetime first costs seconds. The database returns whole milliseconds
instead, which are exact, so medians computed from them are exact too.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

Column = ColumnElement[Any] | Mapped[Any]


class elapsed_ms(FunctionElement[int]):  # noqa: N801 - reads as the SQL function it is
    """Whole milliseconds from ``earlier`` to ``later`` (NULL if either is NULL)."""

    type = BigInteger()
    inherit_cache = True
    name = "elapsed_ms"

    def __init__(self, later: Column, earlier: Column) -> None:
        super().__init__(later, earlier)


@compiles(elapsed_ms, "sqlite")
def _elapsed_sqlite(element: elapsed_ms, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    # julianday keeps milliseconds exactly (SQLite counts time in integer ms internally)
    return f"CAST(round((julianday({later}) - julianday({earlier})) * 86400000.0) AS INTEGER)"


@compiles(elapsed_ms, "postgresql")
def _elapsed_postgresql(element: elapsed_ms, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(round(EXTRACT(EPOCH FROM ({later} - {earlier})) * 1000) AS BIGINT)"
