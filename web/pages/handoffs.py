"""Hand-offs between the kabupaten and its kecamatan.

Down: the kabupaten's Bagian Organisasi imports its channel's export (CSV/XLSX) and each
row lands in its kecamatan's queue (/kabupaten/limpahan); an office's complaint handlers
import their own rows of it (/pengaduan/limpahan). Up: every kecamatan's "bukan wewenang"
referrals for the kabupaten (/kabupaten/rujukan), exported as CSV or XLSX for its
channel, never with a reporter, never a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import xlsxwriter
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from core.domain.access import Permission
from core.domain.complaints import ReferralKind
from core.errors import InvalidInput, NotFound
from core.formulas import neutralise, starts_like_formula
from core.models import Office
from core.scope import for_office, office_of
from core.services.complaints import channel_import as imports
from core.services.complaints import referrals as refs
from core.services.files.tabular import read_rows
from web.files import SPREADSHEETS, read_upload, upload_given
from web.views import Ctx, View, kabupaten_page, page
from web.words import Words

IMPORT_PATH, REFERRALS_PATH = "/kabupaten/limpahan", "/kabupaten/rujukan"


def _kabupaten_upload(permission: Permission) -> Callable[[View], Callable[[Request], Any]]:
    """As ``kabupaten_page``, for a page that takes one uploaded file."""

    def wrap(view: View) -> Callable[[Request], Any]:
        view.without_office = True  # type: ignore[attr-defined]
        return page(permission, upload=True)(view)

    return wrap


# -- down: the channel's export into the kecamatan's queues ----------------------------


def _import_page(ctx: Ctx, template: str, error: str | None = None) -> Response:
    return ctx.render_with_notice(
        template,
        error,
        ctx.notice(),
        columns=imports.COLUMNS,
        channel=ctx.office.settings.kabupaten_channel_name,
        max_rows=imports.MAX_ROWS,
    )


def _read(ctx: Ctx) -> tuple[str, bytes]:
    upload = upload_given(ctx.form.get("berkas") if ctx.form else None)
    if upload is None:
        raise InvalidInput(ctx.t("handoff_pick_file"))
    _, content = read_upload(upload, ctx.office.settings, SPREADSHEETS)
    if len(content) > imports.MAX_FILE_BYTES:
        raise InvalidInput(ctx.t("handoff_file_too_big"))
    return upload.filename or "", content


def _done(ctx: Ctx, path: str, result: imports.ChannelImport) -> Response:
    parts = [f"{name}: {count}" for name, count in sorted(result.stored.items())]
    message = ctx.t("handoff_imported", count=result.total, already=result.already_there)
    return ctx.redirect(path, pesan=message + (f" ({'; '.join(parts)})" if parts else ""))


@kabupaten_page(Permission.MANAGE_KABUPATEN)
def kabupaten_import_form(ctx: Ctx) -> Response:
    return _import_page(ctx, "handoff_import.html")


@_kabupaten_upload(Permission.MANAGE_KABUPATEN)
def kabupaten_import(ctx: Ctx) -> Response:
    """One file for every kecamatan: each row to the office its kecamatan names, all
    in this request's one transaction (each office's rows through a session of that
    office on the same connection)."""
    opened: dict[int, Session] = {}

    def session_for(office: Office) -> Session:
        key = office.id or 0
        if key not in opened:
            opened[key] = for_office(Session(bind=ctx.db.connection()), key)
        return opened[key]

    try:
        name, content = _read(ctx)
        rows = read_rows(name, content)
        offices = imports.kecamatan_offices(ctx.db)
        result = imports.import_channel_export(ctx.office.settings, rows, offices, session_for)
        for session in opened.values():
            session.flush()
    except InvalidInput as exc:
        return _import_page(ctx, "handoff_import.html", str(exc))
    finally:
        for session in opened.values():
            session.close()
    return _done(ctx, IMPORT_PATH, result)


@page(Permission.HANDLE_COMPLAINTS)
def office_import_form(ctx: Ctx) -> Response:
    return _import_page(ctx, "handoff_office_import.html")


@page(Permission.HANDLE_COMPLAINTS, upload=True)
def office_import(ctx: Ctx) -> Response:
    """An office's own rows of the channel's export; a row of another kecamatan is
    refused (the kabupaten imports those)."""
    try:
        name, content = _read(ctx)
        rows = read_rows(name, content)
        offices = imports.kecamatan_offices(ctx.db)
        mine = next((o for o in offices if o.id == office_of(ctx.db)), None)
        if mine is None:
            raise InvalidInput(ctx.t("forbidden"))
        result = imports.import_channel_export(
            ctx.office.settings,
            rows,
            offices,
            lambda _office: ctx.db,
            only=mine,
            registered_by=ctx.staff,
        )
    except InvalidInput as exc:
        return _import_page(ctx, "handoff_office_import.html", str(exc))
    return _done(ctx, "/pengaduan/limpahan", result)


# -- up: every kecamatan's referrals, for the kabupaten ----------------------------------


def _chosen(request: Request) -> tuple[ReferralKind | None, str | None]:
    kind = request.query_params.get("tujuan", "")
    office = request.query_params.get("kecamatan", "")[:20] or None
    return (ReferralKind(kind) if kind in ReferralKind.__members__.values() else None), office


def _lines(ctx: Ctx) -> list[refs.ReferralLine]:
    kind, office = _chosen(ctx.request)
    return refs.kabupaten_referrals(ctx.db, kind, office)


@kabupaten_page(Permission.VIEW_KABUPATEN)
def referrals(ctx: Ctx) -> Response:
    kind, office = _chosen(ctx.request)
    words = Words(
        ctx.t,
        ctx.web_session.language,
        ctx.office.settings.categories_file,
        kabupaten_channel=ctx.office.settings.kabupaten_channel_name,
    )
    return ctx.render(
        "referrals.html",
        lines=_lines(ctx),
        offices=refs.offices_with_referrals(ctx.db),
        kind=kind.value if kind else "",
        office=office or "",
        query=ctx.request.url.query,
        w=words,
        limit=refs.MAX_LISTED,
    )


HEADER = (
    "kecamatan",
    "kode_kecamatan",
    "nomor_tiket",
    "nomor_kanal",
    "tanggal_rujukan",
    "tanggal_diterima",
    "kategori",
    "tujuan",
    "nama_tujuan",
    "catatan",
    "uraian",
)


def _cells(ctx: Ctx, line: refs.ReferralLine) -> list[str]:
    tz = ctx.office.settings.tz

    def day(moment: datetime) -> str:
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return aware.astimezone(tz).date().isoformat()

    words = Words(ctx.t, "id", ctx.office.settings.categories_file)
    return [
        line.kecamatan,
        line.office_code,
        line.code,
        line.external_ref or "",
        day(line.at),
        day(line.received_at),
        words.category(line.category),
        line.kind.value,
        line.destination,
        line.note,
        ctx.t("referral_rahasia") if line.rahasia else line.description,
    ]


@kabupaten_page(Permission.VIEW_KABUPATEN)
def referrals_export(ctx: Ctx) -> Response:
    """CSV (UTF-8 with BOM, for Excel) or XLSX; every text cell stays text."""
    fmt = ctx.request.path_params["fmt"]
    rows = [_cells(ctx, line) for line in _lines(ctx)]
    name = f"rujukan-kecamatan.{fmt}"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(HEADER)
        writer.writerows([neutralise(cell) for cell in row] for row in rows)
        content, media = ("\ufeff" + buffer.getvalue()).encode("utf-8"), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        content, media = _xlsx(rows), SPREADSHEETS[".xlsx"]
    else:
        raise NotFound(ctx.t("not_found"))
    return Response(
        content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _xlsx(rows: list[list[str]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("rujukan")
    bold, text = book.add_format({"bold": True}), book.add_format({"quote_prefix": True})
    for column, title in enumerate(HEADER):
        sheet.write_string(0, column, title, bold)
        sheet.set_column(column, column, 16 if column < 9 else 40)
    for number, row in enumerate(rows, start=1):
        for column, cell in enumerate(row):
            if starts_like_formula(cell):
                sheet.write_string(number, column, cell, text)
            else:
                sheet.write_string(number, column, cell)
    book.close()
    return buffer.getvalue()
