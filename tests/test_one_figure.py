"""One figure, everywhere (issue 23): for the same period every surface a person reads
prints the same value, target, capaian and category of each IKU, as `iku_for_period`
decides them (a deleted row leaving every figure: tests/test_deleted_rows.py).

The table: periods (the year, each triwulan with and without the office's own triwulan
targets, a date range, a range from 1 January) x surfaces (the dashboard and the IKU
pages over HTTP, the IKU report as data, chat text and HTML, the weekly digest's text,
and `sigap iku --json`). Each surface is read back as a reader would read it, from what
it prints (numbers in Indonesian notation are parsed back), never from the object that
built it.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.testclient import TestClient
from typer.testing import CliRunner

from app.web import build_office
from cli.main import app as cli
from core.config import Settings, load_settings
from core.db import make_engine
from core.domain.people import StaffRole
from core.domain.performance import IkuCode
from core.domain.periods import Period
from core.services.performance import records
from core.services.performance.iku import IkuValue, iku_for_period
from core.services.performance.iku_course import monthly_course
from reports import builders
from reports.render import render_html, render_text
from tests.office_year import YEAR, fill_office_year
from tests.web_harness import log_in, login_link
from web.office import build_web

# -- the table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    period: Period
    triwulan_targets: bool
    query: str
    cli: list[str]


def _quarter(n: int, targets: bool) -> Case:
    label = "dengan" if targets else "tanpa"
    return Case(
        f"tw{n}-{label}-target-tw",
        Period.quarter(YEAR, n),
        targets,
        f"tahun={YEAR}&triwulan={n}",
        ["--quarter", f"{YEAR}-Q{n}"],
    )


def _range(name: str, start: date, end: date) -> Case:
    return Case(
        name,
        Period(start, end),
        True,
        f"dari={start.isoformat()}&sampai={end.isoformat()}",
        ["--from", start.isoformat(), "--to", end.isoformat()],
    )


CASES = [
    Case("tahun", Period.year(YEAR), True, f"tahun={YEAR}", ["--year", str(YEAR)]),
    *(_quarter(n, targets) for n in (1, 2, 3, 4) for targets in (True, False)),
    _range("rentang", date(2025, 2, 1), date(2025, 5, 10)),
    _range("sejak-januari", date(2025, 1, 1), date(2025, 6, 15)),
]
SURFACES = [
    "dasbor",
    "halaman-iku",
    "laporan-data",
    "laporan-teks",
    "laporan-html",
    "ringkasan-mingguan",
    "sigap-iku-json",
]


def _applies(case: Case, surface: str) -> bool:
    """The weekly digest covers 1 January to a week's end: only such periods."""
    return surface != "ringkasan-mingguan" or case.period.start == date(YEAR, 1, 1)


TABLE = [
    pytest.param(case, surface, id=f"{case.name}-{surface}")
    for case in CASES
    for surface in SURFACES
    if _applies(case, surface)
]


# -- one office year per kind of target, built once for the table -------------------------


@dataclass
class Office:
    url: str
    settings: Settings
    engine: Engine
    client: TestClient


@pytest.fixture(scope="module")
def offices(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[bool, Office]]:
    made: dict[bool, Office] = {}
    clients = []
    for targets in (True, False):
        path = tmp_path_factory.mktemp(f"office-{targets}") / "sigap.db"
        shutil.copy(sqlite_template, path)
        url = f"sqlite:///{path}"
        settings = load_settings(_env_file=None, DATABASE_URL=url)
        settings = settings.model_copy(update={"media_dir": path.parent / "media"})
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            fill_office_year(session, settings, targets)
            admin = records.add_staff(session, "Sekar", StaffRole.ADMIN)
            session.commit()
        client = TestClient(build_web(build_office(settings, engine)), follow_redirects=False)
        clients.append(client.__enter__())
        log_in(client, login_link(engine, admin))
        made[targets] = Office(url, settings, engine, client)
    yield made
    for client in clients:
        client.__exit__(None, None, None)
    for office in made.values():
        office.engine.dispose()


# -- reading each surface back -----------------------------------------------------------

Figure = tuple[Decimal | None, Decimal | None, Decimal | None, Decimal | None, Decimal | None, str]


def number(text: str | None) -> Decimal | None:
    """Back from what a reader sees: '1.234,56', '25,00 %', '3 dokumen', '-', '–'."""
    if text is None:
        return None
    text = text.strip().removesuffix("%").strip()
    if text in ("", "-", "–"):
        return None
    first = text.split()[0].removesuffix("%")
    return Decimal(first.replace(".", "").replace(",", "."))


