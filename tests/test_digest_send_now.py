"""`sigap digest send-now` end to end: the real CLI, the real sender, the fake Bot API."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time
from decimal import Decimal
from pathlib import Path

import pypdf
from sqlalchemy import Engine
from sqlmodel import select
from typer.testing import CliRunner

from cli.main import app
from core.config import load_settings
from core.db import session_scope
from core.domain.people import StaffRole
from core.domain.performance import DocumentKind, IkuCode
from core.models import OutboxMessage
from core.services.performance import records
from core.services.performance.digest import week_before
from core.timeutil import local_date, utcnow
from reports.schedule import Duties
from tests import factories as f
from tests.fakes.telegram_api import FakeTelegram

CAMAT, SEKCAM = 6101, 6102


def _office(engine: Engine, database_url: str) -> None:
    """A Camat and a Sekcam on Telegram, a target and a document this year, one
    complaint whose reporter must not appear."""
    settings = load_settings(_env_file=None, DATABASE_URL=database_url)
    last_week = week_before(local_date(utcnow(), settings.tz))  # what the digest reports on
    with session_scope(engine) as session:
        records.add_staff(session, "Camat", StaffRole.CAMAT, accounts=[("telegram", str(CAMAT))])
        records.add_staff(session, "Sekcam", StaffRole.SEKCAM, accounts=[("telegram", str(SEKCAM))])
        records.add_staff(session, "Budi", StaffRole.TRANTIB, accounts=[("telegram", str(6103))])
        records.set_target(session, last_week.end.year, IkuCode.IKU1, Decimal(4))
        records.add_document(session, DocumentKind.SOP_PELAYANAN, "SOP KTP", last_week.end)
        reporter = f.resident(session, name="Siti Rahayu")
        f.complaint(
            session,
            settings,
            reporter=reporter,
            received_at=datetime.combine(last_week.start, time(3), UTC),
        )


def test_send_now_delivers_digest_and_report_to_the_camat(
    database_url: str, engine: Engine, fake: FakeTelegram, tmp_path: Path
) -> None:
    _office(engine, database_url)
    env = {
        "DATABASE_URL": database_url,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_PER_CHAT_INTERVAL": "0",
        "SIGAP_REPORTS_DIR": str(tmp_path / "reports"),
    }
    result = CliRunner().invoke(app, ["digest", "send-now"], env=env)
    assert result.exit_code == 0, result.output
    assert "terkirim ke 2 penerima" in result.output

    for chat in (CAMAT, SEKCAM):
        sent = fake.messages_to(chat)
        assert [m.method for m in sent] == ["sendMessage", "sendDocument"]
        text, document = sent[0].text, sent[1].params["document"]
        assert "Ringkasan Mingguan IKU" in text and "IKU1: 1 dokumen · target 4" in text
        assert len(text) <= 4096 and "Siti Rahayu" not in text
        assert document["filename"].endswith(".pdf")
        pdf = pypdf.PdfReader(io.BytesIO(document["content"]))
        assert "IKU1" in "".join(page.extract_text() for page in pdf.pages)
    assert fake.messages_to(6103) == []  # not leadership
    with session_scope(engine) as session:
        statuses = set(session.exec(select(OutboxMessage.status)).all())
    assert statuses == {"sent"}

    # The week is recorded: a second send-now, and Monday's scheduled run, send nothing
    again = CliRunner().invoke(app, ["digest", "send-now"], env=env)
    assert again.exit_code == 0 and "sudah dikirim" in again.output and "--force" in again.output
    settings = load_settings(_env_file=None, **env)
    Duties(settings, engine).weekly_digest()
    assert len(fake.messages_to(CAMAT)) == 2
    forced = CliRunner().invoke(app, ["digest", "send-now", "--force"], env=env)
    assert forced.exit_code == 0 and "terkirim ke 2 penerima" in forced.output
    assert len(fake.messages_to(CAMAT)) == 4  # asked for, so sent again


def test_send_now_without_leadership_says_so(database_url: str, fake: FakeTelegram) -> None:
    env = {
        "DATABASE_URL": database_url,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
    }
    result = CliRunner().invoke(app, ["digest", "send-now"], env=env)
    assert result.exit_code == 1 and "camat" in result.output.lower()
    assert fake.sent == []
