"""Commands that keep the office's registers: staff, services, activities, documents,
SAKIP, program indicators, IKU targets and holidays."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli import common
from cli.common import (
    FromOpt,
    QuarterOpt,
    ToOpt,
    YearOpt,
    fail,
    lazy,
    parse_date,
    parse_decimal,
    resolve_period,
    settings,
    unit_of_work,
)
from core.domain.capaian import Direction
from core.domain.people import StaffRole
from core.domain.performance import ActivityStatus, DocumentKind
from core.domain.sakip import predikat_for_score
from core.errors import InvalidInput

if TYPE_CHECKING:
    from core import models, scope
    from core.services.access import accounts, authz, invites, offices, web_access
    from core.services.files import imports, tabular
    from core.services.performance import records, register_kinds, registers
    from core.services.survey import skm
    from core.services.survey import skm_csv as csv_io
else:
    models = lazy("core.models")
    scope = lazy("core.scope")
    accounts = lazy("core.services.access.accounts")
    authz = lazy("core.services.access.authz")
    offices = lazy("core.services.access.offices")
    csv_io = lazy("core.services.survey.skm_csv")
    imports = lazy("core.services.files.imports")
    invites = lazy("core.services.access.invites")
    records = lazy("core.services.performance.records")
    register_kinds = lazy("core.services.performance.register_kinds")
    registers = lazy("core.services.performance.registers")
    skm = lazy("core.services.survey.skm")
    tabular = lazy("core.services.files.tabular")
    web_access = lazy("core.services.access.web_access")

staff_app = typer.Typer(help="Petugas / Staff members.", no_args_is_help=True)
service_app = typer.Typer(help="Jenis layanan SKM / SKM service types.", no_args_is_help=True)
activity_app = typer.Typer(
    help="Kegiatan pemberdayaan (IKU3) / Empowerment activities.", no_args_is_help=True
)
document_app = typer.Typer(help="Dokumen tata laksana (IKU1) / Documents.", no_args_is_help=True)
sakip_app = typer.Typer(help="Nilai SAKIP (IKU5) / SAKIP score.", no_args_is_help=True)
indicator_app = typer.Typer(
    help="Indikator program (IKU6) / Program indicators.", no_args_is_help=True
)
target_app = typer.Typer(help="Target IKU / IKU targets.", no_args_is_help=True)
holiday_app = typer.Typer(help="Hari libur / Holidays.", no_args_is_help=True)

LowerOpt = Annotated[
    bool, typer.Option("--lower-is-better", help="Makin kecil makin baik / Lower is better")
]


def _direction(lower: bool) -> Direction:
    return Direction.LOWER_IS_BETTER if lower else Direction.HIGHER_IS_BETTER


def _chat_account(value: str) -> tuple[str, str]:
    """``telegram:123456`` checked against what an id looks like on that channel."""
    from app.channels import kind_named

    channel, _, external_id = value.partition(":")
    try:
        kind = kind_named(channel.strip().lower())
    except ValueError as exc:
        fail(str(exc))
    if not kind.is_address(external_id.strip()):
        fail(f"--chat {value}: {kind.describe_address}")
    return kind.name, external_id.strip()


@staff_app.command("add")
def staff_add(
    name: Annotated[str, typer.Argument(help="Nama / Name")],
    role: Annotated[StaffRole, typer.Option(help="Peran / Role")],
    chat: Annotated[
        list[str] | None,
        typer.Option(help="Akun chat KANAL:ID, mis. telegram:123456 / chat account, repeatable"),
    ] = None,
    telegram_id: Annotated[int | None, typer.Option(help="= --chat telegram:ID")] = None,
    whatsapp_id: Annotated[str | None, typer.Option(help="= --chat whatsapp:ID")] = None,
) -> None:
    """Tambah petugas / Add a staff member."""
    typed = list(chat or [])
    typed += [f"telegram:{telegram_id}"] if telegram_id is not None else []
    typed += [f"whatsapp:{whatsapp_id}"] if whatsapp_id else []
    accounts = [_chat_account(value) for value in typed]
    with unit_of_work(settings()) as session:
        staff = records.add_staff(session, name, role, accounts)
    typer.echo(f"Petugas #{staff.id} {staff.name} ({staff.role.value}) ditambahkan.")


@staff_app.command("invite")
def staff_invite(
    role: Annotated[StaffRole, typer.Option(help="Peran / Role")],
    name: Annotated[str | None, typer.Option(help="Nama / Name")] = None,
) -> None:
    """Buat undangan sekali pakai (7 hari) / Make a one-time staff invite (7 days)."""
    config = settings()
    with unit_of_work(config) as session:
        invite = invites.create_invite(session, role, name)
    payload = f"staff_{invite.code}"  # shown this once: only its hash is stored
    typer.echo(f"Undangan {role.value} dibuat / invite created. Kirim ke petugas / send:")
    if config.telegram_bot_username:
        typer.echo(f"  https://t.me/{config.telegram_bot_username}?start={payload}")
    typer.echo(f"  /start {payload}")


@staff_app.command("list")
def staff_list(
    all_: Annotated[
        bool, typer.Option("--all", help="Termasuk nonaktif / Include inactive")
    ] = False,
    kabupaten: Annotated[
        bool, typer.Option("--kabupaten", help="Akun kabupaten / The kabupaten's accounts")
    ] = False,
) -> None:
    """Daftar petugas / List staff members."""
    with unit_of_work(settings()) as session:
        listed = records.kabupaten_staff if kabupaten else records.list_staff
        for s in listed(session, include_inactive=all_):
            state = "" if s.active else " [nonaktif]"
            chats = " ".join(
                f"{a.channel}={a.external_id}"
                for a in accounts.addresses_of_staff(session, [s.id or 0])
            )
            typer.echo(f"#{s.id}\t{s.role.value}\t{s.name}\t{chats or '-'}{state}")


@staff_app.command("remove")
def staff_remove(staff_id: Annotated[int, typer.Argument(help="ID petugas")]) -> None:
    """Nonaktifkan petugas / Deactivate a staff member (history is kept)."""
    with unit_of_work(settings()) as session:
        staff = records.deactivate_staff(session, staff_id)
    typer.echo(f"Petugas #{staff.id} {staff.name} dinonaktifkan.")


@staff_app.command("invites")
def staff_invites() -> None:
    """Undangan yang masih berlaku / Pending invites (their codes are not kept)."""
    config = settings()
    with unit_of_work(config) as session:
        for i in invites.pending_invites(session):
            until = i.expires_at.astimezone(config.tz).strftime("%Y-%m-%d %H:%M")
            typer.echo(f"#{i.id}\t{i.role.value}\t{i.name or '-'}\tberlaku s.d. / until {until}")


@staff_app.command("revoke-invite")
def staff_revoke_invite(invite_id: Annotated[int, typer.Argument(help="Nomor undangan")]) -> None:
    """Cabut undangan / Revoke a pending invite."""
    with unit_of_work(settings()) as session:
        invites.revoke_invite(session, invite_id)
    typer.echo(f"Undangan #{invite_id} dicabut / revoked.")


@staff_app.command("role")
def staff_role(
    staff_id: Annotated[int, typer.Argument(help="Nomor petugas / staff id")],
    role: Annotated[StaffRole, typer.Argument(help="Peran baru / New role")],
) -> None:
    """Ubah peran petugas / Change a staff member's role (written to the audit trail)."""
    with unit_of_work(settings()) as session:
        staff = records.change_role(session, staff_id, role)
    typer.echo(f"Petugas #{staff.id} {staff.name}: {staff.role.value}.")


