"""`sigap skm import` reads most rows at a glance (core/services/survey/skm_import.py): what it
stores and what it refuses must be exactly what the full rules of csv_io and
`SkmAnswers.validate` store and refuse, with the same line named, across chunks."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session
from typer.testing import CliRunner

from cli.main import app
from core.errors import InvalidInput
from core.services.survey import skm, skm_import
from core.services.survey import skm_csv as csv_io
from core.services.survey.skm_import import import_skm_csv

COLUMNS = ["tanggal", "layanan", *[f"u{i}" for i in range(1, 10)]]
COLUMNS += ["jam", "jenis_kelamin", "usia", "pendidikan", "pekerjaan", "saran"]
GOOD = "2025-01-06,ktp,4,4,3,4,3,4,4,3,4,08:30,P,34,SMA,wirausaha,Antrean cepat"


def _good_rows(count: int) -> Iterator[str]:
    for i in range(count):
        scores = ",".join(str(1 + (i + k) % 4) for k in range(9))
        yield (
            f"2025-{1 + i % 12:02d}-{1 + i % 27:02d},{('ktp', 'kk')[i % 2]},{scores},"
            f"{8 + i % 7:02d}:30,{'LP'[i % 2]},{18 + i % 60},SMA,PNS,Pelayanan {i % 5}"
        )


def _with(**cells: str) -> str:
    """GOOD with some cells changed: a full row, the kind read at a glance."""
    row = dict(zip(COLUMNS, next(csv.reader([GOOD])), strict=True)) | cells
    handle = io.StringIO()
    csv.writer(handle, lineterminator="\n").writerow(row.values())  # quotes a line break
    return handle.getvalue()[:-1]


# Rows the full rules accept although they are not read at a glance, each (but the last
# few) GOOD with one cell changed: cells to trim, an export's text marker, a code in
# capitals, an age with a leading zero, a suggestion over two lines, with a space to trim
# or a no-break space, one answer only; then a date in ISO basic form, rows cut short
# (optional columns left off) and blank rows.
UNUSUAL = [
    _with(u2=" 3 ", layanan=" ktp "),
    _with(saran="'=HYPERLINK(1)"),
    _with(saran="'kutip"),
    _with(tanggal=" 2025-01-06"),
    _with(layanan="KTP", usia="045", jam="08:30:00"),
    _with(saran="baris satu\nbaris dua"),
    _with(saran=" Ramah"),
    _with(saran="Cepat "),
    _with(saran="ramah\u00a0sekali"),
    _with(**{f"u{i}": "" for i in range(2, 10)}),
    _with(jenis_kelamin="", usia="", pendidikan="", pekerjaan="", saran=""),
    "20250108,KTP,3,3,3,3,3,3,3,3,,09:15:20,,045,,,",
    "2025-01-11,ktp,4,4,4,4,4,4,4,4,4,11:00,P",
    "2025-01-12,ktp,,,,,,,,,1",
    ",,,,,",
    "",
]


def _file(rows: list[str], header: list[str] = COLUMNS) -> str:
    return "\n".join([",".join(header), *rows]) + "\n"


@pytest.fixture
def services(session: Session) -> Session:
    skm.add_service(session, "ktp", "KTP-el")
    skm.add_service(session, "kk", "Kartu Keluarga")
    session.commit()
    return session


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 4 rows and per-day counters added every few rows: a small file then
    takes every path a million-row one does."""
    monkeypatch.setattr(skm_import, "BATCH_ROWS", 4)
    monkeypatch.setattr(skm_import, "FLUSH_KEYS", 3)


def _stored(session: Session) -> dict[str, list[Any]]:
    queries = {
        "answers": "SELECT service_id, tanggal, jam, u1, u2, u3, u4, u5, u6, u7, u8, u9, "
        "jenis_kelamin, usia, pendidikan, pekerjaan, saran, resident_id, source "
        "FROM skmresponse ORDER BY id",
        "totals": "SELECT * FROM skmdailytotal ORDER BY tanggal, service_id",
        "profiles": "SELECT tanggal, service_id, dimension, value, respondents "
        "FROM skmdailyprofile ORDER BY tanggal, service_id, dimension, value",
    }
    return {name: [tuple(r) for r in session.execute(text(q)).all()] for name, q in queries.items()}


def _by_full_rules(session: Session, content: str) -> dict[str, list[Any]]:
    answers = csv_io.iter_skm_csv(session, io.StringIO(content, newline=""))
    skm.record_responses(session, answers, "import")
    stored = _stored(session)
    session.rollback()
    return stored


