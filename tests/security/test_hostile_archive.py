"""An archive made by hand to hurt the restore: sizes it cannot hold, a PAX header
asking for gigabytes, a file where a folder must be. Each is refused as a damaged
archive, in one line, before any buffer of the declared size is allocated and before
anything is written."""

from __future__ import annotations

import json
import tarfile
import tracemalloc
from pathlib import Path

import pytest

from core.config import load_settings
from core.services.operations.backup import FORMAT
from core.services.operations.backup_archive import TarReader
from core.services.operations.backup_crypto import CorruptArchive
from core.services.operations.backup_restore import migrations, restore_backup, verify_archive


def _header() -> bytes:
    """What a backup of an empty SQLite Sigap of this version starts with, so that the
    restore goes past its first checks into the members."""
    database = {"kind": "sqlite", "revision": migrations()[1], "schema": None}
    return json.dumps({"format": FORMAT, "database": database}).encode()


def _member(name: str, data: bytes, size: int | None = None) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = len(data) if size is None else size
    block = info.tobuf(format=tarfile.GNU_FORMAT)
    return block + data + bytes(-len(data) % tarfile.BLOCKSIZE)


def _pax(records: dict[str, str], declared: int | None = None) -> bytes:
    body = b""
    for key, value in records.items():
        record = f" {key}={value}\n".encode()
        length = len(record) + len(str(len(record)))
        length += len(str(length)) - len(str(len(record)))
        body += str(length).encode() + record
    info = tarfile.TarInfo("././@PaxHeader")
    info.type = tarfile.XHDTYPE
    info.size = len(body) if declared is None else declared
    block = info.tobuf(format=tarfile.GNU_FORMAT)
    return block + body + bytes(-len(body) % tarfile.BLOCKSIZE)


def _archive(tmp_path: Path, *members: bytes) -> Path:
    path = tmp_path / "hostile.tar"
    path.write_bytes(
        _member("sigap-backup.json", _header()) + b"".join(members) + bytes(2 * tarfile.BLOCKSIZE)
    )
    return path


HOSTILE = {
    "pax header of 4 GiB": lambda: _pax({"path": "media/a.jpg"}, declared=4 << 30),
    "pax size not a number": lambda: _pax({"size": "-5"}) + _member("media/a.jpg", b"x"),
    "pax size beyond the archive": lambda: (
        _pax({"size": str(8 << 30)}) + _member("media/a.jpg", b"x")
    ),
    "negative size": lambda: _member("media/a.jpg", b"", size=-1024),
    "size beyond the archive": lambda: _member("media/a.jpg", b"x", size=6 << 30),
    "file where a folder must be": lambda: (
        _member("media/x", b"a") + _member("media/x/a.jpg", b"b")
    ),
    "folder where a file comes": lambda: _member("media/x/a.jpg", b"b") + _member("media/x", b"a"),
    "the same file twice": lambda: _member("media/a.jpg", b"a") + _member("media/a.jpg", b"b"),
}


@pytest.mark.parametrize("check_only", [False, True], ids=["restore", "check"])
@pytest.mark.parametrize("hostile", HOSTILE, ids=list(HOSTILE))
def test_a_hand_made_archive_is_refused_as_damaged(
    tmp_path: Path, hostile: str, check_only: bool
) -> None:
    archive = _archive(tmp_path, HOSTILE[hostile]())
    office = tmp_path / "office"
    settings = load_settings(
        _env_file=None,
        database_url=f"sqlite:///{office / 'sigap.db'}",
        media_dir=str(office / "media"),
        reports_dir=str(office / "reports"),
    )
    tracemalloc.start()
    try:
        with pytest.raises(CorruptArchive) as refused:
            (verify_archive if check_only else restore_backup)(settings, archive)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "rusak" in str(refused.value) and "damaged" in str(refused.value)
    assert peak < 32 << 20, f"{peak} bytes allocated for a {archive.stat().st_size}-byte archive"
    assert not office.exists() or not [p for p in office.rglob("*") if p.is_file()]


def test_the_hand_made_archive_reader_accepts_what_it_should(tmp_path: Path) -> None:
    """The builder above makes archives the reader takes, so the refusals are real."""
    long_name = "media/" + "n" * 200 + ".jpg"
    archive = _archive(tmp_path, _pax({"path": long_name, "size": "3"}) + _member("x", b"abc"))
    with open(archive, "rb") as raw:
        read = [(m.name, m.read()) for m in TarReader(raw, raw.fileno())]
    assert read == [("sigap-backup.json", _header()), (long_name, b"abc")]
