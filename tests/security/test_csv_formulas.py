"""Exports never hand a spreadsheet a resident's formula.

SKM suggestions written like formulas are recorded through the service, as the chat
records them, then exported: in the CSV (`sigap skm export`) every such text cell starts
with Excel's text mark and the numbers stay numbers; the CSV imports back to the very
same answers; in the report's XLSX the text is a string cell with the quote prefix.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from core.config import Settings
from core.domain.periods import Period
from core.domain.skm import Unsur
from core.formulas import FORMULA_STARTS, neutralise, restore, starts_like_formula
from core.services.survey import skm
from core.services.survey import skm_csv as csv_io
from reports.builders import build_report
from reports.render import render

HOSTILE = [
    '=HYPERLINK("http://evil","x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
]
PERIOD = Period.year(2026)


def _record(session: Session) -> list[str]:
    """The suggestions as the service keeps them (it trims each, as the chat does)."""
    service = skm.add_service(session, "ktp", "=KTP elektronik")
    assert service.id
    for number, saran in enumerate(HOSTILE):
        scores = {u: 1 + number % 4 for u in Unsur}
        answer = skm.SkmAnswers(service.id, date(2026, 5, 1 + number), scores, saran=saran)
        skm.record_response(session, answer)
    session.flush()
    return [saran.strip() for saran in HOSTILE]


def _exported(session: Session) -> list[dict[str, str]]:
    handle = io.StringIO()
    assert csv_io.write_skm_csv(session, PERIOD, handle) == len(HOSTILE)
    return list(csv.DictReader(io.StringIO(handle.getvalue())))


def test_the_skm_csv_runs_no_formula(session: Session) -> None:
    _record(session)
    rows = _exported(session)
    cells = [value for row in rows for value in row.values()]
    assert [c for c in cells if c[:1] in FORMULA_STARTS] == []
    assert [row["saran"] for row in rows] == ["'" + s.strip() for s in HOSTILE]
    assert {row["u1"] for row in rows} == {"1", "2", "3", "4"}  # numbers, no mark


def test_the_skm_csv_imports_back_unchanged(session: Session) -> None:
    """Export then import (`sigap skm import`): the same suggestions, no marks left."""
    stored = _record(session)
    handle = io.StringIO()
    csv_io.write_skm_csv(session, PERIOD, handle)
    handle.seek(0)
    answers = list(csv_io.iter_skm_csv(session, handle))
    assert sorted(a.saran or "" for a in answers) == sorted(stored)
    assert {a.scores[Unsur.U1] for a in answers} == {1, 2, 3, 4}


def test_the_report_xlsx_keeps_formulas_text(session: Session, settings: Settings) -> None:
    stored = _record(session)
    report = build_report("skm", session, settings, PERIOD, date(2026, 12, 1))
    book = load_workbook(io.BytesIO(render(report, "xlsx")))
    sheet = book["saran"]
    cells = [row[2] for row in sheet.iter_rows(min_row=2)]
    assert sorted(c.value for c in cells) == sorted(stored)  # the text, no apostrophe
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    unsur = book["unsur"]
    numbers = [row[2].value for row in unsur.iter_rows(min_row=2) if row[2].value is not None]
    assert numbers and all(isinstance(n, int | float) for n in numbers)


@pytest.mark.parametrize("text", [*HOSTILE, "'=1", "''+1", "＝1", "-"])
def test_every_formula_start_is_marked_and_the_mark_comes_off(text: str) -> None:
    marked = neutralise(text)
    assert marked.startswith("'") and marked[1:] == text
    assert restore(marked) == text


@pytest.mark.parametrize("text", ["Antrian lebih cepat", "'kutip", "", "2026-05-01", "a=1"])
def test_plain_text_is_left_alone(text: str) -> None:
    assert not starts_like_formula(text)
    assert neutralise(text) == text == restore(text)
