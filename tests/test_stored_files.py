"""Where a file sent in a chat is kept is recorded by its channel, under a name that
cannot leave SIGAP_MEDIA_DIR; the back office serves only that, and neither core nor the
web knows how Telegram or WhatsApp name their files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from core.chat_models import StoredFile
from core.services.messaging.stored_files import file_of, record
from tests.test_layers import ROOT, _lint_imports, source_copy  # noqa: F401  (a fixture)

REFUSED = ["../secret.jpg", "/etc/passwd", "a/b/c.jpg", ".hidden.jpg", "x.jpg.part", "x", ""]


@pytest.mark.parametrize("name", REFUSED)
def test_a_name_out_of_the_media_folder_is_never_recorded(engine: Engine, name: str) -> None:
    with Session(engine) as session, pytest.raises(ValueError):
        record(session, "AgACtelegram", name)


def test_a_name_written_behind_the_services_back_is_never_served(
    engine: Engine, tmp_path: Path
) -> None:
    media = tmp_path / "media"
    media.mkdir()
    (tmp_path / "secret.jpg").write_bytes(b"outside the media folder")
    (media / "half.jpg.part").write_bytes(b"still downloading")
    with Session(engine) as session:
        session.add(StoredFile(file_ref="AgACout", stored_as="../secret.jpg"))
        session.add(StoredFile(file_ref="AgAChalf", stored_as="half.jpg.part"))
        session.commit()
        assert file_of(session, media, "AgACout") is None
        assert file_of(session, media, "AgAChalf") is None


def test_a_later_download_replaces_the_record(engine: Engine, tmp_path: Path) -> None:
    for name in ("chat/one.jpg", "two.png"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    with Session(engine) as session:
        record(session, "wa:M-1", "chat/one.jpg")
        record(session, "wa:M-1", "two.png")
        session.commit()
        assert file_of(session, tmp_path, "wa:M-1") == tmp_path / "two.png"


# The old rule's traces: a hashed Telegram file id, WhatsApp's "wa-" prefix, the id pattern.
PLATFORM_NAMING = re.compile(r"""["'](tg|wa)-|TELEGRAM_FILE_ID|file_stem|sha256\(file_id""")


def test_core_and_the_web_hold_no_platform_file_naming() -> None:
    history = ROOT / "core" / "migrations" / "versions"  # 0017 keeps the old rule, frozen
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for package in ("core", "web")
        for path in (ROOT / package).rglob("*.py")
        if history not in path.parents
        for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1)
        if PLATFORM_NAMING.search(line)
    ]
    assert found == []


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("web/files.py", "import bot.telegram.files"),
        ("bot/attachments.py", "import bot.whatsapp.files"),
        ("bot/telegram/sender.py", "import bot.whatsapp.files"),
    ],
)
def test_the_naming_contract_breaks_on_a_reach_into_a_channels_naming(
    source_copy: Path,  # noqa: F811
    module: str,
    forbidden: str,
) -> None:
    path = source_copy / module
    path.write_text(path.read_text("utf-8") + f"\n{forbidden}  # noqa\n", "utf-8")
    result = _lint_imports(source_copy)
    assert result.returncode != 0
    assert "file naming stays in its channel" in result.stdout and "BROKEN" in result.stdout
