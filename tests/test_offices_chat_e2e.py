"""Two kecamatan on one Telegram bot (the real PTB stack against the fake Bot API):
residents reach each office by its deep link or by naming the kecamatan, each office's
staff get only their own office's new complaints, and a resident's tickets span both."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from core.config import Settings
from core.domain.people import StaffRole
from core.models import ChatAccount, Complaint, Office, Resident, Service, SkmResponse
from core.scope import for_all_offices, for_office
from core.services.access.invites import create_invite
from core.services.access.offices import add_office
from core.services.survey.skm import add_service
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_harness import Person, RunningBot, bot_settings, until

pytestmark = pytest.mark.asyncio(loop_scope="function")
TICKET = re.compile(r"[A-Z]{2,5}-[A-Z0-9]{4}-[A-Z0-9]{4}")
FIRST = 1


@pytest.fixture
def second(engine: Engine) -> int:
    with Session(engine) as session:
        office = add_office(
            session, "35.09.01", "Kecamatan Jombang", "JBG", ("Jombang", "Ngampelrejo")
        )
        session.commit()
        return office.id or 0


@pytest.fixture
async def bot(
    database_url: str, fake: FakeTelegram, tmp_path: Path, engine: Engine, second: int
) -> AsyncIterator[RunningBot]:
    config: Settings = bot_settings(database_url, fake, SIGAP_MEDIA_DIR=str(tmp_path / "media"))
    running = await RunningBot(config, engine).start()
    yield running
    await running.stop()


async def _officer(fake: FakeTelegram, engine: Engine, office: int, user_id: int) -> Person:
    with for_office(Session(engine), office) as session:
        code = create_invite(session, StaffRole.TRANTIB).code
        session.commit()
    officer = Person(fake, user_id)
    reply = await officer.says(f"/start staff_{code}")
    assert "Selamat bergabung" in reply[-1].text
    return officer


async def _report(resident: Person, start: str, kecamatan: str | None, desa: str) -> str:
    await resident.says(start)
    if kecamatan is not None:
        asked = resident.last.text
        assert "kecamatan mana" in asked, asked
        await resident.says(kecamatan)  # typed, part of the name
    await resident.taps("Pedagang kaki lima")
    await resident.says(f"PKL menutup trotoar di desa {desa}")
    await resident.taps("Pilih desa")
    await resident.taps(desa)
    await resident.taps("Lewati")  # no photo
    await resident.taps("Dirahasiakan")
    saved = await resident.taps("Kirim laporan")
    found = TICKET.search(saved[0].text)
    assert found, saved[0].text
    return found.group(0)


async def test_residents_reach_each_office_and_only_its_staff_hear(
    bot: RunningBot, fake: FakeTelegram, engine: Engine, second: int
) -> None:
    ours = await _officer(fake, engine, FIRST, 7001)
    theirs = await _officer(fake, engine, second, 7002)
    siti = Person(fake, 5001)
    by_link = await _report(siti, "/start lapor_350901", None, "Ngampelrejo")
    by_name = await _report(siti, "/lapor", "mumbul", "Suco")
    assert by_link.startswith("JBG-") and by_name.startswith("MBS-")

    await until(lambda: any(by_link in m.text for m in theirs.inbox))
    await until(lambda: any(by_name in m.text for m in ours.inbox))
    assert not any(by_link in m.text for m in ours.inbox)
    assert not any(by_name in m.text for m in theirs.inbox)

    with Session(engine) as session:
        for_all_offices(session)
        offices = {c.code: c.office_id for c in session.exec(select(Complaint)).all()}
        account = session.exec(select(ChatAccount).where(ChatAccount.external_id == "5001")).one()
        resident = session.get(Resident, account.resident_id)
    assert resident is not None
    assert offices == {by_link: second, by_name: FIRST}
    assert resident.last_office_id == FIRST  # the kecamatan of the latest report

    mine = await siti.says("/laporan")
    assert by_link in mine[-1].text and by_name in mine[-1].text  # tickets span offices


async def test_a_desa_of_another_kecamatan_is_not_offered(
    bot: RunningBot, fake: FakeTelegram, second: int
) -> None:
    budi = Person(fake, 5002)
    await budi.says("/start lapor_350901")
    await budi.taps("Pedagang kaki lima")
    await budi.says("PKL menutup trotoar depan pasar Jombang")
    asked = await budi.taps("Pilih desa")
    labels = [text for text, _ in asked[-1].buttons]
    assert "Ngampelrejo" in labels and "Suco" not in labels
    refused = await budi.says("Suco")  # typed instead: not a desa of Jombang
    assert refused[-1].text == "Pilih desa lokasi kejadian:"  # asked again, nothing kept
    assert "Suco" not in [text for text, _ in refused[-1].buttons]


async def test_an_unknown_kecamatan_is_asked_again(
    bot: RunningBot, fake: FakeTelegram, second: int
) -> None:
    ani = Person(fake, 5003)
    await ani.says("/lapor")
    reply = await ani.says("Atlantis")
    assert "tidak ditemukan" in reply[0].text
    assert "kecamatan mana" in reply[-1].text


ANSWERS = ["Sesuai", "Mudah", "Cepat", "Gratis", "Sesuai", "Kompeten", "Sopan", "Baik"]


async def _rate(person: Person) -> None:
    for label in [*ANSWERS, "Dikelola dengan baik"]:
        await person.taps(label)
    for _ in range(5):  # the profile and saran, all skipped
        await person.taps("Lewati")
    assert "Terima kasih" in person.last.text


async def test_a_survey_counts_for_the_office_of_its_service(
    bot: RunningBot, fake: FakeTelegram, engine: Engine, second: int
) -> None:
    for office, code, name in ((FIRST, "ktp", "KTP Mumbulsari"), (second, "jbgktp", "KTP Jombang")):
        with for_office(Session(engine), office) as session:
            add_service(session, code, name)
            session.commit()
    ani, budi = Person(fake, 5004), Person(fake, 5005)
    intro = await ani.says("/start skm_jbgktp", expect=2)  # the QR at Jombang's counter
    assert "KTP Jombang" in intro[0].text
    await _rate(ani)
    await budi.says("/survei")
    assert "kecamatan mana" in budi.last.text
    await budi.taps("Kecamatan Mumbulsari")
    services = [label for label, value in budi.last.buttons if "@" not in value]
    assert services == ["KTP Mumbulsari"]  # only that office's services
    await budi.taps("KTP Mumbulsari")
    await _rate(budi)
    with Session(engine) as session:
        for_all_offices(session)
        stored = sorted((r.office_id, r.service_id) for r in session.exec(select(SkmResponse)))
        services_by_office = {s.id: s.office_id for s in session.exec(select(Service))}
    assert sorted(office for office, _ in stored) == sorted([FIRST, second])
    assert all(services_by_office[service] == office for office, service in stored)


async def test_the_welcome_names_the_deployment_then_the_residents_kecamatan(
    bot: RunningBot, fake: FakeTelegram, engine: Engine, second: int
) -> None:
    """Two kecamatan: a newcomer is greeted by the kabupaten's Sigap, not by whichever
    office the settings named; after a report, by the kecamatan reported to, under the
    name its Kantor page keeps."""
    with Session(engine) as session:
        office = session.get(Office, second)
        assert office is not None
        office.name = "Kecamatan Jombang (Kantor Baru)"
        session.add(office)
        session.commit()
    budi = Person(fake, 5002)
    greeted = await budi.says("halo")
    assert "Sigap Kabupaten Jember" in greeted[0].text, greeted[0].text
    await _report(budi, "/start lapor_350901", None, "Jombang")
    again = await budi.says("halo")
    assert "Kecamatan Jombang (Kantor Baru)" in again[0].text, again[0].text
