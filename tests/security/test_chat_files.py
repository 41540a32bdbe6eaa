"""Files in the chat are fetched only for a dialog step that asked for one, never beyond
the size kept for their kind, and kept only when their content is what the step expects;
a stranger's unsolicited files are never fetched. Real PTB / HTTP stacks against the
fake Bot API and Graph API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from core.config import Settings
from core.domain.people import StaffRole
from tests.chat_media import kept
from tests.fakes import graph_api as wa
from tests.fakes import telegram_api as api
from tests.fakes.graph_api import FakeGraph
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_harness import Person, RunningBot, bot_settings, until
from tests.test_telegram_e2e import join_as_staff
from tests.whatsapp_harness import WaPerson, running_sigap, wa_settings

pytestmark = pytest.mark.asyncio(loop_scope="function")
MB = 1024 * 1024


def nothing_kept(media: Path) -> bool:
    return not media.exists() or not any(media.iterdir())


async def at_photo_step(person: Person | WaPerson) -> None:
    await person.says("/lapor")
    await person.taps("Pedagang kaki lima")
    await person.says("PKL menutup trotoar depan pasar")
    await person.taps("Lewati")  # no location


# -- Telegram ----------------------------------------------------------------------------
@pytest.fixture
def tg_config(database_url: str, fake: FakeTelegram, tmp_path: Path) -> Settings:
    return bot_settings(database_url, fake, SIGAP_MEDIA_DIR=str(tmp_path / "media"))


@pytest.fixture
async def bot(tg_config: Settings, engine: Engine) -> AsyncIterator[RunningBot]:
    running = await RunningBot(tg_config, engine).start()
    yield running
    await running.stop()


async def test_telegram_fetches_only_what_a_step_took_and_keeps_only_photos(
    bot: RunningBot, fake: FakeTelegram, engine: Engine, tg_config: Settings
) -> None:
    stranger = Person(fake, 5101)
    await stranger.sends_photo("PHOTO-UNASKED")  # no dialog asked for it
    await stranger.sends_document("DOC-UNASKED", "x.pdf")
    assert fake.calls.get("getFile", 0) == 0

    siti = Person(fake, 5102)
    await at_photo_step(siti)
    huge = await siti._push(api.photo(siti.user_id, "PHOTO-HUGE", size=11 * MB), 1)
    assert "terlalu besar" in huge[0].text and "10 MB" in huge[0].text
    assert fake.calls.get("getFile", 0) == 0  # refused before any download
    await siti.sends_photo("EVIL-1")  # declared a photo; its bytes are a script
    await siti.sends_photo("PHOTO-GOOD")
    await until(lambda: kept(engine, tg_config, "PHOTO-GOOD") is not None)
    await bot.stop()  # every download finished
    assert fake.calls["getFile"] == 2
    assert kept(engine, tg_config, "EVIL-1") is None
    good = kept(engine, tg_config, "PHOTO-GOOD")
    assert good is not None and good.read_bytes() == api.file_bytes("PHOTO-GOOD")
    assert sorted(p.name for p in tg_config.media_dir.iterdir()) == [good.name]
    await bot.start()


async def test_telegram_document_step_refuses_a_program_by_its_declared_type(
    bot: RunningBot, fake: FakeTelegram, engine: Engine, tg_config: Settings
) -> None:
    sekcam = await join_as_staff(fake, engine, 7301, StaffRole.SEKCAM)
    await sekcam.says("/dokumen")
    await sekcam.taps("SOP pelayanan")
    await sekcam.says("SOP Pelayanan KTP-el")
    await sekcam.says("2026-03-05")
    exe = api.document(sekcam.user_id, "DOC-EXE", "sop.exe", mime_type="application/x-msdownload")
    refused = await sekcam._push(exe, 1)
    assert "tidak bisa diterima" in refused[0].text
    saved = await sekcam.sends_document("DOC-SOP", "sop.pdf")
    assert "tercatat untuk IKU1" in saved[0].text
    await until(lambda: kept(engine, tg_config, "DOC-SOP") is not None)
    document = kept(engine, tg_config, "DOC-SOP")
    assert document is not None and document.suffix == ".pdf"
    assert document.read_bytes() == api.file_bytes("DOC-SOP")
    assert fake.calls["getFile"] == 1


# -- WhatsApp ----------------------------------------------------------------------------
@pytest.fixture
def graph() -> AsyncIterator[FakeGraph]:
    fake = FakeGraph().start()
    yield fake  # type: ignore[misc]
    fake.stop()


async def test_whatsapp_downloads_only_asked_files_within_their_size_and_kind(
    graph: FakeGraph, database_url: str, engine: Engine, tmp_path: Path
) -> None:
    media = tmp_path / "media"
    settings = wa_settings(database_url, graph, media, SIGAP_CHAT_PHOTO_MAX_MB=1)
    graph.announced_sizes["M-BIG"] = 5 * MB  # announced too big: never fetched
    graph.media["M-LIAR"] = b"\xff\xd8\xff\xe0" + b"x" * (2 * MB)  # announced small: cut off
    graph.announced_sizes["M-LIAR"] = 1000
    graph.media["M-HTML"] = b"<html><script>alert(1)</script></html>"
    async with running_sigap(settings, engine) as url:
        stranger = WaPerson(graph, url, "6281300000001")
        await stranger.send(wa.image(stranger.phone, "M-STRANGER"))
        siti = WaPerson(graph, url, "6281300000002")
        await at_photo_step(siti)
        for media_id in ("M-BIG", "M-LIAR", "M-HTML"):  # three: the most one report takes
            await siti.send(wa.image(siti.phone, media_id))
        budi = WaPerson(graph, url, "6281300000003")
        await at_photo_step(budi)
        await budi.send(wa.image(budi.phone, "M-GOOD"))
        await until(lambda: kept(engine, settings, "wa:M-GOOD") is not None)
    # the server stopped: every download it started has finished
    assert "M-STRANGER" not in graph.media_served and "M-BIG" not in graph.media_served
    good = kept(engine, settings, "wa:M-GOOD")
    assert good is not None and good.suffix == ".jpg"
    assert sorted(p.name for p in media.iterdir()) == [good.name]
    assert all(kept(engine, settings, f"wa:{m}") is None for m in ("M-BIG", "M-LIAR", "M-HTML"))
