"""The back office end to end in a real browser (chromium), against the running Sigap
with its Telegram channel on the fake Bot API: what an office worker does, and what the
resident in the chat sees of it. Screenshots of every page at phone and desktop width
go to build/screenshots for review."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from playwright.async_api import Browser, Page
from sqlalchemy import Engine, func
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.service import running
from cli.main import app as cli
from core.domain.people import StaffRole
from core.domain.periods import Period
from core.models import Activity, Complaint, Staff
from core.services.performance import records
from reports import builders
from tests.browser import SCREENSHOTS, WIDTHS
from tests.fakes.telegram_api import FakeTelegram
from tests.office_year import fill_office_year
from tests.telegram_harness import Person, bot_settings, outbox_idle, until
from tests.test_telegram_e2e import file_report
from tests.web_harness import login_link
from tests.whatsapp_harness import serving

# A PNG of one pixel: a resolution photo as a phone would upload it.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2b1d9"
    "5b0000000049454e44ae426082"
)


@pytest.fixture
async def sigap(
    database_url: str, engine: Engine, fake: FakeTelegram, tmp_path: Path
) -> AsyncIterator[tuple[str, Any]]:
    settings = bot_settings(
        database_url,
        fake,
        SIGAP_MEDIA_DIR=str(tmp_path / "media"),
        SIGAP_MAP_TILE_URL="http://127.0.0.1:9/{z}/{x}/{y}.png",  # nothing leaves the machine
    )
    async with running(settings, engine) as state, serving(state.http) as url:
        yield url, settings


def _admin(engine: Engine) -> Staff:
    with Session(engine, expire_on_commit=False) as session:
        admin = records.add_staff(session, "Sekar", StaffRole.ADMIN)
        session.commit()
    return admin


async def _log_in(page: Page, url: str, engine: Engine, member: Staff) -> None:
    await page.goto(url + login_link(engine, member))
    await page.click("#masuk")
    await page.wait_for_url(url + "/")


def _cli_iku(database_url: str) -> dict[str, dict[str, Any]]:
    result = CliRunner().invoke(
        cli, ["iku", "--year", str(date.today().year), "--json"], env={"DATABASE_URL": database_url}
    )
    assert result.exit_code == 0, result.output
    return {i["code"]: i for i in json.loads(result.output)["indicators"]}


async def _card(page: Page, code: str) -> dict[str, str]:
    card = page.locator(f"#{code}")
    return {
        name: await card.get_attribute(f"data-{name}") or ""
        for name in ("value", "capaian", "numerator", "denominator")
    }


def _same(shown: str, given: Any) -> bool:
    return (shown == "" and given is None) or (
        shown != "" and given is not None and Decimal(shown) == Decimal(str(given))
    )


async def _shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, width in WIDTHS.items():
        await page.set_viewport_size({"width": width, "height": 900})
        await page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=True)


async def test_an_office_day_in_the_browser(
    browser: Browser,
    sigap: tuple[str, Any],
    database_url: str,
    engine: Engine,
    fake: FakeTelegram,
    tmp_path: Path,
) -> None:
    url, _ = sigap
    siti = Person(fake, 5401)
    code = await file_report(siti, "PKL menutup trotoar depan pasar, pejalan kaki turun ke jalan")
    admin = _admin(engine)
    page = await browser.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)

    await page.goto(url + "/masuk")
    await _shoot(page, "masuk")
    await _log_in(page, url, engine, admin)

    # The dashboard shows what `sigap iku --json` computes.
    expected = _cli_iku(database_url)
    for iku_code, wanted in expected.items():
        shown = await _card(page, iku_code)
        assert _same(shown["value"], wanted["value"]), (iku_code, shown, wanted)
        assert _same(shown["capaian"], wanted["capaian"]), (iku_code, shown, wanted)
    await _shoot(page, "dasbor")

    # Resolving from the web reaches the reporter's chat once.
    await page.goto(url + "/pengaduan")
    await _shoot(page, "antrean")
    await page.click(f"text={code}")
    await _shoot(page, "pengaduan")
    for action in ("klaim", "diverifikasi", "diproses"):
        await page.click(f"#aksi-{action} button")
        await page.wait_for_selector("p.notice.ok")
    await page.fill("#aksi-selesai textarea", "Lapak sudah ditertibkan bersama Satpol PP")
    await page.set_input_files(
        "#aksi-selesai input[type=file]",
        files=[{"name": "bukti.png", "mimeType": "image/png", "buffer": PIXEL}],
    )
    await page.click("#aksi-selesai button")
    await page.wait_for_selector("p.notice.ok")
    assert (await page.inner_text("#status")) == "Selesai"
    assert await page.locator(".photos img").count() >= 1
    await _shoot(page, "pengaduan-selesai")
    await until(lambda: outbox_idle(engine), timeout=15)
    told = [m for m in siti.inbox if "ditertibkan bersama Satpol PP" in m.text]
    assert len(told) == 1 and code in told[0].text
    with Session(engine) as session:
        stored = session.exec(select(Complaint).where(Complaint.code == code)).one()
        assert stored.assigned_staff_id == admin.id

    # An activity created, held and deleted moves IKU3 each time.
    this_year = date.today().year
    await page.goto(url + "/register/kegiatan")
    await page.fill("#tambah input[name=nama]", "Posyandu lansia Suco")
    await page.fill("#tambah input[name=jenis]", "posyandu")
    await page.fill("#tambah input[name=tanggal_rencana]", f"{this_year}-01-15")
    await page.click("#tambah button")
    await page.wait_for_selector("#ubah")
    activity_page = page.url
    await _shoot(page, "kegiatan-ubah")
    await page.goto(url + "/")
    assert await _card(page, "IKU3") | {} and (await _card(page, "IKU3"))["denominator"] == "1"
    assert (await _card(page, "IKU3"))["numerator"] == "0"
    await page.goto(activity_page)
    await page.select_option("#ubah select[name=status]", "terlaksana")
    await page.fill("#ubah input[name=tanggal_pelaksanaan]", f"{this_year}-01-16")
    await page.fill("#ubah input[name=alasan]", "laporan kegiatan masuk")
    await page.click("#ubah button")
    await page.wait_for_selector("p.notice.ok")
    await page.goto(url + "/")
    assert (await _card(page, "IKU3"))["numerator"] == "1"
    await page.goto(activity_page)
    page.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await page.fill("#hapus input[name=alasan]", "tercatat dua kali")
    await page.click("#hapus button")
    await page.wait_for_url(url + "/register/kegiatan*")
    await page.goto(url + "/")
    assert (await _card(page, "IKU3"))["denominator"] == "0"
    await page.goto(activity_page)
    trail = await page.inner_text("#jejak")
    assert "buat" in trail and "ubah" in trail and "tercatat dua kali" in trail

    # An XLSX with one bad row stores nothing and names the row and column.
    await page.goto(url + "/register/kegiatan")
    await page.set_input_files(
        "#impor input[type=file]",
        files=[
            {
                "name": "kegiatan.xlsx",
                "mimeType": "application/octet-stream",
                "buffer": _bad_xlsx(this_year),
            }
        ],
    )
    await page.click("#impor button")
    message = await page.inner_text("#pesan")
    assert "Baris 3, kolom tanggal_rencana" in message and "tidak ada yang disimpan" in message
    await _shoot(page, "kegiatan-impor-ditolak")
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Activity)).one() == 1

    for name, path in [
        ("iku4", "/iku/IKU4"),
        ("iku2", "/iku/IKU2"),
        ("iku3", "/iku/IKU3"),
        ("register", "/register"),
        ("dokumen", "/register/dokumen"),
        ("sakip", "/register/sakip"),
        ("indikator", "/register/indikator"),
        ("target", "/register/target"),
        ("libur", "/register/libur"),
        ("petugas", "/petugas"),
        ("layanan", "/layanan"),
        ("dasbor-rentang", f"/?dari={this_year}-01-01&sampai={this_year}-06-30"),
    ]:
        answer = await page.goto(url + path)
        assert answer is not None and answer.status == 200, path
        await _shoot(page, name)
    assert blocked == []


def _bad_xlsx(year: int) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    rows = [
        ["nama", "jenis", "tanggal_rencana"],
        ["Senam lansia", "olahraga", f"{year}-02-01"],
        ["Rembug warga", "musyawarah", "30/02/2026"],
    ]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()
    return buffer.getvalue()


# -- the dashboard against the report (issue 23) ------------------------------------------


def _report_rows(engine: Engine, settings: Any, period: Period) -> dict[str, dict[str, Any]]:
    """The IKU report's own table, by code: what the dashboard must show."""
    with Session(engine) as session:
        table = builders.build_iku(session, settings, period).tables[0]
    quarters = table.columns[-1].startswith("Capaian thd target TW")
    return {
        str(row[0]): {
            "target": row[3],
            "value": row[4],
            "capaian": row[5],
            "category": row[6],
            "quarter-target": row[-2] if quarters else None,
            "quarter-capaian": row[-1] if quarters else None,
        }
        for row in table.rows
    }


