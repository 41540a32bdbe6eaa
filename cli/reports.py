"""`sigap report ...`, `sigap digest send-now` and the SKM QR poster."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import (
    FromOpt,
    QuarterOpt,
    ToOpt,
    YearOpt,
    engine,
    fail,
    lazy,
    resolve_period,
    settings,
    unit_of_work,
)
from core.timeutil import local_date, utcnow

if TYPE_CHECKING:
    from core import db as database
    from core import errors
    from core.services.access import offices
    from reports import builders, deliver
    from reports import render as rendering
else:
    database = lazy("core.db")
    errors = lazy("core.errors")
    offices = lazy("core.services.access.offices")
    builders = lazy("reports.builders")
    deliver = lazy("reports.deliver")
    rendering = lazy("reports.render")

digest_app = typer.Typer(help="Ringkasan mingguan / Weekly digest.", no_args_is_help=True)


def report(
    kind: Annotated[str, typer.Argument(help="weekly | iku | skm | complaints | kabupaten")],
    year: YearOpt = None,
    quarter: QuarterOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="text | html | pdf | xlsx | json")] = "text",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Berkas / File")] = None,
    users: Annotated[
        int | None, typer.Option("--users", help="SKM: jumlah pengguna layanan / service users")
    ] = None,
) -> None:
    """Buat laporan / Produce a report."""
    if kind not in builders.KINDS:
        fail(f"jenis laporan: {', '.join(builders.KINDS)} (bukan '{kind}')")
    if fmt not in rendering.FORMATS:
        fail(f"--format: {', '.join(rendering.FORMATS)} (bukan '{fmt}')")
    if fmt in ("pdf", "xlsx") and output is None:
        fail(f"--format {fmt} perlu -o BERKAS / needs -o FILE")
    config = settings()
    today = local_date(utcnow(), config.tz)
    period = resolve_period(config, year, quarter, start, end)
    chosen = any(option is not None for option in (year, quarter, start, end))
    with unit_of_work(config) as session:
        built = builders.build_report(
            kind,
            session,
            config,
            period,
            today,
            users,
            list_limit=rendering.rows_shown(fmt),
            week=period if chosen else None,  # weekly: the period asked for, else last week
        )
    content = rendering.render(built, fmt)
    if output is None:
        typer.echo(content.decode("utf-8"), nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(content)
    typer.echo(f"Laporan ditulis ke {output} / report written to {output}")


@digest_app.command("send-now")
def digest_send_now(
    force: Annotated[
        bool, typer.Option("--force", help="Kirim lagi walau sudah terkirim / Send again")
    ] = False,
) -> None:
    """Kirim ringkasan mingguan sekarang / Send the weekly digest now.

    Recorded under the same run key as the scheduled send, so Monday's schedule does not
    send the same week again."""
    config = settings()
    db = engine(config)
    today = local_date(utcnow(), config.tz)
    with unit_of_work(config) as session:  # the office it is for, and that office's key
        profile = offices.office_profile(session)
    key = offices.office_run_key(deliver.digest_key(today), profile)
    queued = deliver.send_digest(db, config, today, key=key, force=force, office=profile.id)
    if queued.already_sent:
        typer.echo(
            f"Ringkasan minggu ini sudah dikirim ({key}); pakai --force untuk mengirim lagi "
            f"/ already sent, use --force to send again."
        )
        return
    if not queued.recipients:
        fail("Belum ada camat/sekcam yang terhubung ke chat / no camat or sekcam has joined")
    from app.channels import enabled_kinds
    from app.service import deliver_pending

    if not enabled_kinds(config):
        typer.echo(f"Diantrikan untuk {queued.recipients} penerima; terkirim saat `sigap run`.")
        return
    left = asyncio.run(deliver_pending(config, db))
    if left:
        typer.echo(f"{left} pesan belum terkirim; `sigap run` akan mencoba lagi.", err=True)
        raise typer.Exit(1)
    typer.echo(f"Ringkasan terkirim ke {queued.recipients} penerima / digest sent.")


def poster(
    code: Annotated[str, typer.Argument(help="Kode layanan / Service code")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Berkas PDF / PDF file")],
) -> None:
    """Poster QR untuk survei layanan / QR poster for a service's survey."""
    from reports.poster import render_poster

    config = settings()
    with unit_of_work(config) as session:
        content = render_poster(session, config, code)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(content)
    typer.echo(f"Poster ditulis ke {output} / poster written to {output}")
