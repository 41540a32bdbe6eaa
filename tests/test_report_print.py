"""Paper that looks official (issue 23, item 5), checked the way a reader would notice:
table headers and words break only between words; the signature never stands alone on a
page; a report of a period still running says "data per <date>" in every format; XLSX
sheets have a frozen header, widths and number formats; charts write numbers the
Indonesian way with no text crossing another text or the target line.

The IKU (year and a finished triwulan), SKM and complaints PDFs of a plausible year are
kept page by page under build/report-pages/ (paper-*.png) for review."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pypdfium2 as pdfium
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from sqlmodel import Session

from core.config import Settings
from core.domain.periods import Period
from reports import builders, charts
from reports import model as report_model
from reports.model import Letterhead, Report, Table
from reports.render import LONG_TOKEN, render
from tests.paper_year import fill_year
from tests.test_report_paper import NIP, PAGES, office

__all__ = ["office"]  # the fixture, shared with tests/test_report_paper.py
# Layout, not storage: SQLite only
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # 10:00 WIB: 2026 is still running
TODAY = date(2026, 11, 20)
DATA_PER = "data per 20 November 2026"


@pytest.fixture
def year(session: Session, office: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """2026 filled through October, reports made on 20 November 2026."""
    monkeypatch.setattr(report_model, "utcnow", lambda: NOW)
    fill_year(session, office, 2026, last_month=10)
    return office


def _report(session: Session, settings: Settings, kind: str, period: Period) -> Report:
    return builders.build_report(kind, session, settings, period, TODAY, service_users=500)


def _pages(pdf: bytes) -> list[str]:
    """Each page's text as pdfium reads it, one line of print per line."""
    document = pdfium.PdfDocument(pdf)
    try:
        texts = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()
    return [re.sub(r"[ \t]*\r?\n[ \t]*", "\n", text.replace("\r\n", "\n")) for text in texts]


def _keep(name: str, pdf: bytes) -> None:
    PAGES.mkdir(parents=True, exist_ok=True)
    document = pdfium.PdfDocument(pdf)
    try:
        for index in range(len(document)):
            image = document[index].render(scale=1.4).to_pil()
            image.save(PAGES / f"paper-{name}-{index + 1}.png")
    finally:
        document.close()


def _words(report: Report) -> tuple[set[str], set[str]]:
    """The header words, and the words of every text cell, that a table prints (tables
    printed apart, as paragraphs, are not tables on paper)."""
    tables = [t for t in report.tables if t.key not in report.extra.get("apart", ())]
    heads = {w for t in tables for c in t.columns for w in re.findall(r"[^\W\d_]{3,}", c)}
    cells = {
        word
        for table in tables
        for row in table.rows[:100]
        for cell in row
        if isinstance(cell, str)
        for token in cell.split()
        if len(token) <= LONG_TOKEN
        for word in re.findall(r"[^\W\d_]{3,}", token)
    }
    return heads, cells


def broken(text: str, words: Iterable[str]) -> list[str]:
    """Words printed in two pieces, the end of one line and the start of the next."""
    return sorted({w for w in words for k in range(1, len(w)) if f"{w[:k]}\n{w[k:]}" in text})


SIGNATURE_LINES = ("Camat Mumbulsari", "Drs. Ahmad Fauzi, M.Si.", f"NIP. {NIP}", "Mumbulsari, ")


def _beside_signature(page: str, report: Report) -> list[str]:
    """What a page prints besides the signature block and the running heads."""
    heads = (report.title, "Laporan sementara", "Halaman")
    return [
        line
        for line in page.split("\n")
        if line.strip() and not line.startswith(SIGNATURE_LINES + heads)
    ]


@SQLITE
def test_paper_reports_break_words_only_between_them_and_sign_with_company(
    session: Session, year: Settings
) -> None:
    made = {
        "iku": _report(session, year, "iku", Period.year(2026)),
        "iku-tw3": _report(session, year, "iku", Period.quarter(2026, 3)),
        "skm": _report(session, year, "skm", Period.year(2026)),
        "complaints": _report(session, year, "complaints", Period.year(2026)),
    }
    for name, report in made.items():
        pdf = render(report, "pdf")
        _keep(name, pdf)
        pages = _pages(pdf)
        text = "\n".join(pages)
        heads, cells = _words(report)
        assert [w for w in heads if w not in text] == [], name  # every header word whole
        assert broken(text, heads | cells) == [], name
        assert "Drs. Ahmad Fauzi, M.Si." in pages[-1], name
        assert _beside_signature(pages[-1], report) != [], f"{name}: signature alone"
        assert (DATA_PER in text) == (name != "iku-tw3"), name  # TW III ended 30 September


def test_the_word_check_sees_a_word_cut_in_two() -> None:
    """The check above would have caught "Tar get" / "Realis asi" as the issue saw them."""
    assert broken("Kode\nTar\nget\nRealis\nasi", {"Target", "Realisasi", "Kode"}) == [
        "Realisasi",
        "Target",
    ]
    assert broken("Capaian\n(%)\nSangat Tinggi", {"Capaian", "Sangat", "Tinggi"}) == []


