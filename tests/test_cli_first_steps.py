"""What an operator reads in a terminal on the first day: a new database prepared and
said so, a command run before that told what to do in one line, and an activity's
number and listing without a Python `None` in sight."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import core
from cli.main import app

SIGAP = str(Path(sys.executable).with_name("sigap"))
MIGRATIONS = Path(core.__file__).parent / "migrations" / "versions"


def run_sigap(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed `sigap` command in ``tmp_path`` (no developer .env), on its SQLite file."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'sigap.db'}"}
    return subprocess.run(
        [SIGAP, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )


def test_db_upgrade_says_what_it_did_then_that_nothing_was_left(tmp_path: Path) -> None:
    migrations = sorted(p.name.split("_")[0] for p in MIGRATIONS.glob("[0-9]*_*.py"))
    head = migrations[-1]

    first = run_sigap(tmp_path, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    said = f"Basis data dimutakhirkan dari revisi (kosong) ke {head} ({len(migrations)} langkah)"
    assert first.stdout.startswith(said), first.stdout

    again = run_sigap(tmp_path, "db", "upgrade")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(f"Basis data sudah mutakhir (revisi {head})"), again.stdout


@pytest.mark.parametrize(
    "command",
    [
        ("activity", "list", "--year", "2025"),
        ("iku", "--year", "2025", "--json"),
        ("report", "iku", "--year", "2025"),
        ("digest", "send-now"),
        ("skm", "export"),
        ("staff", "invite", "--role", "pmks"),
    ],
    ids=" ".join,
)
def test_a_never_migrated_database_gets_one_line_naming_db_upgrade(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    (tmp_path / "sigap.db").touch()  # an empty SQLite file: no tables at all
    result = run_sigap(tmp_path, *command)
    assert result.returncode != 0
    assert result.stdout == ""  # not even a CSV header before the refusal
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Basis data belum disiapkan" in lines[0] and "sigap db upgrade" in lines[0]
    assert "Traceback" not in result.stderr


def test_activity_add_prints_its_number_and_the_list_prints_no_none(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no developer .env leaks in
    runner = CliRunner()

    def sigap(*args: str) -> str:
        result = runner.invoke(app, list(args), env={"DATABASE_URL": database_url})
        assert result.exit_code == 0, result.output
        return result.output

    planned = sigap(
        "activity", "add", "Pelatihan UMKM", "--kind", "pelatihan", "--planned", "2025-03-04",
        "--desa", "Lampeji",
    )  # fmt: skip
    held = sigap(
        "activity", "add", "Posyandu dadakan", "--kind", "posyandu", "--held", "2025-05-03",
        "--status", "terlaksana",
    )  # fmt: skip
    assert planned.startswith("Kegiatan #1 dicatat (direncanakan)"), planned
    assert held.startswith("Kegiatan #2 dicatat (terlaksana)"), held

    listed = sigap("activity", "list", "--year", "2025").splitlines()
    assert "None" not in "\n".join(listed)
    assert [line.split("\t") for line in listed] == [
        ["#1", "rencana 2025-03-04", "pelaksanaan -", "direncanakan", "pelatihan", "Lampeji",
         "Pelatihan UMKM"],
        ["#2", "rencana -", "pelaksanaan 2025-05-03", "terlaksana", "posyandu", "-",
         "Posyandu dadakan"],
    ]  # fmt: skip
