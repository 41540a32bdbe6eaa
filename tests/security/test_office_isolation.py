"""Two kecamatan in one deployment: staff of the first office, even its admin, can never
see, list, download or act on the second office's records through the back office.

Every route that names a record is tried with the other office's ids (refused, and the
record unchanged); every listing, export and report is read for the other office's
names (absent); and the other office's own staff see their rows, so the refusals are
the office's walls, not missing data.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, select
from starlette.testclient import TestClient

from app.web import build_office
from core.config import Settings
from core.domain.people import StaffRole
from core.domain.performance import DocumentKind
from core.models import (
    Activity,
    ActivityPhoto,
    Complaint,
    ComplaintPhoto,
    Document,
    Holiday,
    OfficeArea,
    ProgramIndicator,
    SakipEvaluation,
    Service,
    Staff,
    StaffInvite,
)
from core.scope import for_all_offices, for_office
from core.services.access.authz import OPERATOR
from core.services.access.offices import add_office
from core.services.access.web_access import issue_login_link
from core.services.performance.iku_analysis import AnalysisPeriod, save_analysis
from core.services.performance.iku_set import add_dictionary_indicator
from core.services.performance.records import add_staff, choose_iku, enter_iku_value, set_target
from core.timeutil import utcnow
from tests import factories
from tests.web_harness import log_in
from web.files import store
from web.office import build_web

YEAR = 2026
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2b1d9"
    "5b0000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SECRET = "Rahasiajombang"  # in every name of the second office's rows


@dataclass
class Theirs:
    office: int
    complaint: str
    complaint_photo: int
    activity: int
    activity_photo: int
    document: int
    indicator: int
    service: str
    staff: int
    invite: int
    area: int


@pytest.fixture
def web_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"media_dir": tmp_path / "media"})


def _fill_second_office(engine: Engine, settings: Settings) -> Theirs:
    with Session(engine, expire_on_commit=False) as made:
        office = add_office(made, "35.09.01", f"Kecamatan {SECRET}", "JBG", ("Jombang",))
        made.commit()
    office_id = office.id or 0
    with for_office(Session(engine, expire_on_commit=False), office_id) as s:
        complaint = factories.complaint(s, settings)
        complaint.description = f"PKL {SECRET} di trotoar depan pasar"
        photo = ComplaintPhoto(
            complaint_id=complaint.id or 0, file_ref=store(settings, ".png", PNG)
        )
        activity = Activity(
            name=f"Sosialisasi {SECRET}", kind="sosialisasi", planned_date=date(YEAR, 3, 2)
        )
        document = Document(
            kind=DocumentKind.ANJAB,
            title=f"Anjab {SECRET}",
            doc_date=date(YEAR, 2, 1),
            file_ref=store(settings, ".pdf", PDF),
        )
        indicator = ProgramIndicator(year=YEAR, name=f"Cakupan {SECRET}", target=Decimal("90"))
        service = Service(code="jbgktp", name=f"KTP {SECRET}")
        s.add_all([photo, activity, document, indicator, service])
        s.add(SakipEvaluation(year=YEAR, score=Decimal("77.7")))
        s.add(Holiday(day=date(YEAR, 6, 6), name=f"Hari jadi {SECRET}"))
        member = add_staff(s, f"Petugas {SECRET}", StaffRole.TRANTIB)
        s.flush()
        activity_photo = ActivityPhoto(
            activity_id=activity.id or 0, file_ref=store(settings, ".png", PNG)
        )
        invite = StaffInvite(
            code_hash="f" * 64, role=StaffRole.TRANTIB, expires_at=utcnow().replace(year=YEAR + 1)
        )
        s.add_all([activity_photo, invite])
        _own_iku(s, settings)
        s.commit()
        return Theirs(
            office_id,
            complaint.code,
            photo.id or 0,
            activity.id or 0,
            activity_photo.id or 0,
            document.id or 0,
            indicator.id or 0,
            service.code,
            member.id or 0,
            invite.id or 0,
            s.exec(select(OfficeArea.id).where(OfficeArea.office_id == office_id)).one() or 0,
        )


def _client(
    engine: Engine, settings: Settings, office: int, role: StaffRole
) -> Iterator[TestClient]:
    with for_office(Session(engine, expire_on_commit=False), office) as s:
        member = add_staff(s, f"Admin kantor {office}", role)
        token = issue_login_link(s, member)
        s.commit()
    with TestClient(build_web(build_office(settings, engine)), follow_redirects=False) as client:
        yield log_in(client, f"/masuk?t={token}")


@pytest.fixture
def theirs(engine: Engine, web_settings: Settings) -> Theirs:
    with Session(engine) as s:  # the first office has its own work too
        factories.complaint(s, web_settings)
        s.commit()
    return _fill_second_office(engine, web_settings)


@pytest.fixture
def ours(engine: Engine, web_settings: Settings, theirs: Theirs) -> Iterator[TestClient]:
    yield from _client(engine, web_settings, 1, StaffRole.ADMIN)


def _snapshot(engine: Engine, office: int) -> dict[str, list[dict[str, Any]]]:
    """Every row of the second office, as stored."""
    with Session(engine) as s:
        for_all_offices(s)
        return {
            table.name: [
                dict(r._mapping)
                for r in s.connection().execute(table.select().where(table.c.office_id == office))
            ]
            for table in SQLModel.metadata.sorted_tables
            if "office_id" in table.c
        }


def _own_iku(s: Session, settings: Settings) -> None:
    """The second office's own IKU7, entered with an evidence file and analysed."""
    add_dictionary_indicator(s, "DESA-TERTIB", "Desa tertib", "desa")  # the kabupaten's
    choose_iku(s, "IKU7", "DESA-TERTIB", f"Desa tertib {SECRET}")
    entry = enter_iku_value(s, "IKU7", YEAR, 1, Decimal(4), f"Berita acara {SECRET}")
    entry.file_ref = store(settings, ".pdf", PDF)
    set_target(s, YEAR, "IKU7", Decimal(8))
    save_analysis(s, "IKU7", AnalysisPeriod(YEAR), {"pendorong": f"Kader {SECRET}"}, OPERATOR)


