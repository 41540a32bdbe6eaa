"""Report downloads from the dashboard, rendered by what the composition root gave. An
HTML report opens in the browser under its own content security policy, which allows
its inline style (by hash) where the app's policy allows none (web/security.py)."""

from __future__ import annotations

from starlette.responses import Response

from core.domain.access import Permission
from core.domain.periods import Period
from core.errors import NotFound
from web.pages.dashboard import chosen_period
from web.security import report_policy
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
    return report_file(maker(ctx.db, kind, period, fmt), kind, period, fmt)


def report_file(content: bytes, kind: str, period: Period, fmt: str) -> Response:
    name = f"laporan-{kind}-{period.start.isoformat()}-{period.end.isoformat()}.{fmt}"
    if fmt == "html":  # opened in the browser, styled under a policy of its own
        headers = {
            "Content-Disposition": "inline",
            "Content-Security-Policy": report_policy(content),
        }
    else:
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content, media_type=MEDIA[fmt], headers=headers)
