"""`sigap db copy`: a whole Sigap database into another, SQLite to PostgreSQL and back.

An office outgrows its SQLite file (or a kabupaten gathers offices on one server) and
moves without losing a row, so the copy is all or nothing and checked:

- the source must be at this code's migration head (the copy knows its tables) and is
  read in one snapshot, so a row written meanwhile cannot leave a child without its
  parent; the target must be empty, and is migrated to the same head first;
- tables go in foreign-key order, streamed a batch at a time (memory stays flat
  whatever the size), all in ONE transaction on the target: a failure anywhere leaves
  it as empty as it was;
- before the commit, every table's count is compared with the source's, and a sample of
  rows spread over each table is read back and compared value by value;
- PostgreSQL's sequences are set past the largest id copied, so the next row inserted
  after the move does not collide with a copied one.

Rows reach PostgreSQL through COPY and SQLite through ``executemany``, the fastest bulk
path of each; a value is converted only where the two databases store it differently
(core/services/operations/db_copy_rows.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, Table, func, inspect, select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

import core.models  # noqa: F401  (every table on SQLModel.metadata)
from core.errors import SigapError
from core.schema import (
    SEEDED_TABLES,
    VERSION_TABLE,
    code_head,
    database_revision,
    newer_schema_message,
)
from core.services.operations import db_copy_rows as rows

BATCH_ROWS = 5_000
SAMPLE_ROWS = 50  # per table, spread evenly over its primary key order


class CopyRefused(SigapError):
    """Nothing was written: the source or the target is not fit for a copy."""


class CopyFailed(SigapError):
    """The copy stopped part way; its transaction was rolled back, the target is empty."""


@dataclass(frozen=True)
class CopiedTable:
    name: str
    rows: int
    sampled: int


def tables() -> list[Table]:
    """Every Sigap table, parents before the tables that refer to them."""
    return list(SQLModel.metadata.sorted_tables)


def copy_database(
    source: Engine,
    target: Engine,
    progress: Callable[[CopiedTable], None] | None = None,
    batch: int = BATCH_ROWS,
    sample: int = SAMPLE_ROWS,
) -> list[CopiedTable]:
    """Copy every row of ``source`` into the empty ``target``; what each table holds."""
    check_source(source)
    prepare_target(target)
    copied: list[CopiedTable] = []
    with _snapshot(source) as reader, target.begin() as writer:
        if writer.dialect.name == "postgresql":
            writer.exec_driver_sql("SET LOCAL timezone = 'UTC'")
        refused: tuple[type[BaseException], ...] = (DBAPIError, *_driver_errors(reader, writer))
        clear_seeded_rows(writer)
        for table in tables():
            try:
                done = _copy_table(reader, writer, table, batch, sample)
            except refused as exc:
                raise CopyFailed(_failure(table.name, exc)) from exc
            copied.append(done)
            if progress is not None:
                progress(done)
        if writer.dialect.name == "postgresql":
            set_sequences(writer, tables())
    return copied


# -- before anything is written ------------------------------------------------------------
def check_source(source: Engine) -> None:
    revision, head = database_revision(source), code_head()
    if revision is None:
        raise CopyRefused(
            "Sumber bukan basis data Sigap (belum pernah dimigrasi) / "
            "the source is not a Sigap database (never migrated)."
        )
    if revision != head and _newer(revision):
        raise CopyRefused(newer_schema_message(revision))
    if revision != head:
        raise CopyRefused(
            f"Sumber di revisi {revision}, Sigap ini {head} / the source is at revision "
            f"{revision}, this Sigap at {head}: jalankan / run `sigap db upgrade` "
            "pada sumber dulu / on the source first."
        )
    unknown = _unknown_tables(source)
    if unknown:
        raise CopyRefused(
            f"Sumber berisi tabel yang tidak dikenal Sigap ini / the source holds tables "
            f"this Sigap does not know: {', '.join(unknown)}."
        )


def _newer(revision: str) -> bool:
    from core.schema import known_revision

    return not known_revision(revision)


def _unknown_tables(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        present = set(inspect(connection).get_table_names())
    return sorted(present - set(SQLModel.metadata.tables) - {VERSION_TABLE})


def prepare_target(target: Engine) -> None:
    """An empty target, migrated to this code's head (by us when it has no tables)."""
    revision, head = database_revision(target), code_head()
    if revision is None:
        with target.connect() as connection:
            present = set(inspect(connection).get_table_names())
        if present & set(SQLModel.metadata.tables):
            raise CopyRefused(
                "Tujuan sudah berisi tabel Sigap tanpa revisi migrasi / the target holds "
                "Sigap tables but no migration revision: pakai basis data kosong / "
                "use an empty database."
            )
        from core.db import upgrade

        upgrade(target)
    elif revision != head:
        raise CopyRefused(
            f"Tujuan di revisi {revision}, bukan {head} / the target is at revision "
            f"{revision}, not {head}: pakai basis data kosong / use an empty database."
        )
    filled = first_filled_table(target)
    if filled is not None:
        raise CopyRefused(
            f"Tujuan tidak kosong (tabel {filled} berisi data) / the target is not empty "
            f"(table {filled} has rows): salin hanya ke basis data kosong / copy only into "
            "an empty database."
        )


