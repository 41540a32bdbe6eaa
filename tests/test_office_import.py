"""A kabupaten's kecamatan and desa seeded from Kemendagri's codes as the idn-area-data
npm package ships them (core/services/access/office_import.py), on SQLite and
PostgreSQL: Jember read from the installed package in full, office #1 keeping its id
and its settings-made desa gaining their codes, a second run changing nothing, prefixes
distinct, and a bad kabupaten, folder or file refused with nothing stored."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from core.config import DEFAULT_AREA_DATA_DIR
from core.errors import InvalidInput
from core.models import Office, OfficeArea
from core.services.access.office_import import (
    OfficeImport,
    import_kabupaten,
    prefix_candidates,
    ticket_prefix_for,
)
from core.services.access.offices import TICKET_PREFIX, add_office

JEMBER = "35.09"
MUMBULSARI = {  # office #1's desa from SIGAP_DESA, with their official codes
    "Lengkong": "35.09.23.2001",
    "Kawangrejo": "35.09.23.2002",
    "Tamansari": "35.09.23.2003",
    "Mumbulsari": "35.09.23.2004",
    "Suco": "35.09.23.2005",
    "Lampeji": "35.09.23.2006",
    "Karang Kedawung": "35.09.23.2007",
}


def require_area_data() -> Path:
    """The installed package's data folder: skipped on a developer's machine without it
    (with how to get it), a failure in CI."""
    if (DEFAULT_AREA_DATA_DIR / "districts.csv").is_file():
        return DEFAULT_AREA_DATA_DIR
    reason = f"no area data at {DEFAULT_AREA_DATA_DIR}: run `make area-data`"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def area_data() -> Path:
    return require_area_data()


def _areas(session: Session) -> list[OfficeArea]:
    return list(session.exec(select(OfficeArea).order_by(col(OfficeArea.id))).all())


def _stored(session: Session) -> tuple[int, int]:
    offices = session.exec(select(func.count()).select_from(Office)).one()
    areas = session.exec(select(func.count()).select_from(OfficeArea)).one()
    return offices, areas


def test_jember_becomes_31_offices_with_226_desa_and_22_kelurahan(
    session: Session, area_data: Path
) -> None:
    first_areas = {a.name: a.id for a in _areas(session)}
    done = import_kabupaten(session, area_data, JEMBER)
    session.commit()
    assert done == OfficeImport(
        offices_created=30, offices_updated=1, areas_created=241, areas_updated=7
    )
    offices = session.exec(select(Office).order_by(col(Office.code))).all()
    assert len(offices) == 31 and all(o.code.startswith("35.09.") for o in offices)
    assert {o.code for o in offices} == {f"35.09.{n:02d}" for n in range(1, 32)}
    areas = _areas(session)
    kinds = [a.kind for a in areas]
    assert (kinds.count("desa"), kinds.count("kelurahan"), len(areas)) == (226, 22, 248)
    assert all(a.code and a.code.startswith("35.09.") for a in areas)
    assert len({a.code for a in areas}) == 248
    first = session.get(Office, 1)
    assert first is not None
    assert (first.code, first.name, first.ticket_prefix) == (
        "35.09.23",
        "Kecamatan Mumbulsari",
        "MBS",
    )
    own = [a for a in areas if a.office_id == 1]
    assert {a.name: a.code for a in own} == MUMBULSARI  # no duplicate, each its code
    assert {a.name: a.id for a in own} == first_areas  # the same rows, not new ones
    kaliwates = next(o for o in offices if o.code == "35.09.19")
    assert kaliwates.name == "Kecamatan Kaliwates"
    assert {a.kind for a in areas if a.office_id == kaliwates.id} == {"kelurahan"}


def test_a_second_import_creates_nothing(session: Session, area_data: Path) -> None:
    import_kabupaten(session, area_data, JEMBER)
    session.commit()
    before = [(a.id, a.office_id, a.code, a.name, a.kind) for a in _areas(session)]
    again = import_kabupaten(session, area_data, f" {JEMBER} ")
    session.commit()
    assert again == OfficeImport() and not again.changed
    assert [(a.id, a.office_id, a.code, a.name, a.kind) for a in _areas(session)] == before
    assert _stored(session) == (31, 248)


def test_ticket_prefixes_are_distinct_and_valid(session: Session, area_data: Path) -> None:
    add_office(session, "35.10.01", "Kecamatan Pesanggaran", "KLW")  # takes Kaliwates' first
    import_kabupaten(session, area_data, JEMBER)
    session.commit()
    prefixes = {o.code: o.ticket_prefix for o in session.exec(select(Office))}
    assert len(prefixes) == 32 and len(set(prefixes.values())) == 32
    assert all(TICKET_PREFIX.match(p) for p in prefixes.values())
    assert prefixes["35.09.23"] == "MBS"  # office #1 keeps its own
    assert prefixes["35.09.19"].startswith("K") and prefixes["35.09.19"] != "KLW"
    assert prefixes["35.09.01"] == "JMB"  # Jombang: its first letter and consonants


@pytest.mark.parametrize(
    ("kabupaten", "says"),
    [
        ("99.99", "Kode kabupaten tidak dikenal di data wilayah: 99.99"),
        ("35", "Kode kabupaten seperti 35.09"),
        ("35.09.23", "Kode kabupaten seperti 35.09"),
    ],
)
def test_an_unknown_kabupaten_stores_nothing(
    session: Session, area_data: Path, kabupaten: str, says: str
) -> None:
    before = _stored(session)
    with pytest.raises(InvalidInput, match=re.escape(says)) as refused:
        import_kabupaten(session, area_data, kabupaten)
    assert "\n" not in str(refused.value) and " / " in str(refused.value)
    session.rollback()
    assert _stored(session) == before == (1, 7)


def test_a_missing_data_folder_says_how_to_get_it(session: Session, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="make area-data"):
        import_kabupaten(session, tmp_path / "nowhere", JEMBER)
    assert _stored(session) == (1, 7)


# -- small hand-made data: matching and damage --------------------------------------------

DISTRICTS = "code,regency_code,name\n35.09.22,35.09,Arjasa\n35.09.23,35.09,Mumbulsari\n"
VILLAGES = (
    "code,district_code,name\n"
    "35.09.22.2001,35.09.22,Arjasa\n"
    "35.09.23.2001,35.09.23,LENGKONG\n"
    "35.09.23.2007,35.09.23,karang   kedawung\n"
    "35.09.23.1008,35.09.23,Kelurahan Baru\n"
    "35.10.01.2001,35.10.01,Elsewhere\n"
)


def _data(tmp_path: Path, districts: str = DISTRICTS, villages: str = VILLAGES) -> Path:
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    (folder / "districts.csv").write_text(districts, encoding="utf-8")
    (folder / "villages.csv").write_text(villages, encoding="utf-8")
    return folder


def test_a_desa_is_matched_by_name_ignoring_case_and_spacing(
    session: Session, tmp_path: Path
) -> None:
    first = session.get(Office, 1)
    assert first is not None
    first.name = "Kantor Kecamatan Mumbulsari"  # as its admin corrected it
    suco = session.exec(select(OfficeArea).where(OfficeArea.name == "Suco")).one()
    suco.active = False
    session.add_all([first, suco])
    session.commit()
    done = import_kabupaten(session, _data(tmp_path), JEMBER)
    session.commit()
    assert done == OfficeImport(1, 1, 2, 2)
    own = {a.name: (a.code, a.kind, a.active) for a in _areas(session) if a.office_id == 1}
    assert own["Lengkong"] == ("35.09.23.2001", "desa", True)  # its own spelling kept
    assert own["Karang Kedawung"] == ("35.09.23.2007", "desa", True)
    assert own["Kelurahan Baru"] == ("35.09.23.1008", "kelurahan", True)
    assert own["Suco"] == (None, "desa", False)  # not in this data: untouched
    assert len(own) == 8
    session.refresh(first)
    assert first.name == "Kantor Kecamatan Mumbulsari"
    assert import_kabupaten(session, _data(tmp_path), JEMBER) == OfficeImport()


@pytest.mark.parametrize(
    ("districts", "villages", "says"),
    [
        ("kode,kab,nama\n35.09.23,35.09,Mumbulsari\n", VILLAGES, "districts.csv rusak di baris 1"),
        (DISTRICTS + "35.09.24,35.09\n", VILLAGES, "districts.csv rusak di baris 4: 2 kolom"),
        (DISTRICTS + "35.09.2x,35.09,Pakusari\n", VILLAGES, "kode kecamatan '35.09.2x'"),
        (DISTRICTS, VILLAGES + '35.09.23.2009,35.09.23,"Open\n', "villages.csv rusak"),
        (DISTRICTS, VILLAGES + "35.09.22.2002,35.09.23,Moved\n", "baris 7: kode desa"),
        (DISTRICTS, VILLAGES + "35.09.23.3001,35.09.23,Neither\n", "baris 7: kode desa"),
        (DISTRICTS, VILLAGES + "35.09.23.2010,35.09.23, \n", "baris 7: nama 1–80"),
        (DISTRICTS, VILLAGES + "35.09.23.2001,35.09.23,Twice\n", "35.09.23.2001 muncul dua"),
    ],
)
def test_a_damaged_file_is_refused_naming_its_line_and_stores_nothing(
    session: Session, tmp_path: Path, districts: str, villages: str, says: str
) -> None:
    with pytest.raises(InvalidInput, match=re.escape(says)) as refused:
        import_kabupaten(session, _data(tmp_path, districts, villages), JEMBER)
    assert "\n" not in str(refused.value)
    session.rollback()
    assert _stored(session) == (1, 7)
    assert all(a.code is None for a in _areas(session))


def test_a_file_that_is_not_utf8_is_refused(session: Session, tmp_path: Path) -> None:
    folder = _data(tmp_path)
    (folder / "villages.csv").write_bytes(VILLAGES.encode("utf-8") + b"35.09.23.2011,x,\xff\n")
    with pytest.raises(InvalidInput, match=re.escape("villages.csv rusak")):
        import_kabupaten(session, folder, JEMBER)


def test_a_code_held_by_another_office_is_refused(session: Session, tmp_path: Path) -> None:
    other = add_office(session, "35.10.01", "Kecamatan Pesanggaran", "PSG")
    session.add(OfficeArea(office_id=other.id or 0, code="35.09.22.2001", name="Arjasa"))
    session.commit()
    with pytest.raises(InvalidInput, match=re.escape("35.09.22.2001")):
        import_kabupaten(session, _data(tmp_path), JEMBER)
    session.rollback()
    assert _stored(session) == (2, 8)


def test_the_data_comes_with_its_licence(area_data: Path) -> None:
    """ODbL 1.0 travels with the data it covers (wilayah/README.md)."""
    licence = (area_data / "LICENSE.md").read_text(encoding="utf-8")
    assert licence.startswith("# Open Database License (ODbL)")


# -- ticket prefixes ------------------------------------------------------------------------


def test_a_prefix_tries_alternatives_on_collision() -> None:
    assert ticket_prefix_for("Sumberbaru", set()) == "SMB"
    assert ticket_prefix_for("Sumbersari", {"SMB"}) == "SMR"
    assert ticket_prefix_for("Silo", set()) == "SIL"  # too few consonants: vowels too
    assert ticket_prefix_for("Kaliwates", {"KLW", "KLT", "KLS"}) == "KWT"


@pytest.mark.parametrize("name", ["Sumberjambe", "Silo", "2 x 11 Enam Lingkuang", "Ë", "42", ""])
def test_every_prefix_is_two_to_five_capitals(name: str) -> None:
    taken: set[str] = set()
    for _ in range(60):  # sixty offices of the same name: each its own prefix
        prefix = ticket_prefix_for(name, taken)
        assert TICKET_PREFIX.match(prefix) and prefix not in taken
        taken.add(prefix)
    assert all(TICKET_PREFIX.match(p) for p in list(prefix_candidates(name))[:2000])
