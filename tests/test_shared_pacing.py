"""Send pacing shared through PostgreSQL (core/services/messaging/pacing.py): processes
taking slots at once get slots spaced by the channel's gap overall and by the chat's
interval in one chat; migration 0021 adds and removes its table on a filled database."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from bot.send_pace import LocalPace, SharedPace, shared_pacing
from core.config import load_settings
from core.db import alembic_config, make_engine, upgrade
from core.services.messaging.pacing import forget_idle_chats, take_slot
from tests.test_upgrade_path import _contents, _fill_every_table


def _slots(
    engine: Engine, takers: int, each: int, chat: str | None, chat_gap: float
) -> list[float]:
    """Slots (database clock) taken by ``takers`` connections at once, ``each`` apiece."""
    slots: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            for _ in range(each):
                slot = take_slot(connection, "telegram", 0.01, chat, chat_gap)
                while not slot.taken:  # as a sender does: wait for the chat, ask again
                    time.sleep(slot.wait)
                    slot = take_slot(connection, "telegram", 0.01, chat, chat_gap)
                with lock:
                    slots.append(slot.at)

    threads = [threading.Thread(target=take) for _ in range(takers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(slots)


@pytest.mark.postgres
def test_slots_taken_at_once_are_spaced_overall_and_per_chat(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("shared pacing is PostgreSQL's (SQLite: one process paces alone)")
    engine = make_engine(database_url)
    overall = _slots(engine, takers=4, each=25, chat=None, chat_gap=0)
    gaps = [b - a for a, b in itertools.pairwise(overall)]
    assert len(overall) == 100 and min(gaps) >= 0.0099  # never two within one gap
    one_chat = _slots(engine, takers=3, each=3, chat="12345", chat_gap=0.2)
    gaps = [b - a for a, b in itertools.pairwise(one_chat)]
    assert min(gaps) >= 0.1999  # the chat's interval, whoever took the slot
    with engine.connect() as connection:
        connection.execute(text("UPDATE sendpace SET next_at = next_at - 7200"))
        assert forget_idle_chats(connection) == 1  # the chat's row; the channel's stays
        connection.commit()
    with engine.connect() as connection:  # found by the attack review: a chat that
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")  # waits
        first = take_slot(connection, "telegram", 0.01, "999", 60.0)  # held every chat
        again = take_slot(connection, "telegram", 0.01, "999", 60.0)  # behind it
        other = take_slot(connection, "telegram", 0.01, "777", 60.0)
    assert first.taken and not again.taken and again.wait > 50  # it waits outside ...
    assert other.taken and other.at < first.at + 1  # ... and another chat goes at once
    engine.dispose()


def test_pacing_is_shared_on_postgresql_and_local_on_sqlite(database_url: str) -> None:
    engine = make_engine(database_url)
    postgres = engine.dialect.name == "postgresql"
    settings = load_settings(_env_file=None, DATABASE_URL=database_url)
    assert shared_pacing(settings, engine) is postgres
    local = settings.model_copy(update={"pacing": "local"})
    assert not shared_pacing(local, engine)
    pace = SharedPace(engine, "telegram", 25) if postgres else LocalPace(25)
    assert pace.shared is postgres
    engine.dispose()


def test_0021_adds_the_send_pace_table(empty_engine: Engine, tmp_path: Path) -> None:
    upgrade(empty_engine, "0020")
    _fill_every_table(empty_engine)
    before = _contents(empty_engine)
    upgrade(empty_engine, "0021")
    assert "sendpace" in inspect(empty_engine).get_table_names()
    with empty_engine.begin() as connection:
        connection.execute(text("INSERT INTO sendpace (key, next_at) VALUES ('telegram', 1.5)"))
    command.downgrade(alembic_config(empty_engine), "0020")
    assert "sendpace" not in inspect(empty_engine).get_table_names()
    assert _contents(empty_engine) == before  # every other row as it was
