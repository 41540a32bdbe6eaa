"""The LKjIP's Bab III in Sigap: the analysis register (who may write which IKU's, its
audit trail, its limits) and the report sections built from a seeded year: the triwulan
table equals the IKU service's triwulans, earlier years kept in Sigap, the Renstra and
its gap, the IKU6 indicators, the analysis as printed, and the SKM's answers per unsur,
method paragraph and trend. Hostile analysis text is printed as text."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from pdfminer.high_level import extract_text
from sqlmodel import Session, select

from core.config import Settings
from core.domain.complaints import ComplaintState
from core.domain.people import OFFICE_ROLES, StaffRole
from core.domain.performance import DEFAULT_SET, ActivityStatus, DocumentKind, IkuCode
from core.domain.periods import Period
from core.domain.skm import Unsur
from core.errors import InvalidInput, NotAllowed
from core.lkjip_models import IkuAnalysis
from core.models import Activity, RegisterAudit
from core.services.access.authz import OPERATOR
from core.services.performance import records
from core.services.performance.iku import iku_for_period
from core.services.performance.iku_analysis import (
    AnalysisPeriod,
    analyses_for,
    analysis_trail,
    may_write,
    save_analysis,
)
from core.services.performance.lkjip import quarter_course
from core.services.performance.register_kinds import RENSTRA
from core.services.performance.registers import create_record
from core.services.survey import skm
from reports import builders
from reports.model import Report, Table
from reports.render import ZERO_WIDTH_SPACE, render
from tests import factories as f
from tests.factories import set_office

YEAR = 2025
TODAY = date(2026, 12, 3)
# Who may write each IKU's analysis, by hand: whoever keeps the records behind it, the
# Sekcam (who compiles the LKjIP) and the admin.
WRITERS = {
    IkuCode.IKU1: {"sekcam", "admin"},
    IkuCode.IKU2: {"sekcam", "pelayanan", "admin"},
    IkuCode.IKU3: {"sekcam", "pmks", "admin"},
    IkuCode.IKU4: {"camat", "sekcam", "trantib", "admin"},
    IkuCode.IKU5: {"sekcam", "admin"},
    IkuCode.IKU6: {"sekcam", "admin"},
}
KINDS = {IkuCode(label): indicator.kind for label, indicator in DEFAULT_SET}
HOSTILE = '<b id="xana">x</b><img src="http://127.0.0.1:9/x"><script>xana</script>'


def _at(day: date, hour: int = 3) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _complaint(session: Session, settings: Settings, received: date, settled: date | None) -> None:
    officer = f.staff(session)
    item = f.complaint(session, settings, received_at=_at(received))
    if settled is not None:
        f.advance(session, item, ComplaintState.SELESAI, officer, at=_at(settled))


def _skm(session: Session, day: date, score: int, count: int, skip: Unsur | None = None) -> None:
    service = skm.get_service(session, "ktp")
    assert service.id
    for _ in range(count):
        scores: dict[Unsur, int | None] = {u: score for u in Unsur}
        if skip is not None:
            scores[skip] = None
        skm.record_response(session, skm.SkmAnswers(service.id, day, scores))


def _seed(session: Session, settings: Settings) -> None:
    """2025 in every register, 2024 and 2022 with a little (2023: nothing at all)."""
    skm.add_service(session, "ktp", "KTP elektronik")
    for day in (date(2025, 2, 10), date(2025, 5, 5), date(2025, 11, 20), date(2024, 3, 1)):
        records.add_document(session, DocumentKind.LAKIP, f"Dokumen {day}", day)
    quarters = {q: Decimal(q) for q in range(1, 5)}
    records.set_target(session, YEAR, IkuCode.IKU1, Decimal(4), quarters=quarters)
    records.set_target(session, 2024, IkuCode.IKU1, Decimal(2))
    records.set_target(session, YEAR, IkuCode.IKU4, Decimal(80))
    _complaint(session, settings, date(2025, 1, 10), date(2025, 2, 20))
    _complaint(session, settings, date(2025, 2, 10), None)
    _complaint(session, settings, date(2025, 8, 1), date(2025, 8, 5))
    _skm(session, date(2025, 2, 3), 3, 1, skip=Unsur.U9)
    _skm(session, date(2025, 2, 3), 3, 1)
    _skm(session, date(2025, 5, 3), 4, 2)
    _skm(session, date(2024, 5, 3), 2, 2)
    held = Activity(name="Pelatihan", kind="pelatihan", planned_date=date(2025, 3, 1))
    held.held_date, held.status = date(2025, 3, 1), ActivityStatus.TERLAKSANA
    records.add_activity(session, held)
    records.add_activity(
        session, Activity(name="Sosialisasi", kind="sosialisasi", planned_date=date(2025, 3, 15))
    )
    records.set_sakip(session, YEAR, Decimal("72.35"))
    records.set_sakip(session, 2024, Decimal("65"))
    records.set_sakip(session, 2022, Decimal("60"))
    measured = records.add_indicator(session, YEAR, "Cakupan layanan", Decimal(80))
    records.set_indicator_realisation(session, measured.id or 0, Decimal(85))
    records.add_indicator(session, YEAR, "Rapat koordinasi", Decimal(10))
    for end, code, target in ((2026, "IKU1", 6), (2029, "IKU1", 10), (2024, "IKU4", 90)):
        values = {"end_year": end, "iku": code, "target": Decimal(target), "direction": "higher"}
        create_record(session, RENSTRA, values, OPERATOR)
    create_record(
        session,
        RENSTRA,
        {"end_year": 2026, "iku": "IKU2", "target": Decimal(80), "direction": "higher"},
        OPERATOR,
    )
    session.flush()


def _table(report: Report, key: str) -> Table:
    return next(t for t in report.tables if t.key == key)


def _row(table: Table, code: str) -> list[Any]:
    return next(row for row in table.rows if row[0] == code)


# -- the analysis register --------------------------------------------------------------


@pytest.mark.parametrize("role", OFFICE_ROLES)  # the kabupaten's write no analysis
def test_who_may_write_each_analysis_is_the_matrix(session: Session, role: StaffRole) -> None:
    member = records.add_staff(session, "Petugas", role)
    for code, writers in WRITERS.items():
        allowed = role.value in writers
        assert may_write(member, KINDS[code]) is allowed, (role, code)
        texts = {"pendorong": f"Dukungan untuk {code.value}"}
        if allowed:
            save_analysis(session, code, AnalysisPeriod(YEAR), texts, member)
        else:
            with pytest.raises(NotAllowed):
                save_analysis(session, code, AnalysisPeriod(YEAR), texts, member)
    written = {IkuCode(a.iku) for a in session.exec(select(IkuAnalysis)).all()}
    assert written == {code for code, writers in WRITERS.items() if role.value in writers}
    audited = session.exec(select(RegisterAudit.record_key)).all()
    assert sorted(audited) == sorted(f"{YEAR}-{c.value}" for c in written)
    member.active = False  # a deactivated member writes nothing at all
    with pytest.raises(NotAllowed):
        save_analysis(session, IkuCode.IKU4, AnalysisPeriod(YEAR), {"upaya": "x"}, member)


def test_every_change_is_in_the_audit_trail(session: Session) -> None:
    sekcam = records.add_staff(session, "Sekcam", StaffRole.SEKCAM)
    trantib = records.add_staff(session, "Trantib", StaffRole.TRANTIB)
    quarter = AnalysisPeriod(YEAR, 1)
    first = {"pendorong": "Patroli rutin\nbersama Satpol PP", "penghambat": "Personel kurang"}
    save_analysis(session, IkuCode.IKU4, quarter, first, trantib)
    again = {**first, "penghambat": "", "upaya": "Tambah jadwal patroli malam"}
    save_analysis(session, IkuCode.IKU4, quarter, again, sekcam, reason="Penghambat sudah teratasi")
    save_analysis(session, IkuCode.IKU4, quarter, again, sekcam)  # nothing changed: no entry
    trail = analysis_trail(session, IkuCode.IKU4, quarter)
    assert [(a.action, a.staff_id, a.record_key) for a in trail] == [
        ("buat", trantib.id, "2025-Q1-IKU4"),
        ("ubah", sekcam.id, "2025-Q1-IKU4"),
    ]
    assert json.loads(trail[0].changes) == {
        "tahun": ["", "2025"],
        "triwulan": ["", "1"],
        "iku": ["", "IKU4"],
        "pendorong": ["", "Patroli rutin\nbersama Satpol PP"],
        "penghambat": ["", "Personel kurang"],
    }
    assert json.loads(trail[1].changes) == {
        "penghambat": ["Personel kurang", ""],
        "upaya": ["", "Tambah jadwal patroli malam"],
    }
    assert trail[1].reason == "Penghambat sudah teratasi"
    stored = analyses_for(session, Period.quarter(YEAR, 1))[IkuCode.IKU4]
    assert (stored.pendorong, stored.penghambat, stored.upaya) == (
        "Patroli rutin\nbersama Satpol PP",
        None,
        "Tambah jadwal patroli malam",
    )
    # the year's analysis is another record; a free date range has none
    assert analyses_for(session, Period.year(YEAR)) == {}
    assert analyses_for(session, Period(date(2025, 1, 1), date(2025, 1, 31))) == {}


@pytest.mark.parametrize(
    ("texts", "reason", "says"),
    [
        ({"pendorong": "x" * 2001}, None, "Faktor pendorong: paling banyak 2000 karakter"),
        ({"upaya": "Rapat\u202e rutin"}, None, "Upaya / rencana tindak lanjut: berisi karakter"),
        ({"pendorong": "  ", "upaya": ""}, None, "Isi paling sedikit satu"),
        ({"pendorong": "Baik"}, "a" * 501, "Alasan: paling banyak 500 karakter"),
    ],
)
def test_what_the_register_refuses(
    session: Session, texts: dict[str, str], reason: str | None, says: str
) -> None:
    with pytest.raises(InvalidInput, match=re.escape(says)):
        save_analysis(session, IkuCode.IKU2, AnalysisPeriod(YEAR), texts, OPERATOR, reason)
    assert session.exec(select(IkuAnalysis)).all() == []
    assert session.exec(select(RegisterAudit)).all() == []


def test_the_longest_analysis_is_kept_whole(session: Session) -> None:
    text = "é" * 2000  # characters, not bytes, are counted
    save_analysis(session, IkuCode.IKU2, AnalysisPeriod(YEAR), {"pendorong": text}, OPERATOR)
    session.commit()
    session.expire_all()
    stored = analyses_for(session, Period.year(YEAR))[IkuCode.IKU2]
    assert stored.pendorong == text


# -- the IKU report's Bab III -----------------------------------------------------------


def test_the_triwulan_table_is_the_iku_service_per_triwulan(
    session: Session, settings: Settings
) -> None:
    _seed(session, settings)
    report = builders.build_report("iku", session, settings, Period.year(YEAR), TODAY)
    table = _table(report, "iku_triwulan")
    assert table.columns[:5] == [
        "Kode",
        "Target tahun",
        "Target s.d. TW I",
        "Realisasi TW I",
        "Capaian TW I (%)",
    ]
    for q in range(1, 5):
        service = iku_for_period(session, settings, Period.quarter(YEAR, q))
        for code in (IkuCode.IKU1, IkuCode.IKU2, IkuCode.IKU3, IkuCode.IKU4):
            value = service.get(code)
            cells = _row(table, code.value)[2 + 3 * (q - 1) : 5 + 3 * (q - 1)]
            assert cells == [value.quarter_target, value.value, value.judged_capaian], (code, q)
    # what the Sekcam reads off the table, worked out by hand
    assert _row(table, "IKU1") == [
        "IKU1", 4,
        1, 1, Decimal("100.00"), 2, 2, Decimal("100.00"),
        3, 2, Decimal("66.67"), 4, 3, Decimal("75.00"),
    ]  # fmt: skip
    assert _row(table, "IKU4")[1:] == [
        80,
        None, Decimal("50.00"), Decimal("62.50"), None, None, None,
        None, Decimal("100.00"), Decimal("125.00"), None, None, None,
    ]  # fmt: skip
    assert _row(table, "IKU2")[3] == Decimal("75.00") and _row(table, "IKU2")[6] == Decimal(
        "100.00"
    )
    assert _row(table, "IKU3")[3] == Decimal("50.00")
    assert _row(table, "IKU5")[2:] == [None] * 12  # annual: in the Capaian IKU table only


def test_a_triwulan_not_yet_begun_is_empty(session: Session, settings: Settings) -> None:
    _seed(session, settings)
    course = quarter_course(session, settings, YEAR, today=date(2025, 5, 1))
    assert [q.report is not None for q in course] == [True, True, False, False]
    assert course[2].value(IkuCode.IKU1) is None
    assert course[1].value(IkuCode.IKU1) is not None
    assert course[1].value(IkuCode.IKU5) is None  # an annual IKU is never a triwulan's


def test_earlier_years_kept_in_sigap_are_compared(session: Session, settings: Settings) -> None:
    _seed(session, settings)
    report = builders.build_report("iku", session, settings, Period.year(YEAR), TODAY)
    table = _table(report, "iku_tahunan")
    assert table.columns == [
        "Kode",
        "Satuan",
        "Realisasi 2022",
        "Capaian 2022 (%)",
        "Realisasi 2024",
        "Capaian 2024 (%)",
        "Realisasi 2025",
        "Capaian 2025 (%)",
        "Perubahan realisasi thd 2024",
    ]  # 2023: nothing kept, so no column
    assert _row(table, "IKU1")[2:] == [None, None, 1, Decimal("50.00"), 3, Decimal("75.00"), 2]
    assert _row(table, "IKU5")[2:] == [
        Decimal("60.00"), None, Decimal("65.00"), None, Decimal("72.35"), None, Decimal("7.35"),
    ]  # fmt: skip
    assert _row(table, "IKU2")[4:] == [
        Decimal("50.00"), None, Decimal("87.96"), None, Decimal("37.96"),
    ]  # fmt: skip
    # a triwulan is compared with the same triwulan
    quarter = builders.build_report("iku", session, settings, Period.quarter(YEAR, 1), TODAY)
    columns = _table(quarter, "iku_tahunan").columns
    assert [c for c in columns if c.startswith(("Realisasi", "Perubahan"))] == [
        "Realisasi TW I 2022",  # the SAKIP score of 2022: a value kept for that year
        "Realisasi TW I 2024",
        "Realisasi TW I 2025",
        "Perubahan realisasi thd TW I 2024",
    ]


def test_the_renstra_target_and_the_gap_to_it(session: Session, settings: Settings) -> None:
    _seed(session, settings)
    report = builders.build_report("iku", session, settings, Period.year(YEAR), TODAY)
    table = _table(report, "iku_renstra")
    # 2025 falls in the Renstra ending 2026 (not the next one, ending 2029)
    assert _row(table, "IKU1")[2:] == [
        "s.d. 2026", 6, 3, -3, Decimal("50.00"), "target Renstra belum tercapai",
    ]  # fmt: skip
    assert _row(table, "IKU2")[2:] == [
        "s.d. 2026", 80, Decimal("87.96"), Decimal("7.96"), Decimal("109.95"),
        "target Renstra sudah tercapai",
    ]  # fmt: skip
    # a Renstra that ended in 2024 says nothing of 2025
    assert _row(table, "IKU4")[2:4] == [None, None]
    assert _row(table, "IKU4")[-1] == "belum ada target Renstra"


def test_the_iku6_indicators_are_listed_naming_the_unmeasured(
    session: Session, settings: Settings
) -> None:
    _seed(session, settings)
    report = builders.build_report("iku", session, settings, Period.year(YEAR), TODAY)
    rows = _table(report, "iku6_indikator").rows
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in rows] == [
        ("Cakupan layanan", 80, 85, Decimal("106.25"), "tercapai"),
        ("Rapat koordinasi", 10, None, None, "belum ada realisasi"),
    ]


def test_the_analysis_of_the_period_is_printed(session: Session, settings: Settings) -> None:
    _seed(session, settings)
    year, quarter = AnalysisPeriod(YEAR), AnalysisPeriod(YEAR, 1)
    texts = {"pendorong": "Patroli rutin", "upaya": "Patroli malam\nditambah"}
    save_analysis(session, IkuCode.IKU4, year, texts, OPERATOR)
    save_analysis(session, IkuCode.IKU4, quarter, {"penghambat": "Hujan deras"}, OPERATOR)
    report = builders.build_report("iku", session, settings, Period.year(YEAR), TODAY)
    table = _table(report, "iku_analisis")
    assert table.title == "Analisis capaian kinerja Tahun 2025"
    assert _row(table, "IKU4")[2:] == ["Patroli rutin", None, "Patroli malam\nditambah"]
    assert report.extra["lkjip"].unwritten == ["IKU1", "IKU2", "IKU3", "IKU5", "IKU6"]
    html = render(report, "html").decode()
    assert "Patroli malam<br>ditambah" in html and "Hujan deras" not in html
    assert "Belum ada analisis untuk IKU1, IKU2, IKU3, IKU5, IKU6" in html
    text = render(report, "text").decode()
    assert "Upaya / rencana tindak lanjut: Patroli malam\n    ditambah" in text
    sheets = _xlsx_sheets(render(report, "xlsx"))
    assert {"iku_triwulan", "iku_tahunan", "iku_renstra", "iku_analisis"} <= set(sheets)
    assert (sheets["iku_analisis"][4][:3]) == [
        "IKU4",
        "Persentase penyelesaian laporan pelanggaran trantib",
        "Patroli rutin",
    ]
    assert json.loads(render(report, "json"))["tables"]["iku_triwulan"]["rows"][0][:2] == [
        "IKU1",
        4,
    ]
    by_quarter = builders.build_report("iku", session, settings, Period.quarter(YEAR, 1), TODAY)
    assert _row(_table(by_quarter, "iku_analisis"), "IKU4")[2:] == [None, "Hujan deras", None]
    free = builders.build_report(
        "iku", session, settings, Period(date(2025, 1, 1), date(2025, 2, 14)), TODAY
    )
    assert "iku_analisis" not in {t.key for t in free.tables}
    assert any("per tahun atau per triwulan" in note for note in free.notes)


def _xlsx_sheets(content: bytes) -> dict[str, list[list[Any]]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    return {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in book.worksheets
    }


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_hostile_analysis_text_is_printed_as_text(session: Session, settings: Settings) -> None:
    texts = {name: f"{HOSTILE} {name}" for name in ("pendorong", "penghambat", "upaya")}
    save_analysis(session, IkuCode.IKU3, AnalysisPeriod(YEAR), texts, OPERATOR)
    report = builders.build_report("iku", session, settings, Period.year(YEAR), TODAY)
    page = _Elements()
    page.feed(render(report, "html").decode())
    made = [
        (tag, attrs)
        for tag, attrs in page.tags
        if attrs.get("id") == "xana" or "127.0.0.1" in attrs.get("src", "") or tag == "script"
    ]
    assert made == []
    shown = "".join(page.text).replace(ZERO_WIDTH_SPACE, "")  # long tokens' break points
    assert all(text in shown for text in texts.values())
    pdf = re.sub(r"\s+|\u200b", "", extract_text(io.BytesIO(render(report, "pdf"))))
    assert re.sub(r"\s+", "", texts["upaya"]) in pdf


# -- the SKM report ---------------------------------------------------------------------


def test_the_skm_report_counts_answers_per_unsur(session: Session, settings: Settings) -> None:
    _seed(session, settings)
    report = builders.build_report(
        "skm", session, settings, Period.year(YEAR), TODAY, service_users=10
    )
    assert [t.key for t in report.tables][-2:] == ["jawaban_unsur", "tren"]
    table = _table(report, "jawaban_unsur")
    # 2 answers of 3 (one of them skipping U9) and 2 of 4: IKM (8 x 3.5 + 11/3) / 9 x 25
    assert _row(table, "U1")[2:] == [4, 0, 14, Decimal("3.5000")]
    assert _row(table, "U9")[2:] == [3, 1, 11, Decimal("3.6667")]
    trend = _table(report, "tren")
    assert trend.rows == [
        ["Tahun 2024", 2, Decimal("50.00"), "D (Tidak Baik)", None],
        ["Tahun 2025", 4, Decimal("87.96"), "B (Baik)", Decimal("37.96")],
    ]
    method = " ".join(report.extra["metode"])
    assert "periode 01-01-2025 s.d. 31-12-2025" in method
    assert "1 jenis (KTP elektronik)" in method and "Responden: 4 orang" in method
    assert "N = 10 pengguna layanan adalah 10 responden" in method
    assert "belum memadai (kurang 6)" in method
    html = render(report, "html").decode()
    assert html.index("<h2>Metode</h2>") < html.index("I. Periode dan responden")
    assert "Metode: Survei Kepuasan Masyarakat" in render(report, "text").decode()
    without_n = builders.build_report("skm", session, settings, Period.year(YEAR), TODAY)
    assert "kecukupan sampel belum dinilai" in " ".join(without_n.extra["metode"])


def test_the_skm_trend_of_a_triwulan_is_the_triwulans_before(
    session: Session, settings: Settings
) -> None:
    _seed(session, settings)
    report = builders.build_report("skm", session, settings, Period.quarter(YEAR, 2), TODAY)
    # TW I 2025 and TW II 2024 had respondents; TW III, TW IV 2024 had none
    assert [row[0] for row in _table(report, "tren").rows] == [
        "TW II 2024",
        "TW I 2025",
        "TW II 2025",
    ]


# -- the signature block ----------------------------------------------------------------


def test_the_signature_carries_pangkat_and_nip(settings: Settings, session: Session) -> None:
    set_office(
        session,
        camat_name="Drs. Ahmad Fauzi, M.Si.",
        camat_pangkat="Pembina Tingkat I (IV/b)",
        camat_nip="19700101 199003 1 001",
    )
    for kind in ("iku", "skm"):
        report = builders.build_report(kind, session, settings, Period.year(YEAR), TODAY)
        html = render(report, "html").decode()
        signature = html[html.index('<section class="signature">') :]
        name, rank, nip = (
            signature.index("Drs. Ahmad Fauzi"),
            signature.index("Pembina Tingkat I (IV/b)"),
            signature.index("NIP. 19700101 199003 1 001"),
        )
        assert name < rank < nip
    set_office(session, camat_pangkat="")
    plain = builders.build_report("iku", session, settings, Period.year(YEAR), TODAY)
    assert "Pembina" not in render(plain, "html").decode()
