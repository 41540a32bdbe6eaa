"""Report downloads from the dashboard, rendered by what the composition root gave."""

from __future__ import annotations

from starlette.responses import Response

from core.domain.access import Permission
from core.errors import NotFound
from web.pages.dashboard import chosen_period
from web.views import Ctx, page

KINDS = ("iku", "skm", "complaints")
MEDIA = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}


@page(Permission.DOWNLOAD_REPORTS)
def download(ctx: Ctx) -> Response:
    kind, fmt = ctx.request.path_params["kind"], ctx.request.path_params["fmt"]
    maker = ctx.office.reports
    if kind not in KINDS or fmt not in MEDIA or maker is None:
        raise NotFound(ctx.t("not_found"))
    period = chosen_period(ctx)
    content = maker(ctx.db, kind, period, fmt)
    name = f"laporan-{kind}-{period.start.isoformat()}-{period.end.isoformat()}.{fmt}"
    disposition = "inline" if fmt == "html" else f'attachment; filename="{name}"'
    return Response(content, media_type=MEDIA[fmt], headers={"Content-Disposition": disposition})
