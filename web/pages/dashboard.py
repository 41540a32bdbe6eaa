"""The Camat's dashboard: the six IKU for a year, a triwulan or a date range, each with
its target, capaian and category, a monthly trend, and a page for what is behind it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from markupsafe import Markup
from sqlmodel import col, select
from starlette.responses import Response

from core.digits import ascii_int
from core.domain.access import Permission
from core.domain.capaian import capaian_band
from core.domain.performance import IkuCode
from core.domain.periods import Period
from core.errors import InvalidInput, NotFound
from core.models import Document, ProgramIndicator
from core.services import iku as iku_service
from core.services.complaint_queue import iku4_rows
from core.services.confidential import may_list_rahasia
from core.services.fields import parse_date
from core.services.iku import IkuReport, IkuStatus, IkuValue, iku_for_period
from core.services.iku_stamp import iku_inputs_stamp
from core.services.records import list_activities
from core.services.skm import skm_summary
from core.timeutil import local_date, utc_bounds, utcnow
from web.pages.complaints import complaint_row
from web.views import Ctx, page

MONTHS = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
DETAIL_LIMIT = 500


def chosen_period(ctx: Ctx) -> Period:
    """From ?tahun=2026[&triwulan=3] or ?dari=..&sampai=..; this year by default."""
    query = ctx.request.query_params
    if query.get("dari") or query.get("sampai"):
        start = parse_date(query.get("dari", ""), ctx.t("date_from"))
        end = parse_date(query.get("sampai", ""), ctx.t("date_to"))
        if end < start:
            raise InvalidInput("Periode terbalik: tanggal akhir sebelum tanggal awal.")
        return Period(start, end)
    year_text = query.get("tahun", "")
    year = ascii_int(year_text) if len(year_text) == 4 else None
    year = year or local_date(utcnow(), ctx.office.settings.tz).year
    if not 2000 <= year <= 2100:
        raise InvalidInput("Tahun di luar 2000–2100.")
    quarter = query.get("triwulan", "")
    if quarter in ("1", "2", "3", "4"):
        return Period.quarter(year, int(quarter))
    return Period.year(year)


def _months(period: Period) -> list[Period]:
    months, year, month = [], period.start.year, period.start.month
    while date(year, month, 1) <= period.end:
        start = max(date(year, month, 1), period.start)
        nxt = date(year + month // 12, month % 12 + 1, 1)
        months.append(Period(start, min(period.end, date.fromordinal(nxt.toordinal() - 1))))
        year, month = nxt.year, nxt.month
    return months


Point = tuple[str, Decimal | None]


def _trend(ctx: Ctx, period: Period) -> dict[IkuCode, list[Point]]:
    """Month by month for the indicators that move within a year (IKU5/6 are annual)."""
    trend: dict[IkuCode, list[Point]] = {c: [] for c in IkuCode}
    settings = ctx.office.settings
    for month in _months(period)[:24]:
        label = f"{MONTHS[month.start.month - 1]} {month.start.year % 100:02d}"
        for value in (
            iku_service.documents_value(ctx.db, month),
            iku_service.ikm_value(ctx.db, month),
            iku_service.activities_value(ctx.db, month),
            iku_service.complaints_value(ctx.db, settings, month),
        ):
            trend[value.code].append((label, value.value))
    return trend


@dataclass(frozen=True)
class Card:
    value: IkuValue
    category: str
    bars: list[tuple[str, Decimal | None, int]]  # label, value, height in %


def _category(ctx: Ctx, value: IkuValue) -> str:
    if value.status is IkuStatus.OK and value.capaian is not None:
        return capaian_band(value.capaian, ctx.office.settings.bands)
    return {
        IkuStatus.NO_DATA: ctx.t("no_data"),
        IkuStatus.NO_TARGET: ctx.t("no_target"),
        IkuStatus.TARGET_ZERO: ctx.t("target_zero"),
    }.get(value.status, "-")


def _bars(points: list[tuple[str, Decimal | None]]) -> list[tuple[str, Decimal | None, int]]:
    top = max((v for _, v in points if v is not None), default=Decimal(0))
    return [
        (label, v, int(v * 100 / top) if v is not None and top > 0 else 0) for label, v in points
    ]


def _figures(
    ctx: Ctx, period: Period, stamp: tuple[int, int, int] | None = None
) -> tuple[IkuReport, dict[IkuCode, list[Point]]]:
    """The IKU and the monthly trend, reused until the data behind them changes."""
    stamp = stamp or iku_inputs_stamp(ctx.db)
    key = (period, local_date(utcnow(), ctx.office.settings.tz), stamp)
    return ctx.office.figures.get(  # type: ignore[no-any-return]
        key, lambda: (iku_for_period(ctx.db, ctx.office.settings, period), _trend(ctx, period))
    )


def _cards_html(ctx: Ctx, period: Period) -> Markup:
    """The six cards as HTML, rendered once per state of the data and language: the
    busiest page then costs a session check, the stamp and the page's frame."""
    query = ctx.request.url.query
    today = local_date(utcnow(), ctx.office.settings.tz)
    stamp = iku_inputs_stamp(ctx.db)
    key = ("cards", period, today, stamp, ctx.web_session.language, query)

    def render() -> Markup:
        report, trend = _figures(ctx, period, stamp)
        cards = [Card(v, _category(ctx, v), _bars(trend[v.code])) for v in report.indicators]
        html = ctx.office.templates.get_template("dashboard_cards.html").render(
            t=ctx.t, cards=cards, query=query
        )
        return Markup(html)

    return ctx.office.figures.get(key, render)  # type: ignore[no-any-return]


