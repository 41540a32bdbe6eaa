"""Migration 0007 moves chat identities into chat accounts without losing a row, on a
database filled under the previous schema, on SQLite and on PostgreSQL; and back."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, text

from core.db import alembic_config, upgrade

AT = "2026-11-01 08:00:00"


def _fill_previous_schema(engine: Engine) -> None:
    """What a running Sigap at revision 0006 held: residents of every kind, staff who
    joined by Telegram (one of them also wrote as a resident) or WhatsApp, a complaint."""
    residents = [
        (1, "telegram", "5100", "Siti"),
        (2, "whatsapp", "6281234567890", "Wati"),
        (3, "lisan", "terminal:warga", "Warga Terminal"),
        (4, "lisan", None, "Pak Walk-in"),
        (5, "telegram", "7001", "Budi as resident"),
    ]
    staff = [(1, "Budi", "trantib", 7001, None), (2, "Camat", "camat", None, "6289990001")]
    with engine.begin() as connection:
        for rid, channel, external, name in residents:
            connection.execute(
                text(
                    "INSERT INTO resident (id, channel, channel_user_id, name, language, "
                    "created_at) VALUES (:i, :c, :e, :n, 'id', :at)"
                ),
                {"i": rid, "c": channel, "e": external, "n": name, "at": AT},
            )
        for sid, name, role, telegram, whatsapp in staff:
            connection.execute(
                text(
                    "INSERT INTO staff (id, name, role, telegram_user_id, whatsapp_id, active, "
                    "created_at) VALUES (:i, :n, :r, :t, :w, true, :at)"
                ),
                {"i": sid, "n": name, "r": role, "t": telegram, "w": whatsapp, "at": AT},
            )
        connection.execute(
            text(
                "INSERT INTO complaint (id, code, channel, category, description, privacy, "
                "state, reporter_id, received_at, due_date) VALUES (1, 'MBS-AAAA-BBBB', "
                "'telegram', 'pkl', 'PKL di trotoar pasar', 'hidden', 'diterima', 1, :at, "
                "'2026-11-04')"
            ),
            {"at": AT},
        )


def _rows(engine: Engine, query: str) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(query))]


def test_chat_identities_become_accounts_and_back(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0006")
    _fill_previous_schema(empty_engine)

    upgrade(empty_engine, "0007")

    accounts = _rows(
        empty_engine,
        "SELECT channel, external_id, resident_id, staff_id FROM chataccount "
        "ORDER BY channel, external_id",
    )
    assert accounts == [
        ("telegram", "5100", 1, None),
        ("telegram", "7001", 5, 1),  # the officer who also wrote as a resident: one account
        ("terminal", "warga", 3, None),
        ("whatsapp", "6281234567890", 2, None),
        ("whatsapp", "6289990001", None, 2),
    ]
    assert _rows(empty_engine, "SELECT id, name FROM resident ORDER BY id") == [
        (1, "Siti"),
        (2, "Wati"),
        (3, "Warga Terminal"),
        (4, "Pak Walk-in"),  # no chat account, still a resident
        (5, "Budi as resident"),
    ]
    assert _rows(empty_engine, "SELECT id, name, role FROM staff ORDER BY id") == [
        (1, "Budi", "trantib"),
        (2, "Camat", "camat"),
    ]
    assert _rows(empty_engine, "SELECT reporter_id FROM complaint") == [(1,)]

    command.downgrade(alembic_config(empty_engine), "0006")
    assert _rows(empty_engine, "SELECT id, channel, channel_user_id FROM resident ORDER BY id") == [
        (1, "telegram", "5100"),
        (2, "whatsapp", "6281234567890"),
        (3, "lisan", "terminal:warga"),
        (4, "lisan", None),
        (5, "telegram", "7001"),
    ]
    assert _rows(
        empty_engine, "SELECT id, telegram_user_id, whatsapp_id FROM staff ORDER BY id"
    ) == [(1, 7001, None), (2, None, "6289990001")]


def test_every_migration_goes_down_and_up_again(empty_engine: Engine) -> None:
    """Each revision's downgrade undoes its upgrade: down to nothing, then up to head
    again leaves exactly the schema the models describe."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlmodel import SQLModel

    config = alembic_config(empty_engine)
    revisions = [r.revision for r in ScriptDirectory.from_config(config).walk_revisions()]
    upgrade(empty_engine)
    for revision in revisions:  # newest first: one step down at a time
        command.downgrade(config, "-1")
        with empty_engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        assert current != revision
    with empty_engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() is None
    upgrade(empty_engine)
    with empty_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
