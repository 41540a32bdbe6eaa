"""Personal data (UU 27/2022): back-office answers are never cached, and a resident's
identity can be erased (in the chat, or by staff at the command line) while their
complaints stay on record."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select
from starlette.testclient import TestClient
from typer.testing import CliRunner

from app.web import build_office
from cli.main import app as sigap_cli
from core.config import Settings
from core.domain.complaints import Privacy
from core.domain.people import StaffRole
from core.domain.skm import Unsur
from core.models import (
    ChatAccount,
    Complaint,
    ComplaintEvent,
    DialogState,
    ProcessedUpdate,
    RegisterAudit,
    Resident,
    SkmResponse,
)
from core.services.files.upsert import first_delivery
from core.services.operations.erasure import ERASED, ERASURE_TRAIL, erase_resident_identity
from core.services.performance import records
from core.services.survey.skm import SkmAnswers, add_service, record_response
from core.timeutil import utcnow
from tests import factories
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_harness import Person, RunningBot, bot_settings
from tests.test_telegram_e2e import file_report
from tests.web_harness import csrf_of, log_in, login_link
from web.office import build_web

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@contextmanager
def _admin(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    with Session(engine, expire_on_commit=False) as session:
        member = records.add_staff(session, "Admin Kantor", StaffRole.ADMIN)
        session.commit()
    with TestClient(build_web(build_office(settings, engine)), follow_redirects=False) as client:
        log_in(client, login_link(engine, member))
        yield client


@pytest.fixture
def admin(engine: Engine, settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    with _admin(engine, settings.model_copy(update={"media_dir": tmp_path})) as client:
        yield client


def _not_stored(answer: object) -> bool:
    return "no-store" in answer.headers.get("cache-control", "")  # type: ignore[attr-defined]


@SQLITE_ONLY
def test_pages_files_and_exports_with_a_reporter_are_never_cached(
    admin: TestClient, session: Session, settings: Settings
) -> None:
    siti = factories.resident(session, "1001", name="Siti Aminah")
    complaint = factories.complaint(session, settings, reporter=siti, privacy=Privacy.OPEN)
    session.commit()
    page = admin.get(f"/pengaduan/{complaint.code}")
    assert page.status_code == 200 and "Siti Aminah" in page.text
    assert _not_stored(page)
    assert _not_stored(admin.get("/pengaduan"))
    csrf = csrf_of(admin, "/register/dokumen")
    made = admin.post(
        "/register/dokumen",
        data={"csrf": csrf, "jenis": "lakip", "judul": "LAKIP 2025", "tanggal": "2026-02-10"},
    )
    row = made.headers["location"].split("?")[0]
    admin.post(
        row + "/berkas", data={"csrf": csrf}, files={"berkas": ("l.pdf", PDF, "application/pdf")}
    )
    download = admin.get(row + "/berkas")
    assert download.content == PDF and _not_stored(download)
    export = admin.get("/register/dokumen/ekspor.xlsx")
    assert export.status_code == 200 and _not_stored(export)
    assert _not_stored(admin.get("/pengaduan/TIDAK-ADA-0000"))  # a refusal too
    # what anyone may fetch without logging in is not covered (and may be cached)
    style = admin.get("/static/sigap.css")
    assert style.status_code == 200 and not _not_stored(style)


def test_erasure_keeps_complaints_and_leaves_no_name_or_number(
    session: Session, settings: Settings
) -> None:
    siti = factories.resident(session, "1001", name="Siti Aminah")
    other = factories.resident(session, "1002", name="Budi Raharjo")
    first = factories.complaint(session, settings, reporter=siti)
    second = factories.complaint(session, settings, reporter=siti, privacy=Privacy.OPEN)
    kept = factories.complaint(session, settings, reporter=other)
    service = add_service(session, "ktp", "KTP elektronik")
    assert service.id is not None and siti.id is not None
    record_response(session, SkmAnswers(service.id, utcnow().date(), {Unsur.U1: 4}), siti)
    session.add(DialogState(channel="telegram", user_key="1001", dialog="lapor", step="x"))
    session.add(DialogState(channel="telegram", user_key="1002", dialog="lapor", step="x"))
    session.commit()
    complaints_before = session.exec(select(func.count()).select_from(Complaint)).one()

    result = erase_resident_identity(session, siti.id, "uji")
    session.commit()

    assert result.complaint_codes == (first.code, second.code) and result.ratings == 1
    session.expire_all()
    residents = session.exec(select(Resident)).all()
    assert [(r.name, r.phone) for r in residents] == [("Budi Raharjo", "081234567890")]
    assert [a.external_id for a in session.exec(select(ChatAccount))] == ["1002"]
    assert [d.user_key for d in session.exec(select(DialogState))] == ["1002"]
    assert session.exec(select(func.count()).select_from(Complaint)).one() == complaints_before
    reporters = {c.code: c.reporter_id for c in session.exec(select(Complaint))}
    assert reporters == {first.code: None, second.code: None, kept.code: other.id}
    assert session.exec(select(SkmResponse)).one().resident_id is None  # the answer counts on
    erased = session.exec(select(ComplaintEvent).where(ComplaintEvent.action == ERASED)).all()
    assert sorted(e.complaint_id for e in erased) == sorted([first.id, second.id])
    audit = session.exec(
        select(RegisterAudit).where(RegisterAudit.register_name == ERASURE_TRAIL)
    ).one()
    trail = f"{audit.record_key} {audit.reason} {audit.changes}"
    assert "dihapus atas permintaan" in trail and first.code in trail and second.code in trail
    assert "Siti" not in trail and "081234567890" not in trail and "1001" not in trail
    assert json.loads(audit.changes) == {"pengaduan": [[first.code, second.code], None]}


@pytest.fixture
async def bot(database_url: str, fake: FakeTelegram, engine: Engine) -> AsyncIterator[RunningBot]:
    running = await RunningBot(bot_settings(database_url, fake), engine).start()
    yield running
    await running.stop()


@pytest.mark.asyncio(loop_scope="function")
async def test_a_reporter_erases_their_identity_from_the_chat(
    bot: RunningBot, fake: FakeTelegram, engine: Engine
) -> None:
    siti = Person(fake, 5001)  # Telegram calls her "Warga"
    code = await file_report(siti)
    asked = await siti.says("/hapus_data")
    assert "tetap tersimpan" in asked[-1].text and "tidak bisa lagi menghubungi" in asked[-1].text
    assert [label for label, _ in asked[-1].buttons] == ["🗑️ Ya, hapus", "✖️ Batal"]
    await siti.taps("Batal")
    assert "Dibatalkan" in siti.last.text
    with Session(engine) as session:
        assert session.exec(select(Resident.name)).all() == ["Warga"]  # nothing happened

    help_ = await siti.says("/bantuan")
    await siti.taps("Hapus data saya", message=help_[-1])
    done = await siti.taps("Ya, hapus")
    assert "sudah dihapus" in done[-1].text and "tetap tersimpan" in done[-1].text

    with Session(engine) as session:
        assert session.exec(select(Resident)).all() == []
        assert session.exec(select(ChatAccount)).all() == []
        complaint = session.exec(select(Complaint)).one()
        assert complaint.code == code and complaint.reporter_id is None
    with _admin(engine, bot.channel.settings) as back_office:
        shown = back_office.get(f"/pengaduan/{code}").text
    reporter = shown.split('id="pelapor">')[1].split("</dd>")[0]
    assert reporter.startswith("Anonim") and "Warga" not in reporter
    mine = await siti.says("/laporan")  # she starts afresh: the report is no longer hers
    assert "belum punya laporan" in mine[-1].text


def test_staff_erase_a_reporter_at_the_command_line(
    database_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no developer .env leaks in
    runner = CliRunner()

    def sigap(*args: str) -> str:
        result = runner.invoke(sigap_cli, list(args), env={"DATABASE_URL": database_url})
        assert result.exit_code == 0, result.output
        return result.output

    sigap("staff", "add", "Budi", "--role", "trantib")
    added = sigap(
        *("complaint", "add", "--staff", "1", "--channel", "lisan", "--category", "miras"),
        *("--description", "Pesta miras di pos ronda tiap malam"),
        *("--reporter-name", "Pak Slamet", "--reporter-phone", "08123"),
    )
    code = added.split()[1]
    refused = runner.invoke(
        sigap_cli,
        ["resident", "erase", "--complaint", code],
        input="n\n",
        env={"DATABASE_URL": database_url},
    )
    assert refused.exit_code != 0
    assert "Pak Slamet" in sigap("complaint", "show", code, "--staff", "1", "--show-identity")

    erased = sigap("resident", "erase", "--complaint", code, "--yes")
    assert code in erased and "dihapus" in erased
    shown = sigap("complaint", "show", code, "--staff", "1", "--show-identity")
    assert "Pak Slamet" not in shown and "08123" not in shown
    with Session(engine) as session:
        assert session.exec(select(Resident)).all() == []
        assert session.exec(select(Complaint)).one().reporter_id is None
        audit = session.exec(select(RegisterAudit).where(col(RegisterAudit.reason).contains("cli")))
        assert code in audit.one().changes
    again = runner.invoke(
        sigap_cli,
        ["resident", "erase", "--complaint", code, "--yes"],
        env={"DATABASE_URL": database_url},
    )
    assert again.exit_code == 1 and "tidak mempunyai identitas" in again.output


def test_an_inbound_message_id_is_kept_only_as_a_digest(session: Session) -> None:
    """A WhatsApp message id encodes the sender's number: what is kept for recognising a
    redelivery must not hold it, nor outlive an erasure in readable form."""
    wamid = "wamid.HBgNNjI4MTM1NzkyNDY4MBUCABIYFjNFQjBDMEE4"
    assert first_delivery(session, "whatsapp", wamid)
    assert not first_delivery(session, "whatsapp", wamid)  # still recognised
    session.commit()
    kept = session.exec(select(ProcessedUpdate.update_key)).all()
    assert len(kept) == 1 and wamid not in kept[0] and "HBgN" not in kept[0]
