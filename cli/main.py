"""The `sigap` command: one entry point for the office's operator."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli import common
from cli.backup import backup, restore
from cli.common import (
    FromOpt,
    QuarterOpt,
    ToOpt,
    YearOpt,
    engine,
    fail,
    lazy,
    number,
    resolve_period,
    settings,
    unit_of_work,
)
from cli.complaints import complaint_app
from cli.database import db_copy_command
from cli.iku_sets import dictionary_app, iku_set_app
from cli.offices import office_app
from cli.records import (
    activity_app,
    document_app,
    holiday_app,
    indicator_app,
    sakip_app,
    service_app,
    staff_app,
    target_app,
)
from cli.reports import digest_app, poster, report
from cli.residents import resident_app
from core.domain.skm import Unsur

if TYPE_CHECKING:
    from core import db as database
    from core import errors
    from core.services.access import offices
    from core.services.files import imports
    from core.services.performance import iku as iku_service
    from core.services.performance.iku import IkuReport
    from core.services.survey import skm
    from core.services.survey import skm_csv as csv_io
    from core.services.survey import skm_import as skm_importer
else:
    database = lazy("core.db")
    errors = lazy("core.errors")
    csv_io = lazy("core.services.survey.skm_csv")
    iku_service = lazy("core.services.performance.iku")
    imports = lazy("core.services.files.imports")
    skm = lazy("core.services.survey.skm")
    offices = lazy("core.services.access.offices")
    skm_importer = lazy("core.services.survey.skm_import")

app = typer.Typer(
    help="Sigap: layanan pengaduan trantib, SKM dan IKU kecamatan / "
    "a kecamatan's complaint desk, SKM survey and IKU.",
    no_args_is_help=True,
    # A crash prints the traceback without each frame's variables: they can hold a
    # resident's name or phone, or a token.
    pretty_exceptions_show_locals=False,
)


@app.callback()
def act_as_office(
    office: Annotated[
        str | None,
        typer.Option(
            "--office",
            envvar="SIGAP_OFFICE",
            help="Kode kantor kecamatan (bila melayani beberapa) / the office to act as",
        ),
    ] = None,
) -> None:
    """Sigap: layanan pengaduan trantib, SKM dan IKU kecamatan."""
    common.chosen_office = office


db_app = typer.Typer(help="Basis data / Database.", no_args_is_help=True)
skm_app = typer.Typer(help="Survei Kepuasan Masyarakat / SKM survey.", no_args_is_help=True)

for name, sub in [
    ("db", db_app),
    ("staff", staff_app),
    ("service", service_app),
    ("complaint", complaint_app),
    ("activity", activity_app),
    ("document", document_app),
    ("sakip", sakip_app),
    ("indicator", indicator_app),
    ("target", target_app),
    ("holiday", holiday_app),
    ("skm", skm_app),
    ("digest", digest_app),
    ("resident", resident_app),
    ("office", office_app),
    ("dictionary", dictionary_app),
    ("iku-set", iku_set_app),
]:
    app.add_typer(sub, name=name)


app.command("report")(report)
app.command("backup")(backup)
app.command("restore")(restore)
service_app.command("poster")(poster)
db_app.command("copy")(db_copy_command)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Terapkan migrasi skema / Apply schema migrations."""
    from core.schema import database_revision, steps_between

    config = settings()
    db = engine(config, migrates=True)
    before = database_revision(db)
    database.upgrade(db, settings=config)
    after = database_revision(db)
    assert after is not None
    if before == after:
        typer.echo(
            f"Basis data sudah mutakhir (revisi {after}) / "
            f"database already up to date (revision {after})."
        )
        return
    steps = steps_between(before, after)
    typer.echo(
        f"Basis data dimutakhirkan dari revisi {before or '(kosong)'} ke {after} "
        f"({steps} langkah) / database upgraded from revision {before or '(empty)'} to "
        f"{after} ({steps} steps)."
    )


NO_TOKEN = """Belum ada token bot Telegram / no Telegram bot token yet.
1. Buka Telegram, chat dengan @BotFather, kirim /newbot dan ikuti petunjuknya.
2. Salin token yang diberikan ke berkas .env:  TELEGRAM_BOT_TOKEN=123456:ABC...
3. Jalankan lagi: sigap run (atau make run)
Sementara itu, coba Sigap di terminal / meanwhile try it in the terminal: sigap chat"""


