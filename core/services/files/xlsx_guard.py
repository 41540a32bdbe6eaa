"""An XLSX is a zip of XML: it is measured against stated limits before openpyxl parses
any of it, so a small upload cannot unfold into gigabytes (a "zip bomb") or into a sheet
of a million empty rows that the reader would pad out cell by cell.

First the zip's central directory (names and declared sizes; nothing is decompressed):
the number of members, their total unpacked size, and the packing ratio of each large
member. Then every member that an XML reader could take for XML (by its name or by its
first bytes, whatever the workbook says it is) is read 64 KB at a time by expat, the
parser openpyxl itself uses, so comments, character references and namespaces read
alike for both. Such a part must be UTF-8 (no UTF-16/32 byte-order mark, no other
declared encoding) and declare no DOCTYPE or ENTITY. Whatever its root element, its rows,
cells, columns, dimension, shared strings and elements are counted as they stream; a row
or cell address that is not plain ASCII digits and letters is refused, since openpyxl
would read ``1e6`` or ``1_048_576`` as a row number. The first limit passed ends the
reading with a sentence the office can act on.

This is the first line of defence; core/services/files/tabular.py never lets openpyxl read
more rows or columns than the limits, whatever the file declares.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Generator, Iterator
from xml.parsers import expat

from core.errors import InvalidInput

KB, MB = 1024, 1024 * 1024
MAX_XLSX_MEMBERS = 200  # files inside the zip (a workbook of 20 sheets has ~40)
MAX_XLSX_UNPACKED_BYTES = 40 * MB  # every member together, unpacked
MAX_XLSX_RATIO = 100  # unpacked / packed, for a member over RATIO_FROM_BYTES
RATIO_FROM_BYTES = 1 * MB  # small members may pack tighter (empty sheets, styles)
MAX_XLSX_PART_BYTES = 8 * MB  # one XML member that is neither a sheet nor the strings
MAX_XLSX_ROWS = 20_000  # rows of one sheet, by count and by row number (CSV alike)
MAX_XLSX_COLUMNS = 50  # columns of one sheet (column AX), and cells of one row
MAX_XLSX_CELLS = 400_000  # cells of one sheet
MAX_XLSX_SHARED_STRINGS = 200_000  # distinct texts in the workbook
MAX_XLSX_ELEMENTS = 2_000_000  # XML elements of the whole workbook (the reader's work)
ELEMENTS_PER_BYTE = 20  # ... and per byte of the upload (Excel's files have about 1)
MIN_ELEMENTS = 100_000  # ... however small the upload
MAX_GROUP_ELEMENTS = 5_000  # elements inside one row or one shared string
MAX_LOOSE_ELEMENTS = 100_000  # elements of a part outside rows and strings (kept whole)
MAX_ATTRIBUTES = 100  # of one element
CHUNK = 64 * KB
LARGE_ROOTS = ("worksheet", "sst")  # parts allowed past MAX_XLSX_PART_BYTES

UNREADABLE = "Berkas XLSX tidak bisa dibaca."
_XML_NAMES = (".xml", ".rels")
_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")  # UTF-16/32; UTF-32 LE is FF FE 00 00
_ROW_NUMBER = re.compile(r"[0-9]{1,7}")
_CELL_REF = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})")
_RANGE_END = r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})"
_RANGE = re.compile(_RANGE_END + r"(?::" + _RANGE_END + r")?")
_COUNT = re.compile(r"[0-9]{1,12}")


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + (ord(letter) - ord("A") + 1)
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


_COLUMNS = {  # the columns within the limit, spelled as openpyxl reads them (either case)
    spelled: number
    for number in range(1, MAX_XLSX_COLUMNS + 1)
    for spelled in (_column_letters(number), _column_letters(number).lower())
}


def too_long() -> InvalidInput:
    return InvalidInput(
        f"Lembar kerja terlalu panjang: lebih dari {_thousands(MAX_XLSX_ROWS)} baris. "
        "Bagi menjadi beberapa berkas."
    )


def too_wide() -> InvalidInput:
    return InvalidInput(f"Lembar kerja terlalu lebar: lebih dari {MAX_XLSX_COLUMNS} kolom.")


def _odd(what: str) -> InvalidInput:
    return InvalidInput(
        f"Berkas XLSX ditolak: isinya tidak wajar ({what}). Simpan ulang dari Excel atau "
        "sebagai CSV."
    )


def _not_utf8(name: str) -> InvalidInput:
    return InvalidInput(
        f"Berkas XLSX ditolak: bagian {name[:60]} tidak ber-encoding UTF-8. Simpan ulang "
        "dari Excel atau sebagai CSV."
    )


def _too_many_strings() -> InvalidInput:
    return InvalidInput(
        f"Berkas XLSX berisi terlalu banyak teks berbeda (lebih dari "
        f"{_thousands(MAX_XLSX_SHARED_STRINGS)}). Bagi menjadi beberapa berkas."
    )


def _within(column: int, row: int) -> None:
    if row > MAX_XLSX_ROWS:
        raise too_long()
    if column > MAX_XLSX_COLUMNS:
        raise too_wide()


def check_xlsx(content: bytes) -> None:
    """Refuses (InvalidInput, in Indonesian) an XLSX past any limit above; reads no
    more than the limits allow, whatever the file declares."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
            _check_directory(members)
            # left for the rest of the workbook: a few KB cannot ask for a million
            elements = min(MAX_XLSX_ELEMENTS, max(MIN_ELEMENTS, ELEMENTS_PER_BYTE * len(content)))
            for member in members:
                elements = _check_member(archive, member, elements)
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
            raise _odd(f"dipadatkan lebih dari {MAX_XLSX_RATIO} kali")


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


