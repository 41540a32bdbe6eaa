"""The kabupaten's dictionary of indicators and each office's IKU set: which indicators
an office reports, under which numbers and words, and the triwulan values it enters for
the indicators Sigap does not compute."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import fail, lazy, parse_decimal, settings, unit_of_work

if TYPE_CHECKING:
    from core.services.access import authz
    from core.services.kabupaten import targets
    from core.services.performance import iku_set, records, register_kinds, registers
else:
    authz = lazy("core.services.access.authz")
    targets = lazy("core.services.kabupaten.targets")
    iku_set = lazy("core.services.performance.iku_set")
    records = lazy("core.services.performance.records")
    register_kinds = lazy("core.services.performance.register_kinds")
    registers = lazy("core.services.performance.registers")

dictionary_app = typer.Typer(
    help="Kamus indikator kabupaten / The kabupaten's indicator dictionary.",
    no_args_is_help=True,
)
iku_set_app = typer.Typer(
    help="Set IKU kantor: nomor, indikator, rumusan / The office's IKU set.",
    no_args_is_help=True,
)


@dictionary_app.command("list")
def dictionary_list() -> None:
    """Kode, cara hitung, satuan, arah, akumulasi, nama / Every indicator."""
    with unit_of_work(settings()) as session:
        for i in iku_set.dictionary(session):
            better = (
                "makin rendah makin baik"
                if i.direction.value == "lower"
                else "makin tinggi makin baik"
            )
            typer.echo(
                f"{i.code}\t{i.kind.value}\t{i.unit}\t{better}\t{i.accumulation.value}\t{i.name}"
            )


@dictionary_app.command("add")
def dictionary_add(
    code: Annotated[str, typer.Argument(help="Kode, mis. DESA-TERTIB")],
    name: Annotated[str, typer.Option("--name", help="Nama indikator")],
    unit: Annotated[str, typer.Option("--unit", help="Satuan, mis. % atau desa")],
    cumulative: Annotated[
        bool, typer.Option("--cumulative", help="Kumulatif: triwulan dijumlahkan")
    ] = False,
    lower: Annotated[
        bool, typer.Option("--lower-is-better", help="Makin rendah makin baik")
    ] = False,
) -> None:
    """Indikator isian baru (diisi per triwulan dengan bukti) / A new entered indicator."""
    with unit_of_work(settings()) as session:
        added = iku_set.add_dictionary_indicator(
            session,
            code,
            name,
            unit,
            direction="lower" if lower else "higher",
            accumulation="kumulatif" if cumulative else "sesaat",
        )
    typer.echo(f"Kamus: {added.code} {added.name} ({added.unit}) ditambahkan / added.")


@dictionary_app.command("target")
def dictionary_target(
    code: Annotated[str, typer.Argument(help="Kode indikator dari kamus")],
    year: Annotated[int, typer.Option("--year", help="Tahun target")],
    target: Annotated[str, typer.Option("--target", help="Target tahunan, mis. 80 atau 80,5")],
    tw: Annotated[
        list[str] | None, typer.Option("--tw", help="Target s.d. triwulan, mis. --tw 2=40")
    ] = None,
) -> None:
    """Target kabupaten: ke setiap kantor yang memakai indikator ini dan belum punya
    target tahun itu / Set the year's target in every office without one of its own."""
    quarters = {}
    for given in tw or []:
        number, _, value = given.partition("=")
        if number.strip() not in ("1", "2", "3", "4") or not value:
            fail(f"--tw {given}: tulis triwulan=nilai, mis. 2=40 / quarter=value")
        quarters[int(number)] = parse_decimal(value, f"TW {number.strip()}")
    with unit_of_work(settings()) as session:
        applied = targets.apply_target_template(
            session, authz.OPERATOR, code, year, parse_decimal(target, "Target"), quarters or None
        )
    typer.echo(f"Ditetapkan / set: {', '.join(applied.set_in) or '-'}")
    typer.echo(f"Sudah punya target sendiri / kept their own: {', '.join(applied.kept_own) or '-'}")
    typer.echo(f"Tidak memakai indikator / not using it: {', '.join(applied.without) or '-'}")


@iku_set_app.command("list")
def iku_set_list() -> None:
    """IKU kantor ini, berurutan / This office's IKU, in order."""
    with unit_of_work(settings()) as session:
        for chosen in iku_set.office_set(session):
            typer.echo(f"{chosen.label}\t{chosen.indicator.code}\t{chosen.name}")


@iku_set_app.command("choose")
def iku_set_choose(
    label: Annotated[str, typer.Argument(help="Nomor IKU kantor, mis. IKU7")],
    indicator: Annotated[str, typer.Argument(help="Kode indikator dari kamus")],
    name: Annotated[str | None, typer.Option("--name", help="Rumusan kantor")] = None,
    position: Annotated[
        int | None, typer.Option("--position", help="Urutan 1–99 (tanpa: terakhir)")
    ] = None,
) -> None:
    """Pilih (atau ubah) satu IKU kantor / Choose or change one of the office's IKU."""
    with unit_of_work(settings()) as session:
        row = records.choose_iku(session, label, indicator, name, position)
    typer.echo(f"{row.label}: {row.indicator_code} / chosen.")


@iku_set_app.command("drop")
def iku_set_drop(
    label: Annotated[str, typer.Argument(help="Nomor IKU kantor")],
    reason: Annotated[str, typer.Option("--reason", help="Alasan / reason")],
) -> None:
    """Keluarkan satu IKU dari set kantor (tercatat di jejak audit) / Drop one IKU."""
    with unit_of_work(settings()) as session:
        registers.delete_record(session, register_kinds.IKU_SET, label, authz.OPERATOR, reason)
    typer.echo(f"{label} dikeluarkan dari set IKU kantor / dropped.")


@iku_set_app.command("enter")
def iku_set_enter(
    label: Annotated[str, typer.Argument(help="Nomor IKU isian kantor")],
    value: Annotated[str, typer.Argument(help="Realisasi")],
    year: Annotated[int, typer.Option("--year", help="Tahun")],
    quarter: Annotated[int, typer.Option("--tw", help="Triwulan 1–4")],
    evidence: Annotated[str, typer.Option("--evidence", help="Bukti (uraian)")],
) -> None:
    """Isi realisasi satu triwulan dengan buktinya / Enter a triwulan's realisation."""
    if quarter not in (1, 2, 3, 4):
        fail("--tw: triwulan 1–4")
    amount = parse_decimal(value, "realisasi")
    with unit_of_work(settings()) as session:
        row = records.enter_iku_value(session, label, year, quarter, amount, evidence)
    typer.echo(f"{row.iku} TW {row.quarter} {row.year}: {row.value} / entered.")