NO_CHANNEL = (
    "Obrolan belum tersambung / chat not connected: isi TELEGRAM_BOT_TOKEN (dari @BotFather) "
    "atau WHATSAPP_* di .env (lihat .env.example), lalu jalankan lagi sigap run."
)


@app.command()
def run() -> None:
    """Jalankan Sigap: migrasi, bot Telegram, WhatsApp, server HTTP dan pengirim pesan /
    Run Sigap."""
    config = settings()
    if config.whatsapp_partly_set:
        fail(
            "WhatsApp perlu keempatnya / needs all four: WHATSAPP_PHONE_NUMBER_ID, "
            "WHATSAPP_ACCESS_TOKEN, WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN"
        )
    webhook = config.telegram_mode == "webhook" and config.telegram_bot_token is not None
    if webhook and (not config.telegram_webhook_url or config.telegram_webhook_secret is None):
        fail("TELEGRAM_MODE=webhook perlu TELEGRAM_WEBHOOK_URL dan TELEGRAM_WEBHOOK_SECRET")
    db = engine(config, migrates=True)
    database.upgrade(db, settings=config)
    from app.logs import configure_logging
    from app.service import run as serve
    from app.web import first_login_link

    configure_logging(log_format=config.log_format)
    typer.echo(f"Sigap: {config.web_address}")
    first = first_login_link(config, db)
    if first:
        typer.echo(f"Masuk pertama sebagai admin / first admin login: {first}")
    if config.telegram_bot_token is None and not config.whatsapp_enabled:
        typer.echo(NO_CHANNEL)
    serve(config, db)


@app.command()
def chat(
    staff_id: Annotated[
        int | None, typer.Option("--staff", help="Sebagai petugas / As staff ID")
    ] = None,
    name: Annotated[str, typer.Option(help="Nama warga / Resident name")] = "Warga Terminal",
    real: Annotated[
        bool, typer.Option("--real", help="Basis data kantor, bukan latihan / Office database")
    ] = False,
) -> None:
    """Coba dialog Sigap di terminal (basis data latihan) / Try the dialogs (practice DB)."""
    config = settings()
    db = engine(config, migrates=True)
    from app.chat import chat as converse
    from app.chat import practice_engine

    if real:
        database.upgrade(db, settings=config)
    else:
        db = practice_engine(config, db)
    try:
        converse(config, db, staff_id, name, practice=not real, watch=sys.stdin.isatty())
    except errors.SigapError as exc:
        fail(str(exc))


@skm_app.command("import")
def skm_import(
    file: Annotated[Path, typer.Argument(help="CSV", exists=True, dir_okay=False)],
) -> None:
    """Impor jawaban SKM dari CSV, semua atau tidak sama sekali / Import SKM answers.

    Streamed: the file is read and written a chunk at a time in one transaction, so a
    million rows fit in a small machine's memory and a bad row still stores nothing."""
    config = settings()
    with unit_of_work(config) as session:
        digest = imports.file_digest(file)
        imports.refuse_if_imported(session, digest, config.tz)
        with imports.open_text(file) as handle:
            try:
                count = skm_importer.import_skm_csv(session, handle, "import", _progress)
            except UnicodeDecodeError:
                fail("Berkas bukan teks UTF-8 / file is not UTF-8 text (simpan sebagai CSV UTF-8)")
        if count == 0:
            fail("Berkas tidak berisi data / the file has no rows.")
        imports.record_import(session, "skm", file.name, digest, count)
    typer.echo(f"{count} jawaban SKM diimpor.")


def _progress(done: int) -> None:
    """For a large import, a line per written chunk on stderr; nothing is committed
    until the last one (all or nothing)."""
    if done >= skm.BATCH_ROWS:
        typer.echo(f"... {done:,} baris ditulis / rows written".replace(",", "."), err=True)


@skm_app.command("export")
def skm_export(
    year: YearOpt = None,
    quarter: QuarterOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Berkas / File")] = None,
) -> None:
    """Ekspor jawaban SKM ke CSV (format impor) / Export SKM answers as CSV."""
    config = settings()
    period = resolve_period(config, year, quarter, start, end)
    with unit_of_work(config) as session:
        if output is None:
            csv_io.write_skm_csv(session, period, sys.stdout)
            return
        with output.open("w", encoding="utf-8", newline="") as handle:
            count = csv_io.write_skm_csv(session, period, handle)
    typer.echo(f"{count} jawaban diekspor ke {output}.")


