"""End to end on WhatsApp: signed webhooks in Meta's shapes posted to Sigap's real HTTP
server, the same dialogs as Telegram, replies through the outbox to a fake Graph API."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from core.config import Settings
from core.domain.complaints import ComplaintState
from core.domain.people import StaffRole
from core.domain.skm import Unsur
from core.models import (
    Activity,
    ActivityPhoto,
    ComplaintPhoto,
    Document,
    OutboxMessage,
    ProcessedUpdate,
    SkmResponse,
)
from core.services.access.invites import create_invite
from core.services.complaints import lifecycle as svc
from core.services.survey.skm import add_service
from tests.chat_media import kept
from tests.fakes import graph_api as wa
from tests.fakes.graph_api import FakeGraph
from tests.telegram_harness import until
from tests.whatsapp_harness import WaPerson, running_sigap, wa_settings

pytestmark = pytest.mark.asyncio(loop_scope="function")
TICKET = re.compile(r"MBS-[A-Z0-9]{4}-[A-Z0-9]{4}")


@pytest.fixture
def graph() -> AsyncIterator[FakeGraph]:
    fake = FakeGraph().start()
    yield fake  # type: ignore[misc]
    fake.stop()


@pytest.fixture
def wa_config(database_url: str, graph: FakeGraph, tmp_path: Path) -> Settings:
    return wa_settings(database_url, graph, tmp_path / "media")


@pytest.fixture
async def sigap(wa_config: Settings, engine: Engine) -> AsyncIterator[str]:
    async with running_sigap(wa_config, engine) as url:
        yield url


def person(graph: FakeGraph, url: str, phone: str) -> WaPerson:
    return WaPerson(graph, url, phone)


async def join_as_staff(graph: FakeGraph, url: str, engine: Engine, phone: str) -> WaPerson:
    with Session(engine) as session:
        code = create_invite(session, StaffRole.TRANTIB).code
        session.commit()
    officer = person(graph, url, phone)
    reply = await officer.says(f"/start staff_{code}")
    assert "Selamat bergabung" in wa.body_text(reply[-1])
    return officer


async def file_report(siti: WaPerson) -> str:
    menu = await siti.says("halo")  # any first message: the menu
    assert menu[-1]["type"] == "interactive"
    await siti.says("/start")
    categories = await siti.taps("Lapor gangguan")
    assert categories[-1]["type"] == "text"  # 15 categories: numbered, beyond a list's 10
    await siti.taps("Pedagang kaki lima")
    await siti.says("PKL menutup trotoar depan pasar")
    await siti.send(wa.location(siti.phone, -8.2531, 113.7437))
    await siti.send(wa.image(siti.phone, "MEDIA-1", caption="lapak"))
    await siti.taps("Lanjut")
    privacy = await siti.taps("Dirahasiakan")
    summary = wa.body_text(privacy[-1])
    assert "Periksa laporan" in summary and "Foto: 1" in summary
    saved = await siti.taps("Kirim laporan")
    match = TICKET.search(wa.body_text(saved[0]))
    assert match, saved
    return match.group(0)


async def test_full_report_staff_resolve_and_reporter_told(
    sigap: str, graph: FakeGraph, engine: Engine, wa_config: Settings
) -> None:
    officer = await join_as_staff(graph, sigap, engine, "6281100000001")
    siti = person(graph, sigap, "6281200000001")
    code = await file_report(siti)

    await until(lambda: any(code in wa.body_text(m) for m in officer.inbox))
    card = next(m for m in officer.inbox if code in wa.body_text(m))
    assert "PKL menutup trotoar" in wa.body_text(card) and "Warga" not in wa.body_text(card)
    assert len(wa.choices(card)) <= 10 and all(len(t) <= 24 for t, _ in wa.choices(card))
    with Session(engine) as session:
        stored = svc.get_complaint(session, code)
        assert (stored.latitude, stored.longitude) == (-8.2531, 113.7437)
        photos = session.exec(
            select(ComplaintPhoto).where(ComplaintPhoto.complaint_id == stored.id)
        ).all()
        assert [p.file_ref for p in photos] == ["wa:MEDIA-1"]
    await until(lambda: kept(engine, wa_config, "wa:MEDIA-1") is not None)
    photo = kept(engine, wa_config, "wa:MEDIA-1")
    assert photo is not None
    assert photo.read_bytes() == wa.PHOTO_BYTES  # downloaded at once, before the URL expires
    # ...and sent on to the officer after the card, with the resident's words
    await until(lambda: any(m["type"] == "image" for m in officer.inbox))
    image = next(m for m in officer.inbox if m["type"] == "image")["image"]
    assert code in image["caption"] and "lapak" in image["caption"]
    assert wa.PHOTO_BYTES in graph.uploaded[image["id"]]

    await officer.taps("Klaim", message=card)
    await officer.taps("Verifikasi", message=card)
    await until(lambda: "sudah diverifikasi" in wa.body_text(siti.last))
    await officer.taps("Selesaikan", message=card)
    done = await officer.says("Lapak sudah dipindah ke area relokasi")
    assert "Selesai" in wa.body_text(done[-1])
    await until(lambda: "telah diselesaikan" in wa.body_text(siti.last))
    assert "area relokasi" in wa.body_text(siti.last)
    assert [t for t, _ in wa.choices(siti.last)][:2] == ["👍 Sudah beres", "👎 Belum beres"]

    await siti.taps("Belum beres")
    await siti.says("Pedagangnya kembali lagi sore ini")
    assert "dibuka kembali" in wa.body_text(siti.last)
    with Session(engine) as session:
        assert svc.get_complaint(session, code).state is ComplaintState.DIPROSES
    await until(lambda: _statuses(engine) == {"sent"})  # sent-marks ride on the next commit


def _statuses(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(OutboxMessage.status)).all())


async def test_laporan_saya_on_whatsapp(sigap: str, graph: FakeGraph, engine: Engine) -> None:
    siti, budi = person(graph, sigap, "6281200000002"), person(graph, sigap, "6281200000003")
    code = await file_report(siti)
    await siti.says("/start")
    listing = await siti.taps("Laporan saya")
    assert code in wa.body_text(listing[-1]) or code in str(wa.choices(listing[-1]))
    detail = await siti.taps(code)
    assert "Diterima" in wa.body_text(detail[-1])
    peek = await budi.send(wa.list_reply(budi.phone, f"mine:show:{code}"))
    assert "tidak ditemukan" in wa.body_text(peek[-1]) and "PKL" not in wa.body_text(peek[-1])


async def test_full_skm_on_whatsapp(sigap: str, graph: FakeGraph, engine: Engine) -> None:
    with Session(engine) as session:
        add_service(session, "ktp", "KTP elektronik")
        session.commit()
    ani = person(graph, sigap, "6281200000004")
    intro = await ani.says("skm_ktp", expect=2)  # the text a poster's wa.me link prefills
    assert "KTP elektronik" in wa.body_text(intro[0]) and "(1/9)" in wa.body_text(intro[1])
    assert [t for t, _ in wa.choices(intro[1])][:4] == [
        "Tidak sesuai",
        "Kurang sesuai",
        "Sesuai",
        "Sangat sesuai",
    ]  # four answers + back + cancel: a list, not 3 buttons
    for label in [
        "Sangat sesuai",
        "Mudah",
        "Cepat",
        "Gratis",
        "Sesuai",
        "Kompeten",
        "Sangat sopan",
        "Baik",
        "Dikelola dengan baik",
    ]:
        await ani.taps(label)
    await ani.taps("Perempuan")
    await ani.says("34")
    await ani.taps("SMA")
    await ani.taps("Lewati")
    thanks = await ani.says("Antrean cepat, petugas ramah")
    assert "Terima kasih" in wa.body_text(thanks[-1])
    with Session(engine) as session:
        response = session.exec(select(SkmResponse)).one()
    assert getattr(response, Unsur.U1.field) == 4 and response.usia == 34
    again = await ani.says("/start skm_ktp")
    assert "sudah mengisi survei" in wa.body_text(again[-1])


async def test_replayed_webhook_is_handled_once(
    sigap: str, graph: FakeGraph, engine: Engine
) -> None:
    siti = person(graph, sigap, "6281200000005")
    payload = wa.text(siti.phone, "/start")
    await siti.send(payload)
    again = await siti.post(payload)  # Meta retries deliveries: same message id
    assert again.status_code == 200
    await until(lambda: len(siti.inbox) >= 1)
    await siti.idle()
    assert len(siti.inbox) == 1
    with Session(engine) as session:
        assert len(session.exec(select(ProcessedUpdate)).all()) == 1


async def test_forged_or_missing_signature_and_malformed_body(
    sigap: str, graph: FakeGraph, engine: Engine
) -> None:
    siti = person(graph, sigap, "6281200000006")
    payload = wa.text(siti.phone, "/start")
    body = json.dumps(payload).encode()
    forged = await siti.post(payload, signature=wa.sign(body, secret="not-the-app-secret"))
    missing = await siti.post(payload, signature="")
    assert forged.status_code == 403 and missing.status_code == 403
    async with httpx.AsyncClient() as client:
        broken = b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"value": {'
        malformed = await client.post(
            siti.url, content=broken, headers={"X-Hub-Signature-256": wa.sign(broken)}
        )
        assert malformed.status_code == 400

        async def endless() -> AsyncIterator[bytes]:  # chunked: no length declared
            for _ in range(10_000):
                yield b"x" * 65_536

        flood = await client.post(siti.url, content=endless(), headers={"X-Hub-Signature-256": "x"})
        assert flood.status_code == 413
        verify = await client.get(
            siti.url,
            params={
                "hub.mode": "subscribe",
                "hub.verify_token": wa.VERIFY_TOKEN,
                "hub.challenge": "42",
            },
        )
        wrong = await client.get(
            siti.url,
            params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "42"},
        )
        health = await client.get(siti.url.replace("/whatsapp/webhook", "/healthz"))
    assert verify.status_code == 200 and verify.text == "42" and wrong.status_code == 403
    assert health.status_code == 200 and health.json()["status"] == "ok"
    await siti.idle()
    assert siti.inbox == []
    with Session(engine) as session:
        assert session.exec(select(ProcessedUpdate)).all() == []


async def test_outside_the_24h_window_a_template_is_sent(
    sigap: str, graph: FakeGraph, engine: Engine, wa_config: Settings
) -> None:
    officer = await join_as_staff(graph, sigap, engine, "6281100000002")
    siti = person(graph, sigap, "6281200000007")
    code = await file_report(siti)
    card = next(m for m in officer.inbox if code in wa.body_text(m))
    # Siti wrote last two days ago (her messages' timestamps say so)
    with Session(engine) as session:
        from core.models import ChatWindow

        window = session.get(ChatWindow, ("whatsapp", siti.address))
        assert window is not None
        window.last_inbound_at = window.last_inbound_at.replace(year=2000)
        session.add(window)
        session.commit()
    await officer.taps("Klaim", message=card)
    await officer.taps("Verifikasi", message=card)
    await until(lambda: siti.last["type"] == "template")
    template = siti.last["template"]
    assert template["name"] == wa_config.whatsapp_template_notify
    assert template["language"]["code"] == "id"
    assert "sudah diverifikasi" in wa.body_text(siti.last)
    assert "\n" not in wa.body_text(siti.last)  # Meta refuses new lines in a variable


async def test_throttling_and_5xx_still_deliver_exactly_once(
    sigap: str, graph: FakeGraph, engine: Engine
) -> None:
    officer = await join_as_staff(graph, sigap, engine, "6281100000003")
    siti = person(graph, sigap, "6281200000008")
    code = await file_report(siti)
    card = next(m for m in officer.inbox if code in wa.body_text(m))
    await officer.taps("Klaim", message=card)
    graph.fail(429, 130429)  # throughput reached
    graph.fail(400, 131056)  # pair rate limit
    graph.fail(500, 1)
    graph.fail(503, 2)
    await officer.send(wa.list_reply(officer.phone, wa.choices(card)[1][1]), expect=0)
    await until(lambda: "sudah diverifikasi" in wa.body_text(siti.last), timeout=15)
    await siti.idle()
    told = [m for m in siti.inbox if "sudah diverifikasi" in wa.body_text(m)]
    assert len(told) == 1
    await until(lambda: _statuses(engine) == {"sent"})
    with Session(engine) as session:
        rows = session.exec(
            select(OutboxMessage).where(OutboxMessage.recipient == siti.address)
        ).all()
    assert any(r.attempts > 0 for r in rows)  # it did go round the retries


async def test_status_callbacks_update_the_outbox(
    sigap: str, graph: FakeGraph, engine: Engine
) -> None:
    siti = person(graph, sigap, "6281200000009")
    await siti.says("/start")
    wamid = siti.last["_wamid"]
    await until(
        lambda: _delivery(engine, wamid) is not None and _delivery(engine, wamid)[0] == "sent"
    )
    for state in ("delivered", "read"):
        assert (await siti.post(wa.status(wamid, state, siti.address))).status_code == 200
    assert _delivery(engine, wamid) == ("sent", "read")
    failed = await siti.post(wa.status(wamid, "failed", siti.address, error_code=131026))
    assert failed.status_code == 200
    assert _delivery(engine, wamid) == ("failed", "failed")


def _delivery(engine: Engine, wamid: str) -> tuple[str, str | None] | None:
    with Session(engine) as session:
        row = session.exec(select(OutboxMessage).where(OutboxMessage.external_id == wamid)).first()
        return None if row is None else (row.status, row.delivery_status)


async def test_unexpected_messages_get_a_helpful_reply(sigap: str, graph: FakeGraph) -> None:
    siti = person(graph, sigap, "6281200000010")
    sticker = {"type": "sticker", "sticker": {"id": "ST-1", "mime_type": "image/webp"}}
    voice = {"type": "audio", "audio": {"id": "AU-1", "mime_type": "audio/ogg", "voice": True}}
    for content in (sticker, voice):
        reply = await siti.send(wa.inbound(siti.phone, content))
        assert "belum bisa saya proses" in wa.body_text(reply[-1])
    huge = await siti.says("x" * 5000)
    assert "terlalu panjang" in wa.body_text(huge[-1])
    stale = await siti.send(wa.button_reply(siti.phone, "lapor:confirm:@send"))
    assert wa.body_text(stale[-1])  # an old button: a short answer, never silence
    menu = await siti.says("/start")
    assert wa.choices(menu[-1])  # and the menu still works afterwards


async def test_a_reaction_gets_no_answer(sigap: str, graph: FakeGraph, engine: Engine) -> None:
    siti = person(graph, sigap, "6281200000011")
    await siti.says("/start")
    answered = len(siti.inbox)
    thumbs_up = await siti.post(wa.reaction(siti.phone, "wamid.OUT1"))
    assert thumbs_up.status_code == 200
    await siti.idle()
    assert len(siti.inbox) == answered


async def test_masuk_on_whatsapp_gives_staff_a_login_link_for_the_same_server(
    sigap: str, graph: FakeGraph, engine: Engine
) -> None:
    officer = await join_as_staff(graph, sigap, engine, "6281100000009")
    reply = wa.body_text((await officer.says("/masuk"))[-1])
    token = re.search(r"/masuk\?t=([A-Za-z0-9_-]+)", reply)
    assert token, reply
    async with httpx.AsyncClient(base_url=sigap) as browser:
        form = await browser.get(f"/masuk?t={token.group(1)}")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf
        answer = await browser.post("/masuk", data={"t": token.group(1), "csrf": csrf.group(1)})
        assert answer.status_code == 303
        queue = await browser.get("/pengaduan")
        assert queue.status_code == 200 and "Antrean pengaduan" in queue.text
    resident = person(graph, sigap, "6281200000009")
    await resident.says("halo")
    assert "khusus petugas" in wa.body_text((await resident.says("/masuk"))[-1])


async def test_a_bad_message_in_a_batch_does_not_cost_the_good_ones(
    sigap: str, graph: FakeGraph
) -> None:
    siti = person(graph, sigap, "6281200000021")
    payload = wa.text(siti.phone, "/start")
    broken_location = {
        "from": siti.phone,
        "id": "wamid.BROKEN",
        "timestamp": "1",
        "type": "location",
    }
    payload["entry"][0]["changes"][0]["value"]["messages"].insert(0, broken_location)
    replies = await siti.send(payload)
    assert wa.choices(replies[-1])  # the menu: the good message was handled


async def test_field_registers_on_whatsapp(
    sigap: str, graph: FakeGraph, engine: Engine, wa_config: Settings
) -> None:
    """/kegiatan and /dokumen run the same dialogs on WhatsApp: an unplanned activity
    held today with its photo, and a document sent as a file (downloaded at once)."""
    with Session(engine) as session:
        code = create_invite(session, StaffRole.SEKCAM).code
        session.commit()
    sekcam = person(graph, sigap, "6281100000021")
    await sekcam.says(f"/start staff_{code}")
    await sekcam.says("/kegiatan")
    await sekcam.taps("Baru, sudah terlaksana")
    await sekcam.says("Posyandu lansia Dusun Krajan")
    await sekcam.says("posyandu")
    await sekcam.taps("Suco")
    await sekcam.taps("Hari ini")
    await sekcam.says("4")
    await sekcam.says("21")
    await sekcam.send(wa.image(sekcam.phone, "MEDIA-ACT-1", caption="penimbangan"))
    held = await sekcam.taps("Selesai")
    assert "L 4, P 21, 1 foto" in wa.body_text(held[0])

    await sekcam.says("/dokumen")
    await sekcam.taps("Laporan SKM")  # eleven kinds: a numbered list, answered by number
    await sekcam.says("Laporan SKM Triwulan III 2026")
    await sekcam.says("2026-10-05")
    saved = await sekcam.send(wa.document(sekcam.phone, "MEDIA-DOC-1", "skm-tw3.pdf"))
    assert "tercatat untuk IKU1" in wa.body_text(saved[0])
    await until(lambda: kept(engine, wa_config, "wa:MEDIA-DOC-1") is not None)  # fetched at once
    with Session(engine) as session:
        activity = session.exec(select(Activity)).one()
        photo = session.exec(select(ActivityPhoto)).one()
        document = session.exec(select(Document)).one()
    assert (activity.desa, activity.participants_female) == ("Suco", 21)
    assert activity.planned_date is None and activity.status.value == "terlaksana"
    assert (photo.file_ref, photo.caption) == ("wa:MEDIA-ACT-1", "penimbangan")
    assert document.file_ref == "wa:MEDIA-DOC-1" and document.kind.value == "laporan-skm"
