"""A kabupaten's kecamatan and their desa/kelurahan, seeded from official data.

The data is Kemendagri's administrative-area codes as the ``idn-area-data`` npm package
ships them (installed into ``wilayah/`` by ``make area-data``; code MIT, data ODbL 1.0,
see wilayah/README.md): ``districts.csv`` (code,regency_code,name) and ``villages.csv``
(code,district_code,name; a village code's last part starting with 1 is a kelurahan,
with 2 a desa). Both are streamed with the csv module; only the kabupaten's rows are
kept.

Each kecamatan becomes an office (found by its code, else created as "Kecamatan
<Name>" with a ticket prefix derived from the name, unique across the deployment); each
desa/kelurahan an area of that office (found by its code, else by its name ignoring case
and spacing, so the desa an office was made with from its settings gain their official
codes, else created). Running it again changes nothing. Nothing is ever deleted, and
what an office's admin may have corrected is kept: an office's name, prefix and
letterhead, an area's name and whether it is active. The file is read and checked whole
before anything is written: a bad file, an unknown kabupaten or a missing data
directory stores nothing.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from itertools import combinations, product
from pathlib import Path
from string import ascii_uppercase

from sqlmodel import Session, col, select

from core.errors import InvalidInput
from core.models import Office, OfficeArea
from core.scope import forget_the_only_office
from core.services.access.offices import TICKET_PREFIX, furnish_new_office, list_offices

DISTRICTS = "districts.csv"
VILLAGES = "villages.csv"
DISTRICT_HEADER = ["code", "regency_code", "name"]
VILLAGE_HEADER = ["code", "district_code", "name"]
KABUPATEN = re.compile(r"^[0-9]{2}\.[0-9]{2}$")  # Jember: 35.09
KIND_DIGIT = {"1": "kelurahan", "2": "desa"}  # a village code's last part: 1xxx, 2xxx
NAME_MAX = 80  # OfficeArea.name; an office is "Kecamatan " + its name
VOWELS = frozenset("AEIOU")


@dataclass(frozen=True)
class OfficeImport:
    """What an import did. ``offices_updated``: offices already there whose
    desa/kelurahan it changed (gained a code, a kind, or a new area)."""

    offices_created: int = 0
    offices_updated: int = 0
    areas_created: int = 0
    areas_updated: int = 0

    @property
    def changed(self) -> bool:
        return any(
            (self.offices_created, self.offices_updated, self.areas_created, self.areas_updated)
        )


@dataclass(frozen=True)
class _Place:
    code: str
    name: str
    parent: str  # a kecamatan's kabupaten, a village's kecamatan
    kind: str = "kecamatan"


class _Malformed(Exception):
    """A row that is not what the file's header promises."""


def import_kabupaten(session: Session, data_dir: Path, kabupaten: str) -> OfficeImport:
    """Every kecamatan of ``kabupaten`` (e.g. "35.09") an office, every desa and
    kelurahan an area of its office; the counts of what was created and updated."""
    kabupaten = kabupaten.strip()
    if not KABUPATEN.match(kabupaten):
        raise InvalidInput(
            f"Kode kabupaten seperti 35.09, bukan '{kabupaten[:20]}' / a kabupaten code like 35.09"
        )
    districts = _read(data_dir, DISTRICTS, DISTRICT_HEADER, lambda row: row[1] == kabupaten)
    kecamatan = [_district(row, kabupaten) for row in districts]
    if not kecamatan:
        raise InvalidInput(
            f"Kode kabupaten tidak dikenal di data wilayah: {kabupaten} / unknown kabupaten code"
        )
    codes = {k.code for k in kecamatan}
    villages = [_village(row) for row in _read(data_dir, VILLAGES, VILLAGE_HEADER, _within(codes))]
    _refuse_duplicates([*kecamatan, *villages])
    return _store(session, kabupaten, kecamatan, villages)


# -- reading ----------------------------------------------------------------------------