def _skm_json(summary: skm.SkmSummary, users: int | None) -> dict[str, Any]:
    result = summary.result
    data: dict[str, Any] = {
        "period": {"from": summary.period.start.isoformat(), "to": summary.period.end.isoformat()},
        "service": summary.service.code if summary.service else None,
        "respondents": result.respondents,
        "unsur": [
            {"code": u.value, "name": u.title, "nrr": number(result.nrr[u], 6)} for u in Unsur
        ],
        "ikm": number(result.ikm, 6),
        "nilai": number(result.nilai),
        "mutu": result.mutu.value if result.mutu else None,
        "kinerja": result.kinerja,
        "weakest": result.weakest.value if result.weakest else None,
        "profile": summary.profile,
    }
    if users is not None:
        minimum, enough = summary.sample_adequacy(users)
        data["sample"] = {"service_users": users, "minimum": minimum, "adequate": enough}
    return data


@skm_app.command("summary")
def skm_summary(
    year: YearOpt = None,
    quarter: QuarterOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    service: Annotated[str | None, typer.Option(help="Kode layanan / Service code")] = None,
    users: Annotated[int | None, typer.Option(help="Jumlah pengguna layanan (sampel)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Keluaran JSON")] = False,
) -> None:
    """Ringkasan SKM dan IKM / SKM summary with IKM, mutu and kinerja."""
    config = settings()
    period = resolve_period(config, year, quarter, start, end)
    with unit_of_work(config) as session:
        summary = skm.skm_summary(session, period, service)
    data = _skm_json(summary, users)
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    typer.echo(f"SKM {period} — {data['respondents']} responden")
    for row in data["unsur"]:
        nrr = "-" if row["nrr"] is None else f"{row['nrr']:.3f}"
        typer.echo(f"  {row['code']} {row['name']}: {nrr}")
    if data["nilai"] is None:
        typer.echo("IKM: belum ada data / no data")
    else:
        typer.echo(
            f"IKM {data['nilai']:.2f} mutu {data['mutu']} ({data['kinerja']}); "
            f"unsur terlemah {data['weakest']}"
        )
    if "sample" in data:
        s = data["sample"]
        verdict = "cukup" if s["adequate"] else "belum cukup"
        typer.echo(f"Sampel minimum {s['minimum']} dari {s['service_users']} pengguna: {verdict}")


def _iku_json(report: IkuReport) -> dict[str, Any]:
    return {
        "period": {"from": report.period.start.isoformat(), "to": report.period.end.isoformat()},
        "indicators": [
            {
                "code": i.code,
                "name": i.name,
                "value": number(i.value),
                "unit": i.unit,
                "numerator": i.numerator,
                "denominator": i.denominator,
                "target": number(i.target),
                "direction": i.direction.value,
                "capaian": number(i.capaian),
                "status": i.status.value,
                "note": i.note,
                "quarter_target": number(i.quarter_target),
                "quarter_capaian": number(i.quarter_capaian),
                "category": i.category,
                "meets_target": i.meets_target,
            }
            for i in report.indicators
        ],
    }


@app.command()
def iku(
    year: YearOpt = None,
    quarter: QuarterOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Keluaran JSON")] = False,
) -> None:
    """IKU kantor untuk satu periode / The office's IKU for a period."""
    config = settings()
    period = resolve_period(config, year, quarter, start, end)
    with unit_of_work(config) as session:
        report = iku_service.iku_for_period(session, config, period)
        office = offices.office_profile(session).name
    if as_json:
        typer.echo(json.dumps(_iku_json(report), ensure_ascii=False))
        return
    typer.echo(f"IKU {office}, {period}")
    for i in report.indicators:
        value = "belum ada data" if i.value is None else f"{i.value} {i.unit}"
        capaian = f", capaian {i.capaian}%" if i.capaian is not None else ""
        target = f", target {i.target}" if i.target is not None else ""
        typer.echo(f"  {i.code} {i.name}: {value}{target}{capaian}")