def _at_a_glance(session: Session, content: str) -> tuple[int, dict[str, list[Any]]]:
    count = import_skm_csv(session, io.StringIO(content, newline=""))
    stored = _stored(session)
    session.rollback()
    return count, stored


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize(
    "header",
    [
        COLUMNS,
        # another order, an unknown column, no pekerjaan: each row read by its header
        ["saran", "usia", *COLUMNS[:11], "catatan", "jam", "jenis_kelamin", "pendidikan"],
    ],
    ids=["usual", "reordered"],
)
def test_what_is_stored_is_what_the_full_rules_store(services: Session, header: list[str]) -> None:
    rows = [GOOD, *_good_rows(30), *UNUSUAL, *_good_rows(7)]
    if header != COLUMNS:  # the same cells, moved under the other header
        records = list(csv.DictReader(io.StringIO(_file(rows)), restkey="extra"))
        handle = io.StringIO()
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerows([r.get(c) or "" for c in header] for r in records)
        rows = handle.getvalue().splitlines()
    content = _file(rows, header)

    count, stored = _at_a_glance(services, content)

    assert stored == _by_full_rules(services, content)
    assert count == len(stored["answers"]) == 1 + 30 + 7 + len(UNUSUAL) - 2  # 2 blank
    sarans = {row[16] for row in stored["answers"]}
    assert {"=HYPERLINK(1)", "'kutip", "Ramah", "Cepat"} <= sarans  # marker off, trimmed
    assert sum(row[2] for row in stored["totals"]) == count  # every answer counted once


BAD_ROWS = {
    "score 5": _with(u1="5"),
    "score 0": _with(u9="0"),
    "score text": _with(u3="x"),
    "score Arabic-Indic": _with(u4="\u0664"),
    "date d/m/y": _with(tanggal="08/01/2025"),
    "date too early": _with(tanggal="1999-12-31"),
    "date too late": _with(tanggal="2101-01-01"),
    "date empty": _with(tanggal=""),
    "unknown service": _with(layanan="paspor"),
    "no answer": _with(**{f"u{i}": "" for i in range(1, 10)}),
    "bad time": _with(jam="25:00"),
    "gender": _with(jenis_kelamin="X"),
    "age 9": _with(usia="9"),
    "age 121": _with(usia="121"),
    "age text": _with(usia="tiga"),
    "schooling": _with(pendidikan="S4"),
    "work": _with(pekerjaan="petani"),
    "saran override": _with(saran="awas\u202eteks"),
    "saran too long": _with(saran="a" * (skm.MAX_SARAN + 1)),
    "saran swallows a row": _with(saran="lupa tutup\n2025-01-09,ktp,4"),
    "age 9, row cut short": "2025-01-08,ktp,4,4,4,4,4,4,4,4,4,,,9",
    "too many cells": GOOD + ",lebih",
    "cut short": "2025-01-08,ktp,4,4,4",
    "two faults": _with(tanggal="1999-12-31", layanan="paspor", u1="5"),  # same one named
    "quote left open": GOOD + ',"tidak ditutup',
}


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("bad", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_a_bad_row_is_refused_as_the_full_rules_refuse_it(services: Session, bad: str) -> None:
    """After chunks already written: the same sentence, naming the same line. GOOD
    comes first, so its date, time and code are known when the bad row comes."""
    content = _file([GOOD, *_good_rows(10), bad, *_good_rows(3)])
    with pytest.raises(InvalidInput) as full:
        _by_full_rules(services, content)
    services.rollback()
    with pytest.raises(InvalidInput) as glance:
        _at_a_glance(services, content)
    services.rollback()
    assert str(glance.value) == str(full.value)
    # the bad row's line; a quoted cell ends lines later (a quote left open, at the end)
    assert re.match(r"Baris (13|14|16): ", str(glance.value)), glance.value


def test_a_bad_row_deep_in_a_large_file_keeps_what_was_there(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two chunks written, then a bad row: the command names it and stores nothing of
    the file; an earlier import is untouched, and the corrected file imports whole."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def sigap(*args: str) -> Any:
        return runner.invoke(app, list(args), env={"DATABASE_URL": database_url})

    sigap("service", "add", "ktp", "KTP-el")
    sigap("service", "add", "kk", "Kartu Keluarga")
    earlier = tmp_path / "earlier.csv"
    earlier.write_text(_file([GOOD, GOOD]), encoding="utf-8")
    assert sigap("skm", "import", str(earlier)).exit_code == 0
    rows = list(_good_rows(12_000))
    big = tmp_path / "besar.csv"
    bad = "2025-03-01,ktp,4,4,4,4,4,4,4,4,7"
    big.write_text(_file([*rows[:11_000], bad, *rows[11_000:]]), encoding="utf-8")

    refused = sigap("skm", "import", str(big))

    assert refused.exit_code == 1
    assert "Baris 11002: u9 harus 1..4 atau kosong, bukan 7" in refused.output
    year = ("skm", "summary", "--year", "2025", "--json")
    assert json.loads(sigap(*year).output)["respondents"] == 2
    big.write_text(_file(rows), encoding="utf-8")
    assert "12000 jawaban SKM diimpor" in sigap("skm", "import", str(big)).output
    assert json.loads(sigap(*year).output)["respondents"] == 12_002