def clear_seeded_rows(writer: Connection) -> None:
    for name in SEEDED_TABLES:
        writer.execute(SQLModel.metadata.tables[name].delete())


def first_filled_table(engine: Engine) -> str | None:
    with engine.connect() as connection:
        for table in tables():
            if table.name in SEEDED_TABLES:
                continue
            if connection.execute(select(text("1")).select_from(table).limit(1)).first():
                return table.name
    return None


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One read transaction over every table: rows written meanwhile are not seen, so
    what is copied holds together (each child's parent is copied too)."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        else:
            # pysqlite starts a transaction only before a write; a read snapshot over
            # several statements needs an explicit one (WAL: writers go on meanwhile)
            connection.exec_driver_sql("BEGIN")
        try:
            yield connection
        finally:
            connection.rollback()


# -- one table ---------------------------------------------------------------------------
def _copy_table(
    reader: Connection, writer: Connection, table: Table, batch: int, sample: int
) -> CopiedTable:
    """Stream the table across, then check its count and a sample of its rows."""
    expected = reader.execute(select(func.count()).select_from(table)).scalar_one()
    stride = max(1, expected // sample) if sample else 0
    picked: list[rows.Row] = []
    later = rows.self_references(table)
    blank = {list(table.columns).index(c) for c in later}
    codes, chunks = rows.stream(reader, table, batch)
    convert = rows.converters(table, reader.dialect, writer.dialect, codes)
    written = 0
    with rows.sink(writer, table, convert, blank) as write:
        for chunk in chunks:
            if stride:
                picked.extend(chunk[(-written) % stride :: stride])
            write(chunk)
            written += len(chunk)
    if later:
        rows.write_self_references(reader, writer, table, later, batch)
    arrived = writer.execute(select(func.count()).select_from(table)).scalar_one()
    if not expected == written == arrived:
        raise CopyFailed(
            f"{table.name}: {expected} baris di sumber, {arrived} di tujuan / rows in the "
            "source, in the target: salinan dibatalkan / copy rolled back."
        )
    key_of = rows.key_reader(table, reader.dialect, codes)
    try:
        rows.compare_sample(reader, writer, table, [key_of(row) for row in picked])
    except rows.SampleMismatch as exc:
        raise CopyFailed(
            f"{table.name}: baris contoh berbeda di tujuan / a sample row differs in the "
            f"target ({exc}): salinan dibatalkan / copy rolled back."
        ) from exc
    return CopiedTable(table.name, written, len(picked))


def set_sequences(writer: Connection, copied: Sequence[Table]) -> None:
    """PostgreSQL: each id sequence continues after the largest id copied."""
    for table in copied:
        key = list(table.primary_key.columns)
        if len(key) != 1:
            continue
        sequence = writer.execute(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": key[0].name},
        ).scalar()
        if sequence is None:
            continue
        column = writer.dialect.identifier_preparer.quote(key[0].name)
        quoted = writer.dialect.identifier_preparer.format_table(table)
        after = f"(SELECT coalesce(max({column}), 0) FROM {quoted}) + 1"
        writer.execute(
            text(f"SELECT setval(:sequence, {after}, false)"),
            {"sequence": sequence},
        )


def _driver_errors(*connections: Connection) -> tuple[type[BaseException], ...]:
    """The drivers' own errors: bulk writes go to the driver (COPY, executemany), so a
    refused value comes back unwrapped by SQLAlchemy."""
    return tuple(c.dialect.loaded_dbapi.Error for c in connections)


def _failure(table: str, exc: BaseException) -> str:
    """The database's own first line (a value it refused is not repeated: the row may
    hold a resident's name)."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    return (
        f"{table}: {reason}; salinan dibatalkan, tujuan tetap kosong / copy rolled back, "
        "the target is left empty."
    )
