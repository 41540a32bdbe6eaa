"""The page "Kantor" (issue 24): in a real browser (chromium) the office's admin corrects
the Camat and the address, uploads a logo, adds a kelurahan, deactivates a desa and
brings it back, reads each change in the trail, and the next report carries the new
Camat and logo; the page fits a 390 px phone and a 1280 px desktop in both languages
(screenshots in build/screenshots/kantor-*.png). Over HTTP: a POST without the CSRF
token changes nothing, every other role is refused (and sees no link to the page), and
another office's desa is out of reach."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from playwright.async_api import Browser, FilePayload, Page, ViewportSize
from sqlalchemy import Engine
from sqlmodel import Session, select
from starlette.testclient import TestClient

from app.web import build_office
from core.config import Settings
from core.domain.access import Permission, may
from core.domain.people import OFFICE_ROLES, StaffRole
from core.models import Office, OfficeArea, RegisterAudit, Staff
from core.scope import for_all_offices, for_office
from core.services.access.offices import add_office
from core.services.access.web_access import issue_login_link
from core.services.performance import records
from tests.browser import SCREENSHOTS
from tests.web_harness import csrf_of, log_in, login_link
from tests.whatsapp_harness import serving
from web.office import build_web

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=900)
YEAR = date.today().year
CAMAT = "Dra. Siti Rahayu Kusumawardhani, M.Si."
NIP = "19700101 199003 2 005"
LONG_AREA = "Kelurahan Tegalbesar Kidul Wetan Sumberdandang"
# Tables that still scroll inside their box (as tests/test_web_phone.py)
INNER_SCROLL = """Array.from(document.querySelectorAll('.table-wrap, table'))
  .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.id || e.className || e.tagName)"""


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (90, 110), "darkgreen").save(buffer, format="PNG")
    return buffer.getvalue()


def _staff(engine: Engine, role: StaffRole, name: str) -> Staff:
    with Session(engine, expire_on_commit=False) as session:
        member = records.add_staff(session, name, role)
        session.commit()
    return member


def _stored(engine: Engine) -> tuple[dict[str, object], dict[str, bool], int]:
    """Office #1's row, its desa and its trail's length, as stored."""
    with Session(engine) as session:
        office = session.get(Office, 1)
        assert office is not None
        areas = session.exec(select(OfficeArea).where(OfficeArea.office_id == 1)).all()
        trail = session.exec(select(RegisterAudit).where(RegisterAudit.register_name == "kantor"))
        return office.model_dump(), {a.name: a.active for a in areas}, len(trail.all())


@pytest.fixture
def web_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(
        update={
            "media_dir": tmp_path / "media",
            "map_tile_url": "http://127.0.0.1:9/{z}/{x}/{y}.png",  # nothing leaves the machine
        }
    )


@pytest.fixture
async def office_url(web_settings: Settings, engine: Engine) -> AsyncIterator[str]:
    async with serving(build_web(build_office(web_settings, engine))) as url:
        yield url


# -- in the browser -------------------------------------------------------------------------


async def _fits(page: Page, screen: ViewportSize) -> list[str]:
    await page.set_viewport_size(screen)
    wrong = []
    width = int(await page.evaluate("document.documentElement.scrollWidth"))
    if width != screen["width"]:
        wrong.append(f"the page is {width} px wide on a {screen['width']} px screen")
    if boxes := await page.evaluate(INNER_SCROLL):
        wrong.append(f"{boxes} scroll sideways at {screen['width']} px")
    return wrong


async def _shoot(page: Page, name: str) -> list[str]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wrong = []
    for screen in (DESKTOP, PHONE):  # the phone last: the forms run on it
        wrong += await _fits(page, screen)
        path = SCREENSHOTS / f"kantor-{name}-{screen['width']}.png"
        await page.screenshot(path=path, full_page=True)
    return wrong


async def _submit(page: Page, form: str) -> str:
    """Press the form's button; the notice the page it leads to answers with."""
    async with page.expect_navigation():
        await page.click(f"{form} button")
    await page.wait_for_selector("#pesan")
    return (await page.locator("#pesan").inner_text()).strip()


async def _correct_the_profile(page: Page) -> None:
    await page.fill("#profil input[name=nama_camat]", "Siti \u202eRahayu")  # hidden mark
    assert "karakter yang tidak diizinkan" in await _submit(page, "#profil")
    assert await page.input_value("#profil input[name=nama_camat]") == "Siti \u202eRahayu"
    await page.fill("#profil input[name=nama_camat]", CAMAT)
    await page.fill("#profil input[name=nip_camat]", NIP)
    await page.fill("#profil input[name=pangkat_camat]", "Pembina Tingkat I (IV/b)")
    await page.fill("#profil input[name=alamat]", "Jl. Raya Mumbulsari No. 1, Jember 68174")
    assert await _submit(page, "#profil") == "Tersimpan."
    assert await page.input_value("#profil input[name=nama_camat]") == CAMAT