def _check_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, elements: int) -> int:
    """The member checked; the XML elements left for the rest of the workbook."""
    if member.is_dir() or member.file_size == 0:
        return elements
    chunks = _bounded(archive, member, MAX_XLSX_UNPACKED_BYTES)
    try:
        head = next(chunks, b"")
        if _may_be_xml(member.filename, head):
            return _parse(member.filename, head, chunks, elements)
        return elements
    finally:
        chunks.close()


def _may_be_xml(name: str, head: bytes) -> bool:
    """Whether an XML parser could read the member: by its name, or because it starts
    (after blanks) with ``<`` or a byte-order mark. Pictures and printer settings start
    otherwise (PNG, JPEG, EMF, OLE), and nothing else parses as XML."""
    if name.lower().endswith(_XML_NAMES):
        return True
    start = head.lstrip(b" \t\r\n\x00")
    return not start or start.startswith((b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))


def _parse(name: str, head: bytes, chunks: Iterator[bytes], elements: int) -> int:
    """The part through expat, forced to read UTF-8: a UTF-16/32 part fails here (and
    is refused) where openpyxl's parser would have read it by its byte-order mark."""
    if head.startswith(_BOMS) or b"\x00" in head[:4]:
        raise _not_utf8(name)
    part = _Part(name, elements)
    parser = expat.ParserCreate("UTF-8", " ")
    part.attach(parser)
    fed = 0
    try:
        for chunk in _chain(head, chunks):
            fed += len(chunk)
            if fed > MAX_XLSX_PART_BYTES and part.root not in LARGE_ROOTS:
                raise InvalidInput(
                    f"Berkas XLSX berisi bagian yang terlalu besar ({name[:60]}; "
                    f"paling besar {MAX_XLSX_PART_BYTES // MB} MB)."
                )
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        if name.lower().endswith(_XML_NAMES):
            raise InvalidInput(UNREADABLE) from None
        # Another part (a VML drawing) that is not XML: openpyxl's parser, the same
        # expat on the same UTF-8 bytes, stops where this one did; all before is counted.
    return part.elements_left


def _chain(head: bytes, chunks: Iterator[bytes]) -> Iterator[bytes]:
    yield head
    yield from chunks