@service_app.command("add")
def service_add(
    code: Annotated[str, typer.Argument(help="Kode singkat / Short code, e.g. ktp")],
    name: Annotated[str, typer.Argument(help="Nama layanan / Service name")],
) -> None:
    """Tambah jenis layanan / Add a service type."""
    with unit_of_work(settings()) as session:
        service = skm.add_service(session, code, name)
    typer.echo(f"Layanan '{service.code}' ditambahkan: {service.name}")


@service_app.command("list")
def service_list() -> None:
    """Daftar jenis layanan / List service types."""
    with unit_of_work(settings()) as session:
        for service in skm.list_services(session):
            typer.echo(f"{service.code}\t{service.name}")


@activity_app.command("add")
def activity_add(
    name: Annotated[str, typer.Argument(help="Nama kegiatan / Activity name")],
    kind: Annotated[str, typer.Option(help="Jenis, mis. pelatihan / Kind")],
    planned: Annotated[str | None, typer.Option(help="Tanggal rencana YYYY-MM-DD")] = None,
    held: Annotated[str | None, typer.Option(help="Tanggal pelaksanaan YYYY-MM-DD")] = None,
    status: Annotated[ActivityStatus, typer.Option(help="Status")] = ActivityStatus.DIRENCANAKAN,
    desa: Annotated[str | None, typer.Option(help="Desa")] = None,
    male: Annotated[int | None, typer.Option(help="Peserta laki-laki")] = None,
    female: Annotated[int | None, typer.Option(help="Peserta perempuan")] = None,
) -> None:
    """Catat kegiatan pemberdayaan / Record an empowerment activity."""
    activity = models.Activity(
        name=name,
        kind=kind,
        desa=desa,
        status=status,
        planned_date=parse_date(planned, "--planned") if planned else None,
        held_date=parse_date(held, "--held") if held else None,
        participants_male=male,
        participants_female=female,
    )
    with unit_of_work(settings()) as session:
        row = records.add_activity(session, activity)  # a new row: `activity` stays unsaved
    typer.echo(f"Kegiatan #{row.id} dicatat ({row.status.value}).")