async def _upload_logo(page: Page) -> None:
    fake = FilePayload(name="logo.png", mimeType="image/png", buffer=b"%PDF-1.4\n%%EOF\n")
    await page.set_input_files("#logo input[type=file]", files=[fake])
    assert "Jenis berkas tidak diterima" in await _submit(page, "#logo")
    assert await page.locator("#logo-kantor").count() == 0
    logo = FilePayload(name="logo-kantor.png", mimeType="image/png", buffer=_png())
    await page.set_input_files("#logo input[type=file]", files=[logo])
    assert await _submit(page, "#logo") == "Tersimpan."
    assert await page.locator("#logo-kantor").is_visible()


async def _desa(page: Page) -> None:
    await page.fill("#tambah-desa input[name=nama]", LONG_AREA)
    await page.select_option("#tambah-desa select[name=jenis]", "kelurahan")
    assert await _submit(page, "#tambah-desa") == "Tersimpan."
    added = page.locator(f"#desa tr[data-desa='{LONG_AREA}']")
    assert "Kelurahan" in await added.inner_text()
    page.once("dialog", lambda dialog: dialog.accept())  # "Nonaktifkan: Suco?"
    assert await _submit(page, "#desa tr[data-desa='Suco']") == "Tersimpan."
    suco = page.locator("#desa tr[data-desa='Suco']")
    assert "nonaktif" in await suco.inner_text()
    assert await suco.locator("button").inner_text() == "Aktifkan kembali"


async def test_the_admin_corrects_the_office_in_a_browser(
    browser: Browser, office_url: str, engine: Engine
) -> None:
    url = office_url
    admin = _staff(engine, StaffRole.ADMIN, "Sekar Ayu Kusumawardhani")
    page = await browser.new_page(viewport=PHONE)
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    await page.goto(url + login_link(engine, admin))
    await page.click("#masuk")
    await page.wait_for_url(url + "/")
    await page.click("header nav a[href='/kantor']")
    await page.wait_for_selector("#profil")
    assert await page.locator("#kode-kantor").inner_text() == "35.09.23"
    assert await page.locator("#awalan-tiket").inner_text() == "MBS"
    assert await page.locator("input[name=kode], input[name=awalan]").count() == 0

    await _correct_the_profile(page)
    await _upload_logo(page)
    await _desa(page)
    trail = await page.locator("#jejak-kantor").inner_text()
    assert f"NIP Camat: – → {NIP}" in trail and "Logo diganti" in trail
    assert "Dinonaktifkan: Suco" in trail and f"Ditambahkan: {LONG_AREA}" in trail
    assert "Sekar Ayu Kusumawardhani" in trail

    misfits = await _shoot(page, "id")
    await page.click("header .who form:first-of-type button")  # to English
    await page.wait_for_selector("html[lang=en]")
    assert await page.locator("h1").inner_text() == "Office profile"
    misfits += await _shoot(page, "en")
    assert misfits == []

    report = await page.request.get(f"{url}/laporan/iku.html?tahun={YEAR}")
    text = await report.text()
    assert report.status == 200 and CAMAT in text and f"NIP. {NIP}" in text
    assert '<img alt="Logo" src="data:image/png;base64,' in text
    assert blocked == []


# -- over HTTP ---------------------------------------------------------------------------------


