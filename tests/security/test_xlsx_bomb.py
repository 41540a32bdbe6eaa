"""Register imports measure an XLSX before parsing it (issue 22, item 3): a small file
that unfolds into hundreds of megabytes, a sheet a million rows long or thousands of
columns wide, or a table of millions of strings is refused with a sentence, in a few MB
of memory, whatever sizes its zip headers declare. A sheet that hides its size from the
measuring (saved as UTF-16, behind a comment, in an entity, a row number openpyxl reads
another way) is refused all the same, and the reader itself never reads past the row
and column limits. A CSV has the same row and column limits, and a file of bad rows is
checked no further than its first 200 problems."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import tracemalloc
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import xlsxwriter
from sqlalchemy import Engine, func
from sqlmodel import Session, select
from starlette.testclient import TestClient

from core.config import Settings
from core.domain.people import StaffRole
from core.errors import InvalidInput
from core.models import Activity
from core.services.files.tabular import read_rows
from core.services.files.xlsx_guard import (
    MAX_XLSX_COLUMNS,
    MAX_XLSX_MEMBERS,
    MAX_XLSX_ROWS,
    MAX_XLSX_SHARED_STRINGS,
)
from core.services.performance import records
from core.services.performance import register_kinds as kinds
from core.services.performance import registers as reg
from tests import factories
from tests.web_harness import csrf_of, log_in, login_link
from web.context import Office
from web.office import build_web

SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
FEW_MB = 4 * 1024 * 1024
ROW = b'<row><c t="inlineStr"><is><t>Posyandu</t></is></c></row>'


def _workbook(rows: Sequence[Sequence[object]], dressed: bool = False) -> bytes:
    """``dressed``: with a comment (a VML drawing), a picture and a link, as offices do."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    for line, row in enumerate(rows):
        sheet.write_row(line, 0, row)
    if dressed:
        sheet.write_comment(0, 0, "Isi satu kegiatan per baris")
        sheet.write_url(1, 0, "https://example.org/posyandu", string=str(rows[1][0]))
        sheet.insert_image(4, 4, "logo.png", {"image_data": io.BytesIO(_png())})
    book.close()
    return buffer.getvalue()


