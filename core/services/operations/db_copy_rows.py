"""How one table's rows travel in `sigap db copy`: read raw, converted only where the two
databases store a value differently, written in bulk, then sampled back.

Rows are read as the driver gives them and converted per column only where needed: the
same engine on both sides stores every value alike, and PostgreSQL parses what SQLite
stores for Sigap's column types (integers, text, dates and times as ISO text, decimals
as canonical text, booleans as 0/1) exactly as the typed value. Anything else goes
through both sides' column types (the source's reading, then the target's writing), as
an ORM round trip would. Converting a million answers' dates into Python objects and
back cost twice the copy itself (measured on the bench year), hence the shortcut.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    Float,
    Integer,
    String,
    Table,
    Time,
    bindparam,
    or_,
    select,
    tuple_,
)
from sqlalchemy.engine import Dialect
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from core.types import EnumText, ExactDecimal

Row = Sequence[Any]
Convert = Callable[[Any], Any]

# Column types whose SQLite storage PostgreSQL's COPY parses into the same value. Dates
# and times are ISO text (UTCDateTime's in UTC: the copy sets the session to UTC).
SQLITE_TEXT_PG_PARSES = (
    Integer,
    String,
    Date,
    Time,
    Boolean,
    Float,
    AutoString,
    EnumText,
    ExactDecimal,
    UTCDateTime,
)


class SampleMismatch(Exception):
    """A sampled row reads differently in the target than in the source."""


# Column types psycopg reads as the very Python value SQLite stores (numbers, text,
# booleans as 0/1); dates, times and decimals need SQLite's text form.
PG_VALUE_SQLITE_STORES = (Integer, String, Boolean, Float, AutoString, EnumText)


def _passes_through(column: Column[Any], source: Dialect, target: Dialect) -> bool:
    if source.name == target.name:
        return True
    same = {
        ("sqlite", "postgresql"): SQLITE_TEXT_PG_PARSES,
        ("postgresql", "sqlite"): PG_VALUE_SQLITE_STORES,
    }.get((source.name, target.name), ())
    return isinstance(column.type, same)


def converters(
    table: Table, source: Dialect, target: Dialect, type_codes: Sequence[Any]
) -> list[Convert | None]:
    """Per column: None where the raw value goes as it is, else source type -> target
    type (``type_codes``: the driver's, from the source cursor's description)."""
    found: list[Convert | None] = []
    for column, code in zip(table.columns, type_codes, strict=True):
        if _passes_through(column, source, target):
            found.append(None)
            continue
        read = column.type.dialect_impl(source).result_processor(source, code)
        write = column.type.dialect_impl(target).bind_processor(target)
        found.append(_both(read, write))
    return found


def _both(read: Convert | None, write: Convert | None) -> Convert:
    def convert(value: Any) -> Any:
        if read is not None:
            value = read(value)
        return value if write is None or value is None else write(value)

    return convert


def stream(
    reader: Connection, table: Table, batch: int
) -> tuple[list[Any], Iterator[Sequence[Row]]]:
    """The driver's type code of each column, and the table's raw rows in primary key
    order, ``batch`` at a time (a server-side cursor on PostgreSQL; SQLite's cursor steps
    through the file)."""
    quote = reader.dialect.identifier_preparer.quote
    names = ", ".join(quote(c.name) for c in table.columns)
    order = ", ".join(quote(c.name) for c in table.primary_key.columns)
    quoted = reader.dialect.identifier_preparer.format_table(table)
    result = reader.execution_options(yield_per=batch).exec_driver_sql(
        f"SELECT {names} FROM {quoted} ORDER BY {order}"
    )
    description = result.cursor.description if result.cursor is not None else None
    codes = [d[1] for d in description] if description else [None] * len(table.columns)
    return codes, result.partitions(batch)


@contextmanager
def sink(
    writer: Connection, table: Table, convert: Sequence[Convert | None], blank: set[int]
) -> Iterator[Callable[[Sequence[Row]], None]]:
    """Where batches of raw rows go: on PostgreSQL one COPY for the whole table (the
    server stores a batch while the next one is read), on SQLite ``executemany``.
    Columns in ``blank`` are written empty (filled in afterwards)."""
    steps = [(i, f) for i, f in enumerate(convert) if f is not None and i not in blank]

    def prepared(rows: Sequence[Row]) -> Iterator[Row]:
        if not steps and not blank:
            yield from rows
            return
        for row in rows:
            values = list(row)
            for i, f in steps:
                if values[i] is not None:
                    values[i] = f(values[i])
            for i in blank:
                values[i] = None
            yield values

    quote = writer.dialect.identifier_preparer.quote
    names = ", ".join(quote(c.name) for c in table.columns)
    quoted = writer.dialect.identifier_preparer.format_table(table)
    raw: Any = writer.connection.driver_connection
    if writer.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {quoted} ({names}) FROM STDIN") as copy:

            def to_copy(rows: Sequence[Row]) -> None:
                for values in prepared(rows):
                    copy.write_row(values)

            yield to_copy
        return
    insert = f"INSERT INTO {quoted} ({names}) VALUES ({', '.join('?' for _ in table.columns)})"

    def to_insert(rows: Sequence[Row]) -> None:
        raw.executemany(insert, prepared(rows))

    yield to_insert


def self_references(table: Table) -> list[Column[Any]]:
    """Columns that refer to their own table (a complaint marked duplicate of another):
    written once every row exists, as the row referred to may come later in key order."""
    return [c for c in table.columns if any(fk.column.table is table for fk in c.foreign_keys)]


def write_self_references(
    reader: Connection, writer: Connection, table: Table, later: Sequence[Column[Any]], batch: int
) -> None:
    key = list(table.primary_key.columns)
    query = select(*key, *later).where(or_(*(c.is_not(None) for c in later))).order_by(*key)
    statement = (
        table.update()
        .where(*(c == bindparam(f"k_{c.name}") for c in key))
        .values({c.name: bindparam(f"v_{c.name}") for c in later})
    )
    names = [f"k_{c.name}" for c in key] + [f"v_{c.name}" for c in later]
    result = reader.execution_options(yield_per=batch).execute(query)
    for rows in result.partitions():
        writer.execute(statement, [dict(zip(names, row, strict=True)) for row in rows])


def key_reader(
    table: Table, source: Dialect, type_codes: Sequence[Any]
) -> Callable[[Row], tuple[Any, ...]]:
    """A raw row's primary key as typed values (to look the row up on either side)."""
    columns = list(table.columns)
    positions = [columns.index(c) for c in table.primary_key.columns]
    read = [
        columns[i].type.dialect_impl(source).result_processor(source, type_codes[i])
        for i in positions
    ]
    return lambda row: tuple(
        row[i] if f is None or row[i] is None else f(row[i])
        for i, f in zip(positions, read, strict=True)
    )


def compare_sample(
    reader: Connection, writer: Connection, table: Table, keys: Sequence[tuple[Any, ...]]
) -> None:
    """Read the sampled rows on both sides, as Sigap reads them, and compare every value."""
    if not keys:
        return
    key_columns = list(table.primary_key.columns)
    where = (
        key_columns[0].in_([k[0] for k in keys])
        if len(key_columns) == 1
        else tuple_(*key_columns).in_(list(keys))
    )
    query = select(table).where(where)
    positions = [list(table.columns).index(c) for c in key_columns]
    sides = [
        {tuple(row[i] for i in positions): tuple(row) for row in side.execute(query)}
        for side in (reader, writer)
    ]
    for number, key in enumerate(keys, start=1):
        there, here = sides[0].get(key), sides[1].get(key)
        if there != here:  # named by column, never by its values (a resident's name)
            differs = _first_difference(table, there, here)
            raise SampleMismatch(f"contoh / sample {number}: {differs}")


def _first_difference(table: Table, there: Row | None, here: Row | None) -> str:
    if there is None or here is None:
        return "tidak ada / missing"
    for column, a, b in zip(table.columns, there, here, strict=True):
        if a != b:
            return column.name
    return "?"
