"""The weekly digest on WhatsApp, through the real `sigap digest send-now` and the fake
Graph API: inside the 24 h window the text and the PDF; outside it the digest template,
and the file is held back with a logged reason instead of being refused by Meta."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import select
from typer.testing import CliRunner

from cli.main import app
from core.db import session_scope
from core.domain.people import StaffRole
from core.models import OutboxMessage
from core.services.messaging.chat_window import note_inbound
from core.services.performance import records
from core.timeutil import utcnow
from tests.fakes import graph_api as wa
from tests.fakes.graph_api import FakeGraph

CAMAT, SEKCAM = wa.bsuid("6281500000001"), wa.bsuid("6281500000002")


def test_digest_reaches_leadership_on_whatsapp(
    database_url: str, engine: Engine, graph: FakeGraph, tmp_path: Path
) -> None:
    with session_scope(engine) as session:
        records.add_staff(session, "Camat", StaffRole.CAMAT, accounts=[("whatsapp", CAMAT)])
        records.add_staff(session, "Sekcam", StaffRole.SEKCAM, accounts=[("whatsapp", SEKCAM)])
        note_inbound(session, "whatsapp", CAMAT, utcnow() - timedelta(hours=2))
        note_inbound(session, "whatsapp", SEKCAM, utcnow() - timedelta(days=3))
    env = {
        "DATABASE_URL": database_url,
        "WHATSAPP_PHONE_NUMBER_ID": wa.PHONE_NUMBER_ID,
        "WHATSAPP_ACCESS_TOKEN": wa.TOKEN,
        "WHATSAPP_APP_SECRET": wa.APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": wa.VERIFY_TOKEN,
        "WHATSAPP_API_BASE_URL": graph.base_url,
        "WHATSAPP_PER_USER_INTERVAL": "0",
        "SIGAP_REPORTS_DIR": str(tmp_path / "reports"),
    }
    result = CliRunner().invoke(app, ["digest", "send-now"], env=env)
    assert result.exit_code == 0, result.output

    camat = graph.sent_to(CAMAT)
    assert [m["type"] for m in camat] == ["text", "document"]
    assert "Ringkasan" in wa.body_text(camat[0])
    assert camat[1]["document"]["filename"].endswith(".pdf")
    assert camat[1]["document"]["id"] in graph.uploads

    sekcam = graph.sent_to(SEKCAM)
    assert [m["type"] for m in sekcam] == ["template"]  # never free-form outside the window
    assert sekcam[0]["template"]["name"] == "sigap_ringkasan_mingguan"
    assert "Ringkasan" in wa.body_text(sekcam[0]) and "\n" not in wa.body_text(sekcam[0])
    with session_scope(engine) as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.recipient == SEKCAM)).all()
        held = [r for r in rows if r.attachment]
        assert [r.status for r in held] == ["failed"]
        assert "24 h window" in (held[0].last_error or "")
        assert {r.status for r in rows if not r.attachment} == {"sent"}