def _png() -> bytes:
    """A 1×1 grey PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x80")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


NORMAL = [["nama", "jenis", "tanggal_rencana"], ["Posyandu lansia", "posyandu", "2026-03-10"]]


def _replaced(parts: dict[str, Iterator[bytes] | bytes], extra: int = 0) -> bytes:
    """A real workbook with some members replaced (streamed in, so a test never holds
    the unpacked bomb) and ``extra`` empty members added."""
    base = zipfile.ZipFile(io.BytesIO(_workbook(NORMAL)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        names = [info.filename for info in base.infolist()]
        for name in names + [n for n in parts if n not in names]:
            given = parts.get(name)
            if given is None:
                archive.writestr(name, base.read(name))
            elif isinstance(given, bytes):
                archive.writestr(name, given)
            else:
                with archive.open(name, "w") as member:
                    for piece in given:
                        member.write(piece)
        for number in range(extra):
            archive.writestr(f"xl/extra/{number}.xml", b"<x/>")
    return out.getvalue()


def _sheet(rows: bytes, repeat: int = 1, dimension: str | None = None) -> Iterator[bytes]:
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{MAIN}">'.encode()
    if dimension:
        yield f'<dimension ref="{dimension}"/>'.encode()
    yield b'<sheetData><row r="1"><c t="inlineStr"><is><t>nama</t></is></c></row>'
    block = rows * 10_000
    for _ in range(repeat // 10_000):
        yield block
    yield rows * (repeat % 10_000)
    yield b"</sheetData></worksheet>"


def _bomb() -> bytes:
    """About 250 KB that unfold into ~85 MB of rows (1.6 million of them)."""
    return _replaced({SHEET: _sheet(ROW, repeat=1_600_000)})


def _declared_smaller(content: bytes, name: str, size: int) -> bytes:
    """The same zip, its central directory claiming ``name`` unpacks to ``size``."""
    data = bytearray(content)
    at = data.find(b"PK\x01\x02")
    while at != -1:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + length]) == name.encode():
            struct.pack_into("<I", data, at + 24, size)
            return bytes(data)
        at = data.find(b"PK\x01\x02", at + 46)
    raise AssertionError(f"{name} not in the zip")


def _refused(content: bytes) -> tuple[str, int]:
    """The refusal and the peak memory taken to reach it."""
    tracemalloc.start()
    try:
        with pytest.raises(InvalidInput) as refused:
            list(read_rows("kegiatan.xlsx", content))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return str(refused.value), peak


def test_a_250_kb_zip_bomb_is_refused_before_unpacking() -> None:
    bomb = _bomb()
    assert len(bomb) < 400 * 1024
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(bomb)).infolist()) > 80 * 2**20
    message, peak = _refused(bomb)
    assert "terlalu besar setelah dibuka" in message and "40 MB" in message
    assert peak < FEW_MB, f"{peak / 2**20:.1f} MB"


def test_a_bomb_whose_header_lies_is_stopped_while_streaming() -> None:
    """Its directory claims 20 MB (a ratio the directory check lets by): the rows are
    counted as they unpack, and the counting stops at the limit."""
    liar = _declared_smaller(_bomb(), SHEET, 20 * 2**20)
    message, peak = _refused(liar)
    assert f"lebih dari {MAX_XLSX_ROWS:,} baris".replace(",", ".") in message
    assert peak < FEW_MB, f"{peak / 2**20:.1f} MB"


def test_one_row_numbered_a_million_is_refused() -> None:
    """openpyxl would hand over every empty row before it, one by one."""
    far = b'<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>x</t></is></c></row>'
    message, _ = _refused(_replaced({SHEET: _sheet(far)}))
    assert "Lembar kerja terlalu panjang" in message


@pytest.mark.parametrize(
    "sheet",
    [
        _sheet(b"", dimension="A1:XFD2"),  # a dimension that pads every row to 16 384
        _sheet(b'<row r="2"><c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row>'),
        _sheet(b"<row>" + b'<c t="inlineStr"><is><t>x</t></is></c>' * 60 + b"</row>"),
    ],
    ids=["dimension", "far-cell", "positional-cells"],
)
def test_a_sheet_wider_than_the_limit_is_refused(sheet: Iterator[bytes]) -> None:
    message, _ = _refused(_replaced({SHEET: sheet}))
    assert f"Lembar kerja terlalu lebar: lebih dari {MAX_XLSX_COLUMNS} kolom" in message


def test_too_many_shared_strings_are_refused_by_the_count_or_by_counting() -> None:
    declared = (
        f'<?xml version="1.0"?><sst xmlns="{MAIN}" count="9000000" uniqueCount="9000000">'
        "<si><t>nama</t></si></sst>"
    ).encode()
    message, _ = _refused(_replaced({STRINGS: declared}))
    assert "terlalu banyak teks berbeda" in message

    def undeclared() -> Iterator[bytes]:
        yield f'<?xml version="1.0"?><sst xmlns="{MAIN}">'.encode()
        for number in range(MAX_XLSX_SHARED_STRINGS + 1):  # distinct, as real ones are
            yield b"<si><t>%d</t></si>" % number
        yield b"</sst>"

    message, peak = _refused(_replaced({STRINGS: undeclared()}))
    assert "terlalu banyak teks berbeda" in message
    assert peak < FEW_MB, f"{peak / 2**20:.1f} MB"


def test_a_zip_of_too_many_members_is_refused() -> None:
    message, _ = _refused(_replaced({}, extra=MAX_XLSX_MEMBERS))
    assert "terlalu banyak bagian" in message


def test_a_normal_workbook_still_reads() -> None:
    rows = list(read_rows("kegiatan.xlsx", _workbook(NORMAL)))
    assert rows == [(2, dict(zip(NORMAL[0], NORMAL[1], strict=True)))]
    assert list(read_rows("kegiatan.xlsx", _workbook(NORMAL, dressed=True))) == rows
    widest = [[f"k{n}" for n in range(MAX_XLSX_COLUMNS)], ["x"] * MAX_XLSX_COLUMNS]
    [(_, wide)] = read_rows("lebar.xlsx", _workbook(widest))
    assert len(wide) == MAX_XLSX_COLUMNS


# -- sheets that hide their size from the measuring ------------------------------------
ROOT = Path(__file__).resolve().parents[2]
FAR = b'<row r="1048576"><c t="inlineStr"><is><t>x</t></is></c></row>'
WHOLE_SHEET = "A1:XFD1048576"  # openpyxl would pad it out: 17 billion empty cells
CHILD = """
import json, sys, time, tracemalloc
from openpyxl import load_workbook  # imported first: the import is not the file's cost
from core.errors import InvalidInput
from core.services.files import tabular
if sys.argv[1] == "unguarded":  # the reader's own limits, without the guard before it
    tabular.check_xlsx = lambda content: None
