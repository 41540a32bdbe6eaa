"""Phone first (issue 23): every page of the back office, in both languages, on a 390 px
phone (chromium), is exactly as wide as the screen: nothing scrolls sideways, not even a
table inside its box (tables become cards). The same holds on a 1280 px desktop. The
routes come from the one route table (web/office.py), so a new page without a sample
here fails this test instead of being skipped.

Screenshots of the queue, a complaint, a register, a register row and the staff page at
390 and 1280 px, in both languages, go to build/screenshots/telepon-*.png for review."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, FilePayload, Page, ViewportSize
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.routing import Route

from app.web import build_office
from core.config import Settings
from core.domain.complaints import Channel, ComplaintState
from core.domain.people import StaffRole
from core.scope import for_office
from core.services.access.invites import create_invite
from core.services.access.offices import add_office
from core.services.complaints import lifecycle as svc
from core.services.complaints.referrals import Destination
from core.services.kabupaten.verification import submit_quarter
from core.services.performance import records
from core.services.performance import registers as reg
from core.services.performance.register_kinds import REGISTERS
from core.services.survey.skm import add_service
from core.timeutil import utcnow
from tests import factories
from tests.browser import SCREENSHOTS
from tests.web_harness import login_link
from tests.whatsapp_harness import serving
from web.office import PAGES, build_web

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=900)
YEAR = date.today().year
# GET routes that answer a file, not a page
FILES = {
    "/laporan/{kind}.{fmt}",
    "/pengaduan/{code}/foto/{photo_id:id}",
    "/register/{name}/ekspor.xlsx",
    "/register/{name}/templat.xlsx",
    "/register/{name}/{key}/berkas",
    "/register/kegiatan/{key:id}/foto/{photo_id:id}",
    "/layanan/{code}/poster.pdf",
    "/kabupaten/laporan.{fmt}",
    "/kabupaten/rujukan.{fmt}",
}
# The kabupaten's pages: for accounts of no office, fitted in a test of their own
KABUPATEN = "/kabupaten"
# The HTML reports, opened in the browser from the dashboard
REPORTS = [f"/laporan/{kind}.html?tahun={YEAR}" for kind in ("iku", "skm", "complaints")]
# One row of every register, written as an office would (long words included)
ROWS = {
    "kegiatan": {
        "nama": "Posyandu lansia dan pemeriksaan kesehatan gratis Dusun Krajan Kidul",
        "jenis": "posyandu",
        "tanggal_rencana": f"{YEAR}-01-15",
        "status": "direncanakan",
        "peserta_l": "12",
        "peserta_p": "30",
        "sasaran": "Lansia",
        "mitra": "Puskesmas Mumbulsari",
        "sumber_dana": "APBDes",
    },
    "dokumen": {
        "jenis": "peta-proses-bisnis",
        "judul": "Peta proses bisnis",
        "tanggal": "2026-02-10",
    },
    "sakip": {"tahun": str(YEAR), "nilai": "71.5", "catatan": "Evaluasi Inspektorat Kabupaten"},
    "indikator": {
        "tahun": str(YEAR),
        "nama": "Persentase desa yang menyampaikan laporan penyelenggaraan pemerintahan desa",
        "satuan": "%",
        "target": "80",
        "realisasi": "75",
        "arah": "higher",
    },
    "target": {"tahun": str(YEAR), "iku": "IKU1", "target": "4", "arah": "higher"},
    "libur": {"tanggal": f"{YEAR}-08-17", "keterangan": "Hari Ulang Tahun Kemerdekaan RI"},
    "rtl": {"tahun": str(YEAR), "unsur": "U5", "rencana": "Pelatihan petugas loket pelayanan"},
}
LONG_TEXT = (
    "PKL menutup trotoar depan pasar, pejalan kaki turun ke jalan. Lihat "
    "https://www.facebook.com/groups/wargamumbulsari/posts/12345678901234567890123456789"
)


@pytest.fixture
async def office_url(settings: Settings, engine: Engine, tmp_path: Path) -> AsyncIterator[str]:
    configured = settings.model_copy(
        update={
            "media_dir": tmp_path,
            "telegram_bot_username": "sigap_mumbulsari_bot",
            "map_tile_url": "http://127.0.0.1:9/{z}/{x}/{y}.png",  # nothing leaves the machine
        }
    )
    async with serving(build_web(build_office(configured, engine))) as url:
        yield url


def _seed(session: Session, settings: Settings) -> dict[str, list[str]]:
    """A working office: complaints in several states, one row of every register,
    staff, an invitation, a service. Returns the sample addresses of each route."""
    admin = records.add_staff(session, "Sekar Ayu Kusumawardhani", StaffRole.ADMIN)
    officer = factories.staff(session, StaffRole.TRANTIB, "Joko Prasetyo Wibisono")
    records.change_role(session, officer.id, StaffRole.SEKCAM, actor=admin)  # type: ignore[arg-type]
    create_invite(session, StaffRole.PMKS, "Rina Puspitasari", actor=admin)
    add_service(session, "ktp-el", "Perekaman dan pencetakan KTP elektronik")
    siti = factories.resident(session, "2001", "Siti Aminah")
    data = svc.NewComplaint(
        channel=Channel.MEDIA_SOSIAL,
        category="pkl",
        description=LONG_TEXT,
        desa=settings.desa_list[0] if settings.desa_list else None,
        latitude=-8.2531,
        longitude=113.7437,
    )
    located = svc.register_complaint(session, settings, data, reporter=siti)
    late = factories.complaint(session, settings, received_at=utcnow() - timedelta(days=40))
    factories.advance(session, late, ComplaintState.SELESAI, officer)
    factories.complaint(session, settings, received_at=utcnow() - timedelta(days=30))
    keys = {}
    for name, raw in ROWS.items():
        register = REGISTERS[name]
        row = reg.create_record(session, register, reg.parse_values(register, raw), admin)
        keys[name] = register.key_of(row)
    session.commit()
    return {
        "/": ["/", f"/?tahun={YEAR}&triwulan=2", f"/?dari={YEAR}-01-01&sampai={YEAR}-06-30"],
        "/iku/{code}": [f"/iku/IKU{i}?tahun={YEAR}" for i in range(1, 7)],
        "/pengaduan": ["/pengaduan", "/pengaduan?status=semua&lewat=1"],
        "/pengaduan/{code}": [f"/pengaduan/{located.code}", f"/pengaduan/{late.code}"],
        "/pengaduan/limpahan": ["/pengaduan/limpahan"],
        "/register": ["/register"],
        "/register/{name}": [f"/register/{name}?tahun={YEAR}" for name in REGISTERS],
        "/register/{name}/{key}": [f"/register/{name}/{key}" for name, key in keys.items()],
        "/layanan": ["/layanan"],
        "/petugas": ["/petugas"],
        "/sistem": ["/sistem"],
        "/kantor": ["/kantor"],
        "/pengajuan": [f"/pengajuan?tahun={YEAR}"],
    }


def _addresses(samples: dict[str, list[str]]) -> list[str]:
    """Every page of the route table, by its samples; a page without one is a failure."""
    pages = [
        r
        for r in PAGES
        if isinstance(r, Route)
        and "GET" in (r.methods or ())
        and r.path.startswith(KABUPATEN) == (KABUPATEN in samples)
    ]
    missing = [r.path for r in pages if r.path not in FILES and r.path not in samples]
    assert missing == [], f"pages without a sample address in this test: {missing}"
    return [address for r in pages if r.path not in FILES for address in samples[r.path]]


async def _width(page: Page) -> int:
    return int(await page.evaluate("document.documentElement.scrollWidth"))


# Tables that still scroll inside their box (a hidden column, an action off-screen)
INNER_SCROLL = """Array.from(document.querySelectorAll('.table-wrap, table'))
  .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.id || e.className || e.tagName)"""


async def _misfits(page: Page, address: str, screen: int) -> list[str]:
    """What does not fit the screen on this page (nothing, for a page that fits)."""
    answer = await page.goto(address)
    assert answer is not None and answer.status < 400, address
    wrong = []
    if (width := await _width(page)) != screen:
        wrong.append(f"{address}: the page is {width} px wide on a {screen} px screen")
    if boxes := await page.evaluate(INNER_SCROLL):
        wrong.append(f"{address}: {boxes} scroll sideways inside the page at {screen} px")
    return wrong


async def _shoot(page: Page, address: str, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.goto(address)
    for viewport in (PHONE, DESKTOP):
        await page.set_viewport_size(viewport)
        path = SCREENSHOTS / f"telepon-{name}-{viewport['width']}.png"
        await page.screenshot(path=path, full_page=True)
    await page.set_viewport_size(PHONE)


async def test_every_page_fits_a_phone_in_both_languages(
    browser: Browser, office_url: str, engine: Engine, settings: Settings
) -> None:
    url = office_url
    with Session(engine, expire_on_commit=False) as session:
        samples = _seed(session, settings)
        admin = records.list_staff(session)[0]
    addresses = _addresses(samples)
    page = await browser.new_page(viewport=PHONE)
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)

    for public in ("/masuk", login_link(engine, admin), "/tidak-ada-halaman-ini"):
        await page.goto(url + public)
        assert await _width(page) == PHONE["width"], public
    await page.goto(url + login_link(engine, admin))
    await page.click("#masuk")
    await page.wait_for_url(url + "/")

    misfits: list[str] = []
    for language in ("id", "en"):
        for screen in (DESKTOP, PHONE):  # the phone last: the forms below run on it
            await page.set_viewport_size(screen)
            for address in [*addresses, *REPORTS]:
                misfits += await _misfits(page, url + address, screen["width"])
        # pages after a form: an invitation's links, a refused import
        await page.goto(url + "/petugas")
        await page.fill("#undang input[name=nama]", "Dewi Lestari")
        await page.click("#undang button")
        await page.wait_for_selector("#undangan")
        assert await _width(page) == PHONE["width"], "the invitation's links"
        await page.goto(url + "/register/kegiatan")
        await page.set_input_files(
            "#impor input[type=file]",
            files=[FilePayload(name="k.csv", mimeType="text/csv", buffer=b"nama;jenis\n;x\n")],
        )
        await page.click("#impor button")
        await page.wait_for_selector("#pesan")
        assert await _width(page) == PHONE["width"], "a refused import"
        await _screenshots(page, url, samples, language)
        if language == "id":
            await page.goto(url + "/pengaduan")
            await page.click("header .who form:first-of-type button")  # to English
            await page.wait_for_selector("html[lang=en]")
    assert misfits == []
    assert blocked == []


async def _screenshots(page: Page, url: str, samples: dict[str, list[str]], language: str) -> None:
    shots = {
        "antrean": "/pengaduan?status=semua",
        "pengaduan": samples["/pengaduan/{code}"][0],
        "register": samples["/register/{name}"][0],
        "register-baris": samples["/register/{name}/{key}"][0],
        "petugas": "/petugas",
        "laporan-iku": REPORTS[0],
    }
    for name, address in shots.items():
        await _shoot(page, url + address, f"{name}-{language}")


async def test_the_kabupaten_pages_fit_a_phone_in_both_languages(
    browser: Browser, office_url: str, engine: Engine, settings: Settings
) -> None:
    """A kabupaten account's pages, with a second office and a submitted triwulan."""
    url = office_url
    with Session(engine, expire_on_commit=False) as session:
        add_office(session, "35.09.01", "Kecamatan Jombang Sumberejo Wetan", "JBG", ("Jombang",))
        session.commit()
    with for_office(Session(engine, expire_on_commit=False), 1) as session:
        _seed(session, settings)
        camat = records.add_staff(session, "Camat Mumbulsari", StaffRole.CAMAT)
        submit_quarter(session, settings, YEAR - 1, 4, camat, date(YEAR, 1, 20))
        referred = factories.complaint(session, settings)  # a row of the referrals page
        where = Destination.opd("Dinas Pekerjaan Umum Bina Marga dan Sumber Daya Air")
        svc.transition_complaint(
            session, referred, ComplaintState.BUKAN_WEWENANG, staff=camat, destination=where
        )
        session.commit()
    with Session(engine, expire_on_commit=False) as session:
        member = records.add_staff(session, "Bagian Organisasi", StaffRole.KABUPATEN_ADMIN)
        session.commit()
    samples = {
        KABUPATEN: [KABUPATEN, f"{KABUPATEN}?tahun={YEAR - 1}&triwulan=4"],
        "/kabupaten/verifikasi": [f"/kabupaten/verifikasi?tahun={YEAR - 1}&triwulan=4"],
        "/kabupaten/limpahan": ["/kabupaten/limpahan"],
        "/kabupaten/kamus": ["/kabupaten/kamus"],
        "/kabupaten/rujukan": ["/kabupaten/rujukan"],
        "/kabupaten/verifikasi/{code}/{year}/{q}": [
            f"/kabupaten/verifikasi/{settings.office_code}/{YEAR - 1}/4"
        ],
    }
    addresses = _addresses(samples)
    page = await browser.new_page(viewport=PHONE)
    await page.goto(url + login_link(engine, member))
    await page.click("#masuk")
    await page.wait_for_url(url + KABUPATEN)
    misfits: list[str] = []
    for language in ("id", "en"):
        for screen in (DESKTOP, PHONE):
            await page.set_viewport_size(screen)
            for address in addresses:
                misfits += await _misfits(page, url + address, screen["width"])
        await _shoot(page, url + samples[KABUPATEN][1], f"kabupaten-{language}")
        await _shoot(page, url + addresses[-1], f"verifikasi-{language}")
        if language == "id":
            await page.click("header .who form:first-of-type button")  # to English
            await page.wait_for_selector("html[lang=en]")
    assert misfits == []
