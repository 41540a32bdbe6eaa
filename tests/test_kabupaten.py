"""The kabupaten's view (issue 27, items 1 and 2): its roles belong to no office and read
every kecamatan's IKU side by side, each figure the office's own; they change nothing of
an office's, and an office cannot make a kabupaten account."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from core.config import Settings
from core.domain.complaints import ComplaintState
from core.domain.people import StaffRole
from core.domain.periods import Period
from core.errors import InvalidInput
from core.models import Staff, StaffInvite
from core.scope import for_all_offices, for_office
from core.services.access.invites import create_invite, redeem_invite
from core.services.access.offices import add_office
from core.services.kabupaten.rollup import kabupaten_rollup
from core.services.performance import records
from core.services.performance.iku import iku_for_period
from core.services.performance.iku_set import add_dictionary_indicator
from tests import factories as f
from tests.cli_harness import sigap_on
from tests.web_harness import signed_in_as
from web.context import number

YEAR = 2026
Q1 = Period.quarter(YEAR, 1)


def _complaints(session: Session, settings: Settings, received: int, settled: int) -> None:
    for n in range(received):
        item = f.complaint(session, settings, received_at=datetime(YEAR, 2, 1 + n, 3, tzinfo=UTC))
        if n < settled:
            item.state, item.resolved_at = ComplaintState.SELESAI, datetime(YEAR, 2, 20, tzinfo=UTC)
            session.add(item)


@pytest.fixture
def kabupaten(engine: Engine, settings: Settings) -> int:
    """Mumbulsari settles 1 of 4 trantib complaints, Jombang 2 of 2 and reports an
    indicator of its own; both aim at 80 %."""
    with Session(engine) as plain:
        other = add_office(plain, "35.09.01", "Kecamatan Jombang", "JBG", ("Jombang",)).id or 0
        plain.commit()
    for office, received, settled in ((1, 4, 1), (other, 2, 2)):
        with for_office(Session(engine), office) as session:
            _complaints(session, settings, received, settled)
            records.set_target(session, YEAR, "IKU4", Decimal(80))
            session.commit()
    with for_office(Session(engine), other) as session:
        add_dictionary_indicator(session, "DESA-TERTIB", "Jumlah desa tertib", "desa")
        records.choose_iku(session, "IKU7", "DESA-TERTIB")
        records.enter_iku_value(session, "IKU7", YEAR, 1, Decimal(3), "Berita acara")
        session.commit()
    return other


def test_each_kecamatan_is_ranked_by_its_own_figures(
    engine: Engine, settings: Settings, kabupaten: int
) -> None:
    with Session(engine) as session:
        rollup = kabupaten_rollup(session, settings, Q1, date(YEAR, 4, 10))
    assert [o.code for o in rollup.offices] == sorted([settings.office_code, "35.09.01"])
    trantib = next(r for r in rollup.indicators if r.indicator.code == "TRANTIB-SELESAI")
    # by hand: Jombang 2 / 2 = 100 % -> capaian 125 %; Mumbulsari 1 / 4 = 25 % -> 31.25 %
    assert [
        (s.rank, s.office.code, s.value.value, s.value.judged_capaian) for s in trantib.standings
    ] == [
        (1, "35.09.01", Decimal("100.00"), Decimal("125.00")),
        (2, settings.office_code, Decimal("25.00"), Decimal("31.25")),
    ]
    assert trantib.meeting_target == 1 and trantib.median == Decimal(
        "78.13"
    )  # (125 + 31.25) / 2, rounded half up
    for office in (1, kabupaten):  # each line is what that office's own dashboard shows
        with for_office(Session(engine), office) as own:
            mine = iku_for_period(own, settings, Q1).of_kind(trantib.indicator.kind)
        line = next(s for s in trantib.standings if s.value.value == (mine.value if mine else None))
        assert line.value == mine
    counts = {o.code: (o.trantib.received, o.trantib.settled) for o in rollup.offices}
    assert counts == {settings.office_code: (4, 1), "35.09.01": (2, 2)}
    assert all(o.skm.respondents == 0 and o.skm.nilai is None for o in rollup.offices)
    own_indicator = rollup.indicators[-1]  # one office's own indicator comes last
    assert (own_indicator.indicator.code, own_indicator.shared) == ("DESA-TERTIB", False)
    documents = next(r for r in rollup.indicators if r.indicator.code == "DOKUMEN-ORTALA")
    assert {o.code for o in documents.without_data} == {settings.office_code, "35.09.01"}


@pytest.fixture
def web_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"media_dir": tmp_path})


@pytest.mark.parametrize(
    "role", [StaffRole.BUPATI, StaffRole.INSPEKTORAT, StaffRole.KABUPATEN_ADMIN]
)
def test_a_kabupaten_account_reads_every_kecamatan_and_changes_nothing(
    engine: Engine, web_settings: Settings, kabupaten: int, role: StaffRole
) -> None:
    for client in signed_in_as(engine, web_settings, role, None):
        home = client.get("/")
        assert home.status_code == 303 and home.headers["location"] == "/kabupaten"
        page = client.get(f"/kabupaten?tahun={YEAR}&triwulan=1")
        assert page.status_code == 200, page.text
        assert "Kecamatan Jombang" in page.text and web_settings.office_name in page.text
        assert "125,00" in page.text and "31,25" in page.text  # each office's capaian
        assert 'id="indikator-DESA-TERTIB"' in page.text
        assert 'id="skm-per-unsur"' in page.text and 'id="pengaduan-per-kecamatan"' in page.text
        for path in ("/pengaduan", "/register/kegiatan", f"/iku/IKU4?tahun={YEAR}", "/petugas"):
            refused = client.get(path)
            assert refused.status_code == 403, path
            assert "Halaman ini milik kantor kecamatan" in refused.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        token = csrf.group(1) if csrf else ""
        changed = client.post("/register/kegiatan", data={"csrf": token, "nama": "x"})
        assert changed.status_code == 403


def test_an_office_account_does_not_see_the_kabupaten(
    engine: Engine, web_settings: Settings, kabupaten: int
) -> None:
    for client in signed_in_as(engine, web_settings, StaffRole.ADMIN, 1):
        page = client.get("/kabupaten")
        assert page.status_code == 403 and "Kecamatan Jombang" not in page.text
        assert 'href="/kabupaten"' not in client.get("/").text


def test_an_office_cannot_make_a_kabupaten_account(
    engine: Engine, web_settings: Settings, kabupaten: int
) -> None:
    with for_office(Session(engine), 1) as session:
        admin = records.add_staff(session, "Admin Mumbulsari", StaffRole.ADMIN)
        officer = records.add_staff(session, "Budi", StaffRole.TRANTIB)
        with pytest.raises(InvalidInput, match="tidak dapat dipertukarkan"):
            create_invite(session, StaffRole.BUPATI, "Pak Bupati", actor=admin)
        with pytest.raises(InvalidInput, match="tidak dapat dipertukarkan"):
            records.change_role(session, officer.id or 0, StaffRole.INSPEKTORAT, actor=admin)
        session.rollback()
    for client in signed_in_as(engine, web_settings, StaffRole.ADMIN, 1):
        staff_page = client.get("/petugas").text
        assert 'value="bupati"' not in staff_page  # not offered
        csrf = re.search(r'name="csrf" value="([^"]+)"', staff_page)
        assert csrf
        forged = client.post("/petugas/undang", data={"csrf": csrf.group(1), "peran": "bupati"})
        assert forged.status_code == 400
    with for_all_offices(Session(engine)) as session:
        assert session.exec(select(func.count()).select_from(StaffInvite)).one() == 0


def test_a_kabupaten_account_belongs_to_no_office(engine: Engine, kabupaten: int) -> None:
    with for_office(Session(engine), kabupaten) as session:  # even made from an office's
        bupati = records.add_staff(session, "Pak Bupati", StaffRole.BUPATI)
        session.commit()
        assert bupati.office_id is None
    with for_all_offices(Session(engine)) as session:
        stored = session.exec(select(Staff.office_id).where(Staff.name == "Pak Bupati")).all()
    assert stored == [None]


def test_the_command_line_makes_a_kabupaten_account_and_its_login_link(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kabupaten: int
) -> None:
    invoke = sigap_on(database_url, tmp_path, monkeypatch)
    added = invoke("staff", "add", "Pak Bupati", "--role", "bupati")  # no --office needed
    assert added.exit_code == 0, added.output
    number = re.search(r"#(\d+)", added.output)
    assert number
    link = invoke("staff", "login-link", number.group(1))
    assert link.exit_code == 0 and "/masuk?t=" in link.output, link.output
    listed = invoke("staff", "list", "--kabupaten").output
    assert "bupati\tPak Bupati" in listed


def test_the_roll_up_downloads_under_the_kabupaten_kop(
    engine: Engine, web_settings: Settings, kabupaten: int
) -> None:
    for client in signed_in_as(engine, web_settings, StaffRole.BUPATI, None):
        html = client.get(f"/kabupaten/laporan.html?tahun={YEAR}&triwulan=1")
        assert html.status_code == 200, html.text
        assert "PEMERINTAH KABUPATEN JEMBER" in html.text
        assert "BAGIAN ORGANISASI SEKRETARIAT DAERAH" in html.text
        assert "Kecamatan Jombang" in html.text and "Kepala Bagian Organisasi" in html.text
        sheets = load_workbook(
            BytesIO(client.get(f"/kabupaten/laporan.xlsx?tahun={YEAR}&triwulan=1").content)
        )
        league = next(sheets[n] for n in sheets.sheetnames if n.endswith("_trantib-selesai"))
        names = [row[1] for row in league.iter_rows(values_only=True)]
        assert names.index("Kecamatan Jombang") < names.index(web_settings.office_name)
        assert "pengaduan_per_kecamatan" in sheets.sheetnames
        pdf = client.get(f"/kabupaten/laporan.pdf?tahun={YEAR}&triwulan=1")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert client.get(f"/kabupaten/laporan.exe?tahun={YEAR}").status_code == 404
    for client in signed_in_as(engine, web_settings, StaffRole.CAMAT, 1):
        assert client.get(f"/kabupaten/laporan.xlsx?tahun={YEAR}").status_code == 403


def test_the_operator_changes_and_removes_a_kabupaten_account(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kabupaten: int
) -> None:
    """Found by the attack review: such an account could be neither revoked nor changed."""
    invoke = sigap_on(database_url, tmp_path, monkeypatch)
    added = invoke("staff", "add", "Pak Bupati", "--role", "bupati")
    number = re.search(r"#(\d+)", added.output)
    assert number, added.output
    changed = invoke("staff", "role", number.group(1), "inspektorat")
    assert changed.exit_code == 0 and "inspektorat" in changed.output, changed.output
    refused = invoke("staff", "role", number.group(1), "trantib")
    assert refused.exit_code != 0 and "tidak dapat dipertukarkan" in refused.output
    removed = invoke("staff", "remove", number.group(1))
    assert removed.exit_code == 0, removed.output
    assert invoke("staff", "login-link", number.group(1)).exit_code != 0


def test_an_office_invite_never_moves_a_kabupaten_account_into_the_office(
    engine: Engine, kabupaten: int
) -> None:
    """Found by the attack review: redeeming an office's invite from the Bupati's chat
    account turned the Bupati into that office's trantib."""
    with for_office(Session(engine, expire_on_commit=False), kabupaten) as session:
        bupati = records.add_staff(
            session, "Pak Bupati", StaffRole.BUPATI, accounts=[("telegram", "777")]
        )
        admin = records.add_staff(session, "Admin Jombang", StaffRole.ADMIN)
        invite = create_invite(session, StaffRole.TRANTIB, "Petugas", actor=admin)
        session.commit()
        bupati_id = bupati.id
        with pytest.raises(InvalidInput, match="tidak dapat dipertukarkan"):
            redeem_invite(session, invite.code, "telegram", "777", "Pak Bupati")
        session.rollback()
    with for_all_offices(Session(engine)) as session:
        kept = session.get(Staff, bupati_id)
        assert kept is not None and (kept.role, kept.office_id) == (StaffRole.BUPATI, None)


