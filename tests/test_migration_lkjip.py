"""Migration 0013 adds the LKjIP's tables to a database in use (SQLite and PostgreSQL):
what was there stays, the analysis and Renstra registers work at once, one analysis per
IKU and period is all the key allows; and a downgrade takes only the two tables away."""

from __future__ import annotations

from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core.db import alembic_config, upgrade
from core.domain.performance import IkuCode
from core.domain.periods import Period
from core.lkjip_models import IkuAnalysis
from core.services.access.authz import OPERATOR
from core.services.performance.iku_analysis import AnalysisPeriod, analyses_for, save_analysis
from core.services.performance.register_kinds import RENSTRA
from core.services.performance.registers import create_record

NEW_TABLES = {"ikuanalysis", "renstratarget"}


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _target_rows(engine: Engine) -> list[tuple[int, str, Decimal]]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT year, iku, target FROM ikutarget ORDER BY iku"))
        return [(int(r[0]), str(r[1]), Decimal(str(r[2]))) for r in rows]


def test_0013_adds_the_lkjip_tables_and_takes_only_them_away(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0012")
    assert not NEW_TABLES & _tables(empty_engine)
    with empty_engine.begin() as connection:  # a target set before the upgrade
        connection.execute(
            text(
                "INSERT INTO ikutarget (year, iku, target, direction) "
                "VALUES (2025, 'IKU4', 80, 'higher')"
            )
        )
    upgrade(empty_engine, "0013")
    assert _tables(empty_engine) >= NEW_TABLES
    assert _target_rows(empty_engine) == [(2025, "IKU4", Decimal(80))]
    upgrade(empty_engine)  # the registers as today's code writes them (offices: 0014)
    with Session(empty_engine) as session:
        texts = {"pendorong": "Patroli rutin", "upaya": "Patroli malam"}
        save_analysis(session, IkuCode.IKU4, AnalysisPeriod(2025), texts, OPERATOR)
        save_analysis(session, IkuCode.IKU4, AnalysisPeriod(2025, 1), texts, OPERATOR)
        values = {"end_year": 2026, "iku": "IKU4", "target": Decimal(90), "direction": "higher"}
        create_record(session, RENSTRA, values, OPERATOR)
        session.commit()
        found = analyses_for(session, Period.year(2025))
        assert found[IkuCode.IKU4].upaya == "Patroli malam"
    with Session(empty_engine) as session:  # the key holds: one per IKU, year, triwulan
        session.add(IkuAnalysis(year=2025, quarter=0, iku=IkuCode.IKU4, pendorong="lagi"))
        with pytest.raises(IntegrityError):
            session.commit()
    command.downgrade(alembic_config(empty_engine), "0012")
    assert not NEW_TABLES & _tables(empty_engine)
    assert _target_rows(empty_engine) == [(2025, "IKU4", Decimal(80))]
    upgrade(empty_engine)  # and up again, empty
    with Session(empty_engine) as session:
        assert analyses_for(session, Period.year(2025)) == {}
