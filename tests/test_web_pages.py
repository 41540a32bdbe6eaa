"""The back office's pages over HTTP, as staff use them: what each page shows and what
each form changes (the browser test covers the same flows in chromium)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from starlette.testclient import TestClient

from app.web import build_office
from core.config import Settings
from core.domain.complaints import ComplaintState, Privacy
from core.domain.people import StaffRole
from core.domain.performance import IkuCode
from core.domain.periods import Period
from core.models import Document, Holiday, Staff, StaffInvite
from core.services.performance import records
from core.services.survey.skm import add_service
from reports import builders
from tests import factories
from tests.chat_media import place
from tests.web_harness import csrf_of, log_in, login_link
from web.office import build_web

# What the pages show and change, not how rows are stored: SQLite only (the browser test
# and the register tests run on PostgreSQL too).
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def settings_web(settings: Settings, tmp_path: object) -> Settings:
    return settings.model_copy(update={"media_dir": tmp_path, "telegram_bot_username": "sigap_bot"})


def _as(engine: Engine, settings: Settings, role: StaffRole) -> Iterator[TestClient]:
    with Session(engine, expire_on_commit=False) as session:
        member = records.add_staff(session, f"Petugas {role.value}", role)
        session.commit()
    with TestClient(build_web(build_office(settings, engine)), follow_redirects=False) as client:
        log_in(client, login_link(engine, member))
        yield client


@pytest.fixture
def admin(engine: Engine, settings_web: Settings) -> Iterator[TestClient]:
    yield from _as(engine, settings_web, StaffRole.ADMIN)


def test_dashboard_details_and_reports_follow_the_period(
    admin: TestClient, session: Session, settings: Settings
) -> None:
    records.add_document(session, records.DocumentKind.LAKIP, "LAKIP 2025", date(2026, 2, 10))
    records.set_target(session, 2026, IkuCode.IKU1, Decimal(4))
    factories.complaint(session, settings)
    session.commit()
    page = admin.get("/?tahun=2026")
    assert page.status_code == 200
    card = re.search(r'id="IKU1" data-value="([^"]*)" data-capaian="([^"]*)"', page.text)
    assert card and card.groups() == ("1", "25.00")
    quarter = admin.get("/?tahun=2026&triwulan=2")
    # IKU1 for a triwulan is the year to date (domain.md section 8): February's counts
    assert 'id="IKU1" data-value="1"' in quarter.text
    ranged = admin.get("/?dari=2026-02-01&sampai=2026-02-28")
    assert "2026-02-01 – 2026-02-28" in ranged.text
    backwards = admin.get("/?dari=2026-03-01&sampai=2026-02-01")
    assert backwards.status_code == 400 and "terbalik" in backwards.text
    assert "LAKIP 2025" in admin.get("/iku/IKU1?tahun=2026").text
    for code in ("IKU2", "IKU3", "IKU4", "IKU5", "IKU6"):
        assert admin.get(f"/iku/{code}?tahun=2026").status_code == 200
    assert admin.get("/iku/IKU9").status_code == 404
    report = admin.get("/laporan/iku.xlsx?tahun=2026")
    assert report.status_code == 200 and report.content[:2] == b"PK"
    book = openpyxl.load_workbook(io.BytesIO(report.content))
    cells = [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert "IKU1" in cells
    assert admin.get("/laporan/rahasia.pdf").status_code == 404


def test_the_queue_filters_and_a_hidden_reporter_stays_hidden(
    engine: Engine, settings_web: Settings, session: Session, settings: Settings
) -> None:
    siti = factories.resident(session, "2001", "Siti Aminah")
    hidden = factories.complaint(session, settings, reporter=siti)
    secret = factories.complaint(session, settings, reporter=siti, privacy=Privacy.RAHASIA)
    officer = factories.staff(session, StaffRole.TRANTIB, "Joko")
    from core.services.complaints import lifecycle as svc

    svc.transition_complaint(session, hidden, ComplaintState.DIVERIFIKASI, staff=officer)
    session.commit()
    for client in _as(engine, settings_web, StaffRole.PMKS):
        queue = client.get("/pengaduan")
        assert re.search(r'<option value="pkl"\s*>Pedagang kaki lima \(PKL\)</option>', queue.text)
        assert hidden.code in queue.text and secret.code not in queue.text
        assert client.get(f"/pengaduan/{secret.code}").status_code == 404
        page = client.get(f"/pengaduan/{hidden.code}")
        assert "Siti Aminah" not in page.text and "disembunyikan" in page.text
        assert "aksi-klaim" not in page.text  # pmks does not handle complaints
        verified = client.get("/pengaduan?status=diverifikasi", headers={"HX-Request": "true"})
        assert hidden.code in verified.text and "<html" not in verified.text
        assert secret.code not in client.get("/pengaduan?status=diterima").text
    for client in _as(engine, settings_web, StaffRole.TRANTIB):
        assert secret.code in client.get("/pengaduan?status=semua").text
        assert secret.code in client.get("/pengaduan").text  # open, before the change below
        page = client.get(f"/pengaduan/{hidden.code}")
        assert "Siti Aminah" not in page.text and "buka-identitas" in page.text
        csrf = csrf_of(client, f"/pengaduan/{hidden.code}")
        revealed = client.post(f"/pengaduan/{hidden.code}/identitas", data={"csrf": csrf})
        assert revealed.status_code == 200 and "Siti Aminah" in revealed.text
        assert "Identitas pelapor dilihat" in revealed.text  # the look is in the history
        refused = client.post(f"/pengaduan/{hidden.code}/ditolak", data={"csrf": csrf})
        assert refused.status_code == 400 and "Perlu alasan penolakan" in refused.text
        dup = client.post(
            f"/pengaduan/{secret.code}/duplikat", data={"csrf": csrf, "asli": hidden.code}
        )
        assert dup.status_code == 303
        assert "Duplikat dari" in client.get(f"/pengaduan/{secret.code}").text
        assert secret.code not in client.get("/pengaduan").text  # the queue sees it at once
        mine = client.get("/pengaduan?saya=1&status=semua")
        assert hidden.code not in mine.text  # claimed by Joko, not by this officer


def test_a_document_with_its_file_and_an_exported_register(
    admin: TestClient, engine: Engine
) -> None:
    csrf = csrf_of(admin, "/register/dokumen")
    made = admin.post(
        "/register/dokumen",
        data={"csrf": csrf, "jenis": "lakip", "judul": "LAKIP 2025", "tanggal": "10/02/2026"},
    )
    assert made.status_code == 303
    row_page = made.headers["location"].split("?")[0]
    again = admin.post(
        "/register/dokumen",
        data={"csrf": csrf, "jenis": "lakip", "judul": "LAKIP 2025", "tanggal": "2026-02-10"},
    )
    assert again.status_code == 400 and "sudah tercatat" in again.text
    bad = admin.post(
        row_page + "/berkas",
        data={"csrf": csrf},
        files={"berkas": ("x.exe", b"MZ\x00\x00", "application/pdf")},
    )
    assert bad.status_code == 400 and "Jenis berkas tidak diterima" in bad.text
    text = admin.post(  # any text passes for a CSV: never kept as a document
        row_page + "/berkas",
        data={"csrf": csrf},
        files={"berkas": ("fake.pdf", b"bukan PDF, hanya teks", "application/pdf")},
    )
    assert text.status_code == 400 and "Jenis berkas tidak diterima" in text.text
    upload = admin.post(
        row_page + "/berkas",
        data={"csrf": csrf},
        files={"berkas": ("lakip.pdf", PDF, "application/pdf")},
    )
    assert upload.status_code == 303
    served = admin.get(row_page + "/berkas")
    assert served.status_code == 200 and served.content == PDF
    assert "private" in served.headers["cache-control"]
    with Session(engine) as session:
        stored = session.exec(select(Document)).one()
        assert stored.file_ref and stored.file_ref.startswith("media:")
    exported = admin.get("/register/dokumen/ekspor.xlsx?tahun=2026")
    sheet = openpyxl.load_workbook(io.BytesIO(exported.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == ["jenis", "judul", "tanggal"]
    assert [c.value for c in sheet[2]] == ["lakip", "LAKIP 2025", "2026-02-10"]
    template = admin.get("/register/kegiatan/templat.xlsx")
    first = openpyxl.load_workbook(io.BytesIO(template.content)).worksheets[0][1]
    assert [c.value for c in first][:2] == ["nama", "jenis"]
    assert admin.get("/register/tidak-ada").status_code == 404


def test_holidays_from_the_national_calendar_and_by_hand(admin: TestClient, engine: Engine) -> None:
    csrf = csrf_of(admin, "/register/libur")
    fetched = admin.post("/register/libur/nasional", data={"csrf": csrf, "tahun": "2026"})
    assert fetched.status_code == 303
    added = admin.post(
        "/register/libur",
        data={"csrf": csrf, "tanggal": "2026-12-24", "keterangan": "Cuti bersama Natal"},
    )
    assert added.status_code == 303
    with Session(engine) as session:
        days = {h.day: h.name for h in session.exec(select(Holiday))}
    assert days[date(2026, 8, 17)].startswith("Hari Kemerdekaan")
    assert days[date(2026, 12, 24)] == "Cuti bersama Natal"
    wrong_year = admin.post("/register/libur/nasional", data={"csrf": csrf, "tahun": "1800"})
    assert wrong_year.status_code == 400


def test_staff_are_invited_given_roles_and_deactivated(
    admin: TestClient, engine: Engine, session: Session
) -> None:
    csrf = csrf_of(admin, "/petugas")
    invited = admin.post("/petugas/undang", data={"csrf": csrf, "peran": "pmks", "nama": "Rina"})
    assert invited.status_code == 200 and "https://t.me/sigap_bot?start=staff_" in invited.text
    assert admin.post("/petugas/undang", data={"csrf": csrf, "peran": "raja"}).status_code == 400
    budi = factories.staff(session, StaffRole.TRANTIB, "Budi")
    session.commit()
    assert (
        admin.post(f"/petugas/{budi.id}/peran", data={"csrf": csrf, "peran": "sekcam"}).status_code
        == 303
    )
    assert admin.post(f"/petugas/{budi.id}/nonaktif", data={"csrf": csrf}).status_code == 303
    with Session(engine) as check:
        stored = check.get(Staff, budi.id)
        assert stored is not None and stored.role is StaffRole.SEKCAM and not stored.active
        assert check.exec(select(StaffInvite)).one().role is StaffRole.PMKS


def test_services_and_the_english_pages(admin: TestClient, session: Session) -> None:
    add_service(session, "ktp", "KTP elektronik")
    session.commit()
    csrf = csrf_of(admin, "/layanan")
    assert (
        admin.post(
            "/layanan", data={"csrf": csrf, "kode": "kk", "nama": "Kartu keluarga"}
        ).status_code
        == 303
    )
    dup = admin.post("/layanan", data={"csrf": csrf, "kode": "kk", "nama": "Lagi"})
    assert dup.status_code == 400 and "sudah dipakai" in dup.text
    page = admin.get("/layanan")
    assert "Kartu keluarga" in page.text and "/layanan/ktp/poster.pdf" in page.text
    poster = admin.get("/layanan/ktp/poster.pdf")
    assert poster.status_code == 200 and poster.content.startswith(b"%PDF")
    admin.post("/bahasa", data={"csrf": csrf, "bahasa": "en", "kembali": "/pengaduan"})
    assert "Complaint queue" in admin.get("/pengaduan").text
    admin.post("/bahasa", data={"csrf": csrf, "bahasa": "id", "kembali": "//evil.example"})
    assert "Antrean pengaduan" in admin.get("/pengaduan").text
    out = admin.post("/keluar", data={"csrf": csrf})
    assert out.headers["location"] == "/masuk"
    assert admin.get("/").headers["location"] == "/masuk"


def test_the_skm_follow_up_plan_is_filled_on_the_web_or_from_a_file(
    admin: TestClient, engine: Engine, settings_web: Settings
) -> None:
    """The SKM report's last chapter prints what the office wrote here."""
    with Session(engine) as session:
        add_service(session, "kk", "Kartu Keluarga")
        session.commit()
    csrf = csrf_of(admin, "/register/rtl")
    typed = {"csrf": csrf, "tahun": "2026", "unsur": "U3", "rencana": "Buka loket pagi"}
    assert admin.post("/register/rtl", data=typed).status_code == 303
    unknown = admin.post("/register/rtl", data={**typed, "layanan": "paspor"})
    assert unknown.status_code == 400 and "paspor" in unknown.text
    sheet = (
        "tahun,triwulan,layanan,unsur,rencana,penanggung_jawab,target_waktu\n"
        "2026,,kk,U9,Tambah kursi ruang tunggu,Kasi Pelayanan,2026-06-30\n"
    )
    files = {"berkas": ("rtl.csv", sheet.encode(), "text/csv")}
    assert admin.post("/register/rtl/impor", data={"csrf": csrf}, files=files).status_code == 303
    with Session(engine) as session:
        report = builders.build_skm(session, settings_web, Period.year(2026))
    plans = next(t for t in report.tables if t.key == "rtl").rows
    assert plans == [
        ["Seluruh unit", "U3 Waktu Penyelesaian", "Buka loket pagi", "-", None],
        [
            "Kartu Keluarga",
            "U9 Sarana dan Prasarana",
            "Tambah kursi ruang tunggu",
            "Kasi Pelayanan",
            date(2026, 6, 30),
        ],
    ]