def _within(codes: set[str]) -> Callable[[list[str]], bool]:
    return lambda row: row[1] in codes


def _read(
    data_dir: Path, name: str, header: list[str], keep: Callable[[list[str]], bool]
) -> list[tuple[int, list[str]]]:
    """The rows ``keep`` wants, with their line numbers; every row of the file checked
    for its shape, so a damaged file is refused whoever's rows are damaged."""
    path = data_dir / name
    if not path.is_file():
        raise InvalidInput(
            f"Data wilayah tidak ditemukan: {path} (jalankan `make area-data`) / "
            "area data not found: run `make area-data` or set SIGAP_AREA_DATA_DIR"
        )
    kept: list[tuple[int, list[str]]] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            try:
                if next(reader, None) != header:
                    raise _Malformed(f"kepala kolom harus {','.join(header)}")
                for row in reader:
                    if len(row) != len(header):
                        raise _Malformed(f"{len(row)} kolom, bukan {len(header)}")
                    if keep(row):
                        kept.append((reader.line_num, row))
            except (_Malformed, csv.Error, UnicodeDecodeError) as exc:
                why = str(exc) if isinstance(exc, _Malformed) else type(exc).__name__
                raise InvalidInput(
                    f"Berkas {name} rusak di baris {max(reader.line_num, 1)}: {why} / "
                    f"malformed {name}"
                ) from None
    except OSError as exc:
        raise InvalidInput(
            f"Berkas {name} tidak terbaca: {exc.strerror} / cannot read {name}"
        ) from None
    return kept


def _name(file: str, line: int, text: str) -> str:
    name = " ".join(text.split())
    if not name or len(name) > NAME_MAX:
        raise _bad(file, line, f"nama 1–{NAME_MAX} karakter")
    return name


def _bad(file: str, line: int, why: str) -> InvalidInput:
    return InvalidInput(f"Berkas {file} rusak di baris {line}: {why} / malformed {file}")


def _district(numbered: tuple[int, list[str]], kabupaten: str) -> _Place:
    line, (code, regency, name) = numbered
    if not re.fullmatch(rf"{re.escape(kabupaten)}\.[0-9]{{2}}", code):
        raise _bad(DISTRICTS, line, f"kode kecamatan '{code[:20]}'")
    return _Place(code=code, name=_name(DISTRICTS, line, name), parent=regency)


def _village(numbered: tuple[int, list[str]]) -> _Place:
    line, (code, district, name) = numbered
    found = re.fullmatch(r"([0-9.]{8})\.([0-9])[0-9]{3}", code)
    if found is None or found.group(1) != district or found.group(2) not in KIND_DIGIT:
        raise _bad(VILLAGES, line, f"kode desa/kelurahan '{code[:20]}'")
    return _Place(code, _name(VILLAGES, line, name), district, KIND_DIGIT[found.group(2)])


def _refuse_duplicates(places: list[_Place]) -> None:
    seen: set[str] = set()
    for place in places:
        if place.code in seen:
            raise InvalidInput(f"Kode wilayah {place.code} muncul dua kali / area code given twice")
        seen.add(place.code)


# -- ticket prefixes --------------------------------------------------------------------