content = sys.stdin.buffer.read()
tracemalloc.start()
started = time.process_time()
try:
    outcome = f"{sum(1 for _ in tabular.read_rows('kegiatan.xlsx', content))} baris"
except InvalidInput as refused:
    outcome = str(refused)
cpu, peak = time.process_time() - started, tracemalloc.get_traced_memory()[1]
print(json.dumps({"outcome": outcome, "cpu": cpu, "peak": peak}))
"""


def _read_apart(content: bytes, mode: str = "guarded") -> tuple[str, float, int]:
    """read_rows in a child process: what it answers, its CPU seconds and peak memory;
    a reader that pads out a sheet fails the test after 30 s instead of hanging it."""
    try:
        child = [sys.executable, "-c", CHILD, mode]
        done = subprocess.run(child, input=content, capture_output=True, timeout=30, cwd=ROOT)
    except subprocess.TimeoutExpired:
        pytest.fail("read_rows did not finish in 30 s: the sheet is being padded out")
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    result = json.loads(done.stdout)
    return result["outcome"], result["cpu"], result["peak"]


def _far_sheet(rows: bytes = FAR, dimension: str | None = WHOLE_SHEET) -> bytes:
    sheet = b"".join(_sheet(b"", dimension=dimension))  # the header row only
    return sheet.replace(b"</sheetData>", rows + b"</sheetData>")


def _utf16(bom: bool) -> bytes:
    text = _far_sheet().decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    return text.encode("utf-16" if bom else "utf-16-le")


def _nested_row(line: int) -> bytes:
    """One cell, holding 4,000 empty elements: the reader keeps a row's until it ends."""
    return b'<row r="%d"><c r="A%d">%s</c></row>' % (line, line, b"<a/>" * 4000)


HIDDEN = {
    "utf-16": (lambda: _utf16(bom=True), "tidak ber-encoding UTF-8"),
    "utf-16-without-bom": (lambda: _utf16(bom=False), "tidak ber-encoding UTF-8"),
    "comment-before-root": (
        lambda: _far_sheet().replace(b"<worksheet", b"<!-- <x> --><worksheet", 1),
        "Lembar kerja terlalu panjang",
    ),
    "doctype-entity": (
        lambda: _far_sheet(FAR.replace(b'"1048576"', b'"&n;"'), None).replace(
            b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY n "1048576">]><worksheet', 1
        ),
        "tidak wajar (berisi deklarasi DOCTYPE atau ENTITY)",
    ),
    "character-reference": (
        lambda: _far_sheet(FAR.replace(b'r="1', b'r="&#49;'), None),
        "Lembar kerja terlalu panjang",
    ),
    "angle-in-attribute": (
        lambda: _far_sheet(FAR.replace(b"<row ", b'<row x=">" '), None),
        "Lembar kerja terlalu panjang",
    ),
    "exponent-row-number": (
        lambda: _far_sheet(FAR.replace(b'"1048576"', b'"1e6"'), None),
        "tidak wajar (nomor baris '1e6')",
    ),
    "240000-elements-in-rows": (
        lambda: _far_sheet(b"".join(_nested_row(line) for line in range(2, 62)), None),
        "tidak wajar (terlalu banyak elemen XML)",
    ),
    "one-row-of-90000-cells": (
        lambda: _far_sheet(b'<row r="2">' + b'<c r="A2"/>' * 90_000 + b"</row>", None),
        "Lembar kerja terlalu lebar",
    ),
}


