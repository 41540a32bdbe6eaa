"""The registers behind IKU1/3/5/6, the targets and the holidays: list, create, edit,
delete (soft, with a reason), the audit trail, files, XLSX export, and XLSX/CSV import."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from datetime import date
from typing import Any

import xlsxwriter
from starlette.requests import Request
from starlette.responses import Response

from core.digits import ascii_int
from core.domain.access import Permission
from core.errors import InvalidInput, NotFound
from core.models import ActivityPhoto
from core.services.access.offices import office_profile
from core.services.files.tabular import read_rows
from core.services.performance import registers as reg
from core.services.performance.iku_set import dictionary, office_set
from core.services.performance.records import activity_photos, names_of_staff
from core.services.performance.register_kinds import ACTIVITIES, IKU_SET, REGISTERS, RENSTRA
from core.services.performance.registers import Register
from core.timeutil import local_date, utcnow
from web.files import (
    EVIDENCE,
    SPREADSHEETS,
    private_file,
    read_upload,
    stored_path,
    upload_given,
)
from web.views import Ctx, page
from web.words import Words

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The column that names a row (an activity, a document, a holiday, a plan): a row's page
# is headed by it, not by its number.
NAMING_COLUMNS = ("nomor", "nama", "judul", "keterangan", "rencana")


def _register(ctx: Ctx) -> Register:
    found = REGISTERS.get(ctx.request.path_params["name"])
    if found is None:
        raise NotFound(ctx.t("not_found"))
    return found


def _manage(request: Request) -> Permission:
    found = REGISTERS.get(request.path_params.get("name", ""))
    return found.permission if found else Permission.MANAGE_STAFF


# Registers whose year is the end of a period of several years (the Renstra's, years
# ahead): listed for every year unless one is asked for, or this year's empty list would
# hide a target just saved for 2029.
EVERY_YEAR_BY_DEFAULT = frozenset({RENSTRA.name})


def _year(ctx: Ctx, register: Register) -> int | None:
    """The year asked for (``?tahun=2026``), None for every year (``?tahun=semua``);
    this year when none is asked, except for the registers listed for every year."""
    text = ctx.request.query_params.get("tahun", "")
    if register.year_column is None:
        return None
    if text == "semua" or (not text and register.name in EVERY_YEAR_BY_DEFAULT):
        return None
    year = ascii_int(text) if len(text) == 4 else None
    return year if year is not None else local_date(utcnow(), ctx.office.settings.tz).year


def _words(ctx: Ctx) -> Words:
    labels = {chosen.kind: chosen.label for chosen in reversed(office_set(ctx.db))}
    return Words(ctx.t, ctx.web_session.language, ctx.office.settings.categories_file, labels)


def heading(register: Register, values: dict[str, str], key: str, words: Words) -> str:
    """What a row's page is headed by: its name ("Posyandu lansia Suco"), or, for a
    register keyed by its values (a year's SAKIP score, a target), the register and key."""
    named = next((values[c] for c in NAMING_COLUMNS if values.get(c)), "")
    return named or f"{words.register(register)} {key}"


@page(Permission.VIEW_REGISTERS)
def index(ctx: Ctx) -> Response:
    return ctx.render("registers.html", registers=list(REGISTERS.values()), w=_words(ctx))


def _list(
    ctx: Ctx, register: Register, error: str | None = None, raw: dict[str, str] | None = None
) -> Response:
    year = _year(ctx, register)
    rows = reg.list_records(ctx.db, register, year, include_deleted=True)
    return ctx.render_with_notice(
        "register_list.html",
        error,
        ctx.notice(),
        register=register,
        rows=[(r, reg.as_text(register, r), register.key_of(r)) for r in rows],
        year=year,
        raw=raw or {},
        can_manage=ctx.may(register.permission),
        desa=office_profile(ctx.db).desa,
        w=_words(ctx),
        lead=next((s.column for s in register.fields if s.column in NAMING_COLUMNS), None),
        dictionary=dictionary(ctx.db) if register is IKU_SET else (),
    )


@page(Permission.VIEW_REGISTERS)
def activity_photo(ctx: Ctx) -> Response:
    """One field photo of one activity, to those who may see the registers."""
    key = ctx.request.path_params["key"]  # both keys within the database's (web/office.py)
    photo = ctx.db.get(ActivityPhoto, ctx.request.path_params["photo_id"])
    belongs = photo is not None and photo.activity_id == key
    found = stored_path(ctx.db, ctx.office.settings, photo.file_ref) if photo and belongs else None
    if found is None:
        raise NotFound(ctx.t("not_found"))
    path, media_type = found
    return private_file(path, media_type)


@page(Permission.VIEW_REGISTERS)
def listing(ctx: Ctx) -> Response:
    return _list(ctx, _register(ctx))


def _raw(ctx: Ctx, register: Register) -> dict[str, str]:
    return {spec.column: ctx.field(spec.column) for spec in register.fields}


def _values(ctx: Ctx, register: Register, raw: dict[str, str]) -> dict[str, Any]:
    values, problems = reg.read_fields(register, raw, office_profile(ctx.db).desa)
    if problems:
        raise InvalidInput("\n".join(message for _, message in problems))
    return values


@page(_manage)
def create(ctx: Ctx) -> Response:
    register = _register(ctx)
    raw = _raw(ctx, register)
    try:
        row = reg.create_record(ctx.db, register, _values(ctx, register, raw), ctx.staff)
    except InvalidInput as exc:
        return _list(ctx, register, str(exc), raw)
    return ctx.redirect(f"/register/{register.name}/{register.key_of(row)}", pesan=ctx.t("saved"))


def _show(
    ctx: Ctx,
    register: Register,
    key: str,
    error: str | None = None,
    raw: dict[str, str] | None = None,
) -> Response:
    row = reg.get_record(ctx.db, register, key)
    audit = reg.history(ctx.db, register, key)
    file_ref = getattr(row, register.file_field) if register.file_field else None
    photos = []
    if register.name == ACTIVITIES.name:  # evidence sent from the field (/kegiatan)
        photos = [
            (p, stored_path(ctx.db, ctx.office.settings, p.file_ref) is not None)
            for p in activity_photos(ctx.db, row.id)
        ]
    words = _words(ctx)
    stored = reg.as_text(register, row)
    return ctx.render_with_notice(
        "register_row.html",
        error,
        ctx.notice(),
        register=register,
        row=row,
        key=key,
        heading=heading(register, stored, key, words),
        w=words,
        values=raw or stored,
        audit=[(a, json.loads(a.changes)) for a in audit],
        staff_names=names_of_staff(ctx.db, [a.staff_id for a in audit]),
        can_manage=ctx.may(register.permission) and row.deleted_at is None,
        has_file=stored_path(ctx.db, ctx.office.settings, file_ref) is not None,
        desa=office_profile(ctx.db).desa,
        photos=photos,
    )


@page(Permission.VIEW_REGISTERS)
def show(ctx: Ctx) -> Response:
    return _show(ctx, _register(ctx), ctx.request.path_params["key"])


@page(_manage)
def update(ctx: Ctx) -> Response:
    register, key = _register(ctx), ctx.request.path_params["key"]
    raw = _raw(ctx, register)
    try:
        values = _values(ctx, register, raw)
        reg.update_record(ctx.db, register, key, values, ctx.staff, ctx.field("alasan") or None)
    except InvalidInput as exc:
        return _show(ctx, register, key, str(exc), raw)
    return ctx.redirect(f"/register/{register.name}/{key}", pesan=ctx.t("saved"))


@page(_manage)
def delete(ctx: Ctx) -> Response:
    register, key = _register(ctx), ctx.request.path_params["key"]
    try:
        reg.delete_record(ctx.db, register, key, ctx.staff, ctx.field("alasan"))
    except InvalidInput as exc:
        return _show(ctx, register, key, str(exc))
    return ctx.redirect(f"/register/{register.name}", pesan=ctx.t("saved"))


@page(_manage, upload=True)
def upload_file(ctx: Ctx) -> Response:
    """The row is found and the file checked before the file is saved; were the request
    to fail after, the file goes with the rolled-back transaction (web/views.py)."""
    register, key = _register(ctx), ctx.request.path_params["key"]
    upload = upload_given(ctx.form.get("berkas") if ctx.form else None)
    reg.get_record(ctx.db, register, key)  # an unknown row: 404, nothing saved
    try:
        if upload is None:
            raise InvalidInput("Pilih berkas yang akan diunggah.")
        checked = read_upload(upload, ctx.office.settings, EVIDENCE)
        reg.attach_file(ctx.db, register, key, ctx.store(*checked), ctx.staff)
    except InvalidInput as exc:
        return _show(ctx, register, key, str(exc))
    return ctx.redirect(f"/register/{register.name}/{key}", pesan=ctx.t("saved"))


@page(Permission.VIEW_REGISTERS)
def download_file(ctx: Ctx) -> Response:
    register, key = _register(ctx), ctx.request.path_params["key"]
    row = reg.get_record(ctx.db, register, key)
    ref = getattr(row, register.file_field) if register.file_field else None
    found = stored_path(ctx.db, ctx.office.settings, ref)
    if found is None:
        raise NotFound(ctx.t("not_found"))
    path, media_type = found
    return private_file(path, media_type, f"{register.name}-{key}{path.suffix}")


def _xlsx(register: Register, rows: Iterable[dict[str, str]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(register.name)
    bold = book.add_format({"bold": True})
    for column, spec in enumerate(register.fields):
        sheet.write_string(0, column, spec.column, bold)
        sheet.set_column(column, column, max(12, len(spec.column) + 2))
    for line, row in enumerate(rows, start=1):
        for column, spec in enumerate(register.fields):
            sheet.write_string(line, column, row.get(spec.column, ""))
    book.close()
    return buffer.getvalue()


def _attachment(content: bytes, name: str) -> Response:
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@page(Permission.VIEW_REGISTERS)
def export(ctx: Ctx) -> Response:
    register = _register(ctx)
    year = _year(ctx, register)
    rows = [reg.as_text(register, r) for r in reg.list_records(ctx.db, register, year)]
    return _attachment(_xlsx(register, rows), f"{register.name}-{year or 'semua'}.xlsx")


@page(Permission.VIEW_REGISTERS)
def template(ctx: Ctx) -> Response:
    register = _register(ctx)
    return _attachment(_xlsx(register, []), f"templat-{register.name}.xlsx")


@page(_manage, upload=True)
def import_file(ctx: Ctx) -> Response:
    register = _register(ctx)
    upload = upload_given(ctx.form.get("berkas") if ctx.form else None)
    try:
        if upload is None:
            raise InvalidInput("Pilih berkas XLSX atau CSV.")
        _, content = read_upload(upload, ctx.office.settings, SPREADSHEETS)
        rows = read_rows(upload.filename or "", content)
        count = reg.import_records(ctx.db, register, rows, ctx.staff, office_profile(ctx.db).desa)
    except InvalidInput as exc:
        return _list(ctx, register, str(exc))
    return ctx.redirect(f"/register/{register.name}", pesan=ctx.t("imported", count=count))


@page(Permission.MANAGE_HOLIDAYS)
def national_holidays(ctx: Ctx) -> Response:
    """Indonesia's national holidays for a year from the maintained `holidays` library;
    cuti bersama is then added by hand."""
    import holidays as holiday_library

    register = REGISTERS["libur"]
    year_text = ctx.field("tahun")
    year = ascii_int(year_text, max_digits=4)
    if year is None or not 2000 <= year <= 2100:
        return _list(ctx, register, "Tahun di luar 2000–2100.")
    calendar = holiday_library.country_holidays("ID", years=year, language="id")
    rows = [
        (i, {"tanggal": day.isoformat(), "keterangan": str(name)[:120]})
        for i, (day, name) in enumerate(sorted(calendar.items()), start=1)
        if isinstance(day, date)
    ]
    count = reg.import_records(ctx.db, register, rows, ctx.staff)
    return ctx.redirect("/register/libur", tahun=year_text, pesan=ctx.t("imported", count=count))
