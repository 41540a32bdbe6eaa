"""Staff: who works in Sigap, invitations for Telegram and WhatsApp, roles, deactivation."""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import Response

from core.domain.access import Permission
from core.domain.people import StaffRole
from core.errors import InvalidInput
from core.services import records
from core.services.accounts import addresses_of_staff
from core.services.fields import clean_text
from core.services.invites import create_invite
from web.views import Ctx, page


def _render(ctx: Ctx, links: list[str] | None = None, error: str | None = None) -> Response:
    people = records.list_staff(ctx.db, include_inactive=True)
    accounts = {
        s.id: ", ".join(f"{a.channel}" for a in addresses_of_staff(ctx.db, [s.id]))
        for s in people
        if s.id
    }
    return ctx.render_with_notice(
        "staff.html",
        error,
        ctx.request.query_params.get("pesan"),
        people=people,
        accounts=accounts,
        roles=list(StaffRole),
        links=links,
    )


@page(Permission.MANAGE_STAFF)
def staff_list(ctx: Ctx) -> Response:
    return _render(ctx)


@page(Permission.MANAGE_STAFF)
def invite(ctx: Ctx) -> Response:
    try:
        role = StaffRole(ctx.field("peran"))
    except ValueError:
        return _render(ctx, error="Pilih peran.")
    try:
        name = clean_text(ctx.field("nama"), "Nama", 120) or None
    except InvalidInput as exc:
        return _render(ctx, error=str(exc))
    code = create_invite(ctx.db, role, name).code
    payload = f"staff_{code}"
    settings = ctx.office.settings
    links = [f"/start {payload}"]
    if settings.telegram_bot_username:
        links.insert(0, f"https://t.me/{settings.telegram_bot_username}?start={payload}")
    if settings.whatsapp_enabled:
        text = quote(f"/start {payload}")
        links.append(f"WhatsApp: https://wa.me/?text={text}")
    return _render(ctx, links=links)


@page(Permission.MANAGE_STAFF)
def deactivate(ctx: Ctx) -> Response:
    staff_id = ctx.request.path_params["staff_id"]
    if staff_id == ctx.staff.id:
        return _render(ctx, error="Anda tidak bisa menonaktifkan diri sendiri.")
    records.deactivate_staff(ctx.db, staff_id)
    return ctx.redirect("/petugas", pesan=ctx.t("saved"))


@page(Permission.MANAGE_STAFF)
def change_role(ctx: Ctx) -> Response:
    try:
        role = StaffRole(ctx.field("peran"))
    except ValueError:
        return _render(ctx, error="Pilih peran.")
    records.change_role(ctx.db, ctx.request.path_params["staff_id"], role)
    return ctx.redirect("/petugas", pesan=ctx.t("saved"))
