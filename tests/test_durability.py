"""What the operator was told is stored survives a kill -9; a killed import leaves nothing
half done. Runs the real `sigap` executable in a child process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, func, select

from core.db import session_scope
from core.models import Complaint, ProcessedUpdate, ScheduledRun, SkmDailyTotal, SkmResponse
from core.services.complaints.lifecycle import get_complaint
from core.services.files.upsert import insert_if_absent

SIGAP = str(Path(sys.executable).with_name("sigap"))


def _env(database_url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url}


def _killed_env(database_url: str) -> dict[str, str]:
    """For a process the test kills: it could never save its coverage data, and a
    half-written data file only makes the combine step complain."""
    env = _env(database_url)
    env.pop("COVERAGE_PROCESS_START", None)
    return env


def _run(database_url: str, *args: str) -> None:
    subprocess.run([SIGAP, *args], env=_env(database_url), check=True, capture_output=True)


def test_complaint_reported_as_saved_survives_kill(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    _run(database_url, "staff", "add", "Budi", "--role", "trantib")
    child = subprocess.Popen(
        [
            SIGAP,
            "complaint",
            "add",
            "--staff",
            "1",
            "--channel",
            "surat",
            "--category",
            "judi",
            "--description",
            "Sabung ayam dengan taruhan di belakang balai desa",
        ],
        env=_killed_env(database_url),
        stdout=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert line.startswith("Pengaduan ") and "dicatat" in line
    with Session(engine) as session:
        assert get_complaint(session, line.split()[1]).category == "judi"


def test_import_killed_mid_write_leaves_nothing(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    _run(database_url, "service", "add", "ktp", "KTP-el")
    rows = 30_000  # six chunks of 5,000: killed after the first, long before the last
    big = tmp_path / "big.csv"
    with big.open("w") as handle:
        handle.write("tanggal,layanan,u1,u2,u3,u4,u5,u6,u7,u8,u9\n")
        for i in range(rows):
            handle.write(
                f"2025-{1 + i % 12:02d}-{1 + i % 28:02d},ktp,4,3,4,3,4,3,4,3,{1 + i % 4}\n"
            )
    child = subprocess.Popen(
        [SIGAP, "skm", "import", str(big)],
        env=_killed_env(database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    assert child.stderr is not None
    progress = child.stderr.readline()  # the first chunk is written, the rest is not
    child.send_signal(signal.SIGKILL)
    child.wait()
    written = int(progress.split()[1].replace(".", ""))
    assert 0 < written < rows, progress  # provably killed mid-write
    with Session(engine) as session:
        stored = session.exec(select(func.count()).select_from(SkmResponse)).one()
        counted = session.exec(select(func.coalesce(func.sum(SkmDailyTotal.respondents), 0))).one()
    assert stored == 0 and counted == 0  # nothing of a half-written import survives

    _run(database_url, "skm", "import", str(big))  # the guard did not keep the dead attempt
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(SkmResponse)).one() == rows


def test_complaint_table_untouched_by_failed_command(database_url: str, engine: Engine) -> None:
    result = subprocess.run(
        [
            SIGAP,
            "complaint",
            "add",
            "--staff",
            "99",
            "--channel",
            "surat",
            "--category",
            "pkl",
            "--description",
            "Petugas tidak ada",
        ],
        env=_env(database_url),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "tidak ditemukan" in result.stderr
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Complaint)).one() == 0


def test_a_key_is_new_only_the_first_time(engine: Engine) -> None:
    """What the update dedupe and the scheduled-run key rely on, on both backends."""
    for table, row in (
        (ProcessedUpdate.__table__, {"channel": "telegram", "update_key": "77"}),  # type: ignore[attr-defined]
        (ScheduledRun.__table__, {"key": "digest:2026-W47"}),  # type: ignore[attr-defined]
    ):
        outcomes = []
        for _ in range(2):
            with session_scope(engine) as session:
                outcomes.append(insert_if_absent(session, table, row))
        assert outcomes == [True, False], table.name
