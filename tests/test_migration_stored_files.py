"""Migration 0017 records where the files already downloaded from a chat are kept, on a
filled database (SQLite and PostgreSQL): a file whole under the bot's old name is
recorded and served from then on; a partial download, a web upload and a reference whose
file never arrived are not. A downgrade takes only the record away (the files stay where
the old rule looks), and upgrading again records the same."""

from __future__ import annotations

import hashlib
from pathlib import Path

from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session

from core.config import load_settings
from core.db import alembic_config, upgrade
from core.services.messaging.stored_files import file_of
from tests.test_upgrade_path import _contents, _fill_every_table


def _old_telegram_name(file_id: str, suffix: str) -> str:
    return "tg-" + hashlib.sha256(file_id.encode()).hexdigest()[:32] + suffix


def _recorded(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT file_ref, stored_as FROM storedfile"))
        return {str(ref): str(name) for ref, name in rows}


def test_0017_records_the_files_downloaded_before_it(empty_engine: Engine, tmp_path: Path) -> None:
    upgrade(empty_engine, "0016")
    _fill_every_table(empty_engine)  # refs "file_ref-0".."-2", "evidence_ref-0".."-2"
    with empty_engine.begin() as connection:
        connection.execute(text("UPDATE document SET file_ref = 'wa:M-77' WHERE id = 1"))
        connection.execute(text("UPDATE sakipevaluation SET file_ref = 'media:abc.pdf'"))
    media = tmp_path / "media"
    media.mkdir()
    photo, evidence = (
        _old_telegram_name("file_ref-0", ".jpg"),
        _old_telegram_name("evidence_ref-1", ".pdf"),
    )
    for name in (photo, evidence, "wa-M-77.png", "abc.pdf"):
        (media / name).write_bytes(b"kept " + name.encode())
    (media / (_old_telegram_name("file_ref-1", ".jpg") + ".part")).write_bytes(b"half")
    before = _contents(empty_engine)
    settings = load_settings(_env_file=None, SIGAP_MEDIA_DIR=str(media))

    upgrade(empty_engine, "0017", settings=settings)
    expected = {"file_ref-0": photo, "evidence_ref-1": evidence, "wa:M-77": "wa-M-77.png"}
    assert _recorded(empty_engine) == expected
    with Session(empty_engine) as session:  # what the web and the senders now look up
        assert file_of(session, media, "file_ref-0") == media / photo
        assert file_of(session, media, "file_ref-1") is None  # still a partial download
        assert file_of(session, media, "file_ref-2") is None  # never arrived

    command.downgrade(alembic_config(empty_engine), "0016")
    assert "storedfile" not in inspect(empty_engine).get_table_names()
    assert _contents(empty_engine) == before  # every other row as it was
    assert all((media / name).is_file() for name in expected.values())  # files untouched

    upgrade(empty_engine, "0017", settings=settings)
    assert _recorded(empty_engine) == expected
