"""Office commands: the kantor kecamatan a deployment serves, their ticket prefixes,
letterheads, Camat and desa; a kabupaten's kecamatan and desa seeded from Kemendagri's
codes (the idn-area-data package that `make area-data` installs; see wilayah/README.md)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli import common
from cli.common import fail, lazy, settings, unit_of_work

if TYPE_CHECKING:
    from sqlmodel import Session

    from core import scope
    from core.services.access import authz, office_edit, office_import, offices
    from core.services.complaints import categories
else:
    scope = lazy("core.scope")
    authz = lazy("core.services.access.authz")
    office_edit = lazy("core.services.access.office_edit")
    office_import = lazy("core.services.access.office_import")
    offices = lazy("core.services.access.offices")
    categories = lazy("core.services.complaints.categories")

office_app = typer.Typer(help="Kantor kecamatan / Offices.", no_args_is_help=True)


@office_app.command("import")
def office_import_command(
    kabupaten: Annotated[str, typer.Option(help="Kode kabupaten, mis. 35.09 (Jember)")],
    data: Annotated[
        Path | None,
        typer.Option(help="Folder data wilayah (districts.csv, villages.csv) / area data"),
    ] = None,
) -> None:
    """Kecamatan dan desa satu kabupaten dari kode Kemendagri / Seed a kabupaten."""
    config = settings()
    with unit_of_work(config) as session:
        done = office_import.import_kabupaten(session, data or config.area_data_dir, kabupaten)
    typer.echo(
        f"Kantor kecamatan: {done.offices_created} dibuat, {done.offices_updated} diperbarui; "
        f"desa/kelurahan: {done.areas_created} dibuat, {done.areas_updated} diperbarui / "
        f"offices: {done.offices_created} created, {done.offices_updated} updated; "
        f"areas: {done.areas_created} created, {done.areas_updated} updated."
    )


@office_app.command("list")
def office_list() -> None:
    """Daftar kantor: kode, awalan tiket, nama, jumlah desa/kelurahan, pengaturan sendiri
    / List offices."""
    with unit_of_work(settings()) as session:
        counts = offices.area_counts(session)
        for o in offices.list_offices(session):
            desa, kelurahan = (
                counts.get((o.id or 0, "desa"), 0),
                counts.get((o.id or 0, "kelurahan"), 0),
            )
            state = "" if o.active else " [nonaktif]"
            own = "".join(
                f"; {label}: {value}"
                for label, value in (("layanan", o.service_levels), ("grup", o.staff_chats))
                if value
            )
            typer.echo(
                f"{o.code}\t{o.ticket_prefix}\t{o.name}\t{desa} desa, {kelurahan} kelurahan"
                f"{own}{state}"
            )


@office_app.command("add")
def office_add(
    code: Annotated[str, typer.Argument(help="Kode kecamatan, mis. 35.09.01")],
    name: Annotated[str, typer.Argument(help="Nama kantor, mis. 'Kecamatan Jombang'")],
    prefix: Annotated[str, typer.Option(help="Awalan tiket 2–5 huruf besar / ticket prefix")],
    desa: Annotated[
        str, typer.Option(help="Desa/kelurahan dipisah koma / comma-separated desa")
    ] = "",
) -> None:
    """Tambah kantor kecamatan / Add an office (desa by name; codes come by import)."""
    with unit_of_work(settings()) as session:
        office = offices.add_office(session, code, name, prefix, offices.desa_names(desa))
        areas = len(offices.profile_of(session, office.id or 0).desa)
    typer.echo(
        f"Kantor {office.code} {office.name} ({office.ticket_prefix}) ditambahkan dengan "
        f"{areas} desa/kelurahan / office added with {areas} desa."
    )


NameOpt = Annotated[str | None, typer.Option("--name", help="Nama kantor / Office name")]
PrefixOpt = Annotated[str | None, typer.Option("--prefix", help="Awalan tiket / Ticket prefix")]
AddressOpt = Annotated[str | None, typer.Option("--address", help="Alamat kantor / Address")]
CamatOpt = Annotated[str | None, typer.Option("--camat-name", help="Nama Camat")]
NipOpt = Annotated[str | None, typer.Option("--camat-nip", help="NIP Camat (angka)")]
PangkatOpt = Annotated[
    str | None, typer.Option("--camat-pangkat", help="Pangkat/golongan, mis. Pembina (IV/a)")
]
LogoOpt = Annotated[Path | None, typer.Option("--logo", help="Logo PNG/JPEG, paling besar 2 MB")]
LevelsOpt = Annotated[
    str | None,
    typer.Option(
        "--service-levels",
        help="Tingkat layanan kantor ini, hari kerja: 'pkl=3;miras=2' ('' = kembali ke "
        "daftar kategori) / this office's service levels ('' = the category list's)",
    ),
]
ChatsOpt = Annotated[
    str | None,
    typer.Option(
        "--staff-chats",
        help="Grup Telegram seksi: 'trantib=-1001,-1002' ('' = kembali ke bawaan: "
        "TELEGRAM_STAFF_CHATS untuk kantor pertama, selain itu akun chat tiap petugas) / "
        "section group chats ('' = the default)",
    ),
]


@office_app.command("set")
def office_set(
    code: Annotated[str, typer.Argument(help="Kode kantor, mis. 35.09.23")],
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    address: AddressOpt = None,
    camat_name: CamatOpt = None,
    camat_nip: NipOpt = None,
    camat_pangkat: PangkatOpt = None,
    logo: LogoOpt = None,
    service_levels: LevelsOpt = None,
    staff_chats: ChatsOpt = None,
) -> None:
    """Ubah profil kantor (dicatat di jejak perubahan) / Change an office's profile."""
    given = {
        "name": name,
        "address": address,
        "camat_name": camat_name,
        "camat_nip": camat_nip,
        "camat_pangkat": camat_pangkat,
    }
    if all(v is None for v in (*given.values(), prefix, logo, service_levels, staff_chats)):
        fail("Sebutkan yang diubah, mis. --name / say what to change, e.g. --name")
    if common.chosen_office is not None and common.chosen_office.strip() != code.strip():
        fail(f"--office {common.chosen_office} bukan {code} / --office names another office")
    with unit_of_work(settings()) as session:
        office = offices.office_by_code(session, code)
        scope.for_office(session, office.id or 0)
        form = office_edit.ProfileForm(
            **{k: getattr(office, k) if v is None else v for k, v in given.items()}
        )
        changed = list(office_edit.update_profile(session, authz.OPERATOR, form))
        if (
            prefix is not None
            and office_edit.set_ticket_prefix(session, authz.OPERATOR, prefix)
            != prefix.strip().upper()
        ):
            changed.append("awalan_tiket")
        if logo is not None:
            office_edit.set_logo(session, authz.OPERATOR, logo.expanduser().resolve())
            changed.append("logo")
        changed += _own_settings(session, service_levels, staff_chats)
    shown = ", ".join(changed) or "tidak ada perubahan / nothing changed"
    typer.echo(f"Kantor {office.code} / office: {shown}")


def _own_settings(session: Session, levels: str | None, chats: str | None) -> list[str]:
    """Where this office differs from the defaults: its service levels, its group chats."""
    changed = []
    if levels is not None:
        known = [c.code for c in categories.load_categories(settings().categories_file)]
        office_edit.set_service_levels(session, authz.OPERATOR, levels, known)
        changed.append("tingkat_layanan")
    if chats is not None:
        office_edit.set_staff_chats(session, authz.OPERATOR, chats)
        changed.append("grup_staf")
    return changed
