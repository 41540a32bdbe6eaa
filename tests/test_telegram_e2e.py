"""End to end: residents and staff on the real PTB stack against a fake Bot API server."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from starlette.testclient import TestClient

from app.web import build_office
from bot.dialogs.desk import Desk
from core.chat_models import StoredFile
from core.config import Settings
from core.domain.complaints import ComplaintState
from core.domain.people import StaffRole
from core.domain.skm import Unsur
from core.models import Complaint, ComplaintPhoto, OutboxMessage, SkmResponse
from core.services.access.invites import create_invite
from core.services.complaints import lifecycle as svc
from core.services.performance import records
from core.services.survey.skm import add_service
from tests import factories
from tests.chat_media import kept
from tests.fakes import telegram_api as api
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_harness import Person, RunningBot, bot_settings, until
from tests.web_harness import log_in, login_link
from web.office import build_web

pytestmark = pytest.mark.asyncio(loop_scope="function")
TICKET = re.compile(r"MBS-[A-Z0-9]{4}-[A-Z0-9]{4}")


@pytest.fixture
def bot_config(database_url: str, fake: FakeTelegram, tmp_path: Path) -> Settings:
    return bot_settings(database_url, fake, SIGAP_MEDIA_DIR=str(tmp_path / "media"))


@pytest.fixture
async def bot(bot_config: Settings, engine: Engine) -> AsyncIterator[RunningBot]:
    running = await RunningBot(bot_config, engine).start()
    yield running
    await running.stop()


def invite(engine: Engine, role: StaffRole) -> str:
    with Session(engine) as session:
        code = create_invite(session, role).code
        session.commit()
    return code


async def join_as_staff(
    fake: FakeTelegram, engine: Engine, user_id: int, role: StaffRole = StaffRole.TRANTIB
) -> Person:
    officer = Person(fake, user_id)
    reply = await officer.says(f"/start staff_{invite(engine, role)}")
    assert "Selamat bergabung" in reply[-1].text
    return officer


async def file_report(siti: Person, description: str = "PKL menutup trotoar depan pasar") -> str:
    await siti.says("/start")
    await siti.taps("Lapor gangguan")
    await siti.taps("Pedagang kaki lima")
    await siti.says(description)
    await siti.shares_location(-8.2531, 113.7437)
    await siti.sends_photo("PHOTO-1")
    await siti.taps("Lanjut")
    await siti.taps("Dirahasiakan")
    assert "Periksa laporan" in siti.last.text and "Foto: 1" in siti.last.text
    saved = await siti.taps("Kirim laporan")
    match = TICKET.search(saved[0].text)
    assert match, saved[0].text
    return match.group(0)


async def test_full_report_reaches_staff_and_back(
    bot: RunningBot, fake: FakeTelegram, engine: Engine
) -> None:
    officer = await join_as_staff(fake, engine, 7001)
    siti = Person(fake, 5001)
    code = await file_report(siti)

    await until(lambda: any(code in m.text for m in officer.inbox))
    card = next(m for m in officer.inbox if code in m.text)
    assert "PKL menutup trotoar" in card.text and "Warga" not in card.text  # no reporter name
    with Session(engine) as session:
        stored = svc.get_complaint(session, code)
        assert (stored.latitude, stored.longitude) == (-8.2531, 113.7437)
        photos = session.exec(
            select(ComplaintPhoto).where(ComplaintPhoto.complaint_id == stored.id)
        ).all()
        assert [p.file_ref for p in photos] == ["PHOTO-1"]
    # kept as it arrived, so the back office can show it (tests/test_web_pages.py)
    await until(lambda: kept(engine, bot.channel.settings, "PHOTO-1") is not None)
    photo = kept(engine, bot.channel.settings, "PHOTO-1")
    assert photo is not None and photo.read_bytes() == api.file_bytes("PHOTO-1")

    await officer.taps("Klaim", message=card)
    await officer.taps("Verifikasi", message=card)
    await until(lambda: "sudah diverifikasi" in siti.last.text)
    await officer.taps("Selesaikan", message=card)
    done = await officer.says("Lapak sudah dipindah ke area relokasi")
    assert "Selesai" in done[-1].text
    await until(lambda: "telah diselesaikan" in siti.last.text)
    assert "area relokasi" in siti.last.text

    reopen = await siti.taps("Belum beres")
    assert "jelaskan" in reopen[-1].text
    await siti.says("Pedagangnya kembali lagi sore ini")
    assert "dibuka kembali" in siti.last.text
    with Session(engine) as session:
        assert svc.get_complaint(session, code).state is ComplaintState.DIPROSES


async def test_a_residents_photo_is_served_by_the_web_page_from_where_it_was_recorded(
    bot: RunningBot, fake: FakeTelegram, engine: Engine, bot_config: Settings
) -> None:
    """The bot records where it kept the photo; the back office serves that file, found
    through the complaint it belongs to, and derives nothing from Telegram's file id."""
    code = await file_report(Person(fake, 5001))
    await until(lambda: kept(engine, bot_config, "PHOTO-1") is not None)
    with Session(engine, expire_on_commit=False) as session:
        admin = records.add_staff(session, "Admin Kantor", StaffRole.ADMIN)
        complaint = svc.get_complaint(session, code)
        photo = session.exec(
            select(ComplaintPhoto).where(ComplaintPhoto.complaint_id == complaint.id)
        ).one()
        recorded = session.get(StoredFile, "PHOTO-1")
        session.commit()
    assert recorded is not None and "PHOTO-1" not in recorded.stored_as
    web = build_web(build_office(bot_config, engine))
    with TestClient(web, follow_redirects=False) as client:
        log_in(client, login_link(engine, admin))
        page = client.get(f"/pengaduan/{code}")
        served = client.get(f"/pengaduan/{code}/foto/{photo.id}")
    assert f"/pengaduan/{code}/foto/{photo.id}" in page.text
    assert served.status_code == 200 and served.content == api.file_bytes("PHOTO-1")
    assert served.headers["content-type"] == "image/jpeg"