@pytest.fixture
def client(web_settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(build_web(build_office(web_settings, engine)), follow_redirects=False) as c:
        yield c


def _suco(engine: Engine) -> int:
    with Session(engine) as session:
        area = session.exec(select(OfficeArea).where(OfficeArea.name == "Suco")).one()
        return area.id or 0


def _posts(area_id: int) -> list[tuple[str, dict[str, str]]]:
    return [
        ("/kantor", {"nama": "Kecamatan Lain", "nama_camat": "Orang Lain"}),
        ("/kantor/desa", {"nama": "Desa Selundupan", "jenis": "desa"}),
        ("/kantor/desa/nonaktif", {"desa": str(area_id)}),
        ("/kantor/desa/aktifkan", {"desa": str(area_id)}),
        ("/kantor/pengaturan", {"tingkat_layanan": "pkl=1", "grup_staf": "trantib=-1009"}),
    ]


def test_a_post_without_the_csrf_token_changes_nothing(engine: Engine, client: TestClient) -> None:
    log_in(client, login_link(engine, _staff(engine, StaffRole.ADMIN, "Sekar")))
    before = _stored(engine)
    for path, form in _posts(_suco(engine)):
        for token in ({}, {"csrf": "x" * 43}):
            answer = client.post(path, data={**form, **token})
            assert answer.status_code == 403 and "Formulir kedaluwarsa" in answer.text, path
    logo = {"logo": ("logo.png", _png(), "image/png")}
    assert client.post("/kantor/logo", files=logo).status_code == 403
    assert _stored(engine) == before
    answer = client.post("/kantor", data={"csrf": csrf_of(client, "/kantor"), "nama": "Kec. X"})
    assert answer.status_code == 303  # with the token: saved
    assert _stored(engine)[0]["name"] == "Kec. X"


@pytest.mark.parametrize("role", [r for r in OFFICE_ROLES if r is not StaffRole.ADMIN])
def test_every_other_role_is_refused(role: StaffRole, engine: Engine, client: TestClient) -> None:
    assert not may(role, True, Permission.MANAGE_OFFICE)
    log_in(client, login_link(engine, _staff(engine, role, "Joko")))
    before = _stored(engine)
    assert 'href="/kantor"' not in client.get("/pengaduan").text  # no link in the nav
    csrf = csrf_of(client, "/pengaduan")
    page = client.get("/kantor")
    assert page.status_code == 403 and "tidak berwenang" in page.text
    for path, form in _posts(_suco(engine)):
        assert client.post(path, data={**form, "csrf": csrf}).status_code == 403, path
    logo = {"logo": ("logo.png", _png(), "image/png")}
    assert client.post("/kantor/logo", data={"csrf": csrf}, files=logo).status_code == 403
    assert _stored(engine) == before


def test_another_offices_desa_is_not_found(
    engine: Engine, web_settings: Settings, client: TestClient
) -> None:
    with Session(engine) as made:
        other = add_office(made, "35.09.01", "Kecamatan Jombang", "JBG", ("Jombang",))
        made.commit()
        theirs = made.exec(select(OfficeArea).where(OfficeArea.office_id == other.id)).one()
    with for_office(Session(engine, expire_on_commit=False), 1) as ours:
        admin = records.add_staff(ours, "Sekar", StaffRole.ADMIN)
        token = issue_login_link(ours, admin)
        ours.commit()
    log_in(client, f"/masuk?t={token}")
    page = client.get("/kantor").text
    assert "Jombang" not in page and "Kecamatan Jombang" not in page
    csrf = csrf_of(client, "/kantor")
    for action in ("nonaktif", "aktifkan"):
        answer = client.post(f"/kantor/desa/{action}", data={"csrf": csrf, "desa": theirs.id})
        assert answer.status_code == 404, action
    for wrong in ("", "abc", "0", "99999999999", "\u0661"):
        answer = client.post("/kantor/desa/nonaktif", data={"csrf": csrf, "desa": wrong})
        assert answer.status_code == 404, wrong
    with for_all_offices(Session(engine)) as session:
        stored = session.get(OfficeArea, theirs.id)
        assert stored is not None and stored.active
        trail = session.exec(select(RegisterAudit).where(RegisterAudit.register_name == "kantor"))
        assert [json.loads(r.changes) for r in trail.all()] == []


def test_the_admin_sets_the_offices_own_levels_and_groups(
    engine: Engine, client: TestClient
) -> None:
    """Both saved together, or neither: a bad group keeps the good levels out too, the
    page says why in Indonesian and shows what was typed."""
    log_in(client, login_link(engine, _staff(engine, StaffRole.ADMIN, "Sekar")))
    csrf = csrf_of(client, "/kantor")
    before = _stored(engine)
    bad = {"csrf": csrf, "tingkat_layanan": "pkl=2", "grup_staf": "trantib=@grupku"}
    refused = client.post("/kantor/pengaturan", data=bad)
    assert refused.status_code == 400 and "seksi=id_grup" in refused.text
    assert 'value="trantib=@grupku"' in refused.text and 'value="pkl=2"' in refused.text
    assert _stored(engine) == before
    good = {"csrf": csrf, "tingkat_layanan": "pkl=2", "grup_staf": "trantib=-1001"}
    assert client.post("/kantor/pengaturan", data=good).status_code == 303
    office = _stored(engine)[0]
    assert (office["service_levels"], office["staff_chats"]) == ("pkl=2", "trantib=-1001")
    trail = client.get("/kantor").text
    assert "Tingkat layanan sendiri" in trail and "Grup Telegram seksi" in trail
