"""Backups that restore, as an operator runs them: `sigap backup` while Sigap keeps
writing, `sigap restore` into a fresh database and folders, on SQLite and PostgreSQL,
encrypted and not; a damaged archive, a wrong passphrase and a target that holds data
are refused in one line, leaving nothing behind."""

from __future__ import annotations

import re
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from core.services.operations.backup_restore import verify_archive
from tests.backup_drill import (
    PASSPHRASE,
    Office,
    Writer,
    files_on_disk,
    fill_year,
    migrated,
    postgres_databases,
    sqlite_urls,
    table_counts,
    write_files,
)

WRITTEN = re.compile(r"backup written: (?P<path>\S+) ")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[str]]:
    """An office's database and an empty one on a new machine, of the same kind."""
    if request.param == "sqlite":
        yield sqlite_urls(tmp_path, 2)
        return
    with postgres_databases(2) as urls:
        yield urls


def offices(urls: list[str], tmp_path: Path, passphrase: str | None) -> tuple[Office, Office]:
    (tmp_path / "here").mkdir(exist_ok=True)
    (tmp_path / "there").mkdir(exist_ok=True)
    return Office(urls[0], tmp_path / "here", passphrase), Office(
        urls[1], tmp_path / "there", passphrase
    )


def backup(office: Office, *args: str) -> Path:
    done = office.sigap("backup", *args)
    assert done.returncode == 0, done.stderr
    found = WRITTEN.search(done.stdout)
    assert found, done.stdout
    return Path(found.group("path"))


def one_line_refusal(done: object) -> str:
    stderr = str(getattr(done, "stderr", ""))
    assert getattr(done, "returncode", 0) == 1, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Galat / Error: "), stderr
    return lines[0]


def nothing_left_behind(office: Office) -> None:
    """No database made, no folder, no staging area beside them."""
    assert sorted(p.name for p in office.root.iterdir()) == []


@pytest.mark.parametrize("passphrase", [None, PASSPHRASE], ids=["plain", "encrypted"])
def test_restore_drill(two_databases: list[str], tmp_path: Path, passphrase: str | None) -> None:
    here, there = offices(two_databases, tmp_path, passphrase)
    engine = migrated(here.url)
    fill_year(engine, here.settings)
    engine.dispose()
    files = write_files(here)

    writer = Writer(here.url, here.settings)
    writer.start()
    try:
        writer.wait_for(3)
        before = table_counts(here.url)["complaint"]
        archive = backup(here)
        writer.wait_for(writer.written + 1)  # and it went on writing after the backup
    finally:
        writer.finish()
    after = table_counts(here.url)["complaint"]

    assert archive.name.endswith(".tar.enc" if passphrase else ".tar")
    if passphrase is None:  # any tar reads it
        with tarfile.open(archive) as tar:
            names = tar.getnames()
        assert names[:2] == [
            "sigap-backup.json",
            "database." + ("sqlite3" if "sqlite" in here.url else "pgdump"),
        ]
        assert sorted(names[2:-1]) == sorted(files) and names[-1] == "manifest.json"
    assert (archive.stat().st_mode & 0o777) == 0o600
    manifest = verify_archive(there.settings, archive)
    assert before <= manifest["tables"]["complaint"] < after  # one instant, mid-writing

    done = there.sigap("restore", str(archive))
    assert done.returncode == 0, done.stderr
    assert "Dipulihkan / restored" in done.stdout
    assert table_counts(there.url) == manifest["tables"]
    assert {n: e["sha256"] for n, e in manifest["files"].items()} == files
    assert files_on_disk(there) == files
    year = ("iku", "--json", "--year", "2025")
    ours, theirs = here.sigap(*year), there.sigap(*year)
    assert ours.returncode == 0 and theirs.returncode == 0, ours.stderr + theirs.stderr
    assert theirs.stdout == ours.stdout and '"IKU4"' in ours.stdout


