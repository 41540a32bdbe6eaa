"""An XLSX is a zip of XML: it is measured against stated limits before openpyxl parses
any of it, so a small upload cannot unfold into gigabytes (a "zip bomb") or into a sheet
of a million empty rows that the reader would pad out cell by cell.

First the zip's central directory (names and declared sizes; nothing is decompressed):
the number of members, their total unpacked size, and the packing ratio of each large
member. Then every XML member is read through a stream that stops at its declared size
and at the limits, 64 KB at a time, whatever its header claims: a worksheet's dimension,
rows, columns and cells are counted as they stream, and a shared-strings table's declared
count (the head of the member) and its real number of strings. The first limit passed
ends the reading with a sentence the office can act on.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Generator, Iterator

from core.errors import InvalidInput

KB, MB = 1024, 1024 * 1024
MAX_XLSX_MEMBERS = 200  # files inside the zip (a workbook of 20 sheets has ~40)
MAX_XLSX_UNPACKED_BYTES = 40 * MB  # every member together, unpacked
MAX_XLSX_RATIO = 100  # unpacked / packed, for a member over RATIO_FROM_BYTES
RATIO_FROM_BYTES = 1 * MB  # small members may pack tighter (empty sheets, styles)
MAX_XLSX_PART_BYTES = 8 * MB  # one XML member that is neither a sheet nor the strings
MAX_XLSX_ROWS = 20_000  # rows of one sheet, by count and by row number
MAX_XLSX_COLUMNS = 50  # columns of one sheet (column AX)
MAX_XLSX_CELLS = 400_000  # cells of one sheet
MAX_XLSX_SHARED_STRINGS = 200_000  # distinct texts in the workbook
CHUNK = 64 * KB
HEAD = 4 * KB  # enough for the XML declaration and the root element

UNREADABLE = "Berkas XLSX tidak bisa dibaca."
_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_P = rb"<(?:[A-Za-z_][\w.-]*:)?"  # an element's start, with or without a prefix
_ROW = re.compile(_P + rb"row(?=[\s/>])([^<>]*)")
_CELL_TAG = re.compile(_P + rb"c(?=[\s/>])")
_CELL_ATTRIBUTES = re.compile(_P + rb"c(?=[\s/>])([^<>]*)")
_CELL_COLUMN = re.compile(_P + rb"""c\s[^<>]*?(?<=\s)r\s*=\s*["']([A-Za-z]{1,4})""")
_DIMENSION = re.compile(_P + rb"dimension(?=[\s/>])([^<>]*)")
_SI = re.compile(_P + rb"si(?=[\s/>])")
_R = re.compile(rb"""(?:^|\s)r\s*=\s*["']([A-Za-z]{0,4})([0-9]{0,10})["']""")
_REF = re.compile(rb"""(?:^|\s)ref\s*=\s*["']([^"']{0,40})["']""")
_CELL = re.compile(rb"\$?([A-Za-z]{1,4})\$?([0-9]{1,10})")
_UNIQUE = re.compile(rb"""\suniqueCount\s*=\s*["']([0-9]{1,12})["']""")


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + (letter - ord("A") + 1)
    return number


def check_xlsx(content: bytes) -> None:
    """Refuses (InvalidInput, in Indonesian) an XLSX past any limit above; reads no
    more than the limits allow, whatever the file declares."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
            _check_directory(members)
            for member in members:
                _check_member(archive, member)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError):
        raise InvalidInput(UNREADABLE) from None
    except (RuntimeError, NotImplementedError, ValueError):  # encrypted, odd compression
        raise InvalidInput(UNREADABLE) from None


def _check_directory(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_XLSX_MEMBERS:
        raise InvalidInput(
            f"Berkas XLSX berisi terlalu banyak bagian ({_thousands(len(members))}; "
            f"paling banyak {MAX_XLSX_MEMBERS})."
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise InvalidInput(
            f"Berkas XLSX terlalu besar setelah dibuka ({_thousands(unpacked // MB)} MB; "
            f"paling besar {MAX_XLSX_UNPACKED_BYTES // MB} MB). Bagi menjadi beberapa "
            "berkas atau simpan sebagai CSV."
        )
    for member in members:
        packed = max(member.compress_size, 1)
        if member.file_size > RATIO_FROM_BYTES and member.file_size > MAX_XLSX_RATIO * packed:
            raise InvalidInput(
                "Berkas XLSX ditolak: isinya tidak wajar (dipadatkan lebih dari "
                f"{MAX_XLSX_RATIO} kali). Simpan ulang dari Excel atau sebagai CSV."
            )


def _bounded(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int
) -> Generator[bytes, None, None]:
    """The member's bytes, CHUNK by CHUNK; refused as soon as more than ``limit`` come
    (zipfile already stops at the declared size; this holds even if it did not)."""
    seen = 0
    with archive.open(member) as stream:
        while chunk := stream.read(CHUNK):
            seen += len(chunk)
            if seen > limit:
                raise InvalidInput(
                    f"Berkas XLSX terlalu besar setelah dibuka (bagian {member.filename[:60]})."
                )
            yield chunk


def _check_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    if member.is_dir() or member.file_size == 0:
        return
    chunks = _bounded(archive, member, MAX_XLSX_UNPACKED_BYTES)
    try:
        head = next(chunks, b"")
        root = _root(head)
        if root == b"worksheet":
            _check_sheet(head, chunks)
        elif root == b"sst":
            _check_strings(head, chunks)
        elif root is not None and member.file_size > MAX_XLSX_PART_BYTES:
            raise InvalidInput(
                f"Berkas XLSX berisi bagian yang terlalu besar ({member.filename[:60]}; "
                f"paling besar {MAX_XLSX_PART_BYTES // MB} MB)."
            )
    finally:
        chunks.close()


def _root(head: bytes) -> bytes | None:
    """The root element's name (no prefix) of an XML member, or None for other files."""
    text = head[:HEAD].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"<"):
        return None
    for found in _ROOT.finditer(text):
        return found.group(1)
    return None