def _letterhead() -> Letterhead:
    return Letterhead(
        government="PEMERINTAH KABUPATEN JEMBER",
        office="KECAMATAN MUMBULSARI",
        address="Jl. Raya Mumbulsari No. 1",
        logo=None,
        logo_type="image/png",
        place="Mumbulsari",
        position="Camat Mumbulsari",
        signatory="Drs. Ahmad Fauzi, M.Si.",
        nip=NIP,
    )


def _table_report(rows: int, notes: int) -> Report:
    """A finished year's report whose one table (and notes) run ``rows`` lines long."""
    lines: list[list[report_model.Cell]] = [[f"Baris {n}", n] for n in range(1, rows + 1)]
    return Report(
        kind="complaints",
        title="Rekap Pengaduan Trantib",
        office="Kecamatan Mumbulsari, Kabupaten Jember",
        period=Period.year(2025),
        generated_at=datetime(2026, 1, 5, 9, 0),
        summary=[],
        tables=[Table("desa", "Menurut desa", ["Desa", "Jumlah"], lines)],
        notes=[f"Catatan {n}: aturan hitung yang dipakai laporan ini." for n in range(notes)],
        letterhead=_letterhead(),
    )


@pytest.mark.parametrize("notes", [0, 3])
def test_the_signature_takes_the_last_lines_with_it(notes: int) -> None:
    """Every length of table around a page's end: the signature is never alone on the
    last page; it carries the last row of the table (or the last note) with it."""
    split = 0
    for rows in range(34, 58):
        report = _table_report(rows, notes)
        pages = _pages(render(report, "pdf"))
        last = rf"Catatan {notes - 1}:" if notes else rf"\bBaris {rows}\b"
        assert re.search(last, pages[-1]), (rows, pages[-1])
        assert _beside_signature(pages[-1], report) != [], rows
        split += len(pages) > 1 and re.search(rf"\bBaris {rows - 1}\b", pages[0]) is not None
    assert split, "no length put the page break near the signature: lengthen the range"


def test_a_report_without_the_camats_name_leaves_a_line_to_write_it() -> None:
    """No name in the office's profile: the paper is signed by hand, over a dotted
    line, never over a placeholder that reads as if typed on purpose."""
    report = _table_report(3, 0)
    report.letterhead = replace(_letterhead(), signatory="", nip="")
    signature = _pages(render(report, "pdf"))[-1]
    assert "(nama Camat)" not in signature and "(……" in signature
    assert "Camat Mumbulsari" in signature and "NIP." in signature


@SQLITE
def test_every_format_says_data_per_while_the_period_runs(
    session: Session, year: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    running = _report(session, year, "iku", Period.year(2026))
    ended = _report(session, year, "iku", Period.year(2025))
    for fmt in ("text", "html", "pdf", "xlsx"):
        assert DATA_PER in _shown(render(running, fmt), fmt), fmt
        assert "data per" not in _shown(render(ended, fmt), fmt), fmt
    # the office's day, not UTC's: 17:30 UTC on 31 December is 00:30 WIB on 1 January
    for utc_hour, provisional in ((16, True), (17, False)):
        at = datetime(2026, 12, 31, utc_hour, 30, tzinfo=UTC)
        monkeypatch.setattr(report_model, "utcnow", lambda at=at: at)
        text = render(_report(session, year, "complaints", Period.year(2026)), "text").decode()
        assert ("data per 31 Desember 2026" in text) is provisional, utc_hour


def _shown(content: bytes, fmt: str) -> str:
    if fmt == "pdf":
        return " ".join(" ".join(_pages(content)).split())
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(content))
        cells = [
            str(c) for ws in book.worksheets for r in ws.iter_rows(values_only=True) for c in r
        ]
        heads = [ws.oddHeader.left.text or "" for ws in book.worksheets]
        return " ".join(cells + heads)
    return content.decode()


def _column(sheet: object, name: str) -> list[openpyxl.cell.Cell]:
    rows = list(sheet.iter_rows())  # type: ignore[attr-defined]
    index = [cell.value for cell in rows[0]].index(name)
    return [row[index] for row in rows[1:] if row[index].value is not None]


@SQLITE
def test_xlsx_sheets_are_ready_to_work_in(session: Session, year: Settings) -> None:
    books = {
        kind: openpyxl.load_workbook(
            io.BytesIO(render(_report(session, year, kind, Period.year(2026)), "xlsx"))
        )
        for kind in ("iku", "skm", "complaints")
    }
    for kind, book in books.items():
        assert book.worksheets[0].title == "Ringkasan"
        summary = [str(c) for r in book["Ringkasan"].iter_rows(values_only=True) for c in r]
        assert any(DATA_PER in cell for cell in summary), kind
        for sheet in book.worksheets[1:]:
            assert sheet.freeze_panes == "A2", (kind, sheet.title)
            assert all(cell.font.bold for cell in sheet[1]), (kind, sheet.title)
            assert DATA_PER in (sheet.oddHeader.left.text or ""), (kind, sheet.title)
            widths = [sheet.column_dimensions[c.column_letter].width for c in sheet[1]]
            assert all(width and width >= 8 for width in widths), (kind, sheet.title, widths)
    iku = books["iku"]["iku"]
    assert {c.number_format for c in _column(iku, "Capaian (%)")} == {"#,##0.00"}
    assert {c.number_format for c in _column(iku, "Pembilang")} == {"#,##0"}
    assert iku.column_dimensions["B"].width >= 30  # "Indikator": names, not a sliver
    nrr = _column(books["skm"]["unsur"], "NRR")
    assert nrr and {c.number_format for c in nrr} == {"#,##0.0000"}
    late = books["complaints"]["terlambat"]
    assert {c.number_format for c in _column(late, "Diterima")} == {"dd-mm-yyyy"}
    assert {c.number_format for c in _column(late, "Hari terlambat")} == {"#,##0"}


