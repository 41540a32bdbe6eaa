"""The Camat's dashboard: a headline (how many IKU meet their target, which need
attention), the six IKU for a year, a triwulan or a date range as cards coloured and
named by their capaian band, each beside the same period last year and with its monthly
course, the complaints desk (open, overdue, settled in time this month, by desa), and a
page for what is behind each number.

Every figure is `iku_for_period`'s (core), the same the reports print.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup
from sqlmodel import col, select
from starlette.responses import Response

from core.digits import ascii_int
from core.domain.access import Permission
from core.domain.performance import IndicatorKind
from core.domain.periods import Period
from core.errors import InvalidInput, NotFound
from core.models import Document
from core.scope import office_of
from core.services.complaints.confidential import may_list_rahasia
from core.services.complaints.desk import ComplaintDesk, complaint_desk
from core.services.complaints.queue import iku4_rows
from core.services.complaints.stats import NO_DESA, SECRET_ROW
from core.services.files.fields import parse_date
from core.services.performance.iku import (
    IkuReport,
    IkuValue,
    iku_for_period,
    indicator_lines,
    year_earlier,
)
from core.services.performance.iku_course import monthly_course
from core.services.performance.iku_entries import year_entries
from core.services.performance.iku_stamp import iku_inputs_stamp
from core.services.performance.records import list_activities
from core.services.survey.skm import skm_summary
from core.timeutil import local_date, utc_bounds, utcnow
from web.pages import dashboard_view as view
from web.pages.complaints import complaint_row
from web.views import Ctx, page
from web.words import Words

DETAIL_LIMIT = 500
TREND_MONTHS = 24  # a long range shows its last two years of months


def read_period(ctx: Ctx) -> tuple[Period, str | None]:
    """From ?tahun=2026[&triwulan=3] or ?dari=..&sampai=..; this year by default. A
    year or triwulan that cannot be read comes back with the words saying so (the page
    shows the current year and the message, never silently the wrong year)."""
    query = ctx.request.query_params
    if query.get("dari") or query.get("sampai"):
        start = parse_date(query.get("dari", ""), ctx.t("date_from"))
        end = parse_date(query.get("sampai", ""), ctx.t("date_to"))
        if end < start:
            raise InvalidInput(ctx.t("period_reversed"))
        return Period(start, end), None
    this_year = local_date(utcnow(), ctx.office.settings.tz).year
    year, problem = this_year, None
    year_text = query.get("tahun", "").strip()
    if year_text:
        asked = ascii_int(year_text) if len(year_text) == 4 else None
        if asked is not None and 2000 <= asked <= 2100:
            year = asked
        else:
            problem = ctx.t("year_not_understood", given=year_text[:12], year=this_year)
    quarter = query.get("triwulan", "").strip()
    if quarter in ("1", "2", "3", "4"):
        return Period.quarter(year, int(quarter)), problem
    if quarter:
        problem = problem or ctx.t("quarter_not_understood", given=quarter[:12], year=year)
    return Period.year(year), problem


def chosen_period(ctx: Ctx) -> Period:
    """The period asked for; a year or triwulan that cannot be read is refused, naming
    it (a report file of the wrong year must never be downloaded by mistake)."""
    period, problem = read_period(ctx)
    if problem:
        raise InvalidInput(problem)
    return period


@dataclass(frozen=True)
class Figures:
    report: IkuReport
    course: list[tuple[date, IkuReport]]
    last_year: IkuReport
    desk: ComplaintDesk


def _today(ctx: Ctx) -> date:
    return local_date(utcnow(), ctx.office.settings.tz)


def _figures(ctx: Ctx, period: Period, stamp: tuple[int, int, int] | None = None) -> Figures:
    """The IKU, their course, last year's and the complaints desk: computed once per
    state of the data (the stamp) and day, whoever looks."""
    stamp = stamp or iku_inputs_stamp(ctx.db)
    today = _today(ctx)
    settings = ctx.office.settings

    def compute() -> Figures:
        return Figures(
            report=iku_for_period(ctx.db, settings, period),
            course=monthly_course(ctx.db, settings, period, last=TREND_MONTHS),
            last_year=iku_for_period(ctx.db, settings, year_earlier(period)),
            desk=complaint_desk(ctx.db, settings, period, today),
        )

    return ctx.office.figures.get(office_of(ctx.db), (period, today, stamp), compute)  # type: ignore[no-any-return]


def _cards_html(ctx: Ctx, period: Period) -> tuple[Markup, Markup]:
    """The headline, and the six cards with the complaints desk, as HTML rendered once
    per state of the data and language: the busiest page then costs a session check,
    the stamp and the page's frame."""
    query = ctx.request.url.query
    stamp = iku_inputs_stamp(ctx.db)
    key = ("cards", period, _today(ctx), stamp, ctx.staff.role, ctx.web_session.language, query)

    def render() -> tuple[Markup, Markup]:
        figures = _figures(ctx, period, stamp)
        bands, t = ctx.office.settings.bands, ctx.t
        last_period = year_earlier(period)
        cards = [
            view.card(
                v,
                period,
                figures.last_year.find(v.code),
                last_period,
                figures.course,
                bands,
                t,
                query,
            )
            for v in figures.report.indicators
        ]
        templates = ctx.office.templates
        headline = view.headline(figures.report, t)
        top = templates.get_template("dashboard_headline.html").render(
            t=t, headline=headline, headline_tone=view.headline_tone(headline)
        )
        body = templates.get_template("dashboard_cards.html").render(
            t=t,
            cards=cards,
            desk=figures.desk,
            month=view.day_words(figures.desk.month.start, t),
            today=view.day_words(figures.desk.today, t),
            period_words=view.period_words(period, t),
            may_view_complaints=ctx.may(Permission.VIEW_COMPLAINTS),
            secret_row=SECRET_ROW,
            no_desa=NO_DESA,
        )
        return Markup(top), Markup(body)

    return ctx.office.figures.get(office_of(ctx.db), key, render)  # type: ignore[no-any-return]


