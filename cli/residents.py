"""Resident commands: erasing a reporter's identity when they ask at the counter or by
letter (the chat's /hapus_data does the same for a resident who asks there)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import lazy, settings, unit_of_work

if TYPE_CHECKING:
    from core.services.operations import erasure
else:
    erasure = lazy("core.services.operations.erasure")

resident_app = typer.Typer(help="Warga / Residents.", no_args_is_help=True)

CLI_ACTOR = "cli"


@resident_app.command("erase")
def resident_erase(
    complaint: Annotated[
        str, typer.Option("--complaint", help="Kode pengaduan warga itu / One of their complaints")
    ],
    yes: Annotated[bool, typer.Option("--yes", help="Tanpa konfirmasi / Do not ask")] = False,
) -> None:
    """Hapus nama dan nomor pelapor; pengaduannya tetap tersimpan tanpa identitas /
    Erase a reporter's name and number; their complaints stay, anonymous."""
    if not yes:
        typer.confirm(
            "Hapus identitas pelapor pengaduan ini dan semua pengaduannya? Tidak bisa "
            "dibatalkan / Erase this reporter's identity? This cannot be undone",
            abort=True,
        )
    with unit_of_work(settings()) as session:
        resident_id = erasure.reporter_of(session, complaint)
        result = erasure.erase_resident_identity(session, resident_id, CLI_ACTOR)
    codes = ", ".join(result.complaint_codes)
    typer.echo(
        f"Identitas pelapor dihapus / reporter's identity erased. Pengaduan tetap tersimpan "
        f"tanpa pelapor / complaints kept without a reporter: {codes}; "
        f"{result.ratings} jawaban SKM, {result.accounts} akun chat dihapus / chat accounts "
        "deleted."
    )