@activity_app.command("list")
def activity_list(
    year: YearOpt = None, quarter: QuarterOpt = None, start: FromOpt = None, end: ToOpt = None
) -> None:
    """Daftar kegiatan / List activities."""
    config = settings()
    period = resolve_period(config, year, quarter, start, end)
    with unit_of_work(config) as session:
        for a in records.list_activities(session, period.start, period.end):
            typer.echo(
                f"#{a.id}\trencana {a.planned_date or '-'}\tpelaksanaan {a.held_date or '-'}"
                f"\t{a.status.value}\t{a.kind}\t{a.desa or '-'}\t{a.name}"
            )


@activity_app.command("import")
def activity_import(
    file: Annotated[Path, typer.Argument(help="CSV", exists=True, dir_okay=False)],
) -> None:
    """Impor kegiatan dari CSV, semua atau tidak sama sekali / Import activities."""
    content = file.read_bytes()
    config = settings()
    with unit_of_work(config) as session:
        rows = tabular.read_rows(file.name, content)
        count = registers.import_records(
            session,
            register_kinds.ACTIVITIES,
            rows,
            authz.OPERATOR,
            list(offices.office_profile(session).desa),
        )
        imports.claim_import(session, "activity", file.name, content, count, config.tz)
    typer.echo(f"{count} kegiatan diimpor.")


@document_app.command("add")
def document_add(
    kind: Annotated[DocumentKind, typer.Option(help="Jenis dokumen / Document kind")],
    title: Annotated[str, typer.Option(help="Judul / Title")],
    date_: Annotated[str, typer.Option("--date", help="Tanggal dokumen YYYY-MM-DD")],
    file_ref: Annotated[str | None, typer.Option("--file", help="Lokasi berkas")] = None,
) -> None:
    """Catat dokumen (IKU1) / Record a document."""
    with unit_of_work(settings()) as session:
        doc = records.add_document(session, kind, title, parse_date(date_, "--date"), file_ref)
    typer.echo(f"Dokumen #{doc.id} dicatat: {doc.title}")


@document_app.command("list")
def document_list(
    year: YearOpt = None, quarter: QuarterOpt = None, start: FromOpt = None, end: ToOpt = None
) -> None:
    """Daftar dokumen / List documents."""
    config = settings()
    period = resolve_period(config, year, quarter, start, end)
    with unit_of_work(config) as session:
        for d in records.list_documents(session, period.start, period.end):
            typer.echo(f"#{d.id}\t{d.doc_date}\t{d.kind.value}\t{d.title}")


@sakip_app.command("set")
def sakip_set(
    year: Annotated[int, typer.Argument(help="Tahun / Year")],
    score: Annotated[str, typer.Argument(help="Nilai 0..100 / Score")],
    note: Annotated[str | None, typer.Option(help="Catatan / Note")] = None,
) -> None:
    """Simpan nilai SAKIP dari LHE AKIP / Store the year's SAKIP score."""
    value = parse_decimal(score, "nilai")
    with unit_of_work(settings()) as session:
        records.set_sakip(session, year, value, note)
        p = predikat_for_score(value)
    typer.echo(f"SAKIP {year}: {value} predikat {p.code} ({p.interpretation})")


@indicator_app.command("add")
def indicator_add(
    name: Annotated[str, typer.Argument(help="Nama indikator / Indicator name")],
    year: Annotated[int, typer.Option(help="Tahun / Year")],
    target: Annotated[str, typer.Option(help="Target")],
    unit: Annotated[str | None, typer.Option(help="Satuan / Unit")] = None,
    lower: LowerOpt = False,
) -> None:
    """Tambah indikator program / Add a program indicator."""
    value = parse_decimal(target, "target")
    with unit_of_work(settings()) as session:
        ind = records.add_indicator(session, year, name, value, unit, _direction(lower))
    typer.echo(f"Indikator #{ind.id} ditambahkan.")