def _gets(t: Theirs) -> list[str]:
    return [
        "/register/setiku/IKU7",
        f"/register/realisasi/{YEAR}-TW1-IKU7",
        f"/register/realisasi/{YEAR}-TW1-IKU7/berkas",
        f"/register/target/{YEAR}-IKU7",
        f"/iku/IKU7?tahun={YEAR}",
        f"/pengaduan/{t.complaint}",
        f"/pengaduan/{t.complaint}/foto/{t.complaint_photo}",
        f"/register/kegiatan/{t.activity}",
        f"/register/kegiatan/{t.activity}/foto/{t.activity_photo}",
        f"/register/dokumen/{t.document}",
        f"/register/dokumen/{t.document}/berkas",
        f"/register/indikator/{t.indicator}",
        f"/register/sakip/{YEAR}",
        f"/register/libur/{YEAR}-06-06",
        f"/layanan/{t.service}/poster.pdf",
    ]


def _posts(t: Theirs) -> list[tuple[str, dict[str, str]]]:
    return [
        (f"/pengaduan/{t.complaint}/klaim", {}),
        (f"/pengaduan/{t.complaint}/diverifikasi", {"catatan": "diambil alih"}),
        (f"/pengaduan/{t.complaint}/catatan", {"catatan": "catatan dari kantor lain"}),
        (f"/pengaduan/{t.complaint}/identitas", {}),
        (f"/pengaduan/{t.complaint}/bukan_wewenang", {"tujuan": "opd", "opd": "Dinas PU"}),
        (f"/register/kegiatan/{t.activity}", {"nama": "diubah", "alasan": "koreksi data"}),
        (f"/register/kegiatan/{t.activity}/hapus", {"alasan": "dihapus dari kantor lain"}),
        (f"/register/dokumen/{t.document}/hapus", {"alasan": "dihapus dari kantor lain"}),
        (f"/register/indikator/{t.indicator}", {"realisasi": "1", "alasan": "koreksi data"}),
        (f"/register/sakip/{YEAR}/hapus", {"alasan": "dihapus dari kantor lain"}),
        (f"/petugas/{t.staff}/nonaktif", {}),
        (f"/petugas/{t.staff}/peran", {"peran": "admin"}),
        (f"/petugas/undangan/{t.invite}/cabut", {}),
        ("/kantor/desa/nonaktif", {"desa": str(t.area)}),
        ("/register/setiku/IKU7/hapus", {"alasan": "dihapus dari kantor lain"}),
        (f"/register/realisasi/{YEAR}-TW1-IKU7", {"realisasi": "1", "alasan": "koreksi"}),
        (f"/register/target/{YEAR}-IKU7/hapus", {"alasan": "dihapus dari kantor lain"}),
        ("/iku/IKU7/analisis", {"tahun": str(YEAR), "pendorong": "diubah dari kantor lain"}),
    ]


def _csrf(client: TestClient) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get("/petugas").text)
    assert found
    return found.group(1)


def test_every_route_naming_another_offices_record_is_refused(
    ours: TestClient, theirs: Theirs, engine: Engine
) -> None:
    before = _snapshot(engine, theirs.office)
    for path in _gets(theirs):
        answer = ours.get(path)
        assert answer.status_code == 404, (path, answer.status_code)
        assert SECRET not in answer.text, path
    csrf = _csrf(ours)
    for path, form in _posts(theirs):
        answer = ours.post(path, data={"csrf": csrf, **form})
        # refused: not found, or the page again saying so (the staff page's own form)
        assert answer.status_code in (400, 404), (path, answer.status_code)
        assert SECRET not in answer.text, path
    assert _snapshot(engine, theirs.office) == before


