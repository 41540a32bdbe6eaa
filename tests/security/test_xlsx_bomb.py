"""Register imports measure an XLSX before parsing it (issue 22, item 3): a small file
that unfolds into hundreds of megabytes, a sheet a million rows long or thousands of
columns wide, or a table of millions of strings is refused with a sentence, in a few MB
of memory, whatever sizes its zip headers declare."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
from collections.abc import Iterator, Sequence

import pytest
import xlsxwriter
from sqlalchemy import Engine, func
from sqlmodel import Session, select
from starlette.testclient import TestClient

from core.config import Settings
from core.domain.people import StaffRole
from core.errors import InvalidInput
from core.models import Activity
from core.services import records
from core.services.tabular import read_rows
from core.services.xlsx_guard import (
    MAX_XLSX_COLUMNS,
    MAX_XLSX_MEMBERS,
    MAX_XLSX_ROWS,
    MAX_XLSX_SHARED_STRINGS,
)
from tests.web_harness import csrf_of, log_in, login_link
from web.context import Office
from web.office import build_web

SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
FEW_MB = 4 * 1024 * 1024
ROW = b'<row><c t="inlineStr"><is><t>Posyandu</t></is></c></row>'


def _workbook(rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    for line, row in enumerate(rows):
        sheet.write_row(line, 0, row)
    book.close()
    return buffer.getvalue()


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