def machine(text: str | None) -> Decimal | None:
    """A data attribute or JSON number: '25.00', 25.0, ''."""
    return None if text in (None, "") else Decimal(str(text))


def expected(value: IkuValue) -> Figure:
    return (
        value.value,
        value.target,
        value.capaian,
        value.quarter_target,
        value.quarter_capaian,
        value.category,
    )


def _attributes(tag: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in re.findall(r'data-([a-z-]+)="([^"]*)"', tag)}


def _from_attributes(found: dict[str, str], band: str) -> Figure:
    assert band == found["category"], (band, found)  # the words beside the colour
    return (
        machine(found["value"]),
        machine(found["target"]),
        machine(found["capaian"]),
        machine(found["quarter-target"]),
        machine(found["quarter-capaian"]),
        found["category"],
    )


def read_dashboard(office: Office, case: Case) -> dict[str, Figure]:
    page = office.client.get(f"/?{case.query}")
    assert page.status_code == 200, page.text[-500:]
    figures = {}
    for code in IkuCode:
        article = re.search(
            rf'<article class="iku[^"]*" id="{code.value}"[^>]*>.*?</article>', page.text, re.S
        )
        assert article, code
        band = re.search(r'<span class="band-name[^"]*">([^<]*)</span>', article.group(0))
        assert band, article.group(0)
        figures[code.value] = _from_attributes(
            _attributes(article.group(0).split(">")[0]), html.unescape(band.group(1))
        )
    return figures


def read_iku_pages(office: Office, case: Case) -> dict[str, Figure]:
    figures = {}
    for code in IkuCode:
        page = office.client.get(f"/iku/{code.value}?{case.query}")
        assert page.status_code == 200, page.text[-500:]
        section = re.search(r'<section class="iku detail[^"]*" id="angka"[^>]*>', page.text)
        band = re.search(r'id="kategori-capaian">([^<]*)<', page.text)
        assert section and band, code
        figures[code.value] = _from_attributes(
            _attributes(section.group(0)), html.unescape(band.group(1))
        )
    return figures


IKU_COLUMNS = {"target": 3, "value": 4, "capaian": 5, "category": 6}


def _from_row(cells: list[Any], read: Callable[[Any], Decimal | None], quarters: bool) -> Figure:
    return (
        read(cells[IKU_COLUMNS["value"]]),
        read(cells[IKU_COLUMNS["target"]]),
        read(cells[IKU_COLUMNS["capaian"]]),
        read(cells[-2]) if quarters else None,
        read(cells[-1]) if quarters else None,
        str(cells[IKU_COLUMNS["category"]]).strip(),
    )


def _report(office: Office, case: Case) -> Any:
    with Session(office.engine) as session:
        return builders.build_iku(session, office.settings, case.period)


def _has_quarters(columns: list[str]) -> bool:
    return columns[-1].startswith("Capaian thd target TW")


def read_report_data(office: Office, case: Case) -> dict[str, Figure]:
    table = _report(office, case).tables[0]
    quarters = _has_quarters(table.columns)
    return {row[0]: _from_row(row, lambda c: c, quarters) for row in table.rows}


def read_report_text(office: Office, case: Case) -> dict[str, Figure]:
    report = _report(office, case)
    quarters = _has_quarters(report.tables[0].columns)
    lines = [
        ln[2:].split(" | ")
        for ln in render_text(report).splitlines()
        if re.match(r"- IKU\d \| ", ln)
    ]
    rows = lines[:6]  # the table "Capaian IKU" comes first
    return {cells[0]: _from_row(cells, number, quarters) for cells in rows}