def _pieces(head: bytes, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The member's XML in pieces that end between tags: a tag cut by a chunk's end is
    completed by the next chunk."""
    pending = b""
    for chunk in _chain(head, chunks):
        buffer = pending + chunk
        cut = buffer.rfind(b"<")
        if cut == -1 or buffer.find(b">", cut) != -1:
            cut = len(buffer)
        yield buffer[:cut]
        pending = buffer[cut:][: 4 * KB]  # a tag longer than that is none of ours
    yield pending


def _chain(head: bytes, chunks: Iterator[bytes]) -> Iterator[bytes]:
    yield head
    yield from chunks


class _Sheet:
    """Counts of one worksheet as its XML streams by: rows by number and count, cells,
    and the widest column (a cell without ``r`` takes the column after the last)."""

    def __init__(self) -> None:
        self.rows = 0
        self.row = 0  # the current row's number
        self.column = 0  # the last cell's column in the current row
        self.cells = 0

    def read(self, piece: bytes) -> None:
        for found in _DIMENSION.finditer(piece):
            self._dimension(found.group(1))
        start = 0
        for row in _ROW.finditer(piece):
            self._cells(piece, start, row.start())
            self._start_row(row.group(1))
            start = row.end()
        self._cells(piece, start, len(piece))

    def _dimension(self, attributes: bytes) -> None:
        ref = _REF.search(attributes)
        for found in _CELL.finditer(ref.group(1) if ref else b""):
            _within(_column_number(found.group(1)), int(found.group(2)))

    def _start_row(self, attributes: bytes) -> None:
        self.rows += 1
        given = _R.search(attributes)
        number = int(given.group(2)) if given and given.group(2) else self.row + 1
        self.row, self.column = number, 0
        _within(0, max(number, self.rows))

    def _cells(self, piece: bytes, start: int, end: int) -> None:
        count = len(_CELL_TAG.findall(piece, start, end))
        if not count:
            return
        self.cells += count
        if self.cells > MAX_XLSX_CELLS:
            raise InvalidInput(
                f"Lembar kerja berisi terlalu banyak sel (lebih dari "
                f"{_thousands(MAX_XLSX_CELLS)}). Bagi menjadi beberapa berkas."
            )
        named = _CELL_COLUMN.findall(piece, start, end)
        if len(named) == count:  # every cell names its column, as Excel writes them
            _within(max(_column_number(c) for c in set(named)), self.row)
            self.column = _column_number(named[-1])
            return
        for cell in _CELL_ATTRIBUTES.finditer(piece, start, end):  # some by position
            given = _R.search(cell.group(1))
            letters = given.group(1) if given else b""
            self.column = _column_number(letters) if letters else self.column + 1
            _within(self.column, self.row)


def _within(column: int, row: int) -> None:
    if row > MAX_XLSX_ROWS:
        raise InvalidInput(
            f"Lembar kerja terlalu panjang: lebih dari {_thousands(MAX_XLSX_ROWS)} baris. "
            "Bagi menjadi beberapa berkas."
        )
    if column > MAX_XLSX_COLUMNS:
        raise InvalidInput(f"Lembar kerja terlalu lebar: lebih dari {MAX_XLSX_COLUMNS} kolom.")


def _check_sheet(head: bytes, chunks: Iterator[bytes]) -> None:
    sheet = _Sheet()
    for piece in _pieces(head, chunks):
        sheet.read(piece)


def _too_many_strings() -> InvalidInput:
    return InvalidInput(
        f"Berkas XLSX berisi terlalu banyak teks berbeda (lebih dari "
        f"{_thousands(MAX_XLSX_SHARED_STRINGS)}). Bagi menjadi beberapa berkas."
    )


def _check_strings(head: bytes, chunks: Iterator[bytes]) -> None:
    """The declared number of distinct strings (``<sst uniqueCount=``, in the head) first,
    then the real number of ``<si>``: the declaration may lie or be missing."""
    start = head.find(b"sst")
    end = head.find(b">", start)
    declared = _UNIQUE.search(head[start : end if end != -1 else HEAD])
    if declared and int(declared.group(1)) > MAX_XLSX_SHARED_STRINGS:
        raise _too_many_strings()
    strings = 0
    for piece in _pieces(head, chunks):
        strings += len(_SI.findall(piece))
        if strings > MAX_XLSX_SHARED_STRINGS:
            raise _too_many_strings()
