"""The database half of a backup: a consistent snapshot taken while Sigap keeps writing,
its row counts and migration revision, and putting it back into an empty database.

- SQLite: the online backup API copies every page inside one read transaction; under
  WAL the bot and the web go on committing meanwhile, and the copy is the database as
  it was when the copy began. Counts are taken on the copy.
- PostgreSQL: a REPEATABLE READ transaction exports its snapshot, counts the rows in
  it, and ``pg_dump --snapshot`` dumps exactly that state (custom format, one schema:
  the one the URL's search_path names, ``public`` by default). It is restored with
  ``pg_restore`` in a single transaction: a restore that fails leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy.engine import URL, make_url

from core.services.operations.backup_crypto import BackupError

if TYPE_CHECKING:
    import psycopg

Kind = Literal["sqlite", "postgresql"]
VERSION_TABLE = "alembic_version"
NOT_MIGRATED = (
    "Basis data belum disiapkan, tidak ada yang dicadangkan / the database has no tables: "
    "nothing to back up"
)


@dataclass(frozen=True)
class Snapshot:
    kind: Kind
    path: Path  # the SQLite copy or the pg_dump file, removed when the snapshot ends
    tables: dict[str, int]
    revision: str
    schema: str | None


def kind_of(database_url: str) -> Kind:
    return "sqlite" if make_url(database_url).get_backend_name() == "sqlite" else "postgresql"


def sqlite_file(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("DATABASE_URL: sebuah berkas SQLite / an SQLite file is needed")
    return Path(database)


def remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _sqlite_counts(connection: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {
        name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names
    }


def _revision(execute: Any) -> str:
    rows = execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchall()
    if len(rows) != 1:
        raise BackupError(NOT_MIGRATED)
    return str(rows[0][0])


def snapshot(database_url: str, path: Path, pg_dump: str | None) -> Snapshot:
    """The database as of one instant, written into ``path`` (made by the caller, with
    the permissions it wants; removed by the caller, with ``remove``)."""
    if kind_of(database_url) == "sqlite":
        return _sqlite_snapshot(sqlite_file(database_url), path)
    return _postgres_snapshot(make_url(database_url), path, pg_dump)


def _sqlite_snapshot(source: Path, path: Path) -> Snapshot:
    if not source.is_file():
        raise BackupError(f"Basis data tidak ada / no database at {source}")
    src = sqlite3.connect(source)
    dst = sqlite3.connect(path)
    try:
        src.execute("PRAGMA busy_timeout = 15000")
        # a scratch copy: durability is the archive's business (fsynced once, whole)
        dst.execute("PRAGMA journal_mode = OFF")
        dst.execute("PRAGMA synchronous = OFF")
        src.backup(dst)  # all pages in one step: one read transaction, one instant
        tables = _sqlite_counts(dst)
        if VERSION_TABLE not in tables:
            raise BackupError(NOT_MIGRATED)
        revision = _revision(dst.execute)
    finally:
        dst.close()
        src.close()
    for suffix in ("-wal", "-shm", "-journal"):  # none is left with anything in it
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return Snapshot("sqlite", path, tables, revision, None)


def libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The URL as the PostgreSQL tools take it, and the password as their environment:
    never on a command line, where any local user could read it."""
    env = {"PGPASSWORD": url.password} if url.password else {}
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _connect(url: URL) -> psycopg.Connection[tuple[Any, ...]]:
    import psycopg

    conninfo, env = libpq(url)
    return psycopg.connect(
        conninfo,
        password=env.get("PGPASSWORD"),
        connect_timeout=15,
        application_name="sigap-backup",  # as pg_stat_activity shows it
    )


def _pg_tables(connection: psycopg.Connection[tuple[Any, ...]], schema: str) -> list[str]:
    rows = connection.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", (schema,)
    ).fetchall()
    return [str(row[0]) for row in rows]


def _pg_counts(
    connection: psycopg.Connection[tuple[Any, ...]], schema: str, tables: list[str]
) -> dict[str, int]:
    from psycopg import sql

    counts = {}
    for table in tables:
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(
            sql.Identifier(schema), sql.Identifier(table)
        )
        row = connection.execute(query).fetchone()
        counts[table] = int(row[0]) if row else 0
    return counts


def _current_schema(connection: psycopg.Connection[tuple[Any, ...]]) -> str:
    row = connection.execute("SELECT current_schema()").fetchone()
    if not row or row[0] is None:
        raise BackupError(
            "Skema search_path di DATABASE_URL tidak ada / the schema named by the "
            "URL's search_path does not exist"
        )
    return str(row[0])


def tool(configured: str | None, name: str, setting: str) -> str:
    """The PostgreSQL client tool to run, or one line saying how to get it."""
    found = shutil.which(configured or name)
    if found is None:
        raise BackupError(
            f"{name} tidak ditemukan / not found"
            f"{f' at {configured}' if configured else ' on the PATH'}: install "
            f"postgresql-client (the server's major version or newer) or set {setting}"
        )
    return found