LISTINGS = [
    "/",
    "/pengaduan",
    "/pengaduan?status=semua",
    "/pengaduan/limpahan",
    "/register/kegiatan",
    "/register/dokumen",
    "/register/indikator",
    f"/register/sakip?tahun={YEAR}",
    f"/register/libur?tahun={YEAR}",
    "/register/setiku",
    f"/register/realisasi?tahun={YEAR}",
    f"/register/target?tahun={YEAR}",
    "/layanan",
    "/petugas",
    "/sistem",
    "/kantor",
    f"/iku/IKU1?tahun={YEAR}",
    f"/iku/IKU4?tahun={YEAR}",
    f"/laporan/complaints.html?tahun={YEAR}",
    f"/laporan/skm.html?tahun={YEAR}",
    f"/laporan/iku.html?tahun={YEAR}",
]


def test_no_listing_export_or_report_shows_another_offices_rows(
    ours: TestClient, theirs: Theirs
) -> None:
    for path in LISTINGS:
        answer = ours.get(path)
        assert answer.status_code in (200, 303), (path, answer.status_code)
        assert SECRET not in answer.text and theirs.complaint not in answer.text, path
    for name in ("kegiatan", "dokumen", "indikator", "sakip", "libur", "setiku", "realisasi"):
        answer = ours.get(f"/register/{name}/ekspor.xlsx")
        assert answer.status_code == 200, name
        cells = [
            str(c)
            for sheet in load_workbook(io.BytesIO(answer.content)).worksheets
            for row in sheet.iter_rows(values_only=True)
            for c in row
        ]
        assert not any(SECRET in c for c in cells), name


def test_the_other_office_sees_its_own_rows(
    engine: Engine, web_settings: Settings, theirs: Theirs
) -> None:
    """The walls stand both ways: the second office's admin sees its records, and not
    the first office's complaint."""
    with Session(engine) as s:
        for_office(s, 1)
        first_code = s.exec(select(Complaint.code)).one()
    for client in _client(engine, web_settings, theirs.office, StaffRole.ADMIN):
        assert SECRET in client.get(f"/pengaduan/{theirs.complaint}").text
        got = client.get(f"/register/dokumen/{theirs.document}/berkas")
        assert got.content == PDF, re.sub(r"\s+", " ", got.text)[-600:]
        photos = [
            f"/pengaduan/{theirs.complaint}/foto/{theirs.complaint_photo}",
            f"/register/kegiatan/{theirs.activity}/foto/{theirs.activity_photo}",
        ]
        assert [client.get(path).content for path in photos] == [PNG, PNG]
        assert SECRET in client.get("/petugas").text
        assert first_code not in client.get("/pengaduan?status=semua").text
        assert client.get(f"/pengaduan/{first_code}").status_code == 404


def test_staff_of_one_office_are_not_counted_in_another(engine: Engine, theirs: Theirs) -> None:
    with Session(engine) as s:
        for_office(s, 1)
        names = set(s.exec(select(Staff.name)).all())
    assert f"Petugas {SECRET}" not in names


def _login_path(engine: Engine, office: int, role: StaffRole, name: str) -> str:
    with Session(engine, expire_on_commit=False) as session:
        for_office(session, office)
        member = add_staff(session, name, role)
        token = issue_login_link(session, member)
        session.commit()
    return f"/masuk?t={token}"


def test_two_new_offices_never_share_a_cached_page(engine: Engine, settings: Settings) -> None:
    """Pages computed once per state of the data: two offices with nothing recorded yet
    have the same data stamp, and one server serves both. Each sees its own desa."""
    with Session(engine, expire_on_commit=False) as session:
        other = add_office(session, "35.09.01", "Kecamatan Lain", "JBG", (f"Desa {SECRET}",))
        session.commit()
    assert other.id is not None
    app = build_web(build_office(settings, engine))
    theirs_login = _login_path(engine, other.id, StaffRole.ADMIN, "Admin kantor lain")
    ours_login = _login_path(engine, 1, StaffRole.ADMIN, "Admin kantor ini")
    with (
        TestClient(app, follow_redirects=False) as them,
        TestClient(app, follow_redirects=False) as us,
    ):
        log_in(them, theirs_login)
        assert SECRET in them.get(f"/?tahun={YEAR}").text  # their page, now cached
        them.get("/pengaduan?status=semua")
        log_in(us, ours_login)
        for path in (f"/?tahun={YEAR}", "/pengaduan?status=semua"):
            answer = us.get(path)
            assert answer.status_code == 200 and SECRET not in answer.text, path
