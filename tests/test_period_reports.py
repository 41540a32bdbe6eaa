"""The monthly and quarterly report duties, and the QR poster, as the Camat receives them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from cli.main import app
from core.config import Settings, load_settings
from core.db import session_scope
from core.domain.people import StaffRole
from core.models import OutboxMessage, ScheduledRun
from core.services.performance.records import add_staff
from core.services.survey.skm import add_service
from reports.schedule import Duties
from tests import factories

CAMAT, SEKCAM, TRANTIB = "7101", "7102", "7103"
FIRST_OF_OCTOBER = datetime(2026, 10, 1, 1, 0, tzinfo=UTC)  # 08:00 WIB


@pytest.fixture
def office(database_url: str, engine: Engine, tmp_path: Path) -> Settings:
    settings = load_settings(
        _env_file=None, DATABASE_URL=database_url, SIGAP_REPORTS_DIR=str(tmp_path / "files")
    )
    with session_scope(engine) as session:
        add_staff(session, "Camat", StaffRole.CAMAT, [("telegram", CAMAT)])
        add_staff(session, "Sekcam", StaffRole.SEKCAM, [("whatsapp", SEKCAM)])
        add_staff(session, "Budi", StaffRole.TRANTIB, [("telegram", TRANTIB)])
        factories.complaint(session, settings, received_at=datetime(2026, 9, 10, 3, tzinfo=UTC))
    return settings


def _files_to(engine: Engine, recipient: str) -> list[OutboxMessage]:
    with Session(engine) as session:
        query = select(OutboxMessage).where(
            OutboxMessage.recipient == recipient, col(OutboxMessage.attachment).is_not(None)
        )
        return list(session.exec(query.order_by(col(OutboxMessage.id))).all())


def _pdf_text(path: str) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_monthly_reports_reach_the_leadership_once(office: Settings, engine: Engine) -> None:
    duties = Duties(office, engine, clock=lambda: FIRST_OF_OCTOBER)
    duties.monthly_reports()
    duties.monthly_reports()  # a second run (a restart, another process) changes nothing

    for leader in (CAMAT, SEKCAM):  # on whichever channel each joined
        files = _files_to(engine, leader)
        assert len(files) == 2, leader  # IKU and complaints
        assert all(Path(str(f.attachment)).stat().st_size > 0 for f in files)
    assert _files_to(engine, TRANTIB) == []
    iku, complaints = (_pdf_text(str(f.attachment)) for f in _files_to(engine, CAMAT))
    assert "Periode 1 September 2026 s.d. 30 September 2026" in iku
    assert "Pengaduan" in complaints
    with Session(engine) as session:
        assert session.exec(select(ScheduledRun.key)).all() == ["monthly:2026-09"]


def test_quarterly_reports_cover_the_quarter_just_ended(office: Settings, engine: Engine) -> None:
    with session_scope(engine) as session:
        add_service(session, "ktp", "KTP elektronik")
    Duties(office, engine, clock=lambda: FIRST_OF_OCTOBER).quarterly_reports()
    files = _files_to(engine, CAMAT)
    assert len(files) == 3  # IKU, SKM and complaints
    assert all("2026-07-01" in str(f.attachment) for f in files), [f.attachment for f in files]
    with Session(engine) as session:
        assert session.exec(select(ScheduledRun.key)).all() == ["quarterly:2026-Q3"]


def test_qr_poster_names_the_service_and_links_the_survey(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    env = {"DATABASE_URL": database_url, "TELEGRAM_BOT_USERNAME": "sigap_mumbulsari_bot"}
    assert runner.invoke(app, ["service", "add", "ktp", "KTP elektronik"], env=env).exit_code == 0

    made = runner.invoke(app, ["service", "poster", "ktp", "-o", "poster.pdf"], env=env)
    assert made.exit_code == 0, made.output
    text = _pdf_text(str(tmp_path / "poster.pdf"))
    assert "KTP elektronik" in text
    assert "https://t.me/sigap_mumbulsari_bot?start=skm_ktp" in text.replace("\n", "")

    unknown = runner.invoke(app, ["service", "poster", "paspor", "-o", "p.pdf"], env=env)
    assert unknown.exit_code == 1 and "paspor" in unknown.output
    no_bot = runner.invoke(
        app, ["service", "poster", "ktp", "-o", "p.pdf"], env={"DATABASE_URL": database_url}
    )
    assert no_bot.exit_code == 1 and "TELEGRAM_BOT_USERNAME" in no_bot.output
    both = {**env, "WHATSAPP_DISPLAY_PHONE": "6281234567890"}
    made = runner.invoke(app, ["service", "poster", "ktp", "-o", "both.pdf"], env=both)
    assert made.exit_code == 0, made.output
    text = _pdf_text(str(tmp_path / "both.pdf")).replace("\n", "")
    assert "Telegram" in text and "WhatsApp" in text  # one labelled QR per channel
    assert "https://wa.me/6281234567890?text=skm_ktp" in text
    assert "https://t.me/sigap_mumbulsari_bot?start=skm_ktp" in text
    unknown_no_bot = runner.invoke(  # the missing service is said first, not the setting
        app, ["service", "poster", "paspor", "-o", "p.pdf"], env={"DATABASE_URL": database_url}
    )
    assert "paspor" in unknown_no_bot.output
    assert "TELEGRAM_BOT_USERNAME" not in unknown_no_bot.output
    assert not (tmp_path / "p.pdf").exists()