class _Part:
    """Counts of one XML part as expat reads it: rows by number and count, the cells of
    a row (every child of a row is a cell to openpyxl) and their columns, the cells of
    the part, the shared strings, the elements inside one row or string (the reader
    holds them until the row ends), and the elements outside rows (held to the end)."""

    def __init__(self, name: str, elements_left: int) -> None:
        self.name, self.elements_left = name, elements_left
        self.root = ""
        self.depth = 0
        self.group = 0  # depth of the open row or shared string; 0 when none is open
        self.row_open = False
        self.in_group = self.loose = 0
        self.rows = self.row = self.column = self.row_cells = self.cells = 0
        self.strings = 0

    def attach(self, parser: expat.XMLParserType) -> None:
        parser.XmlDeclHandler = self.declaration
        parser.StartDoctypeDeclHandler = self.doctype
        parser.EntityDeclHandler = self.doctype
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end

    def declaration(self, _version: str, encoding: str | None, _standalone: int) -> None:
        if encoding is not None and encoding.lower() != "utf-8":
            raise _not_utf8(self.name)

    def doctype(self, *_: object) -> None:
        raise _odd("berisi deklarasi DOCTYPE atau ENTITY")

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.depth += 1
        self.elements_left -= 1
        if self.elements_left < 0 or len(attributes) > MAX_ATTRIBUTES:
            raise _odd("terlalu banyak elemen XML")
        if self.group:  # inside a row or a string: the most of a sheet, kept quick
            self.in_group += 1
            if self.in_group > MAX_GROUP_ELEMENTS:
                raise _odd("satu baris atau teks berisi terlalu banyak elemen")
            if self.row_open and self.depth == self.group + 1:
                self._cell(attributes)
            if not name.endswith(("row", "si", "dimension")):
                return
        self._element(name.rpartition(" ")[2], attributes)

    def _element(self, local: str, attributes: dict[str, str]) -> None:
        if self.depth == 1:
            self._root(local, attributes)
        if local == "si":
            self._string()
        elif local == "row":
            self._start_row(attributes)
        else:
            if local == "dimension":  # wherever it is: openpyxl takes the first it meets
                self._dimension(attributes.get("ref", ""))
            self.loose += not self.group
            if self.loose > MAX_LOOSE_ELEMENTS:
                raise _odd("terlalu banyak elemen XML")

    def end(self, _name: str) -> None:
        if self.depth == self.group:
            self.group, self.row_open, self.in_group = 0, False, 0
        self.depth -= 1

    def _root(self, local: str, attributes: dict[str, str]) -> None:
        self.root = local
        declared = attributes.get("uniqueCount", "")
        counted = local == "sst" and _COUNT.fullmatch(declared)
        if counted and int(declared) > MAX_XLSX_SHARED_STRINGS:
            raise _too_many_strings()

    def _string(self) -> None:
        self.strings += 1
        if self.strings > MAX_XLSX_SHARED_STRINGS:
            raise _too_many_strings()
        if not self.group:
            self.group = self.depth

    def _start_row(self, attributes: dict[str, str]) -> None:
        if self.group:
            raise _odd("baris di dalam baris")
        self.group, self.row_open = self.depth, True
        self.rows += 1
        given = attributes.get("r")
        if given is not None and not _ROW_NUMBER.fullmatch(given):
            raise _odd(f"nomor baris '{given[:12]}'")
        self.row = int(given) if given is not None else self.row + 1
        self.column = self.row_cells = 0
        _within(0, max(self.row, self.rows))

    def _cell(self, attributes: dict[str, str]) -> None:
        self.cells += 1
        self.row_cells += 1
        if self.cells > MAX_XLSX_CELLS:
            raise InvalidInput(
                f"Lembar kerja berisi terlalu banyak sel (lebih dari "
                f"{_thousands(MAX_XLSX_CELLS)}). Bagi menjadi beberapa berkas."
            )
        given = attributes.get("r")
        if given:  # openpyxl takes an empty address as "the next column" too
            found = _CELL_REF.fullmatch(given)
            if found is None:
                raise _odd(f"alamat sel '{given[:12]}'")
            letters, digits = found.groups()
            _within(0, int(digits))
            self.column = _COLUMNS.get(letters, MAX_XLSX_COLUMNS + 1)
        else:
            self.column += 1
        _within(max(self.column, self.row_cells), 0)

    def _dimension(self, ref: str) -> None:
        found = _RANGE.fullmatch(ref)
        if found is None:
            raise _odd(f"ukuran lembar '{ref[:24]}'")
        first, last = found.group(1, 2), found.group(3, 4)
        for letters, digits in (first, last) if last[0] else (first,):
            _within(_column_number(letters), int(digits))