def _texts(figure: Figure) -> Iterator[Text]:
    """Every text the figure prints: titles, axis labels, tick labels in view, value
    labels and the legend's entries."""
    for axes in figure.axes:
        assert isinstance(axes, Axes)
        yield from (axes.title, axes.xaxis.label, axes.yaxis.label, *axes.texts)
        for axis, (low, high) in ((axes.xaxis, axes.get_xlim()), (axes.yaxis, axes.get_ylim())):
            ticks = axis.get_major_ticks()
            yield from (t.label1 for t in ticks if min(low, high) <= t.get_loc() <= max(low, high))
    for legend in figure.legends:
        yield from legend.get_texts()


def _overlaps(figure: Figure) -> list[str]:
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    texts = [t for t in _texts(figure) if t.get_visible() and t.get_text()]
    boxes = [(t.get_text(), t.get_window_extent(renderer).expanded(0.98, 0.9)) for t in texts]
    found = [
        f"{a} / {b}" for i, (a, x) in enumerate(boxes) for b, y in boxes[i + 1 :] if x.overlaps(y)
    ]
    for axes in figure.axes:
        for line in axes.get_lines():
            if str(line.get_label()).startswith("Target"):
                edge = line.get_window_extent(renderer)
                found += [f"{name} / target line" for name, box in boxes if box.overlaps(edge)]
    return found


@SQLITE
def test_charts_write_numbers_the_indonesian_way_and_nothing_overlaps(
    session: Session, year: Settings
) -> None:
    drawn = [
        chart
        for kind in ("iku", "skm", "complaints")
        for chart in _report(session, year, kind, Period.year(2026)).charts
    ]
    assert len(drawn) == 8  # six IKU, the NRR per unsur, complaints per category
    PAGES.mkdir(parents=True, exist_ok=True)
    everything = []
    for number, chart in enumerate(drawn):
        (PAGES / f"paper-chart-{number}.png").write_bytes(chart.png)
        figure = charts.figure(chart)
        assert _overlaps(figure) == [], chart.title
        everything += [t.get_text() for t in _texts(figure)]
    shown = " | ".join(everything)
    assert "sumbu" not in shown  # the base is the lowest tick, not a note on the label
    assert not re.search(r"\d\.\d{1,2}(?!\d)", shown), shown  # no decimal point
    assert "Target 82,50" in shown  # the IKU2 target as the table prints it
    assert "Realisasi 2026: 68,41" in shown and "Target: 70" in shown  # IKU5, in the legend


def test_an_axis_starts_at_its_base_tick() -> None:
    assert charts.ticks(25.0, 100.0, whole=False) == [25.0, 50.0, 75.0, 100.0]
    assert charts.ticks(0.0, 6.9, whole=True) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert charts.ticks(0.0, 1.15, whole=True) == [0.0, 1.0]  # documents: no 0,25
    assert charts.ticks(0.0, 115.0, whole=False) == [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]


def test_a_year_value_near_its_target_is_not_crossed_by_the_line() -> None:
    chart = charts.year_chart("IKU5 Nilai SAKIP OPD", 2026, Decimal("69.50"), Decimal(70), "nilai")
    assert _overlaps(charts.figure(chart)) == []
    long_name = "IKU6 Persentase indikator program yang tercapai " * 3
    assert (
        _overlaps(charts.figure(charts.year_chart(long_name, 2026, None, Decimal(80), "%"))) == []
    )


def test_an_empty_chart_says_there_is_no_data_yet() -> None:
    months = ["Jan 26", "Feb 26", "Mar 26"]
    empty = [
        charts.line_chart("IKU3 Persentase kegiatan", months, [None, None, None], unit="%"),
        charts.year_chart("IKU6 Persentase indikator", 2026, None, Decimal(80), "%"),
        charts.bar_chart("Pengaduan per kategori", [], []),
    ]
    for chart in empty:
        figure = charts.figure(chart)
        assert charts.NO_DATA in [t.get_text() for t in _texts(figure)], chart.title
        assert _overlaps(figure) == [], chart.title
    drawn = charts.line_chart("IKU3 Persentase kegiatan", months, [None, Decimal(50), None])
    assert charts.NO_DATA not in [t.get_text() for t in _texts(charts.figure(drawn))]