@page(Permission.VIEW_DASHBOARD)
def dashboard(ctx: Ctx) -> Response:
    period, problem = read_period(ctx)
    query = ctx.request.query_params
    headline_html, cards_html = _cards_html(ctx, period)
    return ctx.render(
        "dashboard.html",
        period=period,
        period_words=view.period_words(period, ctx.t),
        problem=problem,
        headline_html=headline_html,
        cards_html=cards_html,
        query=ctx.request.url.query,
        year=period.end.year,
        quarter=str(period.quarter_number or ""),
        request_from=query.get("dari", ""),
        request_to=query.get("sampai", ""),
    )


@page(Permission.VIEW_DASHBOARD)
def iku_detail(ctx: Ctx) -> Response:
    """What is behind one number: the rows it counts (and, for IKU4, what it leaves out)."""
    code_text = ctx.request.path_params["code"]
    period, problem = read_period(ctx)
    figures = _figures(ctx, period)
    value = figures.report.find(code_text) or figures.report.find(code_text.upper())
    if value is None:  # not one of this office's IKU
        raise NotFound(ctx.t("not_found"))
    code = value.code
    query = ctx.request.url.query
    shown = view.card(
        value,
        period,
        figures.last_year.find(code),
        year_earlier(period),
        figures.course,
        ctx.office.settings.bands,
        ctx.t,
        query,
    )
    return ctx.render(
        "iku_detail.html",
        value=value,
        card=shown,
        period=period,
        period_words=view.period_words(period, ctx.t),
        problem=problem,
        query=query,
        w=Words(ctx.t, ctx.web_session.language, ctx.office.settings.categories_file),
        **_detail_rows(ctx, value, period),  # type: ignore[arg-type]
    )


def _detail_rows(ctx: Ctx, value: IkuValue, period: Period) -> dict[str, object]:
    db, kind = ctx.db, value.kind
    if kind is IndicatorKind.DOCUMENTS:  # the year to date, short of a whole year
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
    if kind is IndicatorKind.IKM:
        return {"skm": skm_summary(db, period)}
    if kind is IndicatorKind.ACTIVITIES:
        return {"activities": list_activities(db, period.start, period.end)}
    if kind is IndicatorKind.TRANTIB:  # rahasia ones listed to complaint handlers only
        settings = ctx.office.settings
        start, end = utc_bounds(period.start, period.end, settings.tz)
        found = iku4_rows(db, start, end, may_list_rahasia(ctx.staff), DETAIL_LIMIT)
        today = _today(ctx)
        words = Words(ctx.t, ctx.web_session.language, settings.categories_file)
        return {  # the office's local day each was received, not the UTC one
            "counted": [complaint_row(c, today, words, settings.tz) for c in found.counted],
            "excluded": [complaint_row(c, today, words, settings.tz) for c in found.excluded],
            "withheld_counted": found.withheld_counted,
            "withheld_excluded": found.withheld_excluded,
            "limit": DETAIL_LIMIT,
        }
    if kind is IndicatorKind.PROGRAMS:
        return {"indicators": indicator_lines(db, period.end.year)}
    if kind is IndicatorKind.ENTERED:  # the year's realisations, each with its evidence
        entries = year_entries(db, value.code, period.end.year)
        return {"entries": [entries[q] for q in sorted(entries)]}
    return {}