def read_report_html(office: Office, case: Case) -> dict[str, Figure]:
    report = _report(office, case)
    quarters = _has_quarters(report.tables[0].columns)
    page = render_html(report)
    table = page.split("<h2>Capaian IKU</h2>", 1)[1].split("</table>", 1)[0]
    figures = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        cells = [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if cells:
            figures[cells[0]] = _from_row(cells, number, quarters)
    return figures


DIGEST_LINE = re.compile(r"^(IKU\d): (.*)$", re.M)


def _digest_figure(text: str) -> Figure:
    if text.startswith("belum ada data"):
        value, category = None, "belum ada data"
    else:
        value = number(text.split(" · ")[0])
        found = re.search(r" · kategori (.+)$", text)
        category = found.group(1) if found else ""
    target = re.search(r" · target (?!s\.d\.)([^ ·]+)", text)
    capaian = re.search(r" · capaian ([^ %]+)%", text)
    quarter = re.search(r" · target s\.d\. TW \d ([^ ·]+)(?: \(capaian ([^ %]+)%\))?", text)
    return (
        value,
        number(target.group(1)) if target else None,
        number(capaian.group(1)) if capaian else None,
        number(quarter.group(1)) if quarter else None,
        number(quarter.group(2)) if quarter and quarter.group(2) else None,
        category,
    )


def read_digest(office: Office, case: Case) -> dict[str, Figure]:
    end = case.period.end
    with Session(office.engine) as session:
        report = builders.build_weekly(
            session, office.settings, end + timedelta(days=1), Period(end - timedelta(6), end)
        )
    return {code: _digest_figure(rest) for code, rest in DIGEST_LINE.findall(render_text(report))}


def read_cli(office: Office, case: Case) -> dict[str, Figure]:
    result = CliRunner().invoke(cli, ["iku", *case.cli, "--json"], env={"DATABASE_URL": office.url})
    assert result.exit_code == 0, result.output
    return {
        i["code"]: (
            machine(i["value"]),
            machine(i["target"]),
            machine(i["capaian"]),
            machine(i["quarter_target"]),
            machine(i["quarter_capaian"]),
            i["category"],
        )
        for i in json.loads(result.output)["indicators"]
    }


READERS: dict[str, Callable[[Office, Case], dict[str, Figure]]] = {
    "dasbor": read_dashboard,
    "halaman-iku": read_iku_pages,
    "laporan-data": read_report_data,
    "laporan-teks": read_report_text,
    "laporan-html": read_report_html,
    "ringkasan-mingguan": read_digest,
    "sigap-iku-json": read_cli,
}


@pytest.mark.parametrize(("case", "surface"), TABLE)
def test_one_figure_on_every_surface(offices: dict[bool, Office], case: Case, surface: str) -> None:
    office = offices[case.triwulan_targets]
    with Session(office.engine) as session:
        core = iku_for_period(session, office.settings, case.period)
    wanted = {v.code: expected(v) for v in core.indicators}
    shown = READERS[surface](office, case)
    assert shown == wanted, surface


def test_the_table_holds_what_the_issue_names(offices: dict[bool, Office]) -> None:
    """The data behind the table reaches the cases it is there for: IKU1 in TW 1 meets
    its triwulan target although it is at a quarter of the year's, a complaint at 00:30
    WIB on 1 April counts in TW 2, and IKU6 names the indicator without realisation."""
    with Session(offices[True].engine) as session:
        q1 = iku_for_period(session, offices[True].settings, Period.quarter(YEAR, 1))
        q2 = iku_for_period(session, offices[True].settings, Period.quarter(YEAR, 2))
    iku1 = q1.get(IkuCode.IKU1)
    assert (iku1.value, iku1.capaian, iku1.quarter_capaian) == (
        Decimal(1),
        Decimal("25.00"),
        Decimal(100),
    )
    assert iku1.band == "Sangat Tinggi" and iku1.meets_target
    with Session(offices[False].engine) as session:
        alone = iku_for_period(session, offices[False].settings, Period.quarter(YEAR, 1))
    assert alone.get(IkuCode.IKU1).band == "Sangat Rendah"  # no triwulan target: the year's
    assert (q1.get(IkuCode.IKU4).denominator, q2.get(IkuCode.IKU4).denominator) == (1, 2)
    assert q1.get(IkuCode.IKU6).unmeasured == ("Pelatihan kader",)
    page = offices[True].client.get(f"/iku/IKU4?tahun={YEAR}&triwulan=2").text
    assert "2025-04-01" in page and "2025-03-31" not in page  # the office's day, not UTC's
    dashboard = offices[True].client.get(f"/?tahun={YEAR}&triwulan=1").text
    assert re.search(r'id="iku-tercapai">\d+<', dashboard)


def test_the_monthly_course_is_iku_for_period_month_by_month(offices: dict[bool, Office]) -> None:
    """The report's monthly table and the dashboard's trend read `monthly_course`, which
    reads the annual IKU once a year: each month must still be `iku_for_period` exactly,
    across a year's end too."""
    office = offices[True]
    across = Period(date(YEAR - 1, 11, 15), date(YEAR, 2, 10))
    with Session(office.engine) as session:
        for period in (Period.year(YEAR), Period.quarter(YEAR, 2), across):
            course = monthly_course(session, office.settings, period)
            assert [end for end, _ in course][-1] == period.end
            for end, month in course:
                assert month == iku_for_period(session, office.settings, Period(period.start, end))