@pytest.mark.parametrize("passphrase", [None, PASSPHRASE], ids=["plain", "encrypted"])
@pytest.mark.parametrize("damage", ["flipped", "truncated"])
def test_a_damaged_archive_is_refused_in_one_line(
    tmp_path: Path, passphrase: str | None, damage: str
) -> None:
    here, there = offices(sqlite_urls(tmp_path, 2), tmp_path, passphrase)
    migrated(here.url).dispose()
    write_files(here, count=3)
    archive = backup(here)
    content = bytearray(archive.read_bytes())
    if damage == "flipped":  # one bit, inside the stored files
        content[len(content) // 2] ^= 0x01
    else:
        del content[len(content) * 2 // 3 :]
    broken = tmp_path / f"broken-{archive.name}"
    broken.write_bytes(bytes(content))

    line = one_line_refusal(there.sigap("restore", str(broken)))
    assert "rusak" in line and "damaged" in line
    nothing_left_behind(there)
    assert "rusak" in one_line_refusal(there.sigap("restore", "--check", str(broken)))


def test_a_wrong_passphrase_is_refused_in_one_line(tmp_path: Path) -> None:
    here, there = offices(sqlite_urls(tmp_path, 2), tmp_path, PASSPHRASE)
    migrated(here.url).dispose()
    archive = backup(here)
    stranger = Office(there.url, there.root, "kunci yang lain sama sekali")
    assert "Kata sandi cadangan salah" in one_line_refusal(stranger.sigap("restore", str(archive)))
    nothing_left_behind(there)
    unset = Office(there.url, there.root, None)
    assert "SIGAP_BACKUP_PASSPHRASE" in one_line_refusal(unset.sigap("restore", str(archive)))
    nothing_left_behind(there)


def test_a_target_that_holds_data_is_refused_unless_forced(
    database_url: str, tmp_path: Path
) -> None:
    office = Office(database_url, tmp_path)
    engine = migrated(database_url)
    fill_year(engine, office.settings, responses=200)
    engine.dispose()
    files = write_files(office, count=2)
    archive = backup(office)
    counts = table_counts(database_url)

    line = one_line_refusal(office.sigap("restore", str(archive)))
    assert "tidak kosong" in line and "--force" in line
    with migrated(database_url).begin() as connection:  # a day of work after the backup
        connection.execute(text("DELETE FROM skmresponse WHERE id % 2 = 0"))
    (office.root / "media" / "new-photo.jpg").write_bytes(b"after the backup")

    done = office.sigap("restore", "--force", str(archive))
    assert done.returncode == 0, done.stderr
    assert table_counts(database_url) == counts
    assert files_on_disk(office) == files
    assert not [p.name for p in office.root.iterdir() if p.name.startswith(".")]  # no staging


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_an_archive_from_an_older_sigap_is_migrated_forward(tmp_path: Path, kind: str) -> None:
    def drill(urls: list[str]) -> None:
        here, there = offices(urls, tmp_path, None)
        engine = migrated(here.url, "0006")
        with engine.begin() as connection:
            for day in range(1, 4):
                connection.execute(
                    text(
                        "INSERT INTO document (kind, title, doc_date, created_at) VALUES "
                        "('lakip', :title, :day, '2025-01-01 00:00:00')"
                    ),
                    {"title": f"LAKIP {day}", "day": f"2025-0{day}-15"},
                )
        engine.dispose()
        archive = backup(here)
        done = there.sigap("restore", str(archive))
        assert done.returncode == 0, done.stderr
        assert "revisi 0006" in done.stdout and "dimigrasikan" in done.stdout
        counts = table_counts(there.url)
        assert counts["document"] == 3 and "websession" in counts  # a table 0008 made
        iku = there.sigap("iku", "--json", "--year", "2025")
        assert '"numerator": 3' in iku.stdout, iku.stdout + iku.stderr

    if kind == "sqlite":
        drill(sqlite_urls(tmp_path, 2))
    else:
        with postgres_databases(2) as urls:
            drill(urls)


def test_an_archive_from_a_newer_sigap_is_refused(tmp_path: Path) -> None:
    here, there = offices(sqlite_urls(tmp_path, 2), tmp_path, None)
    with migrated(here.url).begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    archive = backup(here)
    assert "lebih baru" in one_line_refusal(there.sigap("restore", str(archive)))
    nothing_left_behind(there)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_missing_pg_dump_is_one_clear_line(database_url: str, tmp_path: Path) -> None:
    office = Office(database_url, tmp_path)
    done = office.sigap("backup", SIGAP_PG_DUMP="/nonexistent/pg_dump")
    line = one_line_refusal(done)
    assert "pg_dump" in line and "SIGAP_PG_DUMP" in line
    assert not list((tmp_path / "backups").glob("*"))


def test_where_the_file_system_cannot_insert_the_archive_is_streamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tmpfs, NFS, btrfs: no FALLOC_FL_INSERT_RANGE; the same archive by the other path."""
    from core.services.operations import backup as service
    from core.services.operations.backup_restore import restore_backup

    here, there = offices(sqlite_urls(tmp_path, 2), tmp_path, None)
    engine = migrated(here.url)
    fill_year(engine, here.settings, responses=300)
    engine.dispose()
    files = write_files(here, count=2)
    monkeypatch.setattr(service, "insert_at_start", lambda fd, head: False)

    result = service.create_backup(here.settings)
    assert [p.name for p in result.path.parent.iterdir()] == [result.path.name]  # no scratch
    restore_backup(there.settings, result.path)
    assert table_counts(there.url) == result.tables == table_counts(here.url)
    assert files_on_disk(there) == files


def test_the_revisions_restore_knows_are_alembics() -> None:
    """Restore reads the migration files' headers instead of importing them all."""
    from importlib.resources import files

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from core.services.operations.backup_restore import migrations

    config = Config()
    config.set_main_option("script_location", str(files("core") / "migrations"))
    script = ScriptDirectory.from_config(config)
    revisions, head = migrations()
    assert revisions == {r.revision for r in script.walk_revisions()}
    assert head == script.get_current_head()


def test_a_database_that_was_only_migrated_takes_a_restore(
    two_databases: list[str], tmp_path: Path
) -> None:
    """The README's drill: a fresh database, `sigap db upgrade`, then restore. The office
    row and desa the migration wrote from the settings are not the office's data."""
    here, there = offices(two_databases, tmp_path, None)
    engine = migrated(here.url)
    fill_year(engine, here.settings, responses=50)
    engine.dispose()
    archive = backup(here)
    migrated(there.url).dispose()
    assert table_counts(there.url)["office"] == 1

    done = there.sigap("restore", str(archive))
    assert done.returncode == 0, done.stderr
    assert table_counts(there.url) == table_counts(here.url)


# "running": renewed as late as the restore could look, however slow the machine is
@pytest.mark.parametrize("seconds_ago", [-600, 60], ids=["running", "stopped a minute ago"])
def test_no_restore_under_a_running_sigap(
    two_databases: list[str], tmp_path: Path, seconds_ago: int
) -> None:
    """`sigap run` renews its outbox lease every few seconds: while it does, a restore is
    refused, --force or not, and the database keeps every row; once the lease has
    lapsed, the restore goes ahead."""
    here, there = offices(two_databases, tmp_path, None)
    migrated(here.url).dispose()
    archive = backup(here)
    engine = migrated(there.url)
    fill_year(engine, there.settings, responses=20)
    renewed = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=seconds_ago)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO senderlease (id, host, pid, started_at, renewed_at) "
                "VALUES ('lease-1', 'server', 4242, :at, :at)"
            ),
            {"at": renewed},
        )
    engine.dispose()
    counts = table_counts(there.url)

    done = there.sigap("restore", "--force", str(archive))
    if seconds_ago < 0:
        line = one_line_refusal(done)
        assert "Sigap masih berjalan" in line and "systemctl stop sigap" in line
        assert table_counts(there.url) == counts
    else:
        assert done.returncode == 0, done.stderr
        assert table_counts(there.url) == table_counts(here.url)


def test_missing_folder_and_an_archive_this_sigap_cannot_restore_are_named(
    tmp_path: Path,
) -> None:
    """`--to` an unmounted USB disk writes nothing on the system disk; `--check` of an
    archive made by a newer Sigap says intact, and that this Sigap would refuse it."""
    here, there = offices(sqlite_urls(tmp_path, 2), tmp_path, None)
    engine = migrated(here.url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    usb = tmp_path / "media-usb" / "sigap"
    line = one_line_refusal(here.sigap("backup", "--to", str(usb)))
    assert "Folder tujuan tidak ada" in line and str(usb) in line
    assert not usb.exists()

    archive = backup(here)
    checked = there.sigap("restore", "--check", str(archive))
    assert checked.returncode == 0 and "Arsip utuh" in checked.stdout
    assert "Namun / but: Arsip dibuat Sigap yang lebih baru (revisi 0099)" in checked.stderr