async def test_laporan_saya_shows_only_own_tickets(
    bot: RunningBot, fake: FakeTelegram, engine: Engine
) -> None:
    siti, budi = Person(fake, 5001), Person(fake, 5002)
    code = await file_report(siti)
    await siti.says("/start")
    listing = await siti.taps("Laporan saya")
    assert code in listing[-1].text
    detail = await siti.taps(code)
    assert "Diterima" in detail[-1].text
    empty = await budi.presses("menu:mine")
    assert "belum punya laporan" in empty[-1].text
    peek = await budi.presses(f"mine:show:{code}")
    assert "tidak ditemukan" in peek[-1].text and "PKL" not in peek[-1].text


async def test_full_skm_through_deep_link(
    bot: RunningBot, fake: FakeTelegram, engine: Engine
) -> None:
    with Session(engine) as session:
        add_service(session, "ktp", "KTP elektronik")
        session.commit()
    ani = Person(fake, 5003)
    intro = await ani.says("/start skm_ktp", expect=2)
    assert "KTP elektronik" in intro[0].text and "(1/9)" in intro[1].text
    assert [label for label, _ in intro[1].buttons][:4] == [
        "Tidak sesuai",
        "Kurang sesuai",
        "Sesuai",
        "Sangat sesuai",
    ]
    answers = [
        "Sangat sesuai",
        "Mudah",
        "Cepat",
        "Gratis",
        "Sesuai",
        "Kompeten",
        "Sangat sopan",
        "Baik",
        "Dikelola dengan baik",
    ]  # questionnaire order: U9, U8
    for label in answers:
        await ani.taps(label)
    await ani.taps("Perempuan")
    await ani.says("34")
    await ani.taps("SMA")
    await ani.taps("Lewati")  # pekerjaan
    thanks = await ani.says("Antrean cepat, petugas ramah")
    assert "Terima kasih" in thanks[-1].text
    with Session(engine) as session:
        response = session.exec(select(SkmResponse)).one()
    scores = {u: getattr(response, u.field) for u in Unsur}
    assert scores == {
        Unsur.U1: 4,
        Unsur.U2: 3,
        Unsur.U3: 3,
        Unsur.U4: 4,
        Unsur.U5: 3,
        Unsur.U6: 3,
        Unsur.U7: 4,
        Unsur.U8: 4,
        Unsur.U9: 3,
    }
    assert (response.jenis_kelamin, response.usia, response.pendidikan, response.pekerjaan) == (
        "P",
        34,
        "SMA",
        None,
    )
    again = await ani.says("/start skm_ktp")
    assert "sudah mengisi survei" in again[-1].text


