"""The services rated by the SKM, and the QR poster for each counter."""

from __future__ import annotations

from starlette.responses import Response

from core.domain.access import Permission
from core.errors import InvalidInput, NotFound
from core.services.files.fields import clean_text
from core.services.survey import skm
from web.views import Ctx, page


def _render(ctx: Ctx, error: str | None = None) -> Response:
    return ctx.render_with_notice(
        "services.html",
        error,
        ctx.notice(),
        services=skm.list_services(ctx.db, active_only=False),
        can_manage=ctx.may(Permission.MANAGE_SERVICES),
        posters=ctx.office.poster is not None,
    )


@page(Permission.VIEW_REGISTERS)
def services(ctx: Ctx) -> Response:
    return _render(ctx)


@page(Permission.MANAGE_SERVICES)
def add(ctx: Ctx) -> Response:
    try:
        name = clean_text(ctx.field("nama"), "Nama layanan", 120)
        skm.add_service(ctx.db, ctx.field("kode"), name)
    except InvalidInput as exc:
        return _render(ctx, str(exc))
    return ctx.redirect("/layanan", pesan=ctx.t("saved"))


@page(Permission.VIEW_REGISTERS)
def poster(ctx: Ctx) -> Response:
    maker = ctx.office.poster
    if maker is None:
        raise NotFound(ctx.t("not_found"))
    service = skm.get_service(ctx.db, ctx.request.path_params["code"])
    return Response(
        maker(ctx.db, service.code),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="poster-skm-{service.code}.pdf"'},
    )
