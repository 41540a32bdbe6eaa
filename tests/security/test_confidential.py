"""A rahasia complaint is listed only to staff who may handle complaints.

Every other viewer (and every report, which travels beyond the office) sees it counted,
never listed: not its code, description, desa or category, on the IKU4 detail page, the
queue and its htmx partial, the report downloads, the command line's list and the chat
queue. The IKU figures count it all the same (domain.md section 8).

Note: in the role matrix the Camat and the Sekcam handle complaints; the roles that view
the dashboard and the queue without handling complaints are PMKS and Pelayanan.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.testclient import TestClient
from typer.testing import CliRunner

from app.web import build_office
from bot.dialogs.desk import Desk
from bot.dialogs.types import ChatUser, Inbound
from cli.main import app
from core.config import Settings
from core.db import session_scope
from core.domain.access import COMPLAINT_HANDLERS
from core.domain.complaints import Channel, ComplaintState, Privacy
from core.domain.people import OFFICE_ROLES, StaffRole
from core.domain.performance import IkuCode
from core.domain.periods import Period
from core.errors import InvalidInput
from core.services.access.accounts import link_staff_account
from core.services.complaints import lifecycle as svc
from core.services.performance import records
from core.services.performance.iku import iku_for_period
from reports import builders
from reports.render import FORMATS, render
from tests import factories
from tests.web_harness import log_in, login_link
from web.office import build_web

SECRET_TEXT = "Sabung ayam tiap malam Jumat di gudang belakang rumah Pak Kades"
SECRET_DESA = "Lengkong"  # the ordinary complaint has none: the word is the rahasia one's
WITHHELD = "1 pengaduan rahasia tidak ditampilkan"
NON_HANDLERS = sorted(set(OFFICE_ROLES) - COMPLAINT_HANDLERS)  # the kabupaten: no office page
TODAY = date(2026, 12, 3)


@dataclass(frozen=True)
class Two:
    secret: str  # the rahasia complaint's code
    normal: str


def _two_complaints(engine: Engine, settings: Settings) -> Two:
    """A rahasia complaint (open, overdue) and an ordinary one (settled): IKU4 = 1 / 2."""
    with session_scope(engine) as session:
        secret = svc.register_complaint(
            session,
            settings,
            svc.NewComplaint(
                channel=Channel.TELEGRAM,
                category="miras",
                description=SECRET_TEXT,
                desa=SECRET_DESA,
                privacy=Privacy.RAHASIA,
            ),
            received_at=datetime(2026, 3, 2, 3, tzinfo=UTC),
        )
        normal = factories.complaint(
            session, settings, received_at=datetime(2026, 3, 3, 3, tzinfo=UTC)
        )
        officer = factories.staff(session, StaffRole.TRANTIB, "Joko")
        factories.advance(
            session, normal, ComplaintState.SELESAI, officer, at=datetime(2026, 3, 4, 3, tzinfo=UTC)
        )
        return Two(secret.code, normal.code)


def _staff(engine: Engine, role: StaffRole) -> int:
    with session_scope(engine) as session:
        member = records.add_staff(session, f"Petugas {role.value}", role)
        session.flush()
        assert member.id is not None
        return member.id


def _hidden(text: str, two: Two) -> bool:
    return two.secret not in text and SECRET_TEXT not in text


# -- the back office --------------------------------------------------------------------


@pytest.fixture
def web_settings(settings: Settings, tmp_path: object) -> Settings:
    return settings.model_copy(update={"media_dir": tmp_path})


def _as(engine: Engine, settings: Settings, role: StaffRole) -> Iterator[TestClient]:
    with Session(engine, expire_on_commit=False) as session:
        member = records.add_staff(session, f"Petugas {role.value}", role)
        session.commit()
    with TestClient(build_web(build_office(settings, engine)), follow_redirects=False) as client:
        log_in(client, login_link(engine, member))
        yield client


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("role", NON_HANDLERS)
def test_on_the_web_a_non_handler_sees_rahasia_counted_a_handler_listed(
    role: StaffRole, engine: Engine, web_settings: Settings
) -> None:
    two = _two_complaints(engine, web_settings)
    for client in _as(engine, web_settings, role):
        detail = client.get("/iku/IKU4?tahun=2026")
        assert detail.status_code == 200
        assert two.normal in detail.text and _hidden(detail.text, two)
        assert SECRET_DESA not in detail.text and "miras" not in detail.text.lower()
        assert WITHHELD in detail.text
        assert 'id="nilai">50' in detail.text and "(1 / 2)" in detail.text  # still counted
        assert "Dihitung (2)" in detail.text
        open_queue = client.get("/pengaduan")  # only the rahasia one is open
        assert _hidden(open_queue.text, two) and WITHHELD in open_queue.text
        every = client.get("/pengaduan?status=semua", headers={"HX-Request": "true"})
        assert "<html" not in every.text  # the htmx partial
        assert two.normal in every.text and _hidden(every.text, two) and WITHHELD in every.text
        assert SECRET_DESA not in every.text and "miras" not in every.text.lower()
        for naming in (f"kode={two.secret}", f"desa={SECRET_DESA}", "kategori=miras"):
            found = client.get(f"/pengaduan?status=semua&{naming}", headers={"HX-Request": "1"})
            assert _hidden(found.text, two) and WITHHELD not in found.text, naming
        assert client.get(f"/pengaduan/{two.secret}").status_code == 404
        assert client.get(f"/pengaduan/{two.secret}/foto/1").status_code == 404
        for kind in ("iku", "skm", "complaints"):
            for fmt in ("html", "pdf", "xlsx"):
                answer = client.get(f"/laporan/{kind}.{fmt}?tahun=2026")
                assert answer.status_code == 403 and two.secret not in answer.text
    for client in _as(engine, web_settings, StaffRole.TRANTIB):
        detail = client.get("/iku/IKU4?tahun=2026")
        assert two.secret in detail.text and two.normal in detail.text
        assert WITHHELD not in detail.text and "(1 / 2)" in detail.text
        queue = client.get("/pengaduan?status=semua", headers={"HX-Request": "true"})
        assert two.secret in queue.text and WITHHELD not in queue.text
        assert SECRET_TEXT in client.get(f"/pengaduan/{two.secret}").text
    for client in _as(engine, web_settings, StaffRole.CAMAT):  # a handler, and leadership
        assert two.secret in client.get("/iku/IKU4?tahun=2026").text
        report = client.get("/laporan/complaints.html?tahun=2026")  # a document that travels
        assert report.status_code == 200 and _hidden(report.text, two)
        assert "1 pengaduan rahasia yang terlambat dihitung, tidak dirinci." in report.text


# -- the reports, in every format --------------------------------------------------------


def _words(content: bytes, fmt: str) -> str:
    if fmt == "pdf":
        pages = PdfReader(io.BytesIO(content)).pages
        return " ".join(" ".join(page.extract_text() for page in pages).split())
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(content))
        rows = (row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
        return " ".join(str(cell) for row in rows for cell in row)
    return content.decode("utf-8")


def test_every_report_counts_rahasia_and_never_lists_it(
    engine: Engine, settings: Settings, session: Session
) -> None:
    two = _two_complaints(engine, settings)
    year = Period.year(2026)
    iku4 = iku_for_period(session, settings, year).get(IkuCode.IKU4)
    assert (iku4.numerator, iku4.denominator) == (1, 2)  # the rahasia one counts
    for kind in builders.KINDS:
        built = builders.build_report(kind, session, settings, year, TODAY)
        for fmt in FORMATS:
            text = _words(render(built, fmt), fmt)
            assert _hidden(text, two) and SECRET_DESA not in text, (kind, fmt)
            if kind == "complaints" and fmt != "xlsx":
                assert "1 pengaduan rahasia yang terlambat dihitung" in text, fmt


# -- the command line -------------------------------------------------------------------


def test_the_cli_list_names_rahasia_only_for_a_handler(
    database_url: str, engine: Engine, settings: Settings
) -> None:
    two = _two_complaints(engine, settings)
    other, handler = _staff(engine, StaffRole.PMKS), _staff(engine, StaffRole.TRANTIB)
    runner = CliRunner()

    def listing(*args: str) -> str:
        result = runner.invoke(
            app, ["complaint", "list", *args], env={"DATABASE_URL": database_url}
        )
        assert result.exit_code == 0, result.output
        return result.output

    for who in ([], ["--staff", str(other)]):
        everything, still_open = listing(*who), listing("--open", *who)
        assert two.normal in everything and _hidden(everything, two)
        assert WITHHELD in everything and WITHHELD in still_open
        assert _hidden(still_open, two) and SECRET_DESA not in still_open
    assert two.secret in listing("--staff", str(handler))
    assert two.secret in listing("--open", "--staff", str(handler))
    assert WITHHELD not in listing("--staff", str(handler))


# -- the chat ---------------------------------------------------------------------------


def _says(engine: Engine, settings: Settings, user: ChatUser, text: str) -> str:
    with session_scope(engine) as session:
        handled = Desk(settings).handle(session, user, Inbound.from_text(text))
        return "\n".join(str(m.text) for m in handled.queued)


def test_the_chat_queue_lists_rahasia_only_to_a_handler_in_private(
    engine: Engine, settings: Settings
) -> None:
    two = _two_complaints(engine, settings)
    with session_scope(engine) as session:
        for role, account in (
            (StaffRole.TRANTIB, "budi"),
            (StaffRole.PMKS, "ani"),
            (StaffRole.CAMAT, "camat"),
        ):
            member = records.add_staff(session, account, role)
            link_staff_account(session, member, "terminal", account)
    private = ChatUser("terminal", "budi", "budi", "Budi")
    in_group = ChatUser("terminal", "budi", "-100200300", "Budi")
    assert two.secret in _says(engine, settings, private, "/antrian")
    group = _says(engine, settings, in_group, "/antrian")
    assert _hidden(group, two) and "1 pengaduan rahasia tidak ditampilkan" in group
    pmks = _says(engine, settings, ChatUser("terminal", "ani", "ani", "Ani"), "/antrian")
    assert _hidden(pmks, two) and "khusus petugas" in pmks
    summary = _says(engine, settings, ChatUser("terminal", "camat", "camat", "Bu"), "/ringkasan")
    assert _hidden(summary, two) and "IKU4" in summary


def test_no_open_complaint_becomes_a_duplicate_of_a_rahasia_one(
    session: Session, settings: Settings
) -> None:
    """Its history and its reporter's chat would name the rahasia original's code."""
    secret = factories.complaint(session, settings, privacy=Privacy.RAHASIA)
    plain = factories.complaint(session, settings)
    officer = factories.staff(session, StaffRole.TRANTIB)
    with pytest.raises(InvalidInput, match="rahasia"):
        svc.transition_complaint(
            session, plain, ComplaintState.DUPLIKAT, staff=officer, duplicate_of=secret
        )
    assert plain.state is ComplaintState.DITERIMA and plain.duplicate_of_id is None
    other_secret = factories.complaint(session, settings, privacy=Privacy.RAHASIA)
    svc.transition_complaint(  # rahasia to rahasia: handlers only see both
        session, other_secret, ComplaintState.DUPLIKAT, staff=officer, duplicate_of=secret
    )
    assert other_secret.duplicate_of_id == secret.id