async def test_bad_input_at_every_step_gets_a_reply(
    bot: RunningBot, fake: FakeTelegram, engine: Engine
) -> None:
    siti = Person(fake, 5004)
    assert "belum bisa saya proses" in (await siti._push(api.sticker(5004), 1))[0].text
    greeted = await siti.says("Halo pak, selamat pagi")
    assert len(greeted) == 1 and "Lapor gangguan" in str(greeted[0].buttons)  # the menu
    assert "belum mengerti" in (await siti.says("ada orang?", expect=2))[0].text
    await siti.says("/lapor")
    assert "belum mengerti" in (await siti.says("PKL", expect=2))[0].text  # text, not button
    await siti.taps("Kebisingan")
    assert "terlalu pendek" in (await siti.says("ramai", expect=2))[0].text
    assert "terlalu panjang" in (await siti.says("x" * 1500, expect=2))[0].text
    too_long = await siti.says("y" * 4096, expect=2)  # Telegram's own longest message
    assert "maksimal 1000" in too_long[0].text and "Ceritakan" in too_long[1].text
    wrong = await siti.says("/laporkan", expect=2)  # no such command: the question again
    assert "tidak dikenal" in wrong[0].text and "Ceritakan" in wrong[1].text
    await siti.says("Musik keras tiap malam sampai jam 3 di gang 2")
    assert "belum mengerti" in (await siti.says("di sini", expect=2))[0].text
    stale = await siti.presses("lapor:category:pkl", expect=2)
    assert "pesan lama" in stale[0].text and "lokasinya" in stale[1].text
    assert "/start" not in stale[0].text  # no advice to start over, then the question
    await siti.taps("Pilih desa")
    await siti.taps("Lampeji")
    await siti.taps("Lewati")
    cancelled = await siti.taps("Batal")
    assert "Tidak ada yang disimpan" in cancelled[0].text
    with Session(engine) as session:
        assert session.exec(select(Complaint)).all() == []


async def test_resident_cannot_act_as_staff(
    bot: RunningBot, fake: FakeTelegram, engine: Engine
) -> None:
    officer = await join_as_staff(fake, engine, 7002)
    siti = Person(fake, 5005)
    code = await file_report(siti)
    await until(lambda: any(code in m.text for m in officer.inbox))
    with Session(engine) as session:
        complaint_id = svc.get_complaint(session, code).id
    for verb in ("claim", "verify", "reject", "resolve"):
        refused = await siti.presses(f"act:{verb}:{complaint_id}")
        assert "tidak berwenang" in refused[-1].text
    assert "khusus petugas" in (await siti.says("/antrian"))[0].text
    reused = await Person(fake, 5006).says(f"/start staff_{invite(engine, StaffRole.TRANTIB)}")
    assert "Selamat bergabung" in reused[0].text
    with Session(engine) as session:
        stored = svc.get_complaint(session, code)
        assert stored.state is ComplaintState.DITERIMA and stored.assigned_staff_id is None
        assert len(svc.events_of(session, stored)) == 1