def _run(command: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(
        command, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BackupError(f"{what} gagal / failed: {lines[-1] if lines else done.returncode}")
    return done.stdout


def _postgres_snapshot(url: URL, path: Path, pg_dump: str | None) -> Snapshot:
    program = tool(pg_dump, "pg_dump", "SIGAP_PG_DUMP")
    import psycopg

    with _connect(url) as connection:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        # the snapshot must outlive pg_dump's start: no server timeout may end it
        connection.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
        row = connection.execute("SELECT pg_export_snapshot()").fetchone()
        exported = str(row[0]) if row else ""
        schema = _current_schema(connection)
        tables = _pg_counts(connection, schema, _pg_tables(connection, schema))
        if VERSION_TABLE not in tables:
            raise BackupError(NOT_MIGRATED)
        revision = _revision(connection.execute)
        conninfo, env = libpq(url)
        # --no-sync: the archive it becomes part of is fsynced once, whole
        command = [program, "--format=custom", "--no-sync", f"--snapshot={exported}"]
        command += [f"--schema={_pattern(schema)}", f"--file={path}", f"--dbname={conninfo}"]
        _run(command, env, "pg_dump")
        connection.rollback()
    return Snapshot("postgresql", path, tables, revision, schema)


def _pattern(name: str) -> str:
    """A pg_dump pattern matching exactly ``name``."""
    return '"' + name.replace('"', '""') + '"'


# -- restore ----------------------------------------------------------------------------


def existing_rows(database_url: str) -> dict[str, int]:
    """Rows per table now in the restore target ({} for a database not yet made)."""
    if kind_of(database_url) == "sqlite":
        path = sqlite_file(database_url)
        if not path.exists():
            return {}
        with contextlib.closing(sqlite3.connect(path)) as connection:
            connection.execute("PRAGMA busy_timeout = 15000")
            return _sqlite_counts(connection)
    with _connect(make_url(database_url)) as connection:
        schema = _current_schema(connection)
        counts = _pg_counts(connection, schema, _pg_tables(connection, schema))
        connection.rollback()
        return counts


def live_processes(database_url: str, since: datetime) -> int:
    """How many Sigap processes renewed their outbox lease after ``since``: a running
    ``sigap run`` that a restore would pull its database from under (0 for a database
    without the table)."""
    query = "SELECT count(*) FROM senderlease WHERE renewed_at > "
    since = since.astimezone(UTC).replace(tzinfo=None)  # stored as naive UTC
    if kind_of(database_url) == "sqlite":
        path = sqlite_file(database_url)
        if not path.exists():
            return 0
        with contextlib.closing(sqlite3.connect(path)) as connection:
            connection.execute("PRAGMA busy_timeout = 15000")
            stamp = since.strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy writes it there
            try:
                row = connection.execute(query + "?", (stamp,)).fetchone()
            except sqlite3.OperationalError:  # no such table
                return 0
            return int(row[0])
    with _connect(make_url(database_url)) as connection:
        found = connection.execute("SELECT to_regclass('senderlease')").fetchone()
        if not found or found[0] is None:
            return 0
        row = connection.execute(query + "%s", (since,)).fetchone()
        connection.rollback()
        return int(row[0]) if row else 0


def check_counts(found: dict[str, int], expected: dict[str, int]) -> None:
    if found != expected:
        differ = sorted(
            set(found) ^ set(expected) | {t for t in found if found[t] != expected.get(t)}
        )
        raise BackupError(
            "Jumlah baris hasil pemulihan tidak sama dengan manifest / restored row counts "
            f"differ from the manifest: {', '.join(differ[:5])}"
        )


def sqlite_counts(path: Path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return _sqlite_counts(connection)


def replace_sqlite(staged: Path, target: Path) -> None:
    """Put the restored file in place: the old one's WAL must not outlive it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(staged, target)
    fsync_dir(target.parent)


def fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


TOC_SCHEMA = re.compile(r"^\d+; \d+ \d+ (SCHEMA|COMMENT) - (SCHEMA )?(?P<name>\S+) ")


def restore_postgres(
    database_url: str, dump: Path, schema: str, expected: dict[str, int], pg_restore: str | None
) -> None:
    """Into the target's schema, which must be the archive's; in one transaction."""
    program = tool(pg_restore, "pg_restore", "SIGAP_PG_RESTORE")
    url = make_url(database_url)
    conninfo, env = libpq(url)
    with _connect(url) as connection:
        target = _current_schema(connection)
        if target != schema:
            raise BackupError(
                f"Arsip berisi skema {schema}, tujuan memakai skema {target} / the archive "
                f"holds schema {schema}: restore into a database whose search_path names it"
            )
        _drop_tables(
            connection, schema, [t for t in _pg_tables(connection, schema) if t not in expected]
        )
        connection.commit()
    listing = dump.with_name(dump.name + ".list")
    toc = _run([program, "--list", str(dump)], env, "pg_restore --list")
    keep = [line for line in toc.splitlines() if not _schema_entry(line, schema)]
    listing.write_text("\n".join(keep) + "\n", encoding="utf-8")
    command = [program, "--single-transaction", "--exit-on-error", "--clean", "--if-exists"]
    command += ["--no-owner", "--no-privileges", f"--use-list={listing}"]
    try:
        _run([*command, f"--dbname={conninfo}", str(dump)], env, "pg_restore")
    finally:
        listing.unlink(missing_ok=True)
    with _connect(url) as connection:
        found = _pg_counts(connection, schema, _pg_tables(connection, schema))
        connection.rollback()
    try:
        check_counts(found, expected)
    except BackupError:
        drop_all_tables(database_url)
        raise


def _schema_entry(line: str, schema: str) -> bool:
    """The CREATE SCHEMA (and its comment) of a schema the target already has."""
    found = TOC_SCHEMA.match(line)
    return found is not None and found.group("name") == schema


def _drop_tables(
    connection: psycopg.Connection[tuple[Any, ...]], schema: str, tables: list[str]
) -> None:
    from psycopg import sql

    for table in tables:
        connection.execute(
            sql.SQL("DROP TABLE IF EXISTS {}.{} CASCADE").format(
                sql.Identifier(schema), sql.Identifier(table)
            )
        )


def drop_all_tables(database_url: str) -> None:
    """Undo a restore whose check failed after it was committed: back to empty."""
    with _connect(make_url(database_url)) as connection:
        schema = _current_schema(connection)
        _drop_tables(connection, schema, _pg_tables(connection, schema))
        connection.commit()
