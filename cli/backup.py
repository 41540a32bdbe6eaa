"""`sigap backup` and `sigap restore`: the operator's side of core/services/backup*.py.

Every refusal is one line on stderr and a non-zero exit; the core modules are imported
when the command runs (`sigap --help` stays instant)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from cli.common import fail, settings


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.1f} MB".replace(",", "_").replace(".", ",").replace("_", ".")


def _dots(number: int) -> str:
    return f"{number:,}".replace(",", ".")


@contextmanager
def _one_line() -> Iterator[None]:
    """A refusal, a missing disk or an unreachable server: one line, exit 1."""
    from core.services.operations.backup_crypto import BackupError

    try:
        yield
    except BackupError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
    except sqlite3.Error as exc:
        fail(f"SQLite: {exc}")
    except Exception as exc:
        if type(exc).__module__.startswith("psycopg"):
            fail(f"PostgreSQL: {str(exc).strip().splitlines()[0]}")
        raise


def backup(
    to: Annotated[
        Path | None,
        typer.Option(
            "--to",
            help="Folder tujuan (bawaan SIGAP_BACKUP_DIR, dengan aturan simpan) / "
            "destination folder (default SIGAP_BACKUP_DIR, with the retention rule)",
            file_okay=False,
        ),
    ] = None,
) -> None:
    """Cadangkan basis data dan berkas ke satu arsip / Back up database and files."""
    config = settings()
    from core.services.operations.backup import create_backup

    with _one_line():
        result = create_backup(config, to)
    rows = sum(result.tables.values())
    sealed = "terenkripsi / encrypted" if result.encrypted else "TIDAK terenkripsi / NOT encrypted"
    typer.echo(
        f"Cadangan tersimpan / backup written: {result.path} ({_megabytes(result.size)}; "
        f"{len(result.tables)} tabel, {_dots(rows)} baris; {_dots(result.files)} berkas; {sealed})"
    )
    if result.pruned:
        typer.echo(f"{len(result.pruned)} cadangan lama dihapus / old backups removed")
    if not result.encrypted:
        typer.echo(
            "Peringatan / warning: arsip berisi data pribadi; isi SIGAP_BACKUP_PASSPHRASE "
            "agar terenkripsi / it holds personal data: set SIGAP_BACKUP_PASSPHRASE",
            err=True,
        )


def restore(
    archive: Annotated[Path, typer.Argument(help="Arsip cadangan / Backup archive")],
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Ganti basis data dan folder yang sudah berisi / replace a target that "
            "is not empty",
        ),
    ] = False,
    check: Annotated[
        bool,
        typer.Option("--check", help="Periksa arsip saja / only verify the archive"),
    ] = False,
) -> None:
    """Pulihkan arsip ke basis data dan folder kosong / Restore into an empty target."""
    config = settings()
    from core.services.operations.backup_restore import (
        restore_backup,
        restore_problem,
        verify_archive,
    )

    with _one_line():
        if check:
            manifest = verify_archive(config, archive)
            rows = sum(manifest["tables"].values())
            typer.echo(
                f"Arsip utuh / archive intact: {manifest['created_at']}, Sigap "
                f"{manifest['sigap_version']}, {len(manifest['tables'])} tabel, "
                f"{_dots(rows)} baris, {_dots(len(manifest['files']))} berkas"
            )
            if (problem := restore_problem(config, manifest)) is not None:
                typer.echo(f"Namun / but: {problem}", err=True)
            return
        result = restore_backup(config, archive, force=force)
    rows = sum(result.tables.values())
    typer.echo(
        f"Dipulihkan / restored: {len(result.tables)} tabel, {_dots(rows)} baris, "
        f"{_dots(result.files)} berkas dari cadangan {result.created_at} "
        f"(Sigap {result.sigap_version}, revisi {result.revision})"
    )
    if result.migrated:
        typer.echo("Basis data dimigrasikan ke revisi terbaru / migrated to this version")