async def test_duplicated_update_changes_nothing(
    bot: RunningBot, fake: FakeTelegram, engine: Engine
) -> None:
    siti = Person(fake, 5007)
    await siti.says("/lapor")
    await siti.taps("Perjudian")
    update = api.text(5007, "Sabung ayam dengan taruhan di belakang balai desa")
    before = len(siti.inbox)
    fake.push(update, update)
    await until(lambda: len(siti.inbox) > before)
    fake.push(api.text(5007, "/batal"))  # a later update, handled after the duplicate
    await until(lambda: "Dibatalkan" in siti.last.text)
    replies = [m.text for m in siti.inbox[before:]]
    assert len(replies) == 2 and "lokasinya" in replies[0], replies  # the answer and /batal's


async def test_restart_mid_dialog_resumes(
    bot_config: Settings, fake: FakeTelegram, engine: Engine
) -> None:
    siti = Person(fake, 5008)
    first = await RunningBot(bot_config, engine).start()
    await siti.says("/lapor")
    await siti.taps("Parkir liar")
    await first.stop()
    second = await RunningBot(bot_config, engine).start()
    try:
        reply = await siti.says("Parkir liar memakan badan jalan depan SDN 1")
        assert "lokasinya" in reply[0].text
    finally:
        await second.stop()


async def test_notifications_survive_429_and_500_exactly_once(
    bot: RunningBot, fake: FakeTelegram, engine: Engine, bot_config: Settings
) -> None:
    officer = await join_as_staff(fake, engine, 7003)
    siti = Person(fake, 5009)
    code = await file_report(siti)
    await until(lambda: any(code in m.text for m in officer.inbox))
    fake.fail("sendMessage", 429, retry_after=1)
    fake.fail("sendMessage", 500, times=2)
    with Session(engine) as session:
        complaint = svc.get_complaint(session, code)
        staff_row = session.exec(select(svc.Staff)).first()
        svc.transition_complaint(session, complaint, ComplaintState.DIVERIFIKASI, staff=staff_row)
        session.commit()
    await until(lambda: any("diverifikasi" in m.text for m in siti.inbox), timeout=15)
    await until(lambda: _all_sent(engine), timeout=15)
    assert sum("diverifikasi" in m.text for m in siti.inbox) == 1
    texts_sent = [m for m in fake.sent if m.method == "sendMessage"]  # the photo aside
    assert fake.calls["sendMessage"] >= len(texts_sent) + 3


def _all_sent(engine: Engine) -> bool:
    with Session(engine) as session:
        return all(m.status == "sent" for m in session.exec(select(OutboxMessage)).all())


