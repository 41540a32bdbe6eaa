"""`sigap restore`: an archive put back whole into an empty database and folders, or
not at all.

Order: refuse a target holding anything (unless forced); read the archive once into a
staging area beside each target (a sibling, so the final moves are renames); check the
header first (kind of database, a revision this Sigap knows), every checksum and the
row counts against the manifest; migrate the database forward if the archive is older;
then put the database and the folders in place. Any refusal or failure on the way
removes the staging area and leaves the target untouched.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path, PurePosixPath
from typing import Any

from core.config import Settings
from core.services.operations import backup_db
from core.services.operations.backup import FORMAT
from core.services.operations.backup_archive import (
    CHUNK,
    DATABASE_MEMBERS,
    HEADER_MEMBER,
    MANIFEST_MEMBER,
    Member,
    Stored,
    TarReader,
    copy_hashing,
)
from core.services.operations.backup_crypto import (
    CORRUPT,
    BackupError,
    CorruptArchive,
    DecryptingReader,
    is_encrypted,
)
from core.services.operations.backup_target import refuse_non_empty, refuse_running

JSON_LIMIT = 256 * 1024 * 1024


@dataclass(frozen=True)
class RestoreResult:
    tables: dict[str, int]
    files: int
    revision: str  # the archive's
    migrated: bool  # brought forward to this Sigap's revision
    created_at: str
    sigap_version: str


@dataclass
class Unpacked:
    header: dict[str, Any] = field(default_factory=dict)
    manifest: dict[str, Any] | None = None
    database: Stored | None = None
    files: dict[str, Stored] = field(default_factory=dict)
    folders: set[str] = field(default_factory=set)


class Staging:
    """Where the archive is unpacked: beside each target, under a name of its own."""

    def __init__(self, settings: Settings) -> None:
        token = secrets.token_hex(6)
        url = settings.database_url
        if backup_db.kind_of(url) == "sqlite":
            target = backup_db.sqlite_file(url)
            self.database = target.with_name(f".{target.name}.restoring-{token}")
        else:
            self.database = settings.media_dir.parent / f".sigap-restore-{token}.pgdump"
        self.targets = {"media": settings.media_dir, "reports": settings.reports_dir}
        self.folders = {
            prefix: folder.parent / f".{folder.name}.restoring-{token}"
            for prefix, folder in self.targets.items()
        }
        self.replaced = [f.parent / f".{f.name}.replaced-{token}" for f in self.targets.values()]
        self.database.parent.mkdir(parents=True, exist_ok=True)
        for folder in self.folders.values():
            folder.mkdir(parents=True)

    def path_for(self, name: str) -> Path:
        prefix, _, rest = name.partition("/")
        return self.folders[prefix] / rest

    def commit_folders(self) -> None:
        """Each target folder replaced by its staged one (the old one, empty or forced
        away, is removed after)."""
        for (prefix, target), old in zip(self.targets.items(), self.replaced, strict=True):
            try:
                if target.exists():
                    os.replace(target, old)
                os.replace(self.folders[prefix], target)
            except OSError:  # a mount point, or a folder that must stay: moved inside
                _move_into(self.folders[prefix], target)
            backup_db.fsync_dir(target.parent)
            shutil.rmtree(old, ignore_errors=True)

    def clean(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.database}{suffix}").unlink(missing_ok=True)
        for folder in [*self.folders.values(), *self.replaced]:
            shutil.rmtree(folder, ignore_errors=True)


def _move_into(staged: Path, target: Path) -> None:
    """Empty ``target`` (it was empty, or --force said to replace it) and move the staged
    entries into it, one by one."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in target.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    for entry in staged.iterdir():
        shutil.move(entry, target / entry.name)


def restore_backup(settings: Settings, archive: Path, force: bool = False) -> RestoreResult:
    """Put ``archive`` back into the configured database and folders."""
    refuse_running(settings)
    refuse_non_empty(settings, force)
    staging = Staging(settings)
    try:
        with _open_archive(archive, _secret(settings)) as source:
            unpacked = _unpack(source, staging, settings)
        manifest = _verify(unpacked)
        migrated = _commit_database(settings, staging, manifest)
        staging.commit_folders()
    finally:
        staging.clean()
    return RestoreResult(
        manifest["tables"],
        len(manifest["files"]),
        manifest["database"]["revision"],
        migrated,
        str(manifest.get("created_at", "")),
        str(manifest.get("sigap_version", "")),
    )


