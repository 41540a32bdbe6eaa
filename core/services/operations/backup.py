"""`sigap backup` and `sigap restore`: one archive holding the database, every stored
file and a manifest, written while Sigap keeps running, and put back only whole.

A backup is written as ``<name>.partial``, fsynced and renamed: a finished name is a
finished archive. A restore refuses a target that holds anything (unless forced),
reads the whole archive into a staging area beside the target, checks every checksum and
row count against the manifest, migrates the database forward when the archive is from
an older Sigap, and only then puts the database and the folders in place: a damaged
archive, a wrong passphrase or a failed check leaves the target as it was.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO

from core.config import Settings
from core.services.operations import backup_db
from core.services.operations.backup_archive import (
    DATABASE_MEMBERS,
    HEADER_MEMBER,
    MANIFEST_MEMBER,
    ArchiveFile,
    ArchiveWriter,
    Stored,
    hash_range,
    insert_at_start,
    lead_in,
    start_writeback,
)
from core.services.operations.backup_crypto import BackupError, EncryptingWriter
from core.services.operations.backup_retention import Archive, archive_name, archives, prune
from core.timeutil import utcnow

FORMAT = 1
SKIPPED_SUFFIXES = (".part", ".tmp", ".partial")  # files being written right now


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    tables: dict[str, int]
    files: int
    encrypted: bool
    pruned: list[Path]


def sigap_version() -> str:
    try:
        return metadata.version("sigap")
    except metadata.PackageNotFoundError:
        return "unknown"


def last_backup(settings: Settings) -> Archive | None:
    """The newest finished archive in SIGAP_BACKUP_DIR: when it was made (``at``, UTC)
    and where it is (``path``); None when there is none. For the health and system pages
    and the "backup missing" alert; archives written elsewhere with ``--to`` do not count."""
    found = archives(settings.backup_dir)
    return found[0] if found else None


def stored_files(settings: Settings) -> Iterator[tuple[str, Path]]:
    """Every file Sigap keeps, as (archive name, path): the media folder (chat photos and
    documents, web uploads) and the report files. Files being written are skipped; the
    backup folder and the database are never taken even when they sit inside."""
    skip = {settings.backup_dir.resolve()}
    database = _database_files(settings)
    roots = [("media", settings.media_dir), ("reports", settings.reports_dir)]
    for prefix, root in roots:
        if not root.is_dir():
            continue
        others = {r.resolve() for _, r in roots if r.resolve() != root.resolve()}
        for folder, subfolders, names in os.walk(root):
            here = Path(folder)
            subfolders[:] = sorted(
                d for d in subfolders if (here / d).resolve() not in skip | others
            )
            for name in sorted(names):
                path = here / name
                if name.endswith(SKIPPED_SUFFIXES) or path.is_symlink() or not path.is_file():
                    continue
                if name in database and path.resolve() in database.values():
                    continue
                yield f"{prefix}/{path.relative_to(root).as_posix()}", path


def _database_files(settings: Settings) -> dict[str, Path]:
    """The SQLite database's files by name (none for PostgreSQL)."""
    if backup_db.kind_of(settings.database_url) != "sqlite":
        return {}
    path = backup_db.sqlite_file(settings.database_url).resolve()
    return {f"{path.name}{s}": Path(f"{path}{s}") for s in ("", "-wal", "-shm", "-journal")}


def _passphrase(settings: Settings) -> str | None:
    secret = settings.backup_passphrase
    return secret.get_secret_value() if secret is not None else None


def _destination(folder: Path, at: datetime, encrypted: bool) -> Path:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for repeat in range(1000):
        path = folder / archive_name(at, encrypted, repeat)
        if not path.exists() and not path.with_name(path.name + ".partial").exists():
            return path
    raise BackupError(f"Terlalu banyak cadangan pada detik yang sama di {folder}")