def test_the_photos_sent_from_the_field_show_on_the_activity_page(
    admin: TestClient, engine: Engine, settings_web: Settings, tmp_path: object
) -> None:
    from pathlib import Path

    from core.models import Activity, ActivityPhoto

    jpeg = b"\xff\xd8\xff\xe0 a field photo"
    place(engine, settings_web, "wa:MEDIA-77", jpeg, "chat/field-77.jpg")
    Path(str(tmp_path), "wa-MEDIA-77.jpg").write_bytes(b"the old naming: never looked for")
    with Session(engine) as session:
        held = Activity(name="Posyandu", kind="posyandu", held_date=date(2026, 3, 2))
        other = Activity(name="Pelatihan", kind="pelatihan", planned_date=date(2026, 4, 2))
        session.add_all([held, other])
        session.flush()
        shown = ActivityPhoto(activity_id=held.id, file_ref="wa:MEDIA-77", caption="penimbangan")
        session.add_all([shown, ActivityPhoto(activity_id=held.id, file_ref="AgACtelegram")])
        session.commit()
        keys, photo_id = (held.id, other.id), shown.id
    page = admin.get(f"/register/kegiatan/{keys[0]}")
    assert f"/register/kegiatan/{keys[0]}/foto/{photo_id}" in page.text
    assert "penimbangan" in page.text and "tersimpan di Telegram" in page.text
    served = admin.get(f"/register/kegiatan/{keys[0]}/foto/{photo_id}")
    assert served.status_code == 200 and served.content == jpeg
    assert admin.get(f"/register/kegiatan/{keys[1]}/foto/{photo_id}").status_code == 404


