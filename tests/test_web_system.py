"""The admin page "Sistem" in a real browser (chromium), against the running Sigap with
WhatsApp on the fake Graph API: the admin reads the version, the migration revision, the
channels, the messages waiting, the last backup, the duties' last runs and the disk
space, each as the database and the folders say; any other role is refused by the
server; the page fits a 390 px phone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page
from sqlalchemy import Engine
from sqlmodel import Session

from app.service import running
from core.config import Settings
from core.domain.people import StaffRole
from core.models import ScheduledRun, Staff
from core.schema import code_head
from core.services.operations.backup import create_backup, sigap_version
from core.services.operations.backup_retention import parse_name
from core.services.performance import records
from core.timeutil import utcnow
from tests.browser import SCREENSHOTS, WIDTHS
from tests.fakes.graph_api import FakeGraph
from tests.test_metrics import _message
from tests.web_harness import login_link
from tests.whatsapp_harness import serving, wa_settings

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

# Tables that still scroll inside their box at phone width (as tests/test_web_phone.py)
INNER_SCROLL = """Array.from(document.querySelectorAll('.table-wrap, table'))
  .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.id || e.className || e.tagName)"""


@pytest.fixture
async def sigap(
    database_url: str, engine: Engine, graph: FakeGraph, tmp_path: Path
) -> AsyncIterator[tuple[str, Settings]]:
    settings = wa_settings(
        database_url,
        graph,
        tmp_path / "media",
        SIGAP_BACKUP_DIR=str(tmp_path / "backups"),
        SIGAP_REPORTS_DIR=str(tmp_path / "reports"),
        SIGAP_MAP_TILE_URL="http://127.0.0.1:9/{z}/{x}/{y}.png",  # nothing leaves the machine
    )
    async with running(settings, engine) as state, serving(state.http) as url:
        yield url, settings


def _staff(engine: Engine, role: StaffRole, name: str) -> Staff:
    with Session(engine, expire_on_commit=False) as session:
        member = records.add_staff(session, name, role)
        session.commit()
    return member


async def _log_in(page: Page, url: str, engine: Engine, member: Staff) -> None:
    await page.goto(url + login_link(engine, member))
    await page.click("#masuk")
    await page.wait_for_url(url + "/")


def _local(moment: datetime, settings: Settings) -> str:
    return moment.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")


def last_backup_at(archive: Path) -> datetime:
    made = parse_name(archive.name)
    assert made is not None
    return made


async def _cell(page: Page, row: str, column: int) -> str:
    return (await page.locator(f"{row} td").nth(column).inner_text()).strip()


async def test_the_admin_reads_the_system_and_nobody_else_does(
    browser: Browser, sigap: tuple[str, Settings], engine: Engine
) -> None:
    url, settings = sigap
    now = utcnow()
    with Session(engine) as session:
        for age in (timedelta(minutes=30), timedelta(minutes=2)):  # waiting, one too long
            session.add(_message("whatsapp", "pending", age, now))
        for _ in range(3):
            session.add(_message("whatsapp", "sent", timedelta(hours=1), now))
        session.add(_message("whatsapp", "failed", timedelta(hours=3), now))
        session.add(ScheduledRun(key="digest:2026-W02", ran_at=now - timedelta(days=2)))
        session.commit()
    archive = create_backup(settings)
    admin = _staff(engine, StaffRole.ADMIN, "Sekar")
    officer = _staff(engine, StaffRole.SEKCAM, "Joko")

    page = await browser.new_page(viewport={"width": WIDTHS["telepon"], "height": 900})
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    await _log_in(page, url, engine, admin)
    await page.click("header nav a[href='/sistem']")
    await page.wait_for_selector("#versi")

    assert "dalam WIB" in await page.inner_text("#zona-waktu")  # Asia/Jakarta
    facts = await page.locator("#versi").inner_text()
    assert f"Sigap {sigap_version()}" in facts and code_head() in facts and "terbaru" in facts
    assert await page.locator("#tersendat").is_visible()  # 30 minutes > 15
    whatsapp = "#kanal tr:has-text('WhatsApp')"
    assert await _cell(page, whatsapp, 1) == "aktif"
    assert await _cell(page, whatsapp, 2) == "webhook"
    assert await _cell(page, "#kanal tr:has-text('Telegram')", 1) == "belum dipasang"
    waiting = "#antrean-pesan tr[data-channel='WhatsApp']"
    assert await _cell(page, waiting, 1) == "2"
    oldest = now - timedelta(minutes=30)  # shown as the office's clock reads it
    assert _local(oldest, settings) in await _cell(page, waiting, 2)
    assert (await _cell(page, waiting, 3), await _cell(page, waiting, 4)) == ("3", "1")
    backup = await page.locator("#cadangan").inner_text()
    assert archive.path.name in backup and "yang lalu" in backup
    assert _local(last_backup_at(archive.path), settings) in backup
    assert await _cell(page, "#tugas-terjadwal tr[data-duty='digest']", 1) != "belum pernah"
    assert await _cell(page, "#tugas-terjadwal tr[data-duty='quarterly']", 1) == "belum pernah"
    assert await page.locator("#ruang-disk tr[data-folder='media']").count() == 1

    # a 390 px phone: nothing wider than the screen, no table scrolling sideways
    assert await page.evaluate("document.documentElement.scrollWidth") == WIDTHS["telepon"]
    assert await page.evaluate(INNER_SCROLL) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, width in WIDTHS.items():
        await page.set_viewport_size({"width": width, "height": 900})
        await page.screenshot(path=SCREENSHOTS / f"sistem-{label}.png", full_page=True)
    assert blocked == []

    # the Sekcam (every right but staff and system): no link, and the server refuses
    other = await browser.new_page()
    await _log_in(other, url, engine, officer)
    assert await other.locator("header nav a[href='/sistem']").count() == 0
    refused = await other.goto(url + "/sistem")
    assert refused is not None and refused.status == 403
    assert await other.locator("#versi").count() == 0
    assert "tidak berwenang" in await other.inner_text("main")