def test_a_new_office_appears_on_the_kabupaten_page_at_once(
    engine: Engine, web_settings: Settings, kabupaten: int
) -> None:
    """Found by the attack review: the figures were reused until some register moved."""
    for client in signed_in_as(engine, web_settings, StaffRole.BUPATI, None):
        assert "Kecamatan Kencong" not in client.get(f"/kabupaten?tahun={YEAR}").text
        with Session(engine) as session:
            add_office(session, "35.09.02", "Kecamatan Kencong", "KCG", ("Kencong",))
            session.commit()
        assert "Kecamatan Kencong" in client.get(f"/kabupaten?tahun={YEAR}").text


def test_an_exact_nrr_reads_as_a_decimal_on_the_pages() -> None:
    """Found by the fresh-user pass: the roll-up's SKM cells read "117/40"."""
    assert number(Fraction(117, 40), 3) == "2,925" and number(Fraction(15, 8), 3) == "1,875"


def test_the_page_follows_a_change_in_one_office(
    engine: Engine, web_settings: Settings, kabupaten: int
) -> None:
    """The page is kept per state of every office's data, each office's line per its
    own: one new settled complaint in Jombang moves Jombang's figure at once."""
    for client in signed_in_as(engine, web_settings, StaffRole.BUPATI, None):
        path = f"/kabupaten?tahun={YEAR}&triwulan=1"
        assert "31,25" in client.get(path).text  # Mumbulsari: 1 of 4 settled
        with for_office(Session(engine), 1) as session:
            _complaints(session, settings=web_settings, received=1, settled=1)
            session.commit()
        page = client.get(path).text
        assert "31,25" not in page and "50,00" in page  # now 2 of 5 settled: 40 % -> 50 %
