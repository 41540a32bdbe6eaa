"""Upgrades without fear: a database filled at ANY past revision reaches head with every
row, on SQLite and PostgreSQL; and a database newer than the code is refused in one line.

The revisions are Alembic's own list (a migration added tomorrow is walked too), and the
rows are made from the tables as they stood at that revision (reflected, values made per
column type, parents before children), so no hand-written fixture falls behind.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Engine, MetaData, Table, func, select, text
from typer.testing import CliRunner

from cli.main import app
from core.db import make_engine, upgrade
from core.schema import SEEDED_TABLES, script_directory

SCRIPTS = script_directory()
HEAD = SCRIPTS.get_current_head()
PAST = [script.revision for script in reversed(list(SCRIPTS.walk_revisions()))][:-1]
ROWS = 3  # per table: enough for every foreign key to point somewhere and keys to differ


def _python_type(column: Column[Any]) -> type:
    """What the column holds (a decorated type's own, else its implementation's)."""
    for kind in (column.type, getattr(column.type, "impl", None)):
        try:
            found: type = kind.python_type  # type: ignore[union-attr]
        except (NotImplementedError, AttributeError):
            continue
        if found is not object:  # what a decorator says when it does not know
            return found
    return type(None)


def _value(column: Column[Any], n: int) -> Any:
    """A value of the column's type, different for each row ``n``."""
    kind = _python_type(column)
    if kind is bool:
        return n % 2 == 0
    if kind is int:
        return n + 1
    if kind is float:
        return 1.5 + n
    if kind is Decimal:
        return Decimal("70.25") + n
    if kind is datetime:
        return datetime(2026, 1, 1 + n, 8, 30, tzinfo=UTC)
    if kind is date:
        return date(2026, 1, 1 + n)
    if kind is time:
        return time(8, n)
    if kind is bytes:
        return bytes([n])
    if kind is str:
        length = getattr(column.type, "length", None) or 40
        suffix = str(n)
        return f"{column.name}-"[: max(length - len(suffix), 0)] + suffix
    raise AssertionError(f"no value for {column.table.name}.{column.name} ({column.type})")


def _row(table: Table, n: int, made: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for column in table.columns:
        fk = next(iter(column.foreign_keys), None)
        if fk is None:
            row[column.name] = _value(column, n)
        elif fk.column.table.name == table.name:  # itself: the first row, or nothing
            first = made[table.name][0] if made[table.name] else None
            row[column.name] = first[fk.column.name] if first else None
        else:
            parents = made[fk.column.table.name]
            row[column.name] = parents[n % len(parents)][fk.column.name]
    return row


def _fill_every_table(engine: Engine) -> None:
    """ROWS rows in every table that exists now, parents first."""
    tables = MetaData()
    tables.reflect(engine)
    made: dict[str, list[dict[str, Any]]] = {}
    with engine.begin() as connection:
        for name in SEEDED_TABLES:  # the office a migration made: filled like the rest
            if name in tables.tables:
                connection.execute(tables.tables[name].delete())
        for table in tables.sorted_tables:
            if table.name == "alembic_version":
                continue
            made[table.name] = []
            for n in range(ROWS):
                made[table.name].append(_row(table, n, made))
            connection.execute(table.insert(), made[table.name])


def _contents(engine: Engine) -> dict[str, tuple[list[str], int, list[tuple[Any, ...]]]]:
    """Per table: its key columns, its row count and its keys."""
    tables = MetaData()
    tables.reflect(engine)
    found = {}
    with engine.connect() as connection:
        for table in tables.sorted_tables:
            key = list(table.primary_key.columns)
            count = connection.execute(select(func.count()).select_from(table)).scalar_one()
            keys = sorted(tuple(r) for r in connection.execute(select(*key)))
            found[table.name] = ([c.name for c in key], count, keys)
    return found


# Registers all offices shared until a migration gave each office its own copy
PER_OFFICE_COPY = {"holiday"}  # 0015


@pytest.mark.parametrize("revision", PAST)
def test_every_row_filled_at_a_past_revision_reaches_head(
    empty_engine: Engine, revision: str
) -> None:
    upgrade(empty_engine, revision)
    _fill_every_table(empty_engine)
    before = _contents(empty_engine)
    upgrade(empty_engine)
    after = _contents(empty_engine)
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
    kept = [name for name in before if name in after and name != "alembic_version"]
    assert kept, f"no table of revision {revision} is left at head"
    offices = after["office"][1] if "office" in before else 1
    for name in kept:
        key_before, count_before, keys_before = before[name]
        key_after, count_after, keys_after = after[name]
        if name in PER_OFFICE_COPY and key_after != key_before:
            count_before *= offices  # each office has its own copy from then on
        assert (name, count_after) == (name, count_before)
        if key_after == key_before:  # (a table re-keyed on the way keeps its count)
            assert (name, keys_after) == (name, keys_before)


def test_the_walk_covers_every_migration() -> None:
    assert PAST[0] == SCRIPTS.get_base() and len(PAST) + 1 == len(list(SCRIPTS.walk_revisions()))


@pytest.mark.parametrize("command", [["run"], ["db", "upgrade"], ["complaint", "list", "--open"]])
def test_a_database_newer_than_the_code_is_refused_in_one_line(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    engine = make_engine(database_url)
    stamp = text("UPDATE alembic_version SET version_num = :revision")
    with engine.begin() as connection:  # as a later Sigap's migration would leave it
        connection.execute(stamp, {"revision": "f00dcafe9999"})
    monkeypatch.chdir(tmp_path)  # no developer .env leaks in
    try:
        result = CliRunner().invoke(app, command, env={"DATABASE_URL": database_url})
    finally:  # (PostgreSQL's test schema serves the tests after this one)
        with engine.begin() as connection:
            connection.execute(stamp, {"revision": HEAD})
        engine.dispose()
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "lebih baru" in lines[0] and "newer than this Sigap" in lines[0]
    assert "f00dcafe9999" in lines[0] and HEAD in lines[0]
