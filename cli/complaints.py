"""Complaint commands: register what came by walk-in, letter, SP4N-LAPOR! or social
media, list, show and move through the lifecycle. Reporter identity needs --staff."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import fail, lazy, parse_date, settings, unit_of_work
from core.domain.access import may_see_reporter
from core.domain.complaints import Channel, ComplaintState, Privacy
from core.timeutil import local_midnight

if TYPE_CHECKING:
    from sqlmodel import Session

    from core import models
    from core.config import Settings
    from core.models import Complaint, ComplaintEvent
    from core.services.access import accounts
    from core.services.complaints import channel_import, confidential, referrals, reporter_identity
    from core.services.complaints import lifecycle as svc
    from core.services.complaints import queue as complaint_queue
    from core.services.performance import records
else:
    models = lazy("core.models")
    svc = lazy("core.services.complaints.lifecycle")
    referrals = lazy("core.services.complaints.referrals")
    channel_import = lazy("core.services.complaints.channel_import")
    accounts = lazy("core.services.access.accounts")
    records = lazy("core.services.performance.records")
    reporter_identity = lazy("core.services.complaints.reporter_identity")
    complaint_queue = lazy("core.services.complaints.queue")
    confidential = lazy("core.services.complaints.confidential")

complaint_app = typer.Typer(help="Pengaduan trantib / Trantib complaints.", no_args_is_help=True)

StaffOpt = Annotated[
    int, typer.Option("--staff", help="ID petugas yang bertindak / Acting staff ID")
]


@complaint_app.command("add")
def complaint_add(
    staff_id: StaffOpt,
    channel: Annotated[Channel, typer.Option(help="Kanal masuk / Channel")],
    category: Annotated[str, typer.Option(help="Kode kategori / Category code")],
    description: Annotated[str, typer.Option(help="Uraian / Description")],
    desa: Annotated[str | None, typer.Option(help="Desa")] = None,
    privacy: Annotated[Privacy, typer.Option(help="Kerahasiaan / Privacy")] = Privacy.HIDDEN,
    external_ref: Annotated[str | None, typer.Option(help="No. SP4N-LAPOR! dll.")] = None,
    reporter_name: Annotated[str | None, typer.Option(help="Nama pelapor")] = None,
    reporter_phone: Annotated[str | None, typer.Option(help="Telepon pelapor")] = None,
    received: Annotated[str | None, typer.Option(help="Tanggal diterima YYYY-MM-DD")] = None,
) -> None:
    """Catat pengaduan dari luar chat / Register a complaint that came another way."""
    config = settings()
    with unit_of_work(config) as session:
        staff = records.get_active_staff(session, staff_id)
        reporter = accounts.walk_in_reporter(session, reporter_name, reporter_phone)
        data = svc.NewComplaint(
            channel=channel,
            category=category,
            description=description,
            desa=desa,
            privacy=privacy,
            external_ref=external_ref,
        )
        at = local_midnight(parse_date(received, "--received"), config.tz) if received else None
        complaint = svc.register_complaint(
            session, config, data, reporter=reporter, registered_by=staff, received_at=at
        )
    typer.echo(f"Pengaduan {complaint.code} dicatat, batas waktu {complaint.due_date}.")


@complaint_app.command("list")
def complaint_list(
    state: Annotated[ComplaintState | None, typer.Option(help="Status")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Antrian terbuka / Open queue")] = False,
    limit: Annotated[int, typer.Option(help="Jumlah / How many")] = 50,
    staff_id: Annotated[
        int | None,
        typer.Option(
            "--staff",
            help="ID petugas; pengaduan rahasia hanya untuk petugas penanganan pengaduan / "
            "rahasia complaints are listed to complaint handlers only",
        ),
    ] = None,
) -> None:
    """Daftar pengaduan / List complaints (no reporter identities; rahasia ones only
    counted unless --staff names a complaint handler)."""
    with unit_of_work(settings()) as session:
        staff = records.get_active_staff(session, staff_id) if staff_id is not None else None
        may_list = confidential.may_list_rahasia(staff)
        listing = (
            complaint_queue.open_complaints(session, may_list, limit)
            if open_only
            else complaint_queue.recent_complaints(session, may_list, state, limit)
        )
        for c in listing.shown:
            typer.echo(
                f"{c.code}\t{c.state.value}\t{c.category}\t{c.desa or '-'}\tbatas {c.due_date}"
            )
        if listing.withheld:
            typer.echo(
                f"{listing.withheld} pengaduan rahasia tidak ditampilkan (hanya untuk petugas "
                f"penanganan pengaduan: --staff ID) / {listing.withheld} rahasia complaints "
                "not shown (complaint handlers only)"
            )


def _reporter_line(
    session: Session, complaint: Complaint, staff_id: int | None, reveal: bool
) -> str:
    if complaint.reporter_id is None:
        return "Pelapor: (tanpa identitas)"
    staff = records.get_active_staff(session, staff_id) if staff_id is not None else None
    chose_open = complaint.privacy is Privacy.OPEN
    if staff is None or not may_see_reporter(staff.role, staff.active, chose_open):
        return "Pelapor: (dirahasiakan; gunakan --staff petugas berwenang)"
    if not chose_open and not reveal:
        return "Pelapor: (dirahasiakan; --show-identity membukanya, dicatat di riwayat)"
    reporter = reporter_identity.reveal_reporter(session, complaint, staff)
    assert reporter is not None
    channels = sorted(
        {a.channel for a in accounts.addresses_of_resident(session, reporter.id or 0)}
    )
    via = f" ({', '.join(channels)})" if channels else ""
    return f"Pelapor: {reporter.name or '-'} / {reporter.phone or '-'}{via}"


@complaint_app.command("show")
def complaint_show(
    code: Annotated[str, typer.Argument(help="Kode tiket / Ticket code")],
    staff_id: Annotated[int | None, typer.Option("--staff", help="ID petugas")] = None,
    reveal: Annotated[
        bool,
        typer.Option("--show-identity", help="Buka identitas pelapor (dicatat) / Reveal (audited)"),
    ] = False,
) -> None:
    """Rincian dan riwayat pengaduan / Complaint details and audit trail."""
    config: Settings = settings()
    with unit_of_work(config) as session:
        c = svc.get_complaint(session, code)
        typer.echo(f"{c.code} [{c.state.label}] {c.category} / {c.channel.value}")
        typer.echo(f"Desa: {c.desa or '-'}  Batas waktu: {c.due_date}  Privasi: {c.privacy.label}")
        typer.echo(f"Uraian: {c.description}")
        typer.echo(_reporter_line(session, c, staff_id, reveal))
        for e in svc.events_of(session, c):
            when = e.at.astimezone(config.tz).strftime("%Y-%m-%d %H:%M")
            typer.echo(f"  {when}  {e.action}  {_actor(session, e)}  {e.note or ''}".rstrip())


def _actor(session: Session, event: ComplaintEvent) -> str:
    """Who acted, as the office knows them: the officer's name, the reporter, or Sigap."""
    if event.actor_staff_id is not None:
        officer = session.get(models.Staff, event.actor_staff_id)
        return officer.name if officer is not None else f"petugas #{event.actor_staff_id}"
    return {"reporter": "pelapor", "system": "sistem"}.get(event.actor_kind, event.actor_kind)