@indicator_app.command("set")
def indicator_set(
    indicator_id: Annotated[int, typer.Argument(help="ID indikator")],
    realisation: Annotated[str, typer.Option(help="Realisasi / Realisation")],
) -> None:
    """Isi realisasi indikator / Record an indicator's realisation."""
    value = parse_decimal(realisation, "realisasi")
    with unit_of_work(settings()) as session:
        ind = records.set_indicator_realisation(session, indicator_id, value)
    typer.echo(f"Indikator #{ind.id}: realisasi {value} (target {ind.target}).")


@target_app.command("set")
def target_set(
    iku: Annotated[str, typer.Argument(help="Nomor IKU kantor, mis. IKU1 / the office's IKU")],
    value: Annotated[str, typer.Argument(help="Target")],
    year: Annotated[int, typer.Option(help="Tahun / Year")],
    lower: LowerOpt = False,
    quarter: Annotated[
        list[str] | None,
        typer.Option(
            "--tw",
            help="Target kumulatif s.d. triwulan, mis. --tw 2=2 / cumulative triwulan target",
        ),
    ] = None,
) -> None:
    """Tetapkan target IKU setahun / Set a year's IKU target."""
    target = parse_decimal(value, "target")
    quarters = {}
    for given in quarter or []:
        number, _, amount = given.partition("=")
        if number.strip() not in ("1", "2", "3", "4") or not amount:
            fail(f"--tw: TRIWULAN=TARGET, mis. 2=2 (bukan '{given}')")
        quarters[int(number)] = parse_decimal(amount, f"target triwulan {number.strip()}")
    with unit_of_work(settings()) as session:
        direction = Direction.LOWER_IS_BETTER if lower else None  # none: the indicator's
        records.set_target(session, year, iku, target, direction, quarters=quarters)
    shown = "".join(f", s.d. TW{q}: {v}" for q, v in sorted(quarters.items()))
    typer.echo(f"Target {iku} {year}: {target}{shown}")


@holiday_app.command("list")
def holiday_list(
    year: Annotated[int | None, typer.Option("--year", help="Tahun / Year")] = None,
) -> None:
    """Hari libur kantor ini: tanggal, nasional/kantor, keterangan / This office's holidays."""
    with unit_of_work(settings()) as session:
        rows = registers.list_records(session, register_kinds.HOLIDAYS, year)
        lines = [
            f"{row.day.isoformat()}\t{'nasional' if row.national else 'kantor'}\t{row.name}"
            for row in rows
        ]
    typer.echo("\n".join(lines) if lines else "Belum ada hari libur / no holidays yet.")


@holiday_app.command("import")
def holiday_import(
    file: Annotated[
        Path, typer.Argument(help="CSV: tanggal,keterangan", exists=True, dir_okay=False)
    ],
    all_offices: Annotated[
        bool,
        typer.Option(
            "--all-offices",
            help="Untuk setiap kantor (libur nasional, cuti bersama) / for every office",
        ),
    ] = False,
) -> None:
    """Impor hari libur nasional dan cuti bersama / Import holidays."""
    with file.open(encoding="utf-8-sig", newline="") as handle:
        try:
            days = csv_io.read_holidays_csv(handle)
        except InvalidInput as exc:  # a bad row: one line, nothing stored
            fail(str(exc))
    if all_offices and common.chosen_office is not None:
        fail("--all-offices atau --office, bukan keduanya / not both")
    if not all_offices:
        with unit_of_work(settings()) as s:
            new = records.upsert_holidays(s, days)
        typer.echo(_holidays_kept(new, len(days)))
        return
    with unit_of_work(settings()) as s:
        ids = offices.active_office_ids(s)
    new = 0
    for office_id in ids:  # each office in its own transaction: a rerun changes nothing
        with unit_of_work(settings()) as s:
            scope.for_office(s, office_id)
            new += records.upsert_holidays(s, days, national=True)
    typer.echo(f"{_holidays_kept(new, len(days) * len(ids))} ({len(ids)} kantor / offices)")


def _holidays_kept(new: int, given: int) -> str:
    return (
        f"{new} hari libur baru, {given - new} sudah tercatat / "
        f"{new} new holidays, {given - new} already kept"
    )


@staff_app.command("login-link")
def staff_login_link(
    staff_id: Annotated[int, typer.Argument(help="Nomor petugas / staff id")],
) -> None:
    """Tautan masuk web sekali pakai (10 menit) / One-time web login link (10 minutes)."""
    config = settings()
    with unit_of_work(config) as session:
        token = web_access.issue_login_link(session, records.staff_to_log_in(session, staff_id))
    typer.echo(web_access.login_url(config, token))