def _secret(settings: Settings) -> str | None:
    secret = settings.backup_passphrase
    return secret.get_secret_value() if secret is not None else None


@contextlib.contextmanager
def _open_archive(path: Path, passphrase: str | None) -> Iterator[TarReader]:
    try:
        raw = open(path, "rb")  # noqa: SIM115
    except (FileNotFoundError, IsADirectoryError):
        raise BackupError(f"Arsip tidak ada / no archive at {path}") from None
    with raw:
        if not is_encrypted(raw.read(8)):
            yield TarReader(raw, raw.fileno())
            return
        if passphrase is None:
            raise BackupError(
                "Arsip terenkripsi / the archive is encrypted: set SIGAP_BACKUP_PASSPHRASE"
            )
        raw.seek(0)
        yield TarReader(DecryptingReader(raw, passphrase), None)


def verify_archive(settings: Settings, archive: Path) -> dict[str, Any]:
    """Read the whole archive and check it against its manifest, writing nothing (the
    drill an operator runs on the copy kept off site); the manifest."""
    with _open_archive(archive, _secret(settings)) as source:
        return _verify(_unpack(source, None, None))


def restore_problem(settings: Settings, manifest: dict[str, Any]) -> str | None:
    """Why this Sigap would refuse to restore an intact archive (None if it would not):
    the drill on an off-site copy says so before the day it is needed."""
    try:
        _check_header(manifest, settings)  # the manifest repeats the header's fields
    except BackupError as refused:
        return str(refused)
    return None


def _unpack(source: TarReader, staging: Staging | None, settings: Settings | None) -> Unpacked:
    """Every member read and checksummed; into ``staging`` unless only verifying."""
    found = Unpacked()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="restore-hash") as pool:
        for index, member in enumerate(source):
            if found.manifest is not None or (index == 0) != (member.name == HEADER_MEMBER):
                raise CorruptArchive(CORRUPT)
            if member.name == HEADER_MEMBER:
                found.header = _read_json(member)
                if settings is not None:
                    _check_header(found.header, settings)
            elif member.name == MANIFEST_MEMBER:
                found.manifest = _read_json(member)
            elif member.name in DATABASE_MEMBERS:
                if found.database is not None or member.name != _member_for(found.header):
                    raise CorruptArchive(CORRUPT)
                found.database = _extract(member, staging.database if staging else None, pool)
            elif _clashes(member.name, found):
                raise CorruptArchive(CORRUPT)
            else:
                target = staging.path_for(member.name) if staging else None
                found.files[member.name] = _extract(member, target, pool)
    return found


def _clashes(name: str, found: Unpacked) -> bool:
    """Twice the same file, or a file where a folder must be (``media/x`` and
    ``media/x/a.jpg``): no archive Sigap wrote holds either. Noted as it goes."""
    parents = [str(parent) for parent in PurePosixPath(name).parents]
    if name in found.files or name in found.folders or any(p in found.files for p in parents):
        return True
    found.folders.update(parents)
    return False


def _member_for(header: dict[str, Any]) -> str:
    kind = (header.get("database") or {}).get("kind")
    return DATABASE_MEMBERS[0] if kind == "sqlite" else DATABASE_MEMBERS[1]


def _read_json(member: Member) -> dict[str, Any]:
    if member.size > JSON_LIMIT:
        raise CorruptArchive(CORRUPT)
    try:
        data = json.loads(member.read().decode("utf-8"))
    except ValueError:  # not UTF-8, not JSON
        raise CorruptArchive(CORRUPT) from None
    if not isinstance(data, dict):
        raise CorruptArchive(CORRUPT)
    return data


def _extract(member: Member, path: Path | None, pool: ThreadPoolExecutor) -> Stored:
    """The member's bytes into ``path`` (on disk before anything is replaced), or only
    checksummed."""
    if path is None:
        return Stored(member.size, copy_hashing(member.readinto, len, member.size, pool))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb", buffering=0) as out:
        digest = member.copy_to(out.fileno(), pool) if member.size > CHUNK else None
        if digest is None:
            digest = copy_hashing(member.readinto, out.write, member.size, pool)
        os.fsync(out.fileno())
    return Stored(member.size, digest)


REVISION_LINE = re.compile(r'^(down_)?revision(?:: [^=]+)? = (?:"(\w+)"|None)', re.M)