@complaint_app.command("transition")
def complaint_transition(
    code: Annotated[str, typer.Argument(help="Kode tiket / Ticket code")],
    state: Annotated[ComplaintState, typer.Argument(help="Status tujuan / Target state")],
    staff_id: StaffOpt,
    note: Annotated[str | None, typer.Option(help="Catatan / Note")] = None,
    duplicate_of: Annotated[str | None, typer.Option(help="Kode laporan asli")] = None,
    to_opd: Annotated[
        str | None,
        typer.Option("--to-opd", help="bukan_wewenang: OPD tujuan / the competent agency"),
    ] = None,
    to_kabupaten: Annotated[
        bool,
        typer.Option("--to-kabupaten", help="bukan_wewenang: kembali ke kanal kabupaten"),
    ] = False,
) -> None:
    """Ubah status pengaduan / Move a complaint to another state (bukan_wewenang: with
    --to-opd NAMA or --to-kabupaten)."""
    config = settings()
    with unit_of_work(config) as session:
        staff = records.get_active_staff(session, staff_id)
        complaint = svc.get_complaint(session, code)
        original = svc.get_complaint(session, duplicate_of) if duplicate_of else None
        if state is ComplaintState.DUPLIKAT and original is None:
            fail("Sebutkan --duplicate-of KODE / give the original's code")
        destination = None
        if state is ComplaintState.BUKAN_WEWENANG:
            if (to_opd is None) == (not to_kabupaten):
                fail(
                    "Sebutkan tujuan rujukan: --to-opd NAMA atau --to-kabupaten / "
                    "name where it goes: --to-opd NAME or --to-kabupaten"
                )
            destination = (
                referrals.Destination.kabupaten(config)
                if to_kabupaten
                else referrals.Destination.opd(to_opd or "")
            )
        svc.transition_complaint(
            session,
            complaint,
            state,
            staff=staff,
            note=note,
            duplicate_of=original,
            destination=destination,
        )
    typer.echo(f"{complaint.code}: {complaint.state.label}")


@complaint_app.command("import-channel")
def complaint_import_channel(
    file: Annotated[Path, typer.Argument(help="CSV/XLSX", exists=True, dir_okay=False)],
    office: Annotated[
        str | None,
        typer.Option(
            "--office", help="Hanya baris kecamatan ini / only this office's rows (its code)"
        ),
    ] = None,
) -> None:
    """Impor limpahan kanal pengaduan kabupaten (ekspor CSV/XLSX): tiap baris masuk
    antrean kecamatannya; semua atau tidak sama sekali; nomor yang sudah ada tidak
    disimpan lagi / Import the kabupaten channel's hand-offs into each office's queue."""
    from sqlmodel import Session

    from core.scope import for_office
    from core.services.access.offices import office_by_code
    from core.services.files.tabular import read_rows

    if file.stat().st_size > channel_import.MAX_FILE_BYTES:
        fail("Berkas lebih dari 10 MB / file larger than 10 MB")
    content = file.read_bytes()
    config = settings()
    with unit_of_work(config) as session:
        offices = channel_import.kecamatan_offices(session)
        only = office_by_code(session, office) if office else None
        opened: dict[int, Session] = {}

        def session_for(target: models.Office) -> Session:
            key = target.id or 0
            if key not in opened:  # each office's rows in a session of that office, one transaction
                opened[key] = for_office(Session(bind=session.connection()), key)
            return opened[key]

        try:
            result = channel_import.import_channel_export(
                config, read_rows(file.name, content), offices, session_for, only=only
            )
            for own in opened.values():
                own.flush()
        finally:
            for own in opened.values():
                own.close()
    for name, count in sorted(result.stored.items()):
        typer.echo(f"{name}: {count} pengaduan baru")
    typer.echo(
        f"{result.total} pengaduan baru masuk antrean; {result.already_there} sudah ada "
        "(tidak disimpan lagi)."
    )
