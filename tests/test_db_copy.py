"""`sigap db copy`: an office's database moves SQLite -> PostgreSQL -> SQLite with every
row and the same IKU; a copy that fails leaves the target empty; a filled target, a
source at another revision are refused in one line; ids continue after the move."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Column, Engine, Table, select, text, update
from sqlmodel import SQLModel
from typer.testing import CliRunner, Result

from bench.dataset import fill_complaints, fill_registers, fill_skm
from cli.main import app
from core.db import make_engine, session_scope, upgrade
from core.domain.complaints import Channel
from core.models import Complaint, ComplaintPhoto
from core.services.complaints.lifecycle import NewComplaint, register_complaint
from core.services.operations import db_copy_rows
from core.services.operations.db_copy import SEEDED_TABLES, first_filled_table
from core.types import EnumText, ExactDecimal
from tests.conftest import PG_SERVER, require_postgres
from tests.test_upgrade_path import _value

ROWS = 3  # of made-up rows in every table, beside the office's year


@pytest.fixture
def pg_empty() -> Iterator[str]:
    """The URL of an empty PostgreSQL schema, as an office's new server would be; its
    sessions in Jakarta's time zone (a copy that left times to the session's zone would
    shift every one by seven hours)."""
    require_postgres()
    schema = f"sigap_copy_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_SERVER, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    yield f"{PG_SERVER}?options=-csearch_path%3D{schema}%20-ctimezone%3DAsia%2FJakarta"
    with psycopg.connect(PG_SERVER, autocommit=True) as admin:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")


def _value_of(column: Column[Any], n: int) -> Any:
    if isinstance(column.type, EnumText):
        members = list(column.type.enum_cls)
        return members[n % len(members)].value
    if isinstance(column.type, ExactDecimal):
        return Decimal("71.2500") + n
    return _value(column, n)


def _fill_every_table(engine: Engine) -> None:
    """ROWS rows in every table, with values each column's type accepts (the office's
    year below fills only what its services write)."""
    made: dict[str, list[dict[str, Any]]] = {}
    with engine.begin() as connection:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in SEEDED_TABLES:  # the office the migration made, and its desa
                made[table.name] = [dict(r._mapping) for r in connection.execute(table.select())]
                continue
            made[table.name] = []
            for n in range(ROWS):
                row = {}
                for column in table.columns:
                    fk = next(iter(column.foreign_keys), None)
                    if fk is None:
                        row[column.name] = _value_of(column, n)
                    elif fk.column.table is table:
                        row[column.name] = None  # set below, to a later row
                    else:
                        parents = made[fk.column.table.name]
                        row[column.name] = parents[n % len(parents)][fk.column.name]
                made[table.name].append(row)
            connection.execute(table.insert(), made[table.name])
        # a duplicate pointing at a complaint that comes later in key order
        connection.execute(update(Complaint).where(Complaint.id == 1).values(duplicate_of_id=3))


def _office(path: Path) -> str:
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    _fill_every_table(engine)
    fill_skm(engine, 6_000)  # over one batch of the copy (5,000 rows)
    fill_complaints(engine, 700)
    with session_scope(engine) as session:
        fill_registers(session)
    engine.dispose()
    return url


def _everything(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, as Sigap reads it, in key order."""
    engine = make_engine(url)
    with engine.connect() as connection:
        found = {
            table.name: [
                tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key))
            ]
            for table in SQLModel.metadata.sorted_tables
        }
    engine.dispose()
    return found


def _sigap(*args: str, url: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"DATABASE_URL": url})


def _iku(url: str, year: int) -> Any:
    result = _sigap("iku", "--year", str(year), "--json", url=url)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.postgres