async def _shown(page: Page, code: str) -> dict[str, str]:
    card = page.locator(f"#{code}")
    names = ("value", "capaian", "target", "quarter-target", "quarter-capaian", "category")
    shown = {name: await card.get_attribute(f"data-{name}") or "" for name in names}
    shown["band"] = await card.locator(".band-name").inner_text()
    return shown


async def test_the_dashboard_shows_the_reports_figures(
    browser: Browser, sigap: tuple[str, Any], engine: Engine
) -> None:
    """For the year and every triwulan with the office's triwulan targets, each card
    carries the IKU report's value, target, capaian and category, and names the band
    it is coloured by; screenshots at phone and desktop width for review."""
    url, settings = sigap
    year = date.today().year - 1  # a whole past year: every date in it may be recorded
    with Session(engine, expire_on_commit=False) as session:
        fill_office_year(session, settings, triwulan_targets=True, year=year)
        session.commit()
    page = await browser.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    await _log_in(page, url, engine, _admin(engine))
    periods = [("tahun", Period.year(year), f"tahun={year}")]
    periods += [
        (f"tw{q}", Period.quarter(year, q), f"tahun={year}&triwulan={q}") for q in range(1, 5)
    ]
    for name, period, query in periods:
        await page.goto(f"{url}/?{query}")
        wanted = _report_rows(engine, settings, period)
        for code, row in wanted.items():
            shown = await _shown(page, code)
            for field in ("value", "capaian", "target", "quarter-target", "quarter-capaian"):
                assert _same(shown[field], row[field]), (name, code, field, shown, row)
            assert shown["category"] == shown["band"] == row["category"], (name, code)
        if name in ("tahun", "tw1"):
            await _shoot(page, f"dasbor-{name}")
    await page.goto(f"{url}/iku/IKU6?tahun={year}")
    assert "Pelatihan kader" in await page.inner_text("#indikator-program")
    await _shoot(page, "iku6")
    await page.goto(f"{url}/iku/IKU1?tahun={year}&triwulan=1")
    await _shoot(page, "iku1-tw1")
    assert blocked == []  # no inline script or style anywhere on these pages
