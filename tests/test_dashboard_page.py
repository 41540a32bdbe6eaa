"""The dashboard as a Camat reads it (issue 23): a headline, cards whose band is named
in words, counts as counts and shares with their unit, last year beside this one, the
complaints desk adding up by desa without naming a rahasia complaint's desa, and a year
it cannot read said so in the staff member's language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.testclient import TestClient

from app.web import build_office
from core.config import Settings
from core.domain.complaints import ComplaintState as S
from core.domain.complaints import Privacy
from core.domain.people import StaffRole
from core.domain.performance import DocumentKind, IkuCode
from core.services.performance import records
from core.timeutil import local_date, utcnow
from tests import factories as f
from tests.web_harness import csrf_of, log_in, login_link
from web.office import build_web

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def admin(engine: Engine, settings: Settings, tmp_path: object) -> Iterator[TestClient]:
    web_settings = settings.model_copy(update={"media_dir": tmp_path})
    with Session(engine, expire_on_commit=False) as session:
        member = records.add_staff(session, "Pak Camat", StaffRole.CAMAT)
        session.commit()
    app = build_web(build_office(web_settings, engine))
    with TestClient(app, follow_redirects=False) as client:
        log_in(client, login_link(engine, member))
        yield client


def _desk(session: Session, settings: Settings, today: date) -> dict[str, str]:
    officer = f.staff(session)
    now = utcnow()

    def made(days_ago: int, desa: str, due_in: int, **kw: object) -> object:
        item = f.complaint(session, settings, received_at=now - timedelta(days=days_ago), **kw)  # type: ignore[arg-type]
        item.desa, item.due_date = desa, today + timedelta(days=due_in)
        session.add(item)
        return item

    overdue = made(20, "Mumbulsari", -10)
    made(2, "Suco", 5)
    in_time = made(3, "Mumbulsari", 3)
    late = made(4, "Suco", -1)
    made(6, "Lengkong", -2, privacy=Privacy.RAHASIA)
    for item in (in_time, late):
        f.advance(session, item, S.SELESAI, officer)  # type: ignore[arg-type]
    session.commit()
    return {"overdue": overdue.code}  # type: ignore[attr-defined]


def _number(page: str, element: str) -> int:
    found = re.search(rf'id="{element}"><span class="n">([\d.]+)</span>', page)
    assert found, element
    return int(found.group(1).replace(".", ""))


def test_the_complaints_desk_adds_up_by_desa_and_names_no_rahasia_desa(
    admin: TestClient, session: Session, settings: Settings
) -> None:
    today = local_date(utcnow(), settings.tz)
    _desk(session, settings, today)
    start = (today - timedelta(days=30)).isoformat()
    page = admin.get(f"/?dari={start}&sampai={today.isoformat()}").text
    assert _number(page, "terbuka") == 3  # two open by desa, one rahasia
    assert _number(page, "lewat-tenggat") == 2
    assert _number(page, "diterima-periode") == 5
    assert _number(page, "tuntas-tepat-waktu") == 1
    assert "dari 2 pengaduan yang tuntas sejak 1 " in page and "(50,00 %)" in page
    table = page.split('id="per-desa">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r"<tr[^>]*><t[dh]>(.*?)</t[dh]><t[dh] class=\"num\">(\d+)</t[dh]>"
        r"<t[dh] class=\"num\">(\d+)</t[dh]><t[dh] class=\"num\">(\d+)</t[dh]></tr>",
        table,
    )
    counted = {re.sub("<[^>]+>", "", name): tuple(map(int, n)) for name, *n in rows}
    total = counted.pop("Jumlah")
    assert total == (5, 3, 2)
    for column in (0, 1, 2):
        assert sum(line[column] for line in counted.values()) == total[column], column
    named = counted
    assert named["Mumbulsari"] == (2, 1, 1) and named["Suco"] == (2, 1, 0)
    assert named["Rahasia (desa tidak dirinci)"] == (1, 1, 1)
    assert named["Lengkong"] == (0, 0, 0)  # the rahasia one's desa: never placed there


def test_cards_say_counts_shares_bands_and_last_year_in_words(
    admin: TestClient, session: Session
) -> None:
    for year, day in ((2024, 5), (2025, 6), (2025, 7), (2025, 8)):
        records.add_document(session, DocumentKind.LAKIP, f"Dokumen {day}", date(year, 2, day))
    records.set_target(session, 2025, IkuCode.IKU1, Decimal(4), quarters={1: Decimal(3)})
    records.set_sakip(session, 2025, Decimal("72.5"))
    session.commit()
    page = admin.get("/?tahun=2025&triwulan=1").text
    iku1 = page.split('id="IKU1"', 1)[1].split("</article>", 1)[0]
    assert '<p class="big">3\u00a0dokumen</p>' in iku1 and "3,00" not in iku1
    assert 'band-name tone-0">Sangat Tinggi</span>' in iku1  # 3 of 3 by the end of TW 1
    assert "Target s.d. TW 1</dt><dd>3\u00a0dokumen" in iku1
    assert "Target tahunan</dt><dd>4\u00a0dokumen</dd>" in iku1
    assert "Capaian thd target tahunan</dt><dd>75,00\u00a0%</dd>" in iku1
    last_year = '<span class="when">Triwulan 1 2024</span></dt><dd class="last-year">1\u00a0dokumen'
    assert last_year in iku1
    assert "Tren kumulatif sejak 1 Januari" in iku1
    iku5 = page.split('id="IKU5"', 1)[1].split("</article>", 1)[0]
    assert '<p class="big">72,50</p>' in iku5
    assert 'Predikat SAKIP</dt><dd><span class="grade">BB (Sangat Baik)' in iku5
    assert "belum ada target" in iku5  # the predikat is no capaian band
    headline = page.split('id="ringkasan"', 1)[1].split("</section>", 1)[0]
    assert 'id="iku-tercapai">1</span> dari 6 IKU mencapai target · Triwulan 1 2025' in headline
    assert "Perlu perhatian:" in headline and '<a href="#IKU5">IKU5</a>' in headline
    assert "Belum ada data: IKU2, IKU3, IKU4, IKU6" in headline


def test_a_year_it_cannot_read_is_said_so_in_the_staff_members_language(
    admin: TestClient, settings: Settings
) -> None:
    this_year = local_date(utcnow(), settings.tz).year
    page = admin.get("/?tahun=abc")
    assert page.status_code == 200
    said = "Tahun “abc” tidak dikenali (tulis 4 angka, 2000–2100). Yang ditampilkan: tahun"
    assert f"{said} {this_year}." in page.text
    assert f"Dasbor IKU · Tahun {this_year}" in page.text
    assert "tidak dikenali" in admin.get("/?tahun=1800").text
    assert "Triwulan “9” tidak dikenali" in admin.get("/?tahun=2025&triwulan=9").text
    assert "tidak dikenali" not in admin.get("/?tahun=2025&triwulan=2").text
    refused = admin.get("/laporan/iku.xlsx?tahun=abc")  # a file of the wrong year: never
    assert refused.status_code == 400 and "tidak dikenali" in refused.text
    admin.post("/bahasa", data={"csrf": csrf_of(admin), "bahasa": "en", "kembali": "/"})
    english = admin.get("/?tahun=abc").text
    assert f"Year “abc” not understood (write 4 digits, 2000–2100). Showing {this_year}." in english
    assert "IKU dashboard · Year" in english


def test_the_iku4_page_dates_each_complaint_by_the_offices_day(
    admin: TestClient, session: Session, settings: Settings
) -> None:
    """Received at 00:30 WIB on 1 April (17:30 UTC on 31 March): listed in TW 2, dated
    1 April."""
    item = f.complaint(session, settings, received_at=datetime(2025, 3, 31, 17, 30, tzinfo=UTC))
    session.commit()
    q2 = admin.get("/iku/IKU4?tahun=2025&triwulan=2").text
    assert item.code in q2 and "2025-04-01" in q2 and "2025-03-31" not in q2
    assert item.code not in admin.get("/iku/IKU4?tahun=2025&triwulan=1").text