def _private_file(path: Path) -> None:
    """Made empty and readable by Sigap's user only, before any data goes in."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def create_backup(
    settings: Settings, folder: Path | None = None, now: datetime | None = None
) -> BackupResult:
    """One archive in ``folder`` (default SIGAP_BACKUP_DIR, where the retention rule then
    runs); encrypted when SIGAP_BACKUP_PASSPHRASE is set."""
    if folder is not None and not folder.is_dir():  # an unmounted USB disk, a typo
        raise BackupError(
            f"Folder tujuan tidak ada / no such folder: {folder} (diska USB belum "
            "terpasang? / is the disk mounted?): buat atau pasang dulu / create or mount it"
        )
    at = now or utcnow()
    passphrase = _passphrase(settings)
    target = _destination(folder or settings.backup_dir, at, passphrase is not None)
    partial = target.with_name(target.name + ".partial")
    scratch = target.with_name(f".{target.name}.snapshot")
    url = settings.database_url
    try:
        _private_file(partial)
        if passphrase is None:  # the snapshot is taken where the archive will be
            snap = backup_db.snapshot(url, partial, settings.pg_dump)
            manifest = _in_place(settings, snap, partial, scratch, at)
        else:
            _private_file(scratch)
            snap = backup_db.snapshot(url, scratch, settings.pg_dump)
            manifest = _streamed(settings, snap, partial, scratch, at, passphrase)
        os.replace(partial, target)
        backup_db.fsync_dir(target.parent)
    finally:
        backup_db.remove(partial)
        backup_db.remove(scratch)
    pruned = []
    if folder is None:
        pruned = prune(
            settings.backup_dir,
            settings.tz,
            settings.backup_keep_daily,
            settings.backup_keep_weekly,
            settings.backup_keep_monthly,
        )
    return BackupResult(
        target,
        target.stat().st_size,
        manifest["tables"],
        len(manifest["files"]),
        passphrase is not None,
        pruned,
    )


def _header(snap: backup_db.Snapshot, at: datetime) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "sigap_version": sigap_version(),
        "created_at": at.isoformat(),
        "database": {"kind": snap.kind, "revision": snap.revision, "schema": snap.schema},
    }


def _member(snap: backup_db.Snapshot) -> str:
    return DATABASE_MEMBERS[0] if snap.kind == "sqlite" else DATABASE_MEMBERS[1]


def _in_place(
    settings: Settings, snap: backup_db.Snapshot, partial: Path, scratch: Path, at: datetime
) -> dict[str, Any]:
    """The snapshot already fills ``partial``: its checksum is taken from the page cache
    while the disk writes it out, then the tar's first blocks are put before it (no
    second copy of the database, the bulk of the archive) and the files appended. Where
    the file system cannot insert, the archive is written from the snapshot as when
    encrypting."""
    header = _header(snap, at)
    with open(partial, "r+b", buffering=0) as handle:
        fd = handle.fileno()
        size = os.fstat(fd).st_size
        with ThreadPoolExecutor(max_workers=1) as pool:  # hashed from the cache while
            digest = pool.submit(hash_range, fd, 0, size)  # the disk writes it out
            start_writeback(fd)
            database = Stored(size, digest.result())
        head = lead_in(_json(header), _member(snap), size, at.timestamp(), os.fstatvfs(fd).f_bsize)
        placed = insert_at_start(fd, head)
        if placed:
            os.lseek(fd, 0, os.SEEK_END)
            writer = ArchiveWriter(ArchiveFile(handle))
            writer.pad(size)
            manifest = _finish(settings, writer, header, snap, database)
            os.fsync(fd)
    if placed:
        return manifest
    os.replace(partial, scratch)
    _private_file(partial)
    return _streamed(settings, snap, partial, scratch, at, None)


def _streamed(
    settings: Settings,
    snap: backup_db.Snapshot,
    partial: Path,
    scratch: Path,
    at: datetime,
    passphrase: str | None,
) -> dict[str, Any]:
    """Every member streamed into ``partial``, sealed when there is a passphrase."""
    header = _header(snap, at)
    with open(partial, "wb", buffering=0) as handle:
        raw = ArchiveFile(handle)
        sealed = EncryptingWriter(raw, passphrase) if passphrase is not None else None
        writer = ArchiveWriter(sealed or raw)
        writer.add_bytes(HEADER_MEMBER, _json(header))
        with open(scratch, "rb", buffering=0) as dump:
            stat = os.fstat(dump.fileno())
            database = writer.add_file(
                _member(snap), dump, stat.st_size, stat.st_mtime, settled=True
            )
        backup_db.remove(scratch)  # its space back before the files are read
        manifest = _finish(settings, writer, header, snap, database)
        if sealed is not None:
            sealed.close()
        os.fsync(handle.fileno())
    return manifest


def _finish(
    settings: Settings,
    writer: ArchiveWriter,
    header: dict[str, Any],
    snap: backup_db.Snapshot,
    db: Stored,
) -> dict[str, Any]:
    """The stored files, then the manifest; the tar ended."""
    files = {}
    for name, path in stored_files(settings):
        stored = _add_file(writer, name, path)
        if stored is not None:
            files[name] = {"size": stored.size, "sha256": stored.sha256}
    manifest = {
        **header,
        "database": {
            **header["database"],
            "member": _member(snap),
            "size": db.size,
            "sha256": db.sha256,
        },
        "tables": snap.tables,
        "files": files,
    }
    writer.add_bytes(MANIFEST_MEMBER, _json(manifest))
    writer.close()
    return manifest


def _add_file(writer: ArchiveWriter, name: str, path: Path) -> Stored | None:
    try:
        handle: BinaryIO = open(path, "rb", buffering=0)  # noqa: SIM115
    except FileNotFoundError:  # deleted since the folder was listed (an erasure)
        return None
    with handle:
        stat = os.fstat(handle.fileno())
        return writer.add_file(name, handle, stat.st_size, stat.st_mtime)


def _json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