@pytest.mark.parametrize("kind", list(HIDDEN))
def test_a_sheet_hiding_its_size_is_refused_in_little_memory_and_time(kind: str) -> None:
    make, refusal = HIDDEN[kind]
    content = _replaced({SHEET: make()})
    assert len(content) < 8 * 1024
    outcome, _, peak = _read_apart(content)
    assert refusal in outcome
    assert peak < FEW_MB, f"{peak / 2**20:.1f} MB"  # work is bounded by what is read;
    # no time is asserted (the child's timeout only keeps a regression from hanging)


@pytest.mark.parametrize("kind", ["utf-16", "comment-before-root", "character-reference"])
def test_the_reader_never_reads_past_the_limits_even_unguarded(kind: str) -> None:
    """With the guard switched off, openpyxl is still told how far to read: a sheet
    claiming 1,048,576 rows by 16,384 columns is refused at row 20,001."""
    outcome, _, peak = _read_apart(_replaced({SHEET: HIDDEN[kind][0]()}), "unguarded")
    assert f"lebih dari {MAX_XLSX_ROWS:,} baris".replace(",", ".") in outcome
    assert peak < 50 * 2**20, f"{peak / 2**20:.1f} MB"  # no time asserted: see above


# -- CSV: the same limits -------------------------------------------------------------
def _csv(rows: int, columns: int = 3, row: str = "Posyandu,posyandu,2026-03-10") -> bytes:
    header = ",".join(NORMAL[0] + [f"k{n}" for n in range(3, columns)])
    return (header + "\n" + (row + "\n") * (rows - 1)).encode()


def test_a_csv_past_the_row_or_column_limit_is_refused_before_any_row_is_handed_on() -> None:
    assert len(list(read_rows("kegiatan.csv", _csv(MAX_XLSX_ROWS)))) == MAX_XLSX_ROWS - 1
    too_long = f"Lembar kerja terlalu panjang: lebih dari {MAX_XLSX_ROWS:,} baris"
    with pytest.raises(InvalidInput, match=too_long.replace(",", ".")):
        read_rows("kegiatan.csv", _csv(MAX_XLSX_ROWS + 1))  # not one row iterated
    with pytest.raises(InvalidInput, match=f"terlalu lebar: lebih dari {MAX_XLSX_COLUMNS} kolom"):
        read_rows("kegiatan.csv", _csv(2, columns=MAX_XLSX_COLUMNS + 1))


def test_a_file_of_bad_rows_is_checked_only_to_its_first_problems(session: Session) -> None:
    """20,000 rows with a bad date: 200 problems are found, 50 named, and the rest of
    the file is not checked."""
    bad = _csv(MAX_XLSX_ROWS, row="Posyandu,posyandu,bukan tanggal")
    admin = factories.staff(session, StaffRole.ADMIN)
    with pytest.raises(reg.ImportRefused) as refused:
        reg.import_records(session, kinds.ACTIVITIES, read_rows("kegiatan.csv", bad), admin)
    assert len(refused.value.problems) == reg.MAX_IMPORT_PROBLEMS
    lines = str(refused.value).splitlines()
    assert len(lines) == 1 + reg.MAX_IMPORT_ERRORS + 1
    assert lines[-1] == "… dan 150 masalah lain; baris berikutnya tidak diperiksa."


# -- through the web import, as an office would upload it ------------------------------
@pytest.fixture
def admin(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with Session(engine, expire_on_commit=False) as session:
        member = records.add_staff(session, "Admin", StaffRole.ADMIN)
        session.commit()
    with TestClient(build_web(Office(settings, engine)), follow_redirects=False) as client:
        log_in(client, login_link(engine, member))
        yield client


def _activities(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Activity)).one()


def test_the_web_import_refuses_the_bomb_and_takes_a_normal_file(
    admin: TestClient, engine: Engine
) -> None:
    csrf = csrf_of(admin, "/register/kegiatan")
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    bomb = admin.post(
        "/register/kegiatan/impor",
        data={"csrf": csrf},
        files={"berkas": ("kegiatan.xlsx", _bomb(), xlsx)},
    )
    assert bomb.status_code == 400 and "terlalu besar setelah dibuka" in bomb.text
    assert _activities(engine) == 0
    normal = admin.post(
        "/register/kegiatan/impor",
        data={"csrf": csrf},
        files={"berkas": ("kegiatan.xlsx", _workbook(NORMAL), xlsx)},
    )
    assert normal.status_code == 303, normal.text
    assert _activities(engine) == 1
