"""The quarterly verification on the web: an office submits a triwulan's IKU (/pengajuan);
the kabupaten lists each office's state (/kabupaten/verifikasi), reads a submission with
its evidence beside today's live figures, and verifies or returns each IKU."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session
from starlette.responses import Response

from core.digits import ascii_int
from core.domain.access import Permission
from core.domain.periods import Period
from core.errors import InvalidInput, NotFound
from core.models import Office
from core.scope import for_office
from core.services.access.offices import active_offices
from core.services.kabupaten import verification as ver
from core.services.performance.iku import iku_for_period
from core.timeutil import local_date, utcnow
from web.pages.dashboard_view import percent
from web.views import Ctx, kabupaten_page, page


def _today(ctx: Ctx) -> date:
    return local_date(utcnow(), ctx.office.settings.tz)


def _year(ctx: Ctx) -> int:
    """The year a form or an address names (``tahun``); this year when none."""
    text = (ctx.field("tahun") if ctx.form is not None else "") or ctx.request.query_params.get(
        "tahun", ""
    )
    if not text:
        return _today(ctx).year
    year = ascii_int(text) if len(text) == 4 else None
    if year is None or not 2000 <= year <= 2100:
        raise InvalidInput(ctx.t("year_not_understood", given=text[:12], year=_today(ctx).year))
    return year


def _quarter(text: str) -> int:
    if text not in ("1", "2", "3", "4"):
        raise NotFound("Triwulan 1–4.")
    return int(text)


# -- the office ------------------------------------------------------------------------


@page(Permission.VIEW_DASHBOARD)
def office_submissions(ctx: Ctx) -> Response:
    """The year's four triwulan: each one's state, what was returned and why."""
    year = _year(ctx)
    quarters = [(q, ver.submission(ctx.db, year, q)) for q in range(1, 5)]
    return ctx.render_with_notice(
        "submissions.html",
        None,
        ctx.request.query_params.get("pesan"),
        year=year,
        quarters=quarters,
        ended=[Period.quarter(year, q).end < _today(ctx) for q in range(1, 5)],
        steps=ver.steps_of,
        may_submit=ctx.may(Permission.SUBMIT_IKU),
    )


@page(Permission.SUBMIT_IKU)
def submit(ctx: Ctx) -> Response:
    year, quarter = _year(ctx), _quarter(ctx.field("triwulan"))
    settings = ctx.office.settings
    ver.submit_quarter(ctx.db, settings, year, quarter, ctx.staff, _today(ctx))
    return ctx.redirect("/pengajuan", tahun=str(year), pesan=ctx.t("submitted_quarter"))


# -- the kabupaten ---------------------------------------------------------------------


@kabupaten_page(Permission.VIEW_KABUPATEN)
def kabupaten_states(ctx: Ctx) -> Response:
    """Per office, the state of one triwulan."""
    year, quarter = _year(ctx), _quarter(ctx.request.query_params.get("triwulan", "1"))
    rows = []
    for office in active_offices(ctx.db):  # each read in a session of that office
        with for_office(Session(ctx.db.get_bind()), office.id or 0) as own:
            rows.append((office, ver.state_of(own, year, quarter)))
    return ctx.render("verification_list.html", year=year, quarter=quarter, rows=rows)


def _path_period(ctx: Ctx) -> tuple[int, int]:
    year = ascii_int(ctx.request.path_params["year"])
    if year is None or not 2000 <= year <= 2100:
        raise NotFound(ctx.t("not_found"))
    return year, _quarter(ctx.request.path_params["q"])


def _office(ctx: Ctx) -> Office:
    code = ctx.request.path_params["code"]
    found = next((o for o in active_offices(ctx.db) if o.code == code), None)
    if found is None:
        raise NotFound(ctx.t("not_found"))
    return found


@kabupaten_page(Permission.VIEW_KABUPATEN)
def kabupaten_submission(ctx: Ctx) -> Response:
    """One office's submission: each IKU as submitted, its evidence, today's live
    figure beside it, the decisions taken and the history."""
    office = _office(ctx)
    year, quarter = _path_period(ctx)
    for_office(ctx.db, office.id or 0)  # from here the page reads that office's rows
    found = ver.submission(ctx.db, year, quarter)
    live = iku_for_period(ctx.db, ctx.office.settings, Period.quarter(year, quarter))
    return ctx.render(
        "verification_detail.html",
        office_row=office,
        year=year,
        quarter=quarter,
        submission=found,
        live={v.indicator: v for v in live.indicators},  # by indicator: numbers may move
        steps=ver.steps_of(ctx.db, year, quarter),
        may_verify=ctx.may(Permission.VERIFY_IKU),
        percent=percent,
    )


@kabupaten_page(Permission.VERIFY_IKU)
def decide(ctx: Ctx) -> Response:
    office = _office(ctx)
    year, quarter = _path_period(ctx)
    for_office(ctx.db, office.id or 0)
    verdict = ctx.field("keputusan")
    if verdict not in ("verifikasi", "kembalikan"):
        raise InvalidInput(ctx.t("choose_verdict"))
    code, version = ctx.request.path_params["iku"], ascii_int(ctx.field("versi"))
    if version is None:
        raise InvalidInput(ctx.t("choose_verdict"))
    reason = ctx.field("alasan")
    ver.decide(ctx.db, year, quarter, code, verdict == "verifikasi", reason, ctx.staff, version)
    return ctx.redirect(f"/kabupaten/verifikasi/{office.code}/{year}/{quarter}")
