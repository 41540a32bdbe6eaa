"""`sigap db copy`: move an office's database, SQLite to PostgreSQL and back.

One line per table as it is copied (on stderr, like an import's progress), then one
line that says what was copied and checked, or one line that says why nothing was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import fail, lazy, settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from core.services.operations import db_copy
else:
    db_copy = lazy("core.services.operations.db_copy")


def _dots(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _engine(url: str, option: str) -> Engine:
    from sqlalchemy.exc import ArgumentError

    from core.config import database_url_problem
    from core.db import make_engine

    if (problem := database_url_problem(_with_driver(url))) is not None:
        fail(f"{option}: {problem}")
    try:
        return make_engine(_with_driver(url))
    except (ArgumentError, ValueError) as exc:
        fail(f"{option}: alamat basis data tidak dikenal / not a database URL ({exc})")


def _with_driver(url: str) -> str:
    """`postgresql://` means psycopg 3 here (the only PostgreSQL driver Sigap installs)."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url.removeprefix(plain)
    return url


def _shown(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def db_copy_command(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="Basis data tujuan (kosong) / Target database URL (empty)",
            show_default=False,
        ),
    ],
    source: Annotated[
        str | None,
        typer.Option("--from", help="Basis data sumber / Source URL (default: DATABASE_URL)"),
    ] = None,
) -> None:
    """Salin seluruh basis data ke basis data kosong (SQLite <-> PostgreSQL) / Copy the
    whole database into an empty one.

    The target is migrated first, then every table is copied in one transaction and
    checked (counts, a sample of rows); on any failure nothing stays in the target."""
    from sqlalchemy.exc import DBAPIError

    from core.errors import SigapError

    origin = _engine(source or settings().database_url, "--from")
    target = _engine(to, "--to")
    if origin.url == target.url:
        fail("--to sama dengan sumber / is the source itself: pilih basis data lain.")
    try:
        copied = db_copy.copy_database(origin, target, progress=_progress)
    except SigapError as exc:
        fail(str(exc))
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        fail(f"basis data tidak dapat dipakai / database unusable: {reason}")
    finally:
        origin.dispose()
        target.dispose()
    rows = sum(t.rows for t in copied)
    sampled = sum(t.sampled for t in copied)
    typer.echo(
        f"Tersalin / copied: {len(copied)} tabel, {_dots(rows)} baris; diperiksa / checked: "
        f"jumlah per tabel dan {_dots(sampled)} baris contoh / counts and sample rows. "
        f"Ganti DATABASE_URL ke / switch DATABASE_URL to {_shown(target)}"
    )


def _progress(table: db_copy.CopiedTable) -> None:
    typer.echo(f"  {table.name}: {_dots(table.rows)} baris / rows", err=True)