async def test_unexpected_failure_gets_an_apology_and_keeps_nothing(
    bot: RunningBot, fake: FakeTelegram, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    siti = Person(fake, 5010)
    await siti.says("/lapor")
    await siti.taps("Perjudian")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated bug in a dialog")

    monkeypatch.setattr(Desk, "handle", broken)
    reply = await siti.says("Judi kartu di warung kopi setiap malam")
    assert "terjadi gangguan" in reply[0].text
    monkeypatch.undo()
    resumed = await siti.says("Judi kartu di warung kopi setiap malam")
    assert "lokasinya" in resumed[0].text  # the dialog was where it had been


async def test_english_is_selectable_and_remembered(
    bot: RunningBot, fake: FakeTelegram, engine: Engine
) -> None:
    joe = Person(fake, 5011)
    menu = await joe.says("/start")
    assert "Silakan pilih" in menu[0].text
    english = await joe.taps("English")
    assert "Please choose" in english[0].text
    assert english[0].buttons[0][0] == "📣 Report a disturbance"
    report = await joe.taps("Report a disturbance")
    assert "What would you like to report" in report[0].text
    again = await joe.says("/start")  # the choice is stored with the resident
    assert "Please choose" in again[0].text


def _resolve(engine: Engine, code: str) -> None:
    """An officer settles the complaint (the chat buttons' path is tested above)."""
    with Session(engine) as session:
        officer = factories.staff(session)
        complaint = svc.get_complaint(session, code)
        factories.advance(session, complaint, ComplaintState.SELESAI, by=officer)
        session.commit()


async def test_confirm_and_reopen_from_laporan_saya(
    bot: RunningBot, fake: FakeTelegram, engine: Engine
) -> None:
    siti, budi = Person(fake, 5011), Person(fake, 5012)
    officer = await join_as_staff(fake, engine, 7011)
    fixed = await file_report(siti, "PKL menutup trotoar depan pasar")
    not_fixed = await file_report(siti, "Parkir liar di depan puskesmas tiap pagi")
    _resolve(engine, fixed)
    _resolve(engine, not_fixed)
    await until(lambda: sum("telah diselesaikan" in m.text for m in siti.inbox) == 2)

    await budi.presses(f"rep:ok:{fixed}")  # someone else's ticket: refused, nothing changes
    await siti.says("/start")
    await siti.taps("Laporan saya")
    detail = await siti.taps(fixed)
    assert "Selesai" in detail[-1].text
    confirmed = await siti.taps("Sudah beres", message=detail[-1])
    assert f"Laporan {fixed} ditutup" in confirmed[-1].text

    await siti.says("/start")
    await siti.taps("Laporan saya")
    detail = await siti.taps(not_fixed)
    asked = await siti.taps("Belum beres", message=detail[-1])
    assert "jelaskan" in asked[-1].text
    reopened = await siti.says("Masih ada yang parkir di trotoar")
    assert f"Laporan {not_fixed} dibuka kembali" in reopened[-1].text
    await until(lambda: any("dibuka kembali oleh pelapor" in m.text for m in officer.inbox))
    alert = next(m for m in officer.inbox if "dibuka kembali oleh pelapor" in m.text)
    assert not_fixed in alert.text and "Masih ada yang parkir di trotoar" in alert.text
    assert any(data.startswith("act:resolve:") for _, data in alert.buttons)

    with Session(engine) as session:
        confirmed_one = svc.get_complaint(session, fixed)
        reopened_one = svc.get_complaint(session, not_fixed)
        assert confirmed_one.state is ComplaintState.SELESAI and confirmed_one.confirmed_at
        assert reopened_one.state is ComplaintState.DIPROSES and reopened_one.confirmed_at is None
        last = svc.events_of(session, reopened_one)[-1]
        assert (last.action, last.actor_kind) == ("dibuka_kembali", "reporter")
        assert last.note == "Masih ada yang parkir di trotoar"
        assert len(svc.events_of(session, confirmed_one)) == 5  # diterima..selesai, dikonfirmasi


async def test_a_resident_sending_report_after_report_is_asked_to_wait(
    bot: RunningBot, fake: FakeTelegram, engine: Engine, bot_config: Settings
) -> None:
    assert bot_config.reports_per_hour == 3
    siti, budi = Person(fake, 5031), Person(fake, 5032)
    for n in range(3):
        await file_report(siti, f"PKL menutup trotoar depan pasar, laporan ke-{n + 1}")
    refused = await siti.says("/lapor")
    assert "3 laporan dalam satu jam" in refused[0].text
    await file_report(budi)  # the limit is per resident
    with Session(engine) as session:
        assert len(session.exec(select(Complaint)).all()) == 4


async def test_replies_keep_their_order_when_the_first_is_slow(
    bot: RunningBot, fake: FakeTelegram
) -> None:
    """Replies travel beside the next update's work; one chat's still arrive in the
    order of its messages, even when the first one's request is slow."""
    siti = Person(fake, 5013)
    fake.slow_once[5013] = 0.5
    fake.push(api.text(5013, "/start"), api.text(5013, "/bantuan"))
    await until(lambda: len(siti.inbox) == 2)
    assert "Silakan pilih" in siti.inbox[0].text
    assert "Sigap membantu" in siti.inbox[1].text  # the help text
