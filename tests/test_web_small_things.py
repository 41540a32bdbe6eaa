"""Small things an officer notices (issue 23, item 6): the browser's own request for
/favicon.ico gets the icon, and a register's year filter never makes a row look lost:
a Renstra target for 2029 is listed when the register opens, an activity recorded only
as held is listed in its year, and the page says which year it shows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib.resources import files

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.testclient import TestClient

from app.web import build_office
from core.config import Settings
from core.domain.people import StaffRole
from core.models import Staff
from core.services.performance import records
from core.timeutil import local_date, utcnow
from tests.web_harness import csrf_of, log_in, login_link
from web.office import build_web

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def admin(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    with Session(engine, expire_on_commit=False) as session:
        member: Staff = records.add_staff(session, "Sekar", StaffRole.ADMIN)
        session.commit()
    with TestClient(build_web(build_office(settings, engine)), follow_redirects=False) as client:
        log_in(client, login_link(engine, member))
        yield client


def _listed(page: str) -> str:
    return page.split('id="daftar"', 1)[1].split("</table>", 1)[0]


def _shown_year(page: str) -> str:
    found = re.search(r'<p class="muted" id="tahun-ditampilkan">(.*?)</p>', page)
    assert found, "the register does not say which year it shows"
    return re.sub(r"<[^>]+>", "", found.group(1))


@SQLITE
def test_the_browsers_own_favicon_request_gets_the_icon(engine: Engine, settings: Settings) -> None:
    with TestClient(build_web(build_office(settings, engine))) as visitor:  # not logged in
        icon = visitor.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/png"
    assert icon.content == (files("web") / "static" / "favicon.png").read_bytes()


@SQLITE
def test_a_renstra_target_years_ahead_is_listed_when_the_register_opens(
    admin: TestClient, settings: Settings
) -> None:
    csrf = csrf_of(admin, "/register/renstra")
    saved = admin.post(
        "/register/renstra",
        data={"csrf": csrf, "tahun": "2029", "iku": "IKU2", "target": "85", "arah": "higher"},
    )
    assert saved.status_code == 303, saved.text
    page = admin.get("/register/renstra").text
    assert "2029" in _listed(page) and "IKU2" in _listed(page)
    assert _shown_year(page) == "Yang ditampilkan: data semua tahun."
    this_year = local_date(utcnow(), settings.tz).year
    one_year = admin.get(f"/register/renstra?tahun={this_year}").text  # asked: that year only
    assert "IKU2" not in _listed(one_year)
    assert _shown_year(one_year).startswith(f"Yang ditampilkan: data tahun {this_year} saja.")


@SQLITE
def test_an_activity_recorded_only_as_held_is_listed_in_its_year(
    admin: TestClient, settings: Settings
) -> None:
    this_year = local_date(utcnow(), settings.tz).year
    csrf = csrf_of(admin, "/register/kegiatan")
    saved = admin.post(
        "/register/kegiatan",
        data={
            "csrf": csrf,
            "nama": "Posyandu dadakan",
            "jenis": "posyandu",
            "tanggal_pelaksanaan": f"{this_year}-01-02",
            "status": "terlaksana",
        },
    )
    assert saved.status_code == 303, saved.text
    page = admin.get("/register/kegiatan").text  # this year, as the register opens
    assert "Posyandu dadakan" in _listed(page)
    said = _shown_year(page)
    assert said == f"Yang ditampilkan: data tahun {this_year} saja. Tampilkan semua tahun"
    assert 'href="/register/kegiatan?tahun=semua"' in page
    assert "Posyandu dadakan" in _listed(admin.get(f"/register/kegiatan?tahun={this_year}").text)
    assert "Posyandu dadakan" not in _listed(
        admin.get(f"/register/kegiatan?tahun={this_year - 1}").text
    )
