"""The quarterly verification on the web: an office submits a triwulan's IKU (/pengajuan);
the kabupaten lists each office's state (/kabupaten/verifikasi), reads a submission with
its evidence beside today's live figures, and verifies or returns each IKU."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from starlette.responses import RedirectResponse, Response

from core.digits import ascii_int
from core.domain.access import Permission
from core.domain.periods import Period
from core.errors import InvalidInput, NotFound
from core.models import Office
from core.scope import for_office
from core.services.access.offices import active_offices
from core.services.files.fields import parse_date
from core.services.kabupaten import deadlines
from core.services.kabupaten import verification as ver
from core.services.kabupaten import windows as windows_
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
    year, today, settings = _year(ctx), _today(ctx), ctx.office.settings
    quarters = [(q, ver.submission(ctx.db, year, q)) for q in range(1, 5)]
    windows = [windows_.window_of(ctx.db, settings, year, q) for q in range(1, 5)]
    return ctx.render_with_notice(
        "submissions.html",
        None,
        ctx.notice(),
        year=year,
        quarters=quarters,
        windows=windows,
        refusals=[w.refusal(today) for w in windows],
        ended=[Period.quarter(year, q).end < today for q in range(1, 5)],
        steps=ver.steps_of,
        may_submit=ctx.may(Permission.SUBMIT_IKU),
    )


@page(Permission.SUBMIT_IKU)
def submit(ctx: Ctx) -> Response:
    year, quarter = _year(ctx), _quarter(ctx.field("triwulan"))
    settings = ctx.office.settings
    if ctx.field("periksa") != "ya":  # what is frozen is what the Camat looked at
        raise InvalidInput(ctx.t("check_figures_first"))
    ver.submit_quarter(ctx.db, settings, year, quarter, ctx.staff, _today(ctx))
    return ctx.redirect("/pengajuan", tahun=str(year), pesan=ctx.t("submitted_quarter"))


# -- the kabupaten ---------------------------------------------------------------------


def _latest_ended(today: date) -> tuple[int, int]:
    quarter = (today.month - 1) // 3 + 1
    return (today.year - 1, 4) if quarter == 1 else (today.year, quarter - 1)


@kabupaten_page(Permission.VIEW_KABUPATEN)
def kabupaten_states(ctx: Ctx) -> Response:
    """Per office, the state of one triwulan (the latest ended one unless asked), the
    late ones first; the window and its deadline, which the Bagian Organisasi sets."""
    asked = ctx.request.query_params.get("triwulan")
    year, quarter = (_year(ctx), _quarter(asked)) if asked else _latest_ended(_today(ctx))
    return _states_page(ctx, year, quarter, None)


def _states_page(ctx: Ctx, year: int, quarter: int, error: str | None) -> Response:
    """The list, with the refusal of a window form beside it when there was one."""
    today = _today(ctx)
    window, rows = deadlines.standings(ctx.db, ctx.office.settings, year, quarter, today)
    return ctx.render_with_notice(
        "verification_list.html",
        error,
        None if error else ctx.notice(),
        year=year,
        quarter=quarter,
        rows=rows,
        window=window,
        today=today,
        late=sum(r.owes and r.late for r in rows),
        verifier_names=ver.VERIFIER_NAMES,
        deadline_workdays=ctx.office.settings.submission_deadline_workdays,
        may_manage=ctx.may(Permission.MANAGE_KABUPATEN),
    )


def _form_date(ctx: Ctx, name: str, label: str) -> date:
    if not ctx.field(name):
        raise InvalidInput(ctx.t("date_not_understood", label=label))
    return parse_date(ctx.field(name), label)


@kabupaten_page(Permission.MANAGE_KABUPATEN)
def set_window(ctx: Ctx) -> Response:
    """Open (or reopen) a triwulan's window with its dates, or close it."""
    year, quarter = _year(ctx), _quarter(ctx.field("triwulan"))
    settings = ctx.office.settings
    try:
        if ctx.field("aksi") == "tutup":
            windows_.close_window(ctx.db, settings, ctx.staff, year, quarter)
            message = ctx.t("window_closed_done")
        else:
            opens_on = _form_date(ctx, "dibuka", ctx.t("window_opens"))
            deadline = _form_date(ctx, "tenggat", ctx.t("window_deadline"))
            windows_.set_window(ctx.db, settings, ctx.staff, year, quarter, opens_on, deadline)
            message = ctx.t("window_opened_done")
    except InvalidInput as refused:
        return _states_page(ctx, year, quarter, str(refused))
    return ctx.redirect(
        "/kabupaten/verifikasi", tahun=str(year), triwulan=str(quarter), pesan=message
    )


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
    return _detail_page(ctx, office, year, quarter, None)


def _detail_page(
    ctx: Ctx,
    office: Office,
    year: int,
    quarter: int,
    refusal: tuple[str, str, str] | None,  # (IKU, message, the reason typed)
) -> Response:
    found = ver.submission(ctx.db, year, quarter)
    live = iku_for_period(ctx.db, ctx.office.settings, Period.quarter(year, quarter))
    return ctx.render(
        "verification_detail.html",
        status=400 if refusal else 200,
        refusal=refusal,
        office_row=office,
        year=year,
        quarter=quarter,
        submission=found,
        live={v.indicator: v for v in live.indicators},  # by indicator: numbers may move
        steps=ver.steps_of(ctx.db, year, quarter),
        may_verify=ctx.may(Permission.VERIFY_IKU),
        my_role=ctx.staff.role,
        evidence=lambda item: _evidence_line(ctx, item),
        verifier_names=ver.VERIFIER_NAMES,
        percent=percent,
    )


EVIDENCE_KEYS = (
    *("title", "name", "code", "kind", "category", "state", "status", "date", "planned"),
    *("held", "received", "resolved", "quarter", "value", "score", "target", "realisation"),
    *("achieved", "respondents", "nrr", "evidence", "note", "photos", "file", "rahasia"),
)


def _evidence_line(ctx: Ctx, item: dict[str, Any]) -> list[tuple[str, str]]:
    """One piece of frozen evidence in the reader's words: labels from the catalogue,
    days as the office reads them (a complaint received at 01:00 WIB is that day's)."""
    shown = []
    for key in EVIDENCE_KEYS:
        value = item.get(key)
        if value is None or value == [] or value == "":
            continue
        shown.append((ctx.t(f"evidence_{key}"), _evidence_value(ctx, key, value)))
    return shown


def _evidence_value(ctx: Ctx, key: str, value: Any) -> str:
    if key == "photos":
        return ctx.t("evidence_photo_count", n=len(value))
    if key == "file":
        return ctx.t("evidence_file_kept")
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return ctx.t("yes") if value else ctx.t("no")
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if len(value) > 10:  # an instant: the office's day
            return local_date(moment, ctx.office.settings.tz).strftime("%d-%m-%Y")
        return moment.strftime("%d-%m-%Y")
    return str(value)


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
    try:
        ver.decide(ctx.db, year, quarter, code, verdict == "verifikasi", reason, ctx.staff, version)
    except InvalidInput as refused:  # the page again, the message at that IKU's form
        return _detail_page(ctx, office, year, quarter, (code, str(refused), reason))
    # back at the IKU just decided, not at the top of a long page
    return RedirectResponse(
        f"/kabupaten/verifikasi/{office.code}/{year}/{quarter}#iku-{code}", status_code=303
    )
