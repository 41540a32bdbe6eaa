"""Which migration revision a database is at, against the revisions this code knows.

A database migrated by a newer Sigap (an upgrade rolled back, a backup restored onto an
older install) must not be written by older code: its tables hold columns and rules this
code has never heard of. Every command that opens the database asks here first and
refuses in one line; without this, `sigap run` would stop on Alembic's traceback, and a
command that does not migrate would go on writing.

The revision ids are read from the version files' ``revision: str = "..."`` lines (a
millisecond, paid by every CLI command); only an id found in none of them is confirmed
by Alembic itself (a tenth of a second, loading every version module) before refusing.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from core.errors import SigapError

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

VERSION_TABLE = "alembic_version"
# Rows a migration writes into a new database (office #1 from the settings, migration
# 0014): a migrated database holding only these is empty; a copy or a restore replaces them.
SEEDED_TABLES = ("officeiku", "officearea", "office")
_REVISION_LINE = re.compile(r"""^revision(?:\s*:\s*str)?\s*=\s*["']([^"']+)["']""", re.M)


class SchemaNewerThanCode(SigapError):
    """The database was migrated by a newer Sigap than this one."""


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(files("core") / "migrations"))


def code_head() -> str:
    """The newest revision this code migrates to."""
    head = script_directory().get_current_head()
    assert head is not None, "core/migrations has no revision"
    return head


@cache
def _revision_ids_in_files() -> frozenset[str]:
    found: set[str] = set()
    for entry in (files("core") / "migrations" / "versions").iterdir():
        if entry.name.endswith(".py"):
            found.update(_REVISION_LINE.findall(entry.read_text(encoding="utf-8")))
    return frozenset(found)


def known_revision(revision: str) -> bool:
    """Whether this code has the migration ``revision`` (so it can read and migrate it)."""
    if revision in _revision_ids_in_files():
        return True
    from alembic.util import CommandError

    try:
        return script_directory().get_revision(revision) is not None
    except CommandError:
        return False


def database_revision(engine: Engine) -> str | None:
    """The revision the database is at; None when it was never migrated."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def newer_schema_message(revision: str) -> str:
    return (
        f"Basis data dari Sigap yang lebih baru (revisi {revision}, Sigap ini sampai "
        f"{code_head()}) / the database is newer than this Sigap: pasang versi Sigap yang "
        "sesuai, atau pulihkan cadangan dari versi ini / install the matching Sigap, or "
        "restore a backup made by this version."
    )


def refuse_newer_schema(engine: Engine) -> None:
    """Raise SchemaNewerThanCode when the database is at a revision this code lacks."""
    revision = database_revision(engine)
    if revision is not None and not known_revision(revision):
        raise SchemaNewerThanCode(newer_schema_message(revision))


class SchemaNotMigrated(SigapError):
    """The database was never migrated: it has none of Sigap's tables yet."""


def refuse_unmigrated_schema(engine: Engine) -> str:
    """The database's revision; SchemaNotMigrated when it was never migrated (an empty
    SQLite file, a new PostgreSQL database), SchemaNewerThanCode when a newer Sigap
    migrated it. One look at the version table, as refuse_newer_schema."""
    revision = database_revision(engine)
    if revision is None:
        raise SchemaNotMigrated(
            "Basis data belum disiapkan / the database was never migrated: "
            "jalankan / run `sigap db upgrade`."
        )
    if not known_revision(revision):
        raise SchemaNewerThanCode(newer_schema_message(revision))
    return revision


def steps_between(lower: str | None, upper: str) -> int:
    """How many migrations lead from ``lower`` (None: a never-migrated database) to
    ``upper``."""
    return sum(1 for _ in script_directory().iterate_revisions(upper, lower or "base"))
