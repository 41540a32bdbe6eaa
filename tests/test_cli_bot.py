"""`sigap run`, `sigap chat` and `sigap staff invite` as an operator meets them."""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.logs import configure_logging
from cli.main import app
from core.models import Complaint, StaffInvite
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_harness import Person, RunningBot, bot_settings


@pytest.fixture
def run_cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, **env: str):  # type: ignore[no-untyped-def]
        return runner.invoke(
            app, list(args), input=input, env={"DATABASE_URL": database_url, **env}
        )

    return invoke


def test_staff_invite_prints_a_deep_link(run_cli, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("staff", "invite", "--role", "trantib", TELEGRAM_BOT_USERNAME="sigap_bot")
    assert result.exit_code == 0, result.output
    link = re.search(r"https://t\.me/sigap_bot\?start=(staff_[A-Za-z0-9_-]+)", result.output)
    assert link and len(link.group(1)) <= 64
    with Session(engine) as session:
        invite = session.exec(select(StaffInvite)).one()
    code = link.group(1).removeprefix("staff_")
    assert invite.code_hash == hashlib.sha256(code.encode()).hexdigest()
    assert code not in repr(invite.model_dump())  # the code itself is not kept


def test_terminal_chat_files_a_report(run_cli, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    typed = (
        "\n".join(
            [
                "1",  # Lapor gangguan
                "4",  # Kebisingan
                "Hajatan dengan sound system sampai jam 3 pagi",
                "lokasi -8.25,113.74",
                "2",  # Lewati (photos)
                "1",  # Dirahasiakan
                "1",  # Kirim laporan
                "keluar",
            ]
        )
        + "\n"
    )
    result = run_cli("chat", "--real", input=typed)
    assert result.exit_code == 0, result.output
    assert "Kode tiket: MBS-" in result.output
    with Session(engine) as session:
        complaint = session.exec(select(Complaint)).one()
    assert complaint.category == "kebisingan" and complaint.channel.value == "lisan"


async def test_bot_token_never_reaches_the_logs(
    database_url: str, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeTelegram().start()
    configure_logging()
    caplog.set_level(logging.DEBUG, logger="bot")
    caplog.set_level(logging.INFO)
    try:
        running = await RunningBot(bot_settings(database_url, fake), engine).start()
        await Person(fake, 5100).says("/start")
        fake.fail("sendMessage", 500)
        await Person(fake, 5100).says("/bantuan")
        await running.stop()
    finally:
        fake.stop()
    assert caplog.records, "expected some log lines"
    assert fake.token not in caplog.text
    assert fake.token.split(":")[1] not in caplog.text


def test_terminal_chat_as_staff_sees_the_queue(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("staff", "add", "Budi", "--role", "trantib").exit_code == 0
    added = run_cli(
        "complaint",
        "add",
        "--staff",
        "1",
        "--channel",
        "lisan",
        "--category",
        "parkir",
        "--description",
        "Parkir liar di depan puskesmas tiap pagi",
    )
    code = added.output.split()[1]
    as_staff = run_cli("chat", "--real", "--staff", "1", input="/antrian\nkeluar\n")
    assert as_staff.exit_code == 0 and code in as_staff.output
    as_resident = run_cli("chat", "--real", input="/antrian\nkeluar\n")
    assert "khusus petugas" in as_resident.output and code not in as_resident.output


def test_terminal_staff_get_the_alert_and_the_resident_the_news(run_cli) -> None:  # type: ignore[no-untyped-def]
    """The terminal is a channel like the others: its staff account (linked by --staff)
    gets the new-report alert with action buttons, and its resident the "selesai" news
    with the confirm / reopen choices, all through the outbox."""
    assert run_cli("staff", "add", "Budi", "--role", "trantib").exit_code == 0
    run_cli("chat", "--real", "--staff", "1", input="keluar\n")  # links the terminal account
    report = "1\n4\nHajatan dengan sound system sampai jam 3 pagi\n2\n2\n1\n1\nkeluar\n"
    filed = run_cli("chat", "--real", input=report)
    code = re.search(r"MBS-[A-Z0-9]{4}-[A-Z0-9]{4}", filed.output)
    assert filed.exit_code == 0 and code, filed.output

    staff_view = run_cli("chat", "--real", "--staff", "1", input="keluar\n").output
    assert code.group(0) in staff_view and "Klaim" in staff_view

    for state in ("diverifikasi", "diproses"):
        assert (
            run_cli("complaint", "transition", code.group(0), state, "--staff", "1").exit_code == 0
        )
    done = run_cli(
        "complaint", "transition", code.group(0), "selesai", "--staff", "1",
        "--note", "Sudah ditegur, musik dihentikan",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    news = run_cli("chat", "--real", input="keluar\n").output
    assert f"Laporan {code.group(0)} telah diselesaikan" in news
    assert "Sudah ditegur" in news and "Sudah beres" in news


def test_terminal_chat_practises_in_its_own_database(run_cli, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    """Trials at the terminal never move the office's figures: by default they go to
    the practice database, which knows the office's staff; the first lines say so."""
    assert run_cli("staff", "add", "Budi", "--role", "trantib").exit_code == 0
    report = "1\n4\nHajatan dengan sound system sampai jam 3 pagi\n2\n2\n1\n1\nkeluar\n"
    tried = run_cli("chat", input=report)
    assert tried.exit_code == 0, tried.output
    assert tried.output.startswith("Mode latihan") and "Ketik keluar untuk selesai" in tried.output
    assert "Kode tiket: MBS-" in tried.output
    with Session(engine) as session:
        assert session.exec(select(Complaint)).all() == []  # the office's data: untouched
    staff_view = run_cli("chat", "--staff", "1", input="/antrian\nkeluar\n")
    assert staff_view.exit_code == 0 and "Hajatan" not in staff_view.output
    assert re.search(r"MBS-[A-Z0-9]{4}-[A-Z0-9]{4}", staff_view.output)  # the practice queue


def test_terminal_staff_open_a_complaint_from_the_queue_and_resolve_it(  # type: ignore[no-untyped-def]
    run_cli, engine: Engine
) -> None:
    assert run_cli("staff", "add", "Budi", "--role", "trantib").exit_code == 0
    report = "1\n2\nMobil parkir menutup jalan masuk gang\nlokasi -8.25,113.74\n2\n1\n1\nkeluar\n"
    filed = run_cli("chat", "--real", input=report)
    code = re.search(r"MBS-[A-Z0-9]{4}-[A-Z0-9]{4}", filed.output)
    assert code, filed.output
    assert "Ketik  lokasi LINTANG,BUJUR" in filed.output  # the terminal's own gesture
    # /antrian lists the complaint as choice 1; its card offers the actions; 8 = Selesaikan
    typed = "/antrian\n1\n8\nMobil sudah dipindahkan pemiliknya\nkeluar\n"
    worked = run_cli("chat", "--real", "--staff", "1", input=typed)
    assert worked.exit_code == 0, worked.output
    assert "Klaim" in worked.output and "Selesaikan" in worked.output
    with Session(engine) as session:
        complaint = session.exec(select(Complaint)).one()
    assert complaint.code == code.group(0) and complaint.state.value == "selesai"


def test_terminal_photo_keeps_the_choices_at_hand_and_english_names_categories(  # type: ignore[no-untyped-def]
    run_cli,
) -> None:
    typed = "5\n1\nkeluar\n"  # English, then Report a disturbance
    english = run_cli("chat", input=typed)
    assert "Street vendors (PKL)" in english.output and "Gambling" in english.output
    typed = "1\n1\nPKL menutup trotoar depan pasar\n2\nfoto lapak.jpg\nkeluar\n"
    photo = run_cli("chat", input=typed)  # the same resident: still in English
    assert "Type  lokasi LATITUDE,LONGITUDE" in photo.output
    after = photo.output.split("Photo received (1/3)", 1)[1]
    assert "1. Next" in after, photo.output


def test_the_terminal_prints_news_while_it_waits_for_input(engine: Engine) -> None:
    """Staff at the terminal hear of a new report without pressing a key."""
    import threading

    from app.chat import chat
    from core.config import load_settings
    from core.db import session_scope
    from core.services.messaging import outbox

    printed: list[str] = []
    news_shown = threading.Event()

    def write(line: str) -> None:
        printed.append(line)
        if "MBS-TEST-0001" in line:
            news_shown.set()

    def read(prompt: str) -> str:
        with session_scope(engine) as session:  # as another process would, meanwhile
            outbox.enqueue(session, "terminal", "warga", text="Laporan baru MBS-TEST-0001")
        assert news_shown.wait(timeout=10), printed  # printed while this read waits
        return "keluar"

    settings = load_settings(_env_file=None, DATABASE_URL=str(engine.url))
    chat(settings, engine, None, "Warga", read, write, watch=True)
    assert "Laporan baru MBS-TEST-0001" in printed


@pytest.mark.parametrize("real", [True, False], ids=["real", "practice"])
def test_terminal_chat_as_staff_of_one_of_several_offices(run_cli, real: bool) -> None:  # type: ignore[no-untyped-def]
    """With a second office in the deployment, a staff member of it chats in their own
    office, in the office database and in the practice one (found by the fresh-user
    pass: both crashed with 'no office chosen')."""
    assert (
        run_cli("office", "add", "35.09.01", "Kecamatan Jombang", "--prefix", "JBG").exit_code == 0
    )
    added = run_cli("--office", "35.09.01", "staff", "add", "Sari", "--role", "trantib")
    assert added.exit_code == 0, added.output
    staff_id = re.search(r"#(\d+)", added.output)
    assert staff_id, added.output
    mode = ["--real"] if real else []
    chatted = run_cli("chat", *mode, "--staff", staff_id.group(1), input="/antrian\nkeluar\n")
    assert chatted.exit_code == 0, chatted.output
    assert "Traceback" not in chatted.output and "khusus petugas" not in chatted.output
