"""Staff tools end to end: /antrian, /catat, /ringkasan, reject and duplicate, and bad
input in the survey."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from core.config import Settings
from core.domain.complaints import Channel, ComplaintState
from core.domain.people import StaffRole
from core.models import Complaint, ComplaintPhoto, SkmResponse
from core.services.survey.skm import add_service
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_harness import Person, RunningBot, bot_settings, until
from tests.test_telegram_e2e import file_report, join_as_staff


@pytest.fixture
async def bot(database_url: str, fake: FakeTelegram, engine: Engine) -> AsyncIterator[Settings]:
    settings = bot_settings(database_url, fake)
    running = await RunningBot(settings, engine).start()
    yield settings
    await running.stop()


async def test_queue_catat_and_summary(bot: Settings, fake: FakeTelegram, engine: Engine) -> None:
    officer = await join_as_staff(fake, engine, 7101)
    assert "Antrean kosong" in (await officer.says("/antrian"))[0].text
    await officer.says("/catat")
    await officer.taps("surat")
    await officer.taps("Minuman keras")
    await officer.says("Surat warga RT 2: pesta miras tiap malam Minggu di pos ronda")
    saved = await officer.taps("Lampeji")
    assert "dicatat" in saved[0].text
    queue = (await officer.says("/antrian"))[0].text
    code = saved[0].text.split()[1]
    assert code in queue
    with Session(engine) as session:
        stored = session.exec(select(Complaint)).one()
    assert (stored.channel, stored.category, stored.desa) == (Channel.SURAT, "miras", "Lampeji")
    assert "khusus petugas" in (await officer.says("/ringkasan"))[0].text  # trantib
    camat = await join_as_staff(fake, engine, 7102, StaffRole.CAMAT)
    summary = (await camat.says("/ringkasan"))[0].text
    assert "IKU1" in summary and "IKU6" in summary and "belum ada data" in summary


async def test_reject_and_duplicate_reach_the_reporters(
    bot: Settings, fake: FakeTelegram, engine: Engine
) -> None:
    officer = await join_as_staff(fake, engine, 7103)
    siti, budi = Person(fake, 5301), Person(fake, 5302)
    first = await file_report(siti, "PKL di depan SDN 1 menutup jalan masuk sekolah")
    second = await file_report(budi, "PKL di depan SDN 1 bikin macet tiap pagi")
    await until(lambda: sum(first in m.text or second in m.text for m in officer.inbox) == 2)
    card = next(m for m in officer.inbox if second in m.text)
    prompt = await officer.taps("Duplikat", message=card)
    assert "kode laporan asli" in prompt[0].text
    await officer.says(first.lower())  # typed in lower case: still found
    await until(lambda: "sama dengan laporan" in budi.last.text)
    assert first in budi.last.text
    card = next(m for m in officer.inbox if first in m.text)
    await officer.taps("Tolak", message=card)
    await officer.says("Lokasi di luar wilayah Kecamatan Mumbulsari")
    await until(lambda: "tidak dapat ditindaklanjuti" in siti.last.text)
    assert "luar wilayah" in siti.last.text
    with Session(engine) as session:
        states = {c.code: c.state for c in session.exec(select(Complaint)).all()}
    assert states == {first: ComplaintState.DITOLAK, second: ComplaintState.DUPLIKAT}


async def test_survey_bad_input_is_asked_again(
    bot: Settings, fake: FakeTelegram, engine: Engine
) -> None:
    with Session(engine) as session:
        add_service(session, "kk", "Kartu Keluarga")
        session.commit()
    ani = Person(fake, 5303)
    await ani.says("/start skm_paspor", expect=2)  # unknown service: told, then the list
    assert "tidak dikenal" in ani.inbox[0].text
    await ani.taps("Kartu Keluarga", expect=2)
    assert "belum mengerti" in (await ani.says("bagus", expect=2))[0].text
    for _ in range(9):  # the third answer of each question ("Sesuai", "Mudah", ...)
        await ani.presses(ani.last.buttons[2][1])
    assert "usia" in (await ani.taps("Lewati"))[0].text.lower()  # gender skipped
    assert "10–120" in (await ani.says("tujuh belas", expect=2))[0].text
    assert "10–120" in (await ani.says("7", expect=2))[0].text
    await ani.says("17")
    await ani.taps("Lewati")
    await ani.taps("Lewati")
    thanks = await ani.taps("Lewati")
    assert "Terima kasih" in thanks[0].text
    with Session(engine) as session:
        response = session.exec(select(SkmResponse)).one()
    assert response.usia == 17 and response.jenis_kelamin is None


async def test_masuk_sends_staff_a_working_login_link_and_refuses_residents(
    bot: Settings, fake: FakeTelegram, engine: Engine
) -> None:
    import re

    from starlette.testclient import TestClient

    from tests.web_harness import log_in
    from web.context import Office
    from web.office import build_web

    officer = await join_as_staff(fake, engine, 7120)
    reply = (await officer.says("/masuk"))[0].text
    link = re.search(r"https?://\S+/masuk\?t=(\S+)", reply)
    assert link and "sekali pakai" in reply
    with TestClient(build_web(Office(bot, engine)), follow_redirects=False) as client:
        log_in(client, f"/masuk?t={link.group(1)}")
        assert client.get("/pengaduan").status_code == 200
    resident = Person(fake, 5320)
    assert "khusus petugas" in (await resident.says("/masuk"))[0].text
    in_group = Person(fake, 7120, chat_id=-100777)
    assert "chat pribadi" in (await in_group.says("/masuk"))[0].text


async def test_in_a_staff_group_the_note_is_asked_in_private_and_start_shows_no_menu(
    database_url: str, fake: FakeTelegram, engine: Engine
) -> None:
    settings = bot_settings(database_url, fake, TELEGRAM_STAFF_CHATS="trantib=-100555")
    running = await RunningBot(settings, engine).start()
    try:
        officer = await join_as_staff(fake, engine, 7130)
        group = Person(fake, 7130, chat_id=-100555)  # the officer, writing in the group
        siti = Person(fake, 5330)
        code = await file_report(siti, "Balap liar tiap malam di jalan desa Suco")
        await until(lambda: any(code in m.text for m in group.inbox))
        alert = next(m for m in group.inbox if code in m.text)
        before = len(officer.inbox)
        moved = await group.taps("Selesaikan", message=alert)
        assert "chat pribadi" in moved[0].text
        await until(lambda: len(officer.inbox) > before)
        assert code in officer.inbox[-1].text  # the question, in the private chat
        done = await officer.says("Sudah ditertibkan bersama linmas")
        assert "Selesai" in done[0].text
        await until(lambda: any("ditertibkan bersama linmas" in m.text for m in siti.inbox))
        start = await group.says("/start")
        assert "Grup ini untuk petugas" in start[0].text and not start[0].buttons
    finally:
        await running.stop()


async def test_staff_get_the_residents_photo_with_its_words(
    bot: Settings, fake: FakeTelegram, engine: Engine
) -> None:
    officer = await join_as_staff(fake, engine, 7140)
    siti = Person(fake, 5340)
    await siti.says("/start")
    await siti.taps("Lapor gangguan")
    await siti.taps("Pedagang kaki lima")
    await siti.says("Lapak menutup trotoar di depan pasar Mumbulsari")
    await siti.taps("Pilih desa")
    await siti.taps("Mumbulsari")
    await siti.sends_photo("PHOTO-LAPAK", caption="lapak di trotoar sebelah utara")
    await siti.taps("Lanjut")
    await siti.taps("Dirahasiakan")
    await siti.taps("Kirim laporan")
    await until(lambda: any(m.method == "sendPhoto" for m in officer.inbox))
    photo = next(m for m in officer.inbox if m.method == "sendPhoto")
    assert photo.params["photo"] == "PHOTO-LAPAK"
    assert "lapak di trotoar sebelah utara" in str(photo.params["caption"])
    with Session(engine) as session:
        stored = session.exec(select(ComplaintPhoto)).one()
        assert stored.caption == "lapak di trotoar sebelah utara"