def migrations() -> tuple[set[str], str]:
    """This Sigap's migration revisions and its head, read from the migration files'
    headers (alembic's own loader imports every one of them: a quarter second)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (files("core") / "migrations" / "versions").iterdir():
        if not path.name.endswith(".py"):
            continue
        for found in REVISION_LINE.finditer(path.read_text("utf-8")):
            if found.group(2):
                (parents if found.group(1) else revisions).add(found.group(2))
    heads = revisions - parents
    if len(heads) != 1:
        raise BackupError(f"Migrasi Sigap tidak utuh / migrations have {len(heads)} heads")
    return revisions, heads.pop()


def _check_header(header: dict[str, Any], settings: Settings) -> None:
    """Refused before the archive is read further: another format, another kind of
    database, or a revision this Sigap does not know (a newer Sigap made it)."""
    if header.get("format") != FORMAT:
        raise BackupError(
            f"Format arsip {header.get('format')} tidak dikenal / unknown archive format: "
            "pulihkan dengan Sigap yang lebih baru / restore with a newer Sigap"
        )
    database = header.get("database") or {}
    kind, target = database.get("kind"), backup_db.kind_of(settings.database_url)
    if kind != target:
        raise BackupError(
            f"Arsip berisi basis data {kind}, DATABASE_URL menunjuk {target} / the archive "
            f"holds a {kind} database: restore it into {kind}, then `sigap db copy`"
        )
    if str(database.get("revision")) not in migrations()[0]:
        raise BackupError(
            f"Arsip dibuat Sigap yang lebih baru (revisi {database.get('revision')}) / the "
            f"archive was made by a newer Sigap ({header.get('sigap_version')}): "
            "perbarui Sigap dahulu / upgrade Sigap first"
        )


def _verify(found: Unpacked) -> dict[str, Any]:
    """The manifest, once everything read matches it."""
    try:
        return _matching(found)
    except (KeyError, TypeError, ValueError, AttributeError):  # a manifest not of our making
        raise CorruptArchive(CORRUPT) from None


def _matching(found: Unpacked) -> dict[str, Any]:
    manifest = found.manifest
    if manifest is None or found.database is None:
        raise CorruptArchive(CORRUPT)
    database = manifest.get("database") or {}
    expected_db = Stored(int(database.get("size", -1)), str(database.get("sha256")))
    if expected_db != found.database or {**database, **found.header["database"]} != database:
        raise CorruptArchive(f"{CORRUPT} (basis data / database checksum)")
    listed = {
        name: Stored(int(entry["size"]), str(entry["sha256"]))
        for name, entry in (manifest.get("files") or {}).items()
    }
    differ = sorted(
        set(listed) ^ set(found.files) | {n for n in listed if listed[n] != found.files.get(n)}
    )
    if differ:
        raise CorruptArchive(f"{CORRUPT} (checksum: {differ[0]})")
    tables = manifest.get("tables")
    if not isinstance(tables, dict) or not all(isinstance(n, int) for n in tables.values()):
        raise CorruptArchive(CORRUPT)
    return manifest


def _commit_database(settings: Settings, staging: Staging, manifest: dict[str, Any]) -> bool:
    """Counts checked, migrated forward if needed, then in place; True if migrated."""
    database = manifest["database"]
    revision = str(database["revision"])
    migrate = revision != migrations()[1]
    url = settings.database_url
    if database["kind"] == "sqlite":
        backup_db.check_counts(backup_db.sqlite_counts(staging.database), manifest["tables"])
        if migrate:
            _upgrade(f"sqlite:///{staging.database}", settings, staging)
            with contextlib.closing(sqlite3.connect(staging.database)) as connection:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        backup_db.replace_sqlite(staging.database, backup_db.sqlite_file(url))
        return migrate
    schema = str(database["schema"])
    backup_db.restore_postgres(
        url, staging.database, schema, manifest["tables"], settings.pg_restore
    )
    if migrate:
        try:
            _upgrade(url, settings, staging)
        except BaseException:
            backup_db.drop_all_tables(url)
            raise
    return migrate


def _upgrade(database_url: str, settings: Settings, staging: Staging) -> None:
    """The archive's media folder is still staged: a migration that looks at the files
    (0017 records those already downloaded) looks there, by names relative to it."""
    from core.db import make_engine, upgrade

    engine = make_engine(database_url)
    try:
        upgrade(
            engine, settings=settings.model_copy(update={"media_dir": staging.folders["media"]})
        )
    finally:
        engine.dispose()