def test_round_trip_keeps_every_row_and_the_iku(
    tmp_path: Path, pg_empty: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no developer .env leaks in
    office = _office(tmp_path / "kantor.db")
    back = f"sqlite:///{tmp_path / 'kembali.db'}"
    there = _sigap("db", "copy", "--to", pg_empty, url=office)
    assert there.exit_code == 0, there.output
    assert there.stdout.count("\n") == 1 and "Tersalin / copied: " in there.stdout
    assert "complaint: 703 baris" in there.stderr and "skmresponse: 6.003 baris" in there.stderr
    home = _sigap("db", "copy", "--from", pg_empty, "--to", back, url=office)
    assert home.exit_code == 0, home.output

    original = _everything(office)
    assert all(original.values())  # every table had rows to lose
    pg_url = pg_empty.replace("postgresql://", "postgresql+psycopg://", 1)
    assert _everything(pg_url) == original
    assert _everything(back) == original
    for year in (2025, 2026):
        assert _iku(office, year) == _iku(pg_url, year) == _iku(back, year)


@pytest.mark.postgres
def test_new_rows_after_the_move_continue_the_ids(tmp_path: Path, pg_empty: str) -> None:
    office = _office(tmp_path / "kantor.db")
    assert _sigap("db", "copy", "--to", pg_empty, url=office).exit_code == 0
    engine = make_engine(pg_empty.replace("postgresql://", "postgresql+psycopg://", 1))
    with session_scope(engine) as session:
        largest = session.execute(select(Complaint.id).order_by(Complaint.id.desc())).scalar()
        data = NewComplaint(channel=Channel.SURAT, category="pkl", description="Setelah pindah")
        from core.config import load_settings

        settings = load_settings(_env_file=None, DATABASE_URL=str(engine.url))
        added = register_complaint(session, settings, data)
    engine.dispose()
    assert largest is not None and added.id == largest + 1


@pytest.mark.postgres
def test_a_copy_that_fails_part_way_leaves_the_target_empty(tmp_path: Path, pg_empty: str) -> None:
    """SQLite keeps a caption longer than its column; PostgreSQL refuses it. The photos
    come late in the copy: every table before them was already written, and is gone."""
    office = _office(tmp_path / "kantor.db")
    engine = make_engine(office)
    with engine.begin() as connection:
        connection.execute(update(ComplaintPhoto).values(caption="x" * 2000))
    engine.dispose()
    result = _sigap("db", "copy", "--to", pg_empty, url=office)
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()[-1:]
    assert line.startswith("Galat / Error: complaintphoto: ") and "dibatalkan" in line
    target = make_engine(pg_empty.replace("postgresql://", "postgresql+psycopg://", 1))
    assert first_filled_table(target) is None
    target.dispose()


def test_a_sample_row_that_differs_stops_the_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counts alone would pass: the sampled rows are read back and compared."""
    office = _office(tmp_path / "kantor.db")
    real = db_copy_rows.converters

    def garbling(table: Table, *args: Any) -> list[Any]:
        found = real(table, *args)
        if table.name == "complaint":
            at = [c.name for c in table.columns].index("description")
            found[at] = lambda value: value + "?"
        return found

    monkeypatch.setattr(db_copy_rows, "converters", garbling)
    target = f"sqlite:///{tmp_path / 'salinan.db'}"
    result = _sigap("db", "copy", "--to", target, url=office)
    assert result.exit_code == 1
    assert "complaint: baris contoh berbeda" in result.stderr and "description" in result.stderr
    assert first_filled_table(make_engine(target)) is None


def test_a_target_with_rows_is_refused(tmp_path: Path) -> None:
    office = _office(tmp_path / "kantor.db")
    target = f"sqlite:///{tmp_path / 'terisi.db'}"
    engine = make_engine(target)
    upgrade(engine)
    with session_scope(engine) as session:
        fill_registers(session)
    engine.dispose()
    result = _sigap("db", "copy", "--to", target, url=office)
    assert result.exit_code == 1
    assert "Galat / Error: Tujuan tidak kosong (tabel activity berisi data)" in result.stderr
    assert _sigap("db", "copy", "--to", office, url=office).exit_code == 1  # itself


@pytest.mark.parametrize(
    ("revision", "says"), [("0011", "sigap db upgrade"), ("f00dcafe9999", "lebih baru")]
)
def test_a_source_at_another_revision_is_refused(tmp_path: Path, revision: str, says: str) -> None:
    office = _office(tmp_path / "kantor.db")
    engine = make_engine(office)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()
    target = tmp_path / "salinan.db"
    result = _sigap("db", "copy", "--to", f"sqlite:///{target}", url=office)
    assert result.exit_code == 1 and says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
