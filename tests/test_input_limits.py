"""Bad input stops before the database, on SQLite as on PostgreSQL, with one line that
names the field and never repeats a resident's name or phone (issue 15)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli import Invoke, sigap, write  # noqa: F401  (the fixture)

NAME = "Slamet Riyadi bin Parto " * 6  # 150 characters: 30 past the column
PHONE = "0812" * 9  # 36 digits


def _add(sigap: Invoke, *extra: str) -> object:  # noqa: F811
    return sigap(
        "complaint",
        "add",
        "--staff",
        "1",
        "--channel",
        "lisan",
        "--category",
        "miras",
        "--description",
        "Pesta miras di pos ronda tiap malam Minggu",
        *extra,
    )


@pytest.mark.parametrize(
    ("extra", "says", "secret"),
    [
        (("--reporter-name", NAME), "Nama pelapor: paling banyak 120", NAME.strip()),
        (("--reporter-phone", PHONE), "Telepon pelapor:", PHONE),
        (("--external-ref", "L" * 65), "Nomor rujukan: paling banyak 64", None),
        (("--desa", "D" * 81), "Desa tidak dikenal", None),
        (("--desa", "Atlantis"), "Desa tidak dikenal", None),
        (("--received", "2099-01-01"), "masa depan", None),
        (("--received", "1900-01-01"), "sebelum tahun 2000", None),
        (("--description", "Pesta miras\u202e di pos ronda"), "Uraian: berisi karakter", None),
        (("--description", "Pesta miras\x1b[31m di pos ronda"), "Uraian: berisi karakter", None),
    ],
)
def test_complaint_add_refuses_each_bad_field_in_one_line(
    sigap: Invoke,  # noqa: F811
    extra: tuple[str, ...],
    says: str,
    secret: str | None,
) -> None:
    assert sigap("staff", "add", "Budi", "--role", "trantib").exit_code == 0
    result = _add(sigap, *extra)
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    output: str = result.output  # type: ignore[attr-defined]
    assert says in output and "Traceback" not in output and len(output.splitlines()) == 1
    if secret is not None:
        assert secret not in output
    assert sigap("complaint", "list").output.strip() == ""


def test_activity_import_names_the_row_and_column_of_each_problem(
    sigap: Invoke,  # noqa: F811
    tmp_path: Path,
) -> None:
    rows = "\n".join(
        [
            "nama,jenis,tanggal_rencana,peserta_l,mitra",
            "Posyandu,posyandu,2025-03-01,10,PKK",
            "Rembug,musyawarah,,,",
            "Senam,olahraga,2025-04-01,-2,",
            "Pelatihan,pelatihan,2025-05-01,3," + "M" * 121,
        ]
    )
    result = sigap("activity", "import", str(write(tmp_path, "k.csv", rows)))
    assert result.exit_code == 1
    assert "Baris 4, kolom peserta_l" in result.output
    assert "Baris 5, kolom mitra: Mitra: paling banyak 120" in result.output
    fixed = rows.replace("Senam,olahraga,2025-04-01,-2,", "Senam,olahraga,2025-04-01,2,")
    fixed = fixed.replace("M" * 121, "Dinas Sosial")
    no_dates = sigap("activity", "import", str(write(tmp_path, "k2.csv", fixed)))
    assert no_dates.exit_code == 1 and "Baris 3" in no_dates.output
    assert "tanggal rencana atau tanggal pelaksanaan" in no_dates.output
    assert sigap("activity", "list", "--year", "2025").output.strip() == ""


def test_the_same_rows_saved_with_windows_line_ends_are_not_imported_again(
    sigap: Invoke,  # noqa: F811
    tmp_path: Path,
) -> None:
    rows = "tanggal,layanan,u1,u2,u3,u4,u5,u6,u7,u8,u9\n2025-02-01,ktp,4,4,4,4,4,4,4,4,4\n"
    assert sigap("skm", "import", str(write(tmp_path, "a.csv", rows))).exit_code == 0
    again = tmp_path / "a-excel.csv"
    again.write_bytes(b"\xef\xbb\xbf" + rows.replace("\n", "\r\n").encode())
    refused = sigap("skm", "import", str(again))
    assert refused.exit_code == 1 and "sudah diimpor" in refused.output
    assert "Asia/Jakarta" in refused.output and "UTC" not in refused.output


def test_a_saran_with_a_nul_byte_is_refused_with_its_line(
    sigap: Invoke,  # noqa: F811
    tmp_path: Path,
) -> None:
    rows = (
        "tanggal,layanan,u1,u2,u3,u4,u5,u6,u7,u8,u9,saran\n"
        "2025-02-01,ktp,4,4,4,4,4,4,4,4,4,Bagus\n"
        "2025-02-02,ktp,4,4,4,4,4,4,4,4,4,Antre\x00an lama\n"
    )
    result = sigap("skm", "import", str(write(tmp_path, "s.csv", rows)))
    assert result.exit_code == 1 and "Baris 3" in result.output and "Saran" in result.output


def test_an_unmigrated_database_gets_one_line_not_a_traceback(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    fresh = f"sqlite:///{tmp_path / 'kosong.db'}"
    result = CliRunner().invoke(app, ["iku", "--year", "2025"], env={"DATABASE_URL": fresh})
    assert result.exit_code == 1
    assert "sigap db upgrade" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


SKM_HEADER = "tanggal,layanan,u1,u2,u3,u4,u5,u6,u7,u8,u9,saran"
GOOD_ROW = "2025-02-01,ktp,4,4,4,4,4,4,4,4,4,Bagus"


@pytest.mark.parametrize(
    ("rows", "says"),
    [
        ([SKM_HEADER, GOOD_ROW, "2025-02-01,ktp,1,1"], "Baris 3: 4 kolom"),
        ([SKM_HEADER, GOOD_ROW + ",lebih"], "Baris 2: 13 kolom"),
        (
            [SKM_HEADER, '2025-02-01,ktp,4,4,4,4,4,4,4,4,4,"Antre lama', GOOD_ROW, GOOD_ROW],
            "Baris",
        ),
        (
            [SKM_HEADER, '2025-02-01,ktp,4,4,4,4,4,4,4,4,4,"Antre lama', GOOD_ROW + '"', GOOD_ROW],
            "tanda kutip",
        ),
        ([SKM_HEADER.replace("u2", "u1"), GOOD_ROW], "judul kolom ganda: u1"),
        ([SKM_HEADER, "2025-02-01,ktp,٤,4,4,4,4,4,4,4,4,"], "Baris 2: u1"),
        ([SKM_HEADER, "0001-01-01,ktp,4,4,4,4,4,4,4,4,4,"], "Baris 2: Tanggal survei"),
        ([SKM_HEADER, "9999-12-31,ktp,4,4,4,4,4,4,4,4,4,"], "Baris 2: Tanggal survei"),
        ([SKM_HEADER, GOOD_ROW[:-5] + "x" * 140_000], "Baris 2"),
    ],
)
def test_a_malformed_skm_file_is_refused_with_its_line(
    sigap: Invoke,  # noqa: F811
    tmp_path: Path,
    rows: list[str],
    says: str,
) -> None:
    path = tmp_path / "skm.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = sigap("skm", "import", str(path))
    assert result.exit_code == 1, result.output
    assert says in result.output and "Traceback" not in result.output
    summary = sigap("skm", "summary", "--year", "2025", "--json").output
    assert '"respondents": 0' in summary
