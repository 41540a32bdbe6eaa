"""Staff: who works in Sigap, invitations for Telegram and WhatsApp, roles, deactivation.

Every change goes through the core services with the acting staff member, so the role
matrix is asked again there, the last admin is kept, and the change lands in the trail.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import quote

from starlette.responses import Response

from core.domain.access import COMPLAINT_HANDLERS, ROLE_MATRIX, Permission
from core.domain.people import OFFICE_ROLES, StaffRole
from core.errors import InvalidInput, NotFound
from core.models import RegisterAudit
from core.services.access.accounts import addresses_of_staff
from core.services.access.invites import create_invite, pending_invites, revoke_invite
from core.services.access.staff_audit import staff_trail
from core.services.files.fields import clean_text
from core.services.performance import records
from web.views import Ctx, page
from web.words import Words


def by_power(role: StaffRole) -> tuple[int, bool, int]:
    """Fewer rights first; of equals, the one that sees no reporter's identity first."""
    return len(ROLE_MATRIX[role]), role in COMPLAINT_HANDLERS, list(StaffRole).index(role)


# The roles as the forms list them, the least powerful first: an invitation made in a
# hurry gives the fewest rights, never admin.
ROLES = sorted(OFFICE_ROLES, key=by_power)  # an office invites its own staff only
INVITE_DEFAULT = ROLES[0]


def _words(ctx: Ctx) -> Words:
    return Words(ctx.t, ctx.web_session.language)


def _trail(ctx: Ctx, words: Words) -> list[dict[str, object]]:
    rows = staff_trail(ctx.db)
    names = records.names_of_staff(ctx.db, [r.staff_id for r in rows] + _subjects(rows))
    return [
        {
            "at": r.at,
            "who": names.get(r.staff_id, "") if r.staff_id else ctx.t("trail_operator"),
            "whom": names.get(int(r.record_key), "") if r.record_key.isdigit() else "–",
            "change": _describe(ctx, words, r.action, json.loads(r.changes)),
        }
        for r in rows
    ]


def _describe(ctx: Ctx, words: Words, action: str, changes: dict[str, list[object]]) -> str:
    """A change of rights as a sentence: "Peran diubah: Seksi trantib → Sekretaris camat"."""

    def value(field: str, index: int) -> str:
        pair = changes.get(field) or [None, None]
        shown = "–" if pair[index] in (None, "") else str(pair[index])
        return words.role(shown) if field == "peran" and shown != "–" else shown

    sentences = {
        "undang": ("trail_invited", {"role": value("peran", 1), "name": value("nama", 1)}),
        "cabut": ("trail_revoked", {"invite": value("undangan", 0)}),
        "gabung": ("trail_joined", {"role": value("peran", 1), "invite": value("undangan", 1)}),
        "peran": ("trail_role", {"before": value("peran", 0), "after": value("peran", 1)}),
        "nonaktif": ("trail_deactivated", {}),
    }
    if action not in sentences:
        return _changes(changes)
    key, params = sentences[action]
    return ctx.t(key, **params)


def _subjects(rows: Sequence[RegisterAudit]) -> list[int | None]:
    return [int(r.record_key) for r in rows if r.record_key.isdigit()]


def _changes(changes: dict[str, list[object]]) -> str:
    return "; ".join(
        f"{field}: {before if before is not None else '–'} → {after if after is not None else '–'}"
        for field, (before, after) in changes.items()
    )


def _render(ctx: Ctx, links: list[str] | None = None, error: str | None = None) -> Response:
    words = _words(ctx)
    people = records.list_staff(ctx.db, include_inactive=True)
    accounts = {
        s.id: ", ".join(words.channel(a.channel) for a in addresses_of_staff(ctx.db, [s.id]))
        for s in people
        if s.id
    }
    return ctx.render_with_notice(
        "staff.html",
        error,
        ctx.notice(),
        people=people,
        accounts=accounts,
        roles=ROLES,
        invite_role=INVITE_DEFAULT,
        links=links,
        invites=pending_invites(ctx.db),
        trail=_trail(ctx, words),
        w=words,
    )


@page(Permission.MANAGE_STAFF)
def staff_list(ctx: Ctx) -> Response:
    return _render(ctx)


@page(Permission.MANAGE_STAFF)
def invite(ctx: Ctx) -> Response:
    try:
        role = StaffRole(ctx.field("peran"))
    except ValueError:
        return _render(ctx, error=ctx.t("choose_role_error"))
    try:
        name = clean_text(ctx.field("nama"), "Nama", 120) or None
    except InvalidInput as exc:
        return _render(ctx, error=str(exc))
    code = create_invite(ctx.db, role, name, actor=ctx.staff).code
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
def revoke(ctx: Ctx) -> Response:
    revoke_invite(ctx.db, ctx.request.path_params["invite_id"], actor=ctx.staff)
    return ctx.redirect("/petugas", pesan=ctx.t("revoked"))


@page(Permission.MANAGE_STAFF)
def deactivate(ctx: Ctx) -> Response:
    staff_id = ctx.request.path_params["staff_id"]
    if staff_id == ctx.staff.id:
        return _render(ctx, error=ctx.t("cannot_deactivate_self"))
    try:
        records.deactivate_staff(ctx.db, staff_id, actor=ctx.staff)
    except InvalidInput as exc:
        return _render(ctx, error=str(exc))
    return ctx.redirect("/petugas", pesan=ctx.t("saved"))


@page(Permission.MANAGE_STAFF)
def change_role(ctx: Ctx) -> Response:
    try:
        role = StaffRole(ctx.field("peran"))
    except ValueError:
        return _render(ctx, error=ctx.t("choose_role_error"))
    try:
        records.change_role(ctx.db, ctx.request.path_params["staff_id"], role, actor=ctx.staff)
    except (InvalidInput, NotFound) as exc:
        return _render(ctx, error=str(exc))
    return ctx.redirect("/petugas", pesan=ctx.t("saved"))
