"""The LKjIP analysis on an IKU's page, as staff use it: written for the page's year or
triwulan behind a CSRF-checked form, shown to everyone, editable by whom the role
matrix names, every change in the trail on the page, hostile text shown as text, and a
refused text kept in the form instead of lost."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select
from starlette.testclient import TestClient

from app.web import build_office
from core.config import Settings
from core.domain.people import StaffRole
from core.domain.performance import IkuCode
from core.domain.periods import Period
from core.models import RegisterAudit
from core.services.performance import records
from core.services.performance.iku_analysis import analyses_for
from tests.web_harness import csrf_of, log_in, login_link
from web.office import build_web

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

HOSTILE = '<b id="xana">x</b><script>xana()</script>'


def _as(engine: Engine, settings: Settings, role: StaffRole, name: str) -> Iterator[TestClient]:
    with Session(engine, expire_on_commit=False) as session:
        member = records.add_staff(session, name, role)
        session.commit()
    with TestClient(build_web(build_office(settings, engine)), follow_redirects=False) as client:
        log_in(client, login_link(engine, member))
        yield client


@pytest.fixture
def trantib(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    yield from _as(engine, settings, StaffRole.TRANTIB, "Bu Trantib")


@pytest.fixture
def pmks(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    yield from _as(engine, settings, StaffRole.PMKS, "Pak PMKS")


def _form(client: TestClient, page: str, **fields: str) -> dict[str, str]:
    return {"csrf": csrf_of(client, page), "tahun": "2025", "triwulan": "1", **fields}


def _saved(engine: Engine, period: Period) -> dict[IkuCode, dict[str, str | None]]:
    with Session(engine) as session:
        return {
            code: {"pendorong": a.pendorong, "penghambat": a.penghambat, "upaya": a.upaya}
            for code, a in analyses_for(session, period).items()
        }


def _audits(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(RegisterAudit)).one()


def test_staff_write_the_analysis_of_the_triwulan_on_its_page(
    trantib: TestClient, engine: Engine
) -> None:
    page = "/iku/IKU4?tahun=2025&triwulan=1"
    shown = trantib.get(page).text
    assert 'id="analisis"' in shown and "Triwulan I 2025" in shown
    assert "Belum ada analisis" not in shown  # the form is there instead, empty
    form = _form(trantib, page, pendorong="Patroli rutin\r\nbersama linmas", upaya="Patroli malam")
    refused = trantib.post("/iku/IKU4/analisis", data={**form, "csrf": "x" * 43})
    assert refused.status_code == 403 and _saved(engine, Period.quarter(2025, 1)) == {}
    answer = trantib.post("/iku/IKU4/analisis", data=form)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/iku/IKU4?tahun=2025&triwulan=1#analisis"
    assert _saved(engine, Period.quarter(2025, 1)) == {
        IkuCode.IKU4: {
            "pendorong": "Patroli rutin\nbersama linmas",
            "penghambat": None,
            "upaya": "Patroli malam",
        }
    }
    assert _saved(engine, Period.year(2025)) == {}  # the year's is another analysis
    again = trantib.get(page).text
    assert "Patroli rutin\nbersama linmas</textarea>" in again
    trail = again[again.index('id="jejak-analisis"') :]
    assert "Dibuat" in trail and "Bu Trantib" in trail
    fix = _form(trantib, page, pendorong="Patroli rutin", upaya="Patroli malam", alasan="Ringkas")
    assert trantib.post("/iku/IKU4/analisis", data=fix).status_code == 303
    trail = trantib.get(page).text.split('id="jejak-analisis"')[1]
    assert trail.index("Diubah") < trail.index("Dibuat")  # newest first
    assert "Ringkas" in trail and "bersama linmas</details>" in trail  # the text before


def test_a_role_without_the_right_reads_but_cannot_write(
    pmks: TestClient, trantib: TestClient, engine: Engine
) -> None:
    page = "/iku/IKU4?tahun=2025"
    written = _form(trantib, page, triwulan="0", penghambat="Laporan masuk malam hari")
    assert trantib.post("/iku/IKU4/analisis", data=written).status_code == 303
    shown = pmks.get(page).text
    assert "Laporan masuk malam hari" in shown and 'id="form-analisis"' not in shown
    before = _audits(engine)
    forged = _form(pmks, page, triwulan="0", penghambat="diganti")
    answer = pmks.post("/iku/IKU4/analisis", data=forged)
    assert answer.status_code == 403 and _audits(engine) == before
    assert _saved(engine, Period.year(2025))[IkuCode.IKU4]["penghambat"] == (
        "Laporan masuk malam hari"
    )
    # the same officer writes the IKU whose records the section keeps
    own = pmks.post("/iku/IKU3/analisis", data=_form(pmks, page, triwulan="0", upaya="Jadwal"))
    assert own.status_code == 303


def test_hostile_text_is_shown_as_text_and_a_refusal_keeps_what_was_typed(
    trantib: TestClient, engine: Engine
) -> None:
    page = "/iku/IKU4?tahun=2025&triwulan=2"
    form = _form(trantib, page, triwulan="2", pendorong=HOSTILE)
    assert trantib.post("/iku/IKU4/analisis", data=form).status_code == 303
    shown = trantib.get(page).text
    assert HOSTILE not in shown and '<b id="xana">' not in shown
    assert "&lt;b id=&#34;xana&#34;&gt;x&lt;/b&gt;&lt;script&gt;xana()&lt;/script&gt;" in shown
    long = _form(trantib, page, triwulan="2", pendorong="Baik", upaya="u" * 2001)
    refused = trantib.post("/iku/IKU4/analisis", data=long)
    assert refused.status_code == 400
    assert "paling banyak 2000 karakter" in refused.text
    assert "u" * 2001 + "</textarea>" in refused.text  # nothing typed is lost
    assert _saved(engine, Period.quarter(2025, 2))[IkuCode.IKU4]["upaya"] is None


def test_a_free_date_range_has_no_analysis_and_bad_addresses_are_refused(
    trantib: TestClient,
) -> None:
    shown = trantib.get("/iku/IKU4?dari=2025-01-01&sampai=2025-02-14").text
    assert "per tahun atau per triwulan" in shown and 'id="form-analisis"' not in shown
    page = "/iku/IKU4?tahun=2025"
    assert trantib.post("/iku/IKU9/analisis", data=_form(trantib, page)).status_code == 404
    for bad in ({"tahun": "20x5"}, {"triwulan": "5"}, {"tahun": "1999"}):
        answer = trantib.post("/iku/IKU4/analisis", data={**_form(trantib, page), **bad})
        assert answer.status_code == 400, bad
    english = trantib.post(
        "/bahasa", data={"csrf": csrf_of(trantib), "bahasa": "en", "kembali": "/"}
    )
    assert english.status_code == 303
    assert re.search(r"Performance analysis \(for the LKjIP\) · Year 2025", trantib.get(page).text)