def _letters(name: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", name).upper()
    letters = [c for c in plain if c in ascii_uppercase]
    return letters + ["K", "C"][: max(0, 2 - len(letters))]  # at least two letters


def prefix_candidates(name: str) -> Iterator[str]:
    """Ticket prefixes for an office called ``name``, most telling first: its first
    letter and the consonants after it ("Kaliwates": KLW, KLT, ...), then with vowels
    too, then longer, then any capitals after its first letter."""
    letters = _letters(name)
    head = letters[0]
    consonants = [head]
    for c in letters[1:]:
        if c not in VOWELS and c != consonants[-1]:
            consonants.append(c)
    for size in (3, 4, 5):
        for pool in (consonants, letters):
            for picked in combinations(pool[1:], size - 1):
                yield head + "".join(picked)
    for size in (2, 3, 4):
        for tail in product(ascii_uppercase, repeat=size):
            yield head + "".join(tail)


def ticket_prefix_for(name: str, taken: Collection[str]) -> str:
    """The first candidate no office uses yet (always 2–5 capitals)."""
    for candidate in prefix_candidates(name):
        if candidate not in taken and TICKET_PREFIX.match(candidate):
            return candidate
    raise InvalidInput(f"Tidak ada awalan tiket tersisa untuk {name} / no ticket prefix left")


# -- writing ----------------------------------------------------------------------------


@dataclass
class _Tally:
    offices_created: int = 0
    offices_updated: int = 0
    areas_created: int = 0
    areas_updated: int = 0

    def frozen(self) -> OfficeImport:
        return OfficeImport(
            self.offices_created, self.offices_updated, self.areas_created, self.areas_updated
        )


def _store(
    session: Session, kabupaten: str, kecamatan: list[_Place], villages: list[_Place]
) -> OfficeImport:
    offices = {o.code: o for o in list_offices(session)}
    coded = {
        a.code: a
        for a in session.exec(
            select(OfficeArea).where(col(OfficeArea.code).startswith(f"{kabupaten}."))
        )
        if a.code is not None
    }
    _refuse_areas_elsewhere(offices, coded, villages)
    taken = {o.ticket_prefix for o in offices.values()}
    by_district: dict[str, list[_Place]] = {}
    for village in villages:
        by_district.setdefault(village.parent, []).append(village)
    tally = _Tally()
    for place in kecamatan:
        office = offices.get(place.code)
        if office is None:
            office = Office(
                code=place.code,
                name=f"Kecamatan {place.name}",
                ticket_prefix=ticket_prefix_for(place.name, taken),
            )
            taken.add(office.ticket_prefix)
            session.add(office)
            session.flush()
            furnish_new_office(session, office.id or 0)
            tally.offices_created += 1
            _store_areas(session, office, by_district.get(place.code, []), coded, tally)
        elif _store_areas(session, office, by_district.get(place.code, []), coded, tally):
            tally.offices_updated += 1
    session.flush()
    if tally.offices_created:
        forget_the_only_office()  # unnamed sessions of this process: refused from now on
    return tally.frozen()


def _refuse_areas_elsewhere(
    offices: dict[str, Office], coded: dict[str, OfficeArea], villages: list[_Place]
) -> None:
    """An official code already held by another office's area: refused, not moved."""
    ids = {o.id: code for code, o in offices.items()}
    for village in villages:
        area = coded.get(village.code)
        if area is not None and ids.get(area.office_id) != village.parent:
            raise InvalidInput(
                f"Kode {village.code} ({village.name}) sudah dipakai desa kantor lain / "
                "code already held by another office's area"
            )


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _store_areas(
    session: Session,
    office: Office,
    villages: list[_Place],
    coded: dict[str, OfficeArea],
    tally: _Tally,
) -> bool:
    """The office's desa and kelurahan; whether any was created or updated."""
    uncoded = {
        _key(a.name): a
        for a in session.exec(
            select(OfficeArea)
            .where(OfficeArea.office_id == office.id, col(OfficeArea.code).is_(None))
            .order_by(col(OfficeArea.id).desc())  # the oldest of two same names wins
        )
    }
    changed = False
    for village in villages:
        area = coded.get(village.code) or uncoded.pop(_key(village.name), None)
        if area is None:
            area = OfficeArea(
                office_id=office.id or 0, code=village.code, name=village.name, kind=village.kind
            )
            tally.areas_created += 1
        elif area.code == village.code and area.kind == village.kind:
            continue
        else:
            area.code, area.kind = village.code, village.kind
            tally.areas_updated += 1
        session.add(area)
        coded[village.code] = area
        changed = True
    return changed
