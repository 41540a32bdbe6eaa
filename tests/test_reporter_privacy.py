"""The reporter's identity, in every place a name could appear.

The rule (``core.domain.access.may_see_reporter``): a reporter who chose to be known is
shown to any active staff member; a hidden one (the default) only to active complaint
handlers. Chat alerts, queues, reports and the digest never show a reporter at all.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.dialogs.desk import Desk
from bot.dialogs.staff_alerts import complaint_card
from bot.dialogs.types import ChatUser, Inbound
from cli.main import app
from core.config import Settings
from core.db import session_scope
from core.domain.access import COMPLAINT_HANDLERS, StaffRole, may_see_reporter
from core.domain.complaints import ComplaintState, Privacy
from core.domain.periods import Period
from core.models import OutboxMessage
from core.services.access.accounts import link_staff_account
from core.services.complaints.lifecycle import get_complaint, transition_complaint
from reports import builders
from reports.deliver import send_digest
from reports.render import FORMATS, render
from tests import factories

NAME, PHONE = "Siti Rahayu", "081234567890"
REFUSED = "Anda tidak berwenang melakukan tindakan ini. Tidak ada yang diubah."
# Written out by hand, not derived from the code: who may see which reporter.
HANDLES_COMPLAINTS = {
    StaffRole.CAMAT: True,
    StaffRole.SEKCAM: True,
    StaffRole.TRANTIB: True,
    StaffRole.ADMIN: True,
    StaffRole.PMKS: False,
    StaffRole.PELAYANAN: False,
    StaffRole.KABUPATEN_ADMIN: False,  # the kabupaten handles no complaint
    StaffRole.BUPATI: False,
    StaffRole.INSPEKTORAT: False,
}


@given(st.sampled_from(list(StaffRole)), st.booleans(), st.booleans())
def test_who_may_see_a_reporter(role: StaffRole, active: bool, chose_open: bool) -> None:
    expected = active and (chose_open or HANDLES_COMPLAINTS[role])
    assert may_see_reporter(role, active, chose_open) is expected
    assert (role in COMPLAINT_HANDLERS) is HANDLES_COMPLAINTS[role]


def _complaints(session: Session, settings: Settings) -> dict[Privacy, str]:
    """The same named reporter, once open and once hidden, in November 2026."""
    reporter = factories.resident(session, name=NAME)
    reporter.phone = PHONE
    received = datetime(2026, 11, 17, 3, tzinfo=UTC)
    return {
        privacy: factories.complaint(
            session, settings, reporter=reporter, privacy=privacy, received_at=received
        ).code
        for privacy in (Privacy.OPEN, Privacy.HIDDEN)
    }


def test_cli_shows_an_open_reporter_to_staff_and_a_hidden_one_to_handlers_only(
    database_url: str, engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    with session_scope(engine) as session:
        codes = _complaints(session, settings)
        handler = factories.staff(session, StaffRole.TRANTIB, "Budi")
        other = factories.staff(session, StaffRole.PMKS, "Ani")
        ids = {"handler": str(handler.id), "other": str(other.id)}
    runner = CliRunner()

    def show(code: str, staff: str | None) -> str:
        args = ["complaint", "show", code, "--show-identity"]
        args += ["--staff", staff] if staff else []
        return runner.invoke(app, args, env={"DATABASE_URL": database_url}).output

    open_code, hidden_code = codes[Privacy.OPEN], codes[Privacy.HIDDEN]
    assert NAME in show(open_code, ids["other"]) and PHONE in show(open_code, ids["other"])
    assert NAME not in show(hidden_code, ids["other"]) and PHONE not in show(
        hidden_code, ids["other"]
    )
    assert NAME in show(hidden_code, ids["handler"])
    assert NAME not in show(open_code, None) and NAME not in show(hidden_code, None)


def test_chat_alerts_and_the_queue_never_name_the_reporter(
    engine: Engine, settings: Settings
) -> None:
    with session_scope(engine) as session:
        codes = _complaints(session, settings)
        officer = factories.staff(session, StaffRole.TRANTIB)
        link_staff_account(session, officer, "terminal", "budi")
    with session_scope(engine) as session:
        cards = [complaint_card(get_complaint(session, c), settings) for c in codes.values()]
        queue = (
            Desk(settings)
            .handle(
                session, ChatUser("terminal", "budi", "budi", "Budi"), Inbound.from_text("/antrian")
            )
            .queued
        )
    texts = cards + [str(m.text) for m in queue]
    assert all(code in texts[-1] for code in codes.values())  # the queue lists both
    assert not any(NAME in text or PHONE in text for text in texts)


def _pdf_words(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _xlsx_words(content: bytes) -> str:
    book = load_workbook(io.BytesIO(content))
    rows = (row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
    return " ".join(str(cell) for row in rows for cell in row)


def _every_rendering(session: Session, settings: Settings) -> list[str]:
    """Every report kind in every format, as the words a reader would see."""
    outputs = []
    period = Period(date(2026, 11, 1), date(2026, 11, 30))
    read = {"pdf": _pdf_words, "xlsx": _xlsx_words}
    for kind in builders.KINDS:
        report = builders.build_report(kind, session, settings, period, date(2026, 11, 30))
        for fmt in FORMATS:
            content = render(report, fmt)
            outputs.append(read[fmt](content) if fmt in read else content.decode("utf-8"))
    return outputs


def test_reports_and_the_digest_never_name_the_reporter(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    with session_scope(engine) as session:
        codes = _complaints(session, settings)
        camat = factories.staff(session, StaffRole.CAMAT, "Camat")
        link_staff_account(session, camat, "telegram", "9001")
    with Session(engine) as session:
        outputs = _every_rendering(session, settings)
    assert any(codes[Privacy.OPEN] in o for o in outputs)  # the complaints are in them
    assert not any(NAME in o or PHONE in o for o in outputs)

    files = settings.model_copy(update={"reports_dir": tmp_path / "files"})
    send_digest(engine, files, date(2026, 11, 23), key=None)
    with Session(engine) as session:
        digest = session.exec(select(OutboxMessage).where(OutboxMessage.recipient == "9001")).all()
    assert digest and all(NAME not in str(m.text) for m in digest)
    pdfs = [Path(m.attachment).read_bytes() for m in digest if m.attachment]
    assert pdfs and all(NAME not in _pdf_words(pdf) for pdf in pdfs)


def test_news_of_a_report_goes_to_its_reporters_own_chat_only(
    engine: Engine, settings: Settings
) -> None:
    with session_scope(engine) as session:
        codes = _complaints(session, settings)
        officer = factories.staff(session)
        complaint = get_complaint(session, codes[Privacy.OPEN])
        transition_complaint(session, complaint, ComplaintState.DIVERIFIKASI, staff=officer)
    with Session(engine) as session:
        news = session.exec(select(OutboxMessage)).all()
    assert [(m.channel, m.recipient) for m in news] == [("telegram", "1001")]


def test_forged_staff_buttons_reach_nothing(engine: Engine, settings: Settings) -> None:
    """Callback data is whatever the sender typed: huge, negative, non-ASCII digits."""
    with session_scope(engine) as session:
        codes = _complaints(session, settings)
        officer = factories.staff(session, StaffRole.TRANTIB)
        link_staff_account(session, officer, "terminal", "budi")
    resident = ChatUser("terminal", "warga", "warga", "Warga")
    staff = ChatUser("terminal", "budi", "budi", "Budi")
    forged = ["99999999999999999999999", "-1", "١٢", "1e3", ""]
    for person in (resident, staff):
        for complaint_id in forged:
            with session_scope(engine) as session:
                replies = (
                    Desk(settings)
                    .handle(session, person, Inbound("choice", choice=f"act:claim:{complaint_id}"))
                    .queued
                )
            assert [m.text for m in replies] == [REFUSED]
    with session_scope(engine) as session:  # a resident pressing a real button: refused too
        real = get_complaint(session, codes[Privacy.OPEN])
        choice = Inbound("choice", choice=f"act:claim:{real.id}")
        assert Desk(settings).handle(session, resident, choice).queued[0].text == (REFUSED)
        assert real.assigned_staff_id is None
