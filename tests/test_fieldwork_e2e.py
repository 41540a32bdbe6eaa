"""Registers kept from the field, end to end on Telegram: /kegiatan plans an activity
and marks it held with participants and photos, /dokumen registers an IKU1 document by
its file; the same rules and role matrix as the CLI and the web."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from core.config import Settings
from core.domain.people import StaffRole
from core.domain.performance import ActivityStatus, DocumentKind, IkuCode
from core.domain.periods import Period
from core.models import Activity, ActivityPhoto, Document, RegisterAudit
from core.services.performance.iku import iku_for_period
from core.timeutil import local_date, utcnow
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_harness import RunningBot, bot_settings
from tests.test_telegram_e2e import join_as_staff


@pytest.fixture
async def bot(database_url: str, fake: FakeTelegram, engine: Engine) -> AsyncIterator[Settings]:
    settings = bot_settings(database_url, fake)
    running = await RunningBot(settings, engine).start()
    yield settings
    await running.stop()


async def test_an_activity_planned_then_held_with_photos_counts_for_iku3(
    bot: Settings, fake: FakeTelegram, engine: Engine
) -> None:
    pmks = await join_as_staff(fake, engine, 7201, StaffRole.PMKS)
    today = local_date(utcnow(), bot.tz)
    await pmks.says("/kegiatan")
    await pmks.taps("➕ Rencana kegiatan baru")
    await pmks.says("Pelatihan UMKM ibu-ibu PKK")
    where = await pmks.says("pelatihan")
    # the activity's own question, not the complaint's "lokasi kejadian"
    assert where[0].text.startswith("Di desa mana kegiatan ini?"), where[0].text
    assert "kejadian" not in where[0].text
    await pmks.taps("Lengkong")
    planned = await pmks.says(f"{today:%d/%m/%Y}")
    assert "Rencana kegiatan" in planned[0].text and "tercatat" in planned[0].text

    await pmks.says("/kegiatan")
    await pmks.taps(f"Pelatihan UMKM ibu-ibu PKK · {today:%d-%m}")
    future = await pmks.says("2099-01-01", expect=2)
    assert "tidak boleh setelah hari ini" in future[0].text  # and asked again
    await pmks.taps("📅 Hari ini")
    negative = await pmks.says("-3", expect=2)
    assert "Peserta laki-laki" in negative[0].text and "0" in negative[0].text
    await pmks.says("12")
    await pmks.says("15")
    nothing = await pmks.says("sudah", expect=2)
    assert "foto" in nothing[0].text.lower()
    await pmks.sends_photo("ACT-PHOTO-1", caption="pembukaan")
    await pmks.sends_photo("ACT-PHOTO-2")
    held = await pmks.taps("✔️ Selesai")
    assert "terlaksana" in held[0].text and "L 12, P 15, 2 foto" in held[0].text

    with Session(engine) as session:
        activity = session.exec(select(Activity)).one()
        photos = session.exec(select(ActivityPhoto.file_ref, ActivityPhoto.caption)).all()
        audit = session.exec(
            select(RegisterAudit.action).where(RegisterAudit.register_name == "kegiatan")
        ).all()
        year = iku_for_period(session, bot, Period.year(today.year)).get(IkuCode.IKU3)
    assert activity.status is ActivityStatus.TERLAKSANA and activity.held_date == today
    assert activity.desa == "Lengkong"
    assert (activity.participants_male, activity.participants_female) == (12, 15)
    assert sorted(photos) == [("ACT-PHOTO-1", "pembukaan"), ("ACT-PHOTO-2", None)]
    assert audit == ["buat", "terlaksana"]  # who did what, in the register's trail
    assert (year.numerator, year.denominator) == (1, 1)


async def test_a_document_is_registered_by_its_file_and_a_duplicate_refused(
    bot: Settings, fake: FakeTelegram, engine: Engine
) -> None:
    sekcam = await join_as_staff(fake, engine, 7202, StaffRole.SEKCAM)
    for attempt in range(2):
        await sekcam.says("/dokumen")
        await sekcam.taps("SOP pelayanan")
        await sekcam.says("SOP Pelayanan KTP-el")
        await sekcam.says("2026-03-05")
        not_a_file = await sekcam.says("ini filenya", expect=2)
        assert "berkas" in not_a_file[0].text.lower()
        saved = await sekcam.sends_document(f"DOC-{attempt}", "sop-ktp.pdf")
        if attempt == 0:
            assert "tercatat untuk IKU1" in saved[0].text
        else:
            assert "sudah tercatat" in saved[0].text  # the register's own rule
    with Session(engine) as session:
        document = session.exec(select(Document)).one()
    assert (document.kind, document.doc_date) == (DocumentKind.SOP_PELAYANAN, date(2026, 3, 5))
    assert document.file_ref == "DOC-0"


async def test_the_field_registers_are_refused_to_those_without_the_right(
    bot: Settings, fake: FakeTelegram, engine: Engine
) -> None:
    trantib = await join_as_staff(fake, engine, 7203, StaffRole.TRANTIB)
    assert "khusus petugas" in (await trantib.says("/kegiatan"))[0].text
    assert "khusus petugas" in (await trantib.says("/dokumen"))[0].text
    pmks = await join_as_staff(fake, engine, 7204, StaffRole.PMKS)
    assert "khusus petugas" in (await pmks.says("/dokumen"))[0].text  # activities only
    with Session(engine) as session:
        assert session.exec(select(Activity)).all() == []
        assert session.exec(select(Document)).all() == []


async def test_an_officer_deactivated_mid_dialog_saves_nothing(
    bot: Settings, fake: FakeTelegram, engine: Engine
) -> None:
    """The role is checked again on saving, not only when the dialog opened."""
    from core.db import session_scope
    from core.models import Staff
    from core.services.performance.records import deactivate_staff

    pmks = await join_as_staff(fake, engine, 7205, StaffRole.PMKS)
    await pmks.says("/kegiatan")
    await pmks.taps("➕ Rencana kegiatan baru")
    await pmks.says("Musyawarah desa")
    await pmks.says("musyawarah")
    await pmks.taps("Suco")
    with session_scope(engine) as session:
        officer = session.exec(select(Staff).where(Staff.role == StaffRole.PMKS)).one()
        deactivate_staff(session, officer.id)  # type: ignore[arg-type]
    refused = await pmks.says("2026-12-20")
    assert "berwenang" in refused[0].text or "khusus petugas" in refused[0].text
    with Session(engine) as session:
        assert session.exec(select(Activity)).all() == []
