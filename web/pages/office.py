"""Kantor: the office's admin reads and corrects its own profile: the name and address on
the kop surat, the Camat who signs, the logo, and its desa and kelurahan.

Every change goes through core/services/access/office_edit.py with the acting staff
member, so the role matrix is asked again there and the change lands in the trail. The
office code and the ticket prefix are shown, not changed (they name tickets and links).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from starlette.responses import Response

from core.digits import ascii_int
from core.domain.access import Permission
from core.errors import InvalidInput, NotFound
from core.models import RegisterAudit
from core.services.access import office_edit as edit
from core.services.access.office_edit import ProfileForm
from core.services.complaints.categories import load_categories
from core.services.performance.records import names_of_staff
from core.types import INTEGER_MAX
from web.context import word
from web.files import IMAGES, read_upload, stored_path, upload_given
from web.views import Ctx, page

HOME = "/kantor"
# A profile field as the form names it (the trail's column) and the catalogue's word
FIELD_WORDS = {
    "nama": "office_name",
    "alamat": "office_address",
    "nama_camat": "office_camat_name",
    "nip_camat": "office_camat_nip",
    "pangkat_camat": "office_camat_pangkat",
    "logo": "office_logo",
    "awalan_tiket": "office_ticket_prefix",
    "tingkat_layanan": "office_service_levels",
    "grup_staf": "office_staff_chats",
}
AREA_ACTIONS = frozenset({"buat", "aktif", "nonaktif"})  # a desa added, brought back, put aside


def _typed(ctx: Ctx) -> ProfileForm:
    return ProfileForm(
        name=ctx.field("nama"),
        address=ctx.field("alamat"),
        camat_name=ctx.field("nama_camat"),
        camat_nip=ctx.field("nip_camat"),
        camat_pangkat=ctx.field("pangkat_camat"),
    )


def _logo_uri(path: str | None) -> str | None:
    """The logo as the page shows it (a data address: the policy allows ``data:``
    images, and the file is served by no route)."""
    found = edit.read_logo(path)
    if found is None:
        return None
    content, media_type = found
    return f"data:{media_type};base64,{base64.b64encode(content).decode('ascii')}"


def _describe(ctx: Ctx, row: RegisterAudit) -> list[str]:
    """A change as the trail reads it: "Nama Camat: A → B", "Desa dinonaktifkan: Suco"."""
    changes: dict[str, list[Any]] = json.loads(row.changes)
    if row.record_key.startswith("desa:"):
        name = next((v for v in reversed(changes.get("nama") or []) if v), "–")
        key = (
            f"office_trail_area_{row.action}" if row.action in AREA_ACTIONS else "office_trail_area"
        )
        return [ctx.t(key, name=name)]
    lines = []
    for column, (before, after) in changes.items():
        label = word(ctx.t, FIELD_WORDS.get(column, ""), ctx.t("change"))
        if column == "logo":
            lines.append(ctx.t("office_trail_logo"))
            continue
        lines.append(f"{label}: {before or '–'} → {after or '–'}")
    return lines


def _trail(ctx: Ctx) -> list[dict[str, Any]]:
    rows = edit.office_trail(ctx.db)
    names = names_of_staff(ctx.db, [r.staff_id for r in rows])
    return [
        {
            "at": r.at,
            "who": names.get(r.staff_id, "–") if r.staff_id else ctx.t("trail_operator"),
            "lines": _describe(ctx, r),
        }
        for r in rows
    ]


def _render(
    ctx: Ctx,
    error: str | None = None,
    typed: ProfileForm | None = None,
    typed_own: dict[str, str] | None = None,
) -> Response:
    office = edit.own_office(ctx.db)
    shown = typed or ProfileForm(
        office.name, office.address, office.camat_name, office.camat_nip, office.camat_pangkat
    )
    return ctx.render_with_notice(
        "office.html",
        error,
        ctx.notice(),
        office=office,
        form=shown,
        logo=_logo_uri(office.logo_path),
        logo_max_bytes=edit.LOGO_MAX_BYTES,
        areas=edit.office_areas(ctx.db),
        area_kinds=edit.AREA_KINDS,
        trail=_trail(ctx),
        own=typed_own or {"levels": office.service_levels, "chats": office.staff_chats},
        categories=load_categories(ctx.office.settings.categories_file),
    )


@page(Permission.MANAGE_OFFICE)
def office_page(ctx: Ctx) -> Response:
    return _render(ctx)


@page(Permission.MANAGE_OFFICE)
def save_profile(ctx: Ctx) -> Response:
    typed = _typed(ctx)
    try:
        edit.update_profile(ctx.db, ctx.staff, typed)
    except InvalidInput as exc:
        return _render(ctx, str(exc), typed)
    return ctx.redirect(HOME, pesan=ctx.t("saved"))


@page(Permission.MANAGE_OFFICE, upload=True)
def upload_logo(ctx: Ctx) -> Response:
    """Checked by its content before it is kept; were the request to fail after, the
    file goes with the rolled-back transaction (web/views.py)."""
    upload = upload_given(ctx.form.get("logo") if ctx.form else None)
    try:
        if upload is None:
            raise InvalidInput(ctx.t("office_logo_choose"))
        kind, content = read_upload(upload, ctx.office.settings, IMAGES)
        edit.check_logo(content)
        found = stored_path(ctx.db, ctx.office.settings, ctx.store(kind, content))
        if found is None:
            raise InvalidInput(ctx.t("office_logo_choose"))
        edit.set_logo(ctx.db, ctx.staff, found[0].resolve())
    except InvalidInput as exc:
        return _render(ctx, str(exc))
    return ctx.redirect(HOME, pesan=ctx.t("saved"))


@page(Permission.MANAGE_OFFICE)
def add_area(ctx: Ctx) -> Response:
    try:
        edit.add_area(ctx.db, ctx.staff, ctx.field("nama"), ctx.field("jenis") or "desa")
    except InvalidInput as exc:
        return _render(ctx, str(exc))
    return ctx.redirect(HOME, pesan=ctx.t("saved"))


def _area_id(ctx: Ctx) -> int:
    """The desa the form names: a row's key as the database holds it, or not found."""
    found = ascii_int(ctx.field("desa"))
    if found is None or not 1 <= found <= INTEGER_MAX:
        raise NotFound(ctx.t("not_found"))
    return found


@page(Permission.MANAGE_OFFICE)
def deactivate_area(ctx: Ctx) -> Response:
    edit.set_area_active(ctx.db, ctx.staff, _area_id(ctx), active=False)
    return ctx.redirect(HOME, pesan=ctx.t("saved"))


@page(Permission.MANAGE_OFFICE)
def reactivate_area(ctx: Ctx) -> Response:
    edit.set_area_active(ctx.db, ctx.staff, _area_id(ctx), active=True)
    return ctx.redirect(HOME, pesan=ctx.t("saved"))


@page(Permission.MANAGE_OFFICE)
def save_own_settings(ctx: Ctx) -> Response:
    """The office's service levels and group chats: both or neither (one transaction)."""
    typed = {"levels": ctx.field("tingkat_layanan"), "chats": ctx.field("grup_staf")}
    codes = [c.code for c in load_categories(ctx.office.settings.categories_file)]
    try:
        edit.set_service_levels(ctx.db, ctx.staff, typed["levels"], codes)
        edit.set_staff_chats(ctx.db, ctx.staff, typed["chats"])
    except InvalidInput as exc:
        ctx.db.rollback()
        return _render(ctx, str(exc), typed_own=typed)
    return ctx.redirect(HOME, pesan=ctx.t("saved"))
