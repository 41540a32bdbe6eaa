"""`sigap office import|list|add|set` as an operator uses them, on SQLite and PostgreSQL:
a kabupaten seeded from the installed area data, offices listed with their desa, added
and corrected; bad input refused in one line, non-zero, nothing stored."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import Result

from core.models import Office, OfficeArea, RegisterAudit
from core.scope import for_all_offices
from tests.cli_harness import Invoke, sigap_on
from tests.test_office_import import require_area_data

NIP = "19700101 199003 1 005"


@pytest.fixture
def sigap(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    return sigap_on(database_url, tmp_path, monkeypatch)


def refused(result: Result, says: str) -> None:
    """One line on stderr naming the problem, nothing on stdout, a non-zero exit."""
    assert result.exit_code != 0, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], result.stderr


def offices(engine: Engine) -> dict[str, Office]:
    with Session(engine) as session:
        return {o.code: o for o in session.exec(select(Office))}


def areas(engine: Engine, office_id: int) -> dict[str, str | None]:
    with Session(engine) as session:
        rows = session.exec(select(OfficeArea).where(OfficeArea.office_id == office_id))
        return {a.name: a.code for a in rows}


def _png(tmp_path: Path) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "darkgreen").save(buffer, format="PNG")
    path = tmp_path / "logo.png"
    path.write_bytes(buffer.getvalue())
    return path


def test_import_then_list(sigap: Invoke, engine: Engine) -> None:
    require_area_data()
    first = sigap("office", "import", "--kabupaten", "35.09")
    assert first.exit_code == 0, first.output
    assert "30 dibuat, 1 diperbarui; desa/kelurahan: 241 dibuat, 7 diperbarui" in first.stdout
    again = sigap("office", "import", "--kabupaten", "35.09")
    assert again.exit_code == 0, again.output
    assert "0 dibuat, 0 diperbarui; desa/kelurahan: 0 dibuat, 0 diperbarui" in again.stdout
    listed = sigap("office", "list")
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert len(lines) == 31
    assert "35.09.23\tMBS\tKecamatan Mumbulsari\t7 desa, 0 kelurahan" in lines
    assert "35.09.19\tKLW\tKecamatan Kaliwates\t0 desa, 7 kelurahan" in lines
    assert lines[0].startswith("35.09.01\t")  # by code
    assert areas(engine, 1)["Karang Kedawung"] == "35.09.23.2007"


def test_import_refuses_an_unknown_kabupaten_or_a_missing_folder(
    sigap: Invoke, engine: Engine, tmp_path: Path
) -> None:
    require_area_data()
    refused(sigap("office", "import", "--kabupaten", "99.99"), "tidak dikenal")
    missing = sigap("office", "import", "--kabupaten", "35.09", "--data", str(tmp_path / "x"))
    refused(missing, "make area-data")
    elsewhere = sigap(
        "office",
        "import",
        "--kabupaten",
        "35.09",
        env={"SIGAP_AREA_DATA_DIR": str(tmp_path / "y")},
    )
    refused(elsewhere, str(tmp_path / "y"))
    assert list(offices(engine)) == ["35.09.23"]
    assert set(areas(engine, 1).values()) == {None}


def test_add_an_office_with_its_desa(sigap: Invoke, engine: Engine) -> None:
    added = sigap(
        "office",
        "add",
        "35.09.01",
        "Kecamatan Jombang",
        "--prefix",
        "jmb",
        "--desa",
        " Jombang ,Ngampel  Rejo,,",
    )
    assert added.exit_code == 0, added.output
    assert "Kecamatan Jombang (JMB) ditambahkan dengan 2 desa" in added.stdout
    jombang = offices(engine)["35.09.01"]
    assert areas(engine, jombang.id or 0) == {"Jombang": None, "Ngampel Rejo": None}
    listed = sigap("office", "list").stdout.splitlines()
    assert listed == [
        "35.09.01\tJMB\tKecamatan Jombang\t2 desa, 0 kelurahan",
        "35.09.23\tMBS\tKecamatan Mumbulsari\t7 desa, 0 kelurahan",
    ]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["35.09", "Kecamatan X", "--prefix", "XYZ"], "35.09.23"),
        (["35.09.01", "Kecamatan X", "--prefix", "X1"], "2–5 huruf besar"),
        (["35.09.01", "Kecamatan X", "--prefix", "ABCDEF"], "2–5 huruf besar"),
        (["35.09.01", "Kecamatan X", "--prefix", "MBS"], "sudah dipakai"),
        (["35.09.23", "Kecamatan X", "--prefix", "XYZ"], "sudah dipakai"),
        (["35.09.01", " ", "--prefix", "XYZ"], "Nama kantor"),
        (["35.09.01", "Kecamatan X", "--prefix", "XYZ", "--desa", "A,b ,a"], "dua kali"),
        (["35.09.01", "Kecamatan X", "--prefix", "XYZ", "--desa", "D" * 81], "80"),
    ],
)
def test_add_refuses_bad_input_storing_nothing(
    sigap: Invoke, engine: Engine, args: list[str], says: str
) -> None:
    refused(sigap("office", "add", *args), says)
    assert list(offices(engine)) == ["35.09.23"]
    with Session(engine) as session:
        assert len(session.exec(select(OfficeArea)).all()) == 7


def test_set_changes_the_profile_and_writes_the_trail(
    sigap: Invoke, engine: Engine, tmp_path: Path
) -> None:
    logo = _png(tmp_path)
    done = sigap(
        "office",
        "set",
        "35.09.23",
        "--name",
        "Kantor  Kecamatan Mumbulsari",
        "--prefix",
        "mbl",
        "--address",
        "Jl. Raya Mumbulsari No. 1",
        "--camat-name",
        "Drs. Ahmad Fauzi",
        "--camat-nip",
        NIP,
        "--camat-pangkat",
        "Pembina (IV/a)",
        "--logo",
        str(logo),
    )
    assert done.exit_code == 0, done.output
    assert "awalan_tiket" in done.stdout and "logo" in done.stdout
    office = offices(engine)["35.09.23"]
    assert (office.name, office.ticket_prefix, office.address) == (
        "Kantor Kecamatan Mumbulsari",
        "MBL",
        "Jl. Raya Mumbulsari No. 1",
    )
    assert (office.camat_name, office.camat_nip, office.camat_pangkat) == (
        "Drs. Ahmad Fauzi",
        NIP,
        "Pembina (IV/a)",
    )
    assert office.logo_path == str(logo.resolve())
    with Session(engine) as session:
        for_all_offices(session)
        trail = session.exec(select(RegisterAudit).order_by(col(RegisterAudit.id))).all()
    changes = {k: v for row in trail for k, v in json.loads(row.changes).items()}
    assert changes["awalan_tiket"] == ["MBS", "MBL"]
    assert changes["nip_camat"] == ["", NIP]
    assert {row.register_name for row in trail} == {"kantor"}
    assert {row.office_id for row in trail} == {1}
    unchanged = sigap("office", "set", "35.09.23", "--camat-nip", NIP, "--prefix", "MBL")
    assert unchanged.exit_code == 0 and "tidak ada perubahan" in unchanged.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--camat-nip", "1970-01-01"], "NIP Camat"),
        (["--camat-nip", "1" * 25], "NIP Camat"),
        (["--prefix", "M"], "2–5 huruf besar"),
        (["--prefix", "JMB"], "sudah dipakai"),
        (["--logo", "nowhere.png"], "tidak ditemukan"),
        (["--logo", "not-a-logo.png"], "PNG atau JPEG"),
        (["--name", " "], "Nama kantor wajib"),
        (["--camat-pangkat", "P" * 61], "paling banyak 60"),
        ([], "Sebutkan yang diubah"),
        (["--service-levels", "pkl=tiga"], "kategori=hari"),
        (["--service-levels", "narkoba=2"], "Kategori tidak dikenal"),
        (["--staff-chats", "trantib=@grup"], "seksi=id_grup"),
    ],
)
def test_set_refuses_bad_input_storing_nothing(
    sigap: Invoke, engine: Engine, tmp_path: Path, args: list[str], says: str
) -> None:
    assert sigap("office", "add", "35.09.01", "Kecamatan Jombang", "--prefix", "JMB").exit_code == 0
    (tmp_path / "not-a-logo.png").write_text("hello", encoding="utf-8")
    before = offices(engine)["35.09.23"].model_dump()
    good = ["--camat-name", "Drs. Ahmad Fauzi"] if args else []  # stored with none of it
    refused(sigap("office", "set", "35.09.23", *good, *args), says)
    assert offices(engine)["35.09.23"].model_dump() == before
    with Session(engine) as session:
        for_all_offices(session)
        assert session.exec(select(RegisterAudit)).all() == []


def test_set_acts_on_the_office_it_names(sigap: Invoke, engine: Engine) -> None:
    """Several offices: `set` needs no --office, and refuses one naming another office."""
    assert sigap("office", "add", "35.09.01", "Kecamatan Jombang", "--prefix", "JMB").exit_code == 0
    done = sigap("office", "set", "35.09.01", "--camat-name", "Dra. Siti Rahayu")
    assert done.exit_code == 0, done.output
    assert offices(engine)["35.09.01"].camat_name == "Dra. Siti Rahayu"
    assert offices(engine)["35.09.23"].camat_name == ""
    chosen = sigap("--office", "35.09.23", "office", "set", "35.09.01", "--camat-name", "X")
    refused(chosen, "--office 35.09.23 bukan 35.09.01")
    refused(sigap("office", "set", "35.09.99", "--camat-name", "X"), "tidak dikenal")
    assert offices(engine)["35.09.01"].camat_name == "Dra. Siti Rahayu"


def test_set_an_offices_own_service_levels_and_group_chats(sigap: Invoke, engine: Engine) -> None:
    done = sigap(
        "office", "set", "35.09.23", "--service-levels", "pkl=3", "--staff-chats", "trantib=-1001"
    )
    assert done.exit_code == 0, done.output
    assert "tingkat_layanan, grup_staf" in done.output
    office = offices(engine)["35.09.23"]
    assert (office.service_levels, office.staff_chats) == ("pkl=3", "trantib=-1001")
    listed = sigap("office", "list").stdout.splitlines()
    assert listed == [
        "35.09.23\tMBS\tKecamatan Mumbulsari\t7 desa, 0 kelurahan; layanan: pkl=3; "
        "grup: trantib=-1001"
    ]
    cleared = sigap("office", "set", "35.09.23", "--service-levels", "")
    assert cleared.exit_code == 0 and offices(engine)["35.09.23"].service_levels == ""