@page(Permission.VIEW_DASHBOARD)
def dashboard(ctx: Ctx) -> Response:
    period = chosen_period(ctx)
    return ctx.render(
        "dashboard.html",
        period=period,
        cards_html=_cards_html(ctx, period),
        query=ctx.request.url.query,
        year=period.end.year,
        quarter=ctx.request.query_params.get("triwulan", ""),
    )


@page(Permission.VIEW_DASHBOARD)
def iku_detail(ctx: Ctx) -> Response:
    """What is behind one number: the rows it counts (and, for IKU4, what it leaves out)."""
    code_text = ctx.request.path_params["code"].upper()
    if code_text not in IkuCode.__members__:
        raise NotFound(ctx.t("not_found"))
    code = IkuCode(code_text)
    period = chosen_period(ctx)
    value = _figures(ctx, period)[0].get(code)
    rows = _detail_rows(ctx, code, period)
    return ctx.render(
        "iku_detail.html",
        value=value,
        category=_category(ctx, value),
        period=period,
        query=ctx.request.url.query,
        **rows,  # type: ignore[arg-type]
    )


def _detail_rows(ctx: Ctx, code: IkuCode, period: Period) -> dict[str, object]:
    db = ctx.db
    if code is IkuCode.IKU1:  # the documents IKU1 counted: the year to date, short of a year
        span = period if period.is_whole_year else period.year_to_date()
        docs = db.exec(
            select(Document)
            .where(
                col(Document.doc_date).between(span.start, span.end),
                col(Document.deleted_at).is_(None),
            )
            .order_by(col(Document.doc_date))
        ).all()
        return {"documents": docs}
    if code is IkuCode.IKU2:
        return {"skm": skm_summary(db, period)}
    if code is IkuCode.IKU3:
        return {"activities": list_activities(db, period.start, period.end)}
    if code is IkuCode.IKU4:  # rahasia ones listed to complaint handlers only, else counted
        start, end = utc_bounds(period.start, period.end, ctx.office.settings.tz)
        found = iku4_rows(db, start, end, may_list_rahasia(ctx.staff), DETAIL_LIMIT)
        today = local_date(utcnow(), ctx.office.settings.tz)
        return {
            "counted": [complaint_row(c, today) for c in found.counted],
            "excluded": [complaint_row(c, today) for c in found.excluded],
            "withheld_counted": found.withheld_counted,
            "withheld_excluded": found.withheld_excluded,
            "limit": DETAIL_LIMIT,
        }
    if code is IkuCode.IKU6:
        indicators = db.exec(
            select(ProgramIndicator).where(
                ProgramIndicator.year == period.end.year,
                col(ProgramIndicator.deleted_at).is_(None),
            )
        ).all()
        return {"indicators": indicators}
    return {}
