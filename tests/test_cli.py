"""The `sigap` command as an operator uses it, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_harness import Invoke, sigap_on

HEADER = (
    "tanggal,layanan,u1,u2,u3,u4,u5,u6,u7,u8,u9,jam,jenis_kelamin,usia,pendidikan,pekerjaan,saran"
)
GOOD_SKM = "\n".join(
    [
        HEADER,
        "2025-01-06,ktp,4,4,4,4,4,4,4,4,4,08:30,P,34,SMA,wirausaha,Antrean cepat",
        "2025-01-07,ktp,4,4,4,4,4,4,4,4,4,,L,51,D4/S1,PNS,",
        "2025-02-03,ktp,3,3,3,3,3,3,3,3,,,,,,,",
        "2025-07-01,kk,1,1,1,1,1,1,1,1,1,,,,,,",
    ]
)


@pytest.fixture
def sigap(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    invoke = sigap_on(database_url, tmp_path, monkeypatch)
    invoke("service", "add", "ktp", "KTP elektronik")
    invoke("service", "add", "kk", "Kartu Keluarga")
    return invoke


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_skm_import_then_summary(sigap: Invoke, tmp_path: Path) -> None:
    result = sigap("skm", "import", str(write(tmp_path, "skm.csv", GOOD_SKM)))
    assert result.exit_code == 0, result.output
    assert "4 jawaban SKM diimpor" in result.output
    out = sigap(
        "skm", "summary", "--quarter", "2025-Q1", "--service", "ktp", "--json", "--users", "3"
    )
    data = json.loads(out.output)
    assert data["respondents"] == 3
    assert [u["code"] for u in data["unsur"]] == [f"U{i}" for i in range(1, 10)]
    assert data["unsur"][0]["nrr"] == pytest.approx(11 / 3)
    assert data["unsur"][8]["nrr"] == 4  # U9 unanswered in one row: 2 answers of 4
    # (8 x 11/3 + 4) / 9 x 25 = 92.59...
    assert data["nilai"] == 92.59 and data["mutu"] == "A" and data["kinerja"] == "Sangat Baik"
    assert data["profile"]["jenis_kelamin"] == {"P": 1, "L": 1}
    assert data["sample"] == {"service_users": 3, "minimum": 3, "adequate": True}


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        ("2025-01-08,ktp,5,4,4,4,4,4,4,4,4", "u1 harus 1..4"),
        ("08/01/2025,ktp,4,4,4,4,4,4,4,4,4", "bukan tanggal"),
        ("2025-01-08,paspor,4,4,4,4,4,4,4,4,4", "tidak dikenal"),
        ("2025-01-08,ktp,,,,,,,,,", "Belum ada jawaban"),
        ("2025-01-08,ktp,4,4,4,4,4,4,4,4,4,,X", "Jenis kelamin"),
    ],
)
def test_bad_skm_row_names_its_line_and_imports_nothing(
    sigap: Invoke, tmp_path: Path, bad_line: str, reason: str
) -> None:
    lines = GOOD_SKM.splitlines()
    lines.insert(3, bad_line)
    result = sigap("skm", "import", str(write(tmp_path, "bad.csv", "\n".join(lines))))
    assert result.exit_code == 1
    assert "Baris 4" in result.output and reason in result.output
    summary = json.loads(sigap("skm", "summary", "--year", "2025", "--json").output)
    assert summary["respondents"] == 0


def test_missing_column_is_reported(sigap: Invoke, tmp_path: Path) -> None:
    result = sigap("skm", "import", str(write(tmp_path, "x.csv", "tanggal,layanan,u1\n")))
    assert result.exit_code == 1 and "kolom wajib tidak ada: u2" in result.output


def test_skm_export_round_trips(sigap: Invoke, tmp_path: Path) -> None:
    sigap("skm", "import", str(write(tmp_path, "skm.csv", GOOD_SKM)))
    exported = tmp_path / "out.csv"
    result = sigap("skm", "export", "--year", "2025", "-o", str(exported))
    assert "4 jawaban diekspor" in result.output
    rows = exported.read_text(encoding="utf-8").splitlines()
    assert rows[0] == HEADER
    assert rows[1] == "2025-01-06,ktp,4,4,4,4,4,4,4,4,4,08:30,P,34,SMA,wirausaha,Antrean cepat"
    assert rows[3] == "2025-02-03,ktp,3,3,3,3,3,3,3,3,,,,,,,"
    before = json.loads(sigap("skm", "summary", "--year", "2025", "--json").output)
    again = sigap("skm", "import", str(exported))  # the same rows: the guard sees it
    assert again.exit_code == 1 and "sudah diimpor" in again.output
    after = json.loads(sigap("skm", "summary", "--year", "2025", "--json").output)
    assert after == before


ACTIVITIES = "\n".join(
    [
        "nama,jenis,desa,tanggal_rencana,tanggal_pelaksanaan,status,peserta_l,peserta_p",
        "Pelatihan menjahit,pelatihan,Lampeji,2025-02-01,2025-02-03,terlaksana,3,17",
        "Sosialisasi stunting,sosialisasi,Mumbulsari,2025-03-01,,direncanakan,,",
    ]
)


def test_activity_import_and_iku3(sigap: Invoke, tmp_path: Path) -> None:
    result = sigap("activity", "import", str(write(tmp_path, "a.csv", ACTIVITIES)))
    assert result.exit_code == 0, result.output
    data = json.loads(sigap("iku", "--quarter", "2025-Q1", "--json").output)
    iku3 = data["indicators"][2]
    assert (iku3["numerator"], iku3["denominator"], iku3["value"]) == (1, 2, 50)


def test_bad_activity_row_imports_nothing(sigap: Invoke, tmp_path: Path) -> None:
    bad = ACTIVITIES + "\nRapat,rapat,,2025-03-05,,selesai,,"
    result = sigap("activity", "import", str(write(tmp_path, "a.csv", bad)))
    assert result.exit_code == 1 and "Baris 4, kolom status" in result.output
    assert "'selesai' tidak dikenal" in result.output
    listing = sigap("activity", "list", "--year", "2025")
    assert listing.output.strip() == ""


def test_iku_json_on_empty_database(sigap: Invoke) -> None:
    data = json.loads(sigap("iku", "--year", "2025", "--json").output)
    assert data["period"] == {"from": "2025-01-01", "to": "2025-12-31"}
    assert [i["code"] for i in data["indicators"]] == [f"IKU{n}" for n in range(1, 7)]
    assert all(i["value"] is None and i["status"] == "no_data" for i in data["indicators"])


def test_registers_and_targets_feed_iku(sigap: Invoke, tmp_path: Path) -> None:
    assert sigap("sakip", "set", "2025", "81,5").exit_code == 0
    assert sigap("target", "set", "IKU5", "80", "--year", "2025").exit_code == 0
    assert (
        sigap(
            "document", "add", "--kind", "lakip", "--title", "LAKIP 2024", "--date", "2025-03-01"
        ).exit_code
        == 0
    )
    assert sigap("indicator", "add", "Cakupan", "--year", "2025", "--target", "10").exit_code == 0
    assert sigap("indicator", "set", "1", "--realisation", "12").exit_code == 0
    data = json.loads(sigap("iku", "--year", "2025", "--json").output)
    by_code = {i["code"]: i for i in data["indicators"]}
    assert by_code["IKU5"]["value"] == 81.5 and by_code["IKU5"]["capaian"] == 101.88
    assert "predikat A" in by_code["IKU5"]["note"]
    assert by_code["IKU1"]["value"] == 1
    assert by_code["IKU6"]["value"] == 100


def test_walk_in_complaint_hides_reporter_unless_authorised_staff(sigap: Invoke) -> None:
    assert sigap("staff", "add", "Budi", "--role", "trantib").exit_code == 0
    assert sigap("staff", "add", "Ani", "--role", "pmks").exit_code == 0
    added = sigap(
        "complaint",
        "add",
        "--staff",
        "1",
        "--channel",
        "lisan",
        "--category",
        "miras",
        "--description",
        "Pesta miras di pos ronda tiap malam",
        "--reporter-name",
        "Pak Slamet",
        "--reporter-phone",
        "08123",
    )
    assert added.exit_code == 0, added.output
    code = added.output.split()[1]
    hidden = sigap("complaint", "show", code)
    assert "Pak Slamet" not in hidden.output and "dirahasiakan" in hidden.output
    assert "Pak Slamet" not in sigap("complaint", "show", code, "--staff", "2").output
    unasked = sigap("complaint", "show", code, "--staff", "1").output  # a handler, not asking
    assert "Pak Slamet" not in unasked and "--show-identity" in unasked
    shown = sigap("complaint", "show", code, "--staff", "1", "--show-identity").output
    assert "Pak Slamet" in shown and "lihat_identitas" in shown  # the look is in the history
    refused_look = sigap("complaint", "show", code, "--staff", "2", "--show-identity").output
    assert "Pak Slamet" not in refused_look
    refused = sigap("complaint", "transition", code, "diverifikasi", "--staff", "2")
    assert refused.exit_code == 1 and "tidak berwenang" in refused.output
    illegal = sigap("complaint", "transition", code, "selesai", "--staff", "1", "--note", "ok")
    assert illegal.exit_code == 1 and "tidak bisa diubah" in illegal.output
    ok = sigap("complaint", "transition", code, "diverifikasi", "--staff", "1")
    assert ok.exit_code == 0 and "Diverifikasi" in ok.output


def test_holiday_import_moves_due_dates(sigap: Invoke, tmp_path: Path) -> None:
    sigap("staff", "add", "Budi", "--role", "trantib")
    holidays = write(
        tmp_path, "libur.csv", "tanggal,keterangan\n2025-12-25,Natal\n2025-12-26,Cuti bersama\n"
    )
    assert "2 hari libur baru" in sigap("holiday", "import", str(holidays)).output
    added = sigap(
        "complaint",
        "add",
        "--staff",
        "1",
        "--channel",
        "surat",
        "--category",
        "kebisingan",
        "--description",
        "Sound system keras sampai subuh",
        "--received",
        "2025-12-24",
    )
    assert "batas waktu 2025-12-30" in added.output  # 24 Dec + 2 working days


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("iku", "--quarter", "2025-Q5"), "format triwulan"),
        (("iku", "--from", "2025-02-01", "--to", "2025-01-01"), "periode terbalik"),
        (("iku", "--year", "2025", "--quarter", "2025-Q1"), "Pilih satu"),
        (("sakip", "set", "2025", "101"), "tidak boleh lebih dari 100"),
        (("sakip", "set", "2025", "abc"), "bukan angka"),
    ],
)
def test_bad_arguments_get_one_clear_line(
    sigap: Invoke, args: tuple[str, ...], message: str
) -> None:
    result = sigap(*args)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("SIGAP_TIMEZONE", "Mars/Olympus", "Mars/Olympus"),
        ("DATABASE_URL", "mysql://office/sigap", "tidak didukung"),
        ("DATABASE_URL", "postgres://office/sigap", "postgresql://"),
        ("DATABASE_URL", "data/sigap.db", "bukan alamat basis data"),
    ],
)
def test_invalid_setting_stops_with_the_variable_named(
    sigap: Invoke, variable: str, value: str, said: str
) -> None:
    result = sigap("iku", env={variable: value})
    assert result.exit_code == 2
    assert f"Pengaturan {variable} tidak sah / Invalid setting {variable}" in result.output
    assert said in result.output and "Traceback" not in result.output


def test_db_copy_names_a_database_it_cannot_use_in_one_line(sigap: Invoke) -> None:
    result = sigap("db", "copy", "--to", "mysql://office/sigap")
    assert result.exit_code == 1
    assert "--to: basis data mysql tidak didukung" in result.output
    assert "Traceback" not in result.output


def test_same_file_twice_is_refused_and_nothing_doubles(sigap: Invoke, tmp_path: Path) -> None:
    path = write(tmp_path, "skm.csv", GOOD_SKM)
    assert sigap("skm", "import", str(path)).exit_code == 0
    again = sigap("skm", "import", str(path))
    assert again.exit_code == 1 and "sudah diimpor" in again.output
    data = json.loads(sigap("skm", "summary", "--year", "2025", "--json").output)
    assert data["respondents"] == 4


def test_non_utf8_file_gets_a_clear_message(sigap: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(GOOD_SKM.replace("Antrean cepat", "Pelayanan ramah é").encode("latin-1"))
    result = sigap("skm", "import", str(path))
    assert result.exit_code == 1 and "UTF-8" in result.output


def test_staff_chat_accounts_are_checked_against_their_channel(sigap: Invoke) -> None:
    added = sigap(
        "staff", "add", "Budi", "--role", "trantib",
        "--chat", "telegram:5123", "--chat", "whatsapp:6281234567890",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    listed = sigap("staff", "list").output
    assert "telegram=5123" in listed and "whatsapp=6281234567890" in listed

    for bad, says in [
        ("telegram:budi", "Telegram user id"),
        ("pager:123", "unknown channel"),
        ("telegram:5123", "sudah terdaftar"),  # one account serves one staff member
    ]:
        result = sigap("staff", "add", "Ani", "--role", "pmks", "--chat", bad)
        assert result.exit_code == 1 and says in result.output, (bad, result.output)
        assert "Traceback" not in result.output
    assert "Ani" not in sigap("staff", "list").output  # nothing half-stored


def test_skm_summary_and_iku_as_plain_text(sigap: Invoke, tmp_path: Path) -> None:
    answers = "\n".join(
        [
            "tanggal,layanan,u1,u2,u3,u4,u5,u6,u7,u8,u9",
            "2025-01-06,ktp,4,4,4,4,4,4,4,4,4",
            "2025-01-07,ktp,3,3,3,3,3,3,3,3,",  # U9 not answered
        ]
    )
    assert sigap("skm", "import", str(write(tmp_path, "s.csv", answers))).exit_code == 0
    summary = sigap("skm", "summary", "--quarter", "2025-Q1", "--service", "ktp", "--users", "3")
    lines = summary.output.splitlines()
    assert lines[0] == "SKM 2025-01-01 s.d. 2025-03-31 — 2 responden"
    assert "  U1 Persyaratan: 3.500" in lines
    assert "  U9 Sarana dan Prasarana: 4.000" in lines  # one answer of 4, not two
    # (8 x 3.5 + 4) / 9 x 25 = 88.888...
    assert "IKM 88.89 mutu A (Sangat Baik); unsur terlemah U1" in lines
    assert "Sampel minimum 3 dari 3 pengguna: belum cukup" in lines

    assert sigap("sakip", "set", "2025", "81,5").exit_code == 0
    iku = sigap("iku", "--year", "2025").output.splitlines()
    assert iku[0] == "IKU Kecamatan Mumbulsari, 2025-01-01 s.d. 2025-12-31"
    assert "  IKU2 Indeks Kepuasan Masyarakat (IKM): 88.89 nilai IKM (25-100)" in iku
    assert "  IKU5 Nilai SAKIP OPD: 81.50 nilai SAKIP" in iku
    no_data = [line for line in iku if line.endswith("belum ada data")]
    assert [line.split()[0] for line in no_data] == ["IKU1", "IKU3", "IKU4", "IKU6"]


def test_complaint_show_speaks_indonesian_and_names_the_officer(sigap: Invoke) -> None:
    assert sigap("staff", "add", "Budi Santoso", "--role", "trantib").exit_code == 0
    added = sigap(
        "complaint", "add", "--staff", "1", "--channel", "surat", "--category", "pkl",
        "--description", "PKL menutup trotoar depan pasar",
    )  # fmt: skip
    code = added.output.split()[1]
    assert sigap("complaint", "transition", code, "diverifikasi", "--staff", "1").exit_code == 0
    shown = sigap("complaint", "show", code, "--staff", "1").output
    assert "Privasi: pelapor dirahasiakan" in shown and "hidden" not in shown
    trail = [line.split("  ") for line in shown.splitlines() if line.startswith("  ")]
    assert [(row[2], row[3]) for row in trail] == [
        ("diterima", "Budi Santoso"),
        ("diverifikasi", "Budi Santoso"),
    ]


def test_help_loads_no_database_report_or_chat_library() -> None:
    """What keeps `sigap --help` fast (its time is the benchmark's business, not this
    test's): printing help imports none of the heavy libraries."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from cli.main import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ('sqlalchemy', 'sqlmodel', 'pydantic', 'matplotlib', 'weasyprint', 'telegram',"
        " 'alembic', 'starlette')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout


def test_an_activity_recorded_only_as_held_is_listed_as_iku3_counts_it(sigap: Invoke) -> None:
    added = sigap(
        "activity",
        "add",
        "Posyandu dadakan",
        "--kind",
        "posyandu",
        "--held",
        "2025-05-03",
        "--status",
        "terlaksana",
    )
    assert added.exit_code == 0, added.output
    listed = sigap("activity", "list", "--year", "2025").output
    assert "Posyandu dadakan" in listed
    iku3 = json.loads(sigap("iku", "--year", "2025", "--json").output)["indicators"][2]
    assert (iku3["numerator"], iku3["denominator"]) == (1, 1)
