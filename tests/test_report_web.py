"""An HTML report opened from the dashboard renders styled under the site's content
security policy (issue 23): the report response carries a policy of its own that allows
its one inline style by hash and nothing else, while every app page keeps the app's
policy without 'unsafe-inline'. Checked over HTTP and in chromium, whose computed style
shows the table borders and header colour the report's style sets."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.async_api import Browser
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.testclient import TestClient

from app.web import build_office
from core.config import Settings
from core.domain.people import StaffRole
from core.models import Staff
from core.services.performance import records
from tests.browser import SCREENSHOTS
from tests.web_harness import log_in, login_link
from tests.whatsapp_harness import serving
from web.office import build_web

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

YEAR = date.today().year
REPORT = f"/laporan/iku.html?tahun={YEAR}"


def _web_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(
        update={"media_dir": tmp_path, "map_tile_url": "http://127.0.0.1:9/{z}/{x}/{y}.png"}
    )


def _admin(engine: Engine) -> Staff:
    with Session(engine, expire_on_commit=False) as session:
        admin = records.add_staff(session, "Sekar", StaffRole.ADMIN)
        session.commit()
    return admin


@pytest.fixture
def client(engine: Engine, settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    admin = _admin(engine)
    office = build_office(_web_settings(settings, tmp_path), engine)
    with TestClient(build_web(office), follow_redirects=False) as web:
        log_in(web, login_link(engine, admin))
        yield web


def _sha256(css: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"


def test_the_html_report_has_a_policy_of_its_own(client: TestClient) -> None:
    answer = client.get(REPORT)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    policies = answer.headers.get_list("content-security-policy")
    assert len(policies) == 1  # the app's would also apply, and block the style
    policy = policies[0]
    styles = re.findall(r"<style>(.*?)</style>", answer.text, re.DOTALL)
    assert styles and f"style-src {_sha256(styles[0])};" in policy
    assert "default-src 'none'" in policy and "img-src data:" in policy
    assert "unsafe-inline" not in policy and "script-src" not in policy
    assert "frame-ancestors 'none'" in policy
    for fmt in ("pdf", "xlsx"):  # files, under the app's policy
        assert (
            "style-src 'self'"
            in client.get(REPORT.replace(".html", f".{fmt}")).headers["content-security-policy"]
        )
    page = client.get("/")
    assert page.headers.get_list("content-security-policy") == [
        page.headers["content-security-policy"]
    ]
    assert "style-src 'self';" in page.headers["content-security-policy"]
    assert "unsafe-inline" not in page.headers["content-security-policy"]


STYLE_OF_HEADER = """() => { const th = document.querySelector('table:not(.summary) th');
  const s = getComputedStyle(th);
  return [s.borderTopStyle, s.borderTopWidth, s.backgroundColor, s.fontFamily]; }"""


async def test_the_html_report_opens_styled_in_the_browser(
    browser: Browser, engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    admin = _admin(engine)
    async with serving(build_web(build_office(_web_settings(settings, tmp_path), engine))) as url:
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        blocked: list[str] = []
        page.on(
            "console", lambda m: blocked.append(m.text) if "Security Policy" in m.text else None
        )
        await page.goto(url + login_link(engine, admin))
        await page.click("#masuk")
        await page.wait_for_url(url + "/")
        answer = await page.goto(url + REPORT)
        assert answer is not None and answer.status == 200
        border, width, background, font = await page.evaluate(STYLE_OF_HEADER)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=SCREENSHOTS / "laporan-iku-html.png", full_page=True)
    assert (border, width) == ("solid", "1px")  # unstyled, a table has no border at all
    assert background == "rgb(232, 238, 245)"  # the header row's tint
    assert "DejaVu Sans" in font
    assert blocked == []