def test_a_telegram_photo_kept_on_arrival_shows_on_the_complaint_page(
    admin: TestClient, engine: Engine, settings: Settings, settings_web: Settings
) -> None:
    from pathlib import Path

    from core.models import ComplaintPhoto

    jpeg = b"\xff\xd8\xff\xe0 from telegram"
    place(engine, settings_web, "AgACAgUAAxkBAAI", jpeg, "tg-kept-on-arrival.jpg")
    Path(settings_web.media_dir, "tg-on-its-way.jpg.part").write_bytes(b"half a photo")
    with Session(engine, expire_on_commit=False) as session:
        complaint = factories.complaint(session, settings)
        photo = ComplaintPhoto(complaint_id=complaint.id, file_ref="AgACAgUAAxkBAAI")
        fetching = ComplaintPhoto(complaint_id=complaint.id, file_ref="AgACstillfetching")
        session.add_all([photo, fetching])
        session.commit()
    page = admin.get(f"/pengaduan/{complaint.code}")
    assert f"/pengaduan/{complaint.code}/foto/{photo.id}" in page.text
    assert f"/pengaduan/{complaint.code}/foto/{fetching.id}" not in page.text
    served = admin.get(f"/pengaduan/{complaint.code}/foto/{photo.id}")
    assert served.status_code == 200 and served.content == jpeg
    assert admin.get(f"/pengaduan/{complaint.code}/foto/{fetching.id}").status_code == 404
