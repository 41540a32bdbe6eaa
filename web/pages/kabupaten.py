"""The kabupaten's page: every kecamatan's IKU for a year or a triwulan, one league table
per indicator of the dictionary, with the kabupaten's median and the offices that have
entered nothing yet. For the Bagian Organisasi, the Bupati and the Inspektorat, who
belong to no office."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup
from starlette.responses import Response

from core.domain.access import Permission
from core.domain.skm import Unsur
from core.errors import NotFound
from core.models import Office
from core.services.kabupaten.rollup import kabupaten_rollup, kabupaten_stamp
from core.timeutil import local_date, utcnow
from web.pages import dashboard_view as view
from web.pages.dashboard import chosen_period, read_period
from web.pages.dashboard_view import band_words, figure, percent
from web.pages.reports import MEDIA, report_file
from web.views import Ctx, kabupaten_page

KABUPATEN = 0  # the figures cache's slot of the kabupaten, which is no office (ids from 1)


@kabupaten_page(Permission.VIEW_KABUPATEN)
def report(ctx: Ctx) -> Response:
    """The roll-up as a file (PDF, XLSX) or a printable page (HTML)."""
    fmt, maker = ctx.request.path_params["fmt"], ctx.office.reports
    if fmt not in MEDIA or maker is None:
        raise NotFound(ctx.t("not_found"))
    period = chosen_period(ctx)
    return report_file(maker(ctx.db, "kabupaten", period, fmt), "kabupaten", period, fmt)


@kabupaten_page(Permission.VIEW_KABUPATEN)
def rollup(ctx: Ctx) -> Response:
    period, problem = read_period(ctx)
    settings = ctx.office.settings

    today = local_date(utcnow(), settings.tz)

    def line(office: Office, stamp: tuple[int, ...], compute: Callable[[], Any]) -> Any:
        key = ("line", period, today, stamp, office.code, office.name)
        return ctx.office.office_lines.get(office.id or 0, key, compute)

    query = ctx.request.url.query

    def body() -> Markup:
        figures = kabupaten_rollup(ctx.db, settings, period, today, line)
        return Markup(
            ctx.office.templates.get_template("kabupaten_body.html").render(
                t=ctx.t,
                rollup=figures,
                year=period.end.year,
                quarter=str(period.quarter_number or ""),
                figure=lambda value, shown: figure(value, shown, ctx.t),
                percent=percent,
                band=lambda value: band_words(value, ctx.t),
                unsur=list(Unsur),
                query=query,
            )
        )

    # Nothing anywhere changed: the page as last rendered (else each office's line is
    # reused until its own data moved, and only the page is rendered again).
    key = ("page", period, today, kabupaten_stamp(ctx.db), ctx.web_session.language, query)
    return ctx.render(
        "kabupaten.html",
        body_html=ctx.office.figures.get(KABUPATEN, key, body),
        period=period,
        problem=problem,
        year=period.end.year,
        quarter=str(period.quarter_number or ""),
        period_words=view.period_words(period, ctx.t),
    )
