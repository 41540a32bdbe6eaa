"""Logging in by a one-time link, logging out, and the staff member's language.

Opening the link shows a button; only pressing it (a POST) uses the link up, because
chat apps open links themselves to draw previews and would otherwise spend it.
"""

from __future__ import annotations

import secrets

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from core.errors import InvalidInput
from core.services.web_access import (
    SESSION_LIFETIME,
    end_session,
    redeem_login_link,
    set_session_language,
)
from web.context import Office
from web.i18n import LANGUAGES
from web.security import csrf_valid
from web.views import SESSION_COOKIE, Ctx, page

LOGIN_CSRF_COOKIE = "sigap_masuk"


def _secure(request: Request, office: Office) -> bool:
    return request.url.scheme == "https" or office.settings.web_address.startswith("https:")


def _login_page(office: Office, token: str, csrf: str, message: str | None) -> str:
    return office.templates.get_template("login.html").render(
        t=office.translator("id"), token=token, csrf=csrf, message=message, staff=None, path=""
    )


async def login_form(request: Request) -> Response:
    office: Office = request.app.state.office
    token = request.query_params.get("t", "")[:100]
    csrf = secrets.token_urlsafe(24)
    html = _login_page(office, token, csrf, None)
    response = HTMLResponse(html)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        csrf,
        max_age=900,
        httponly=True,
        samesite="strict",
        secure=_secure(request, office),
        path="/masuk",
    )
    return response


def _redeem(office: Office, token: str) -> str:
    with Session(office.engine, expire_on_commit=False) as db:
        new = redeem_login_link(db, token)
        db.commit()
        return new.session_id


async def login(request: Request) -> Response:
    office: Office = request.app.state.office
    t = office.translator("id")
    form = await request.form(max_fields=10, max_files=0)
    token = str(form.get("t") or "")[:100]
    given = form.get("csrf")
    if not csrf_valid(
        request.cookies.get(LOGIN_CSRF_COOKIE, ""), given if isinstance(given, str) else None
    ):
        return HTMLResponse(_login_page(office, token, "", t("csrf_failed")), status_code=403)
    try:
        session_id = await run_in_threadpool(_redeem, office, token)
    except InvalidInput:
        return HTMLResponse(_login_page(office, "", "", t("login_refused")), status_code=403)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=_secure(request, office),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/masuk")
    return response


@page(None)
def logout(ctx: Ctx) -> Response:
    end_session(ctx.db, ctx.request.cookies.get(SESSION_COOKIE, ""))
    response = ctx.redirect("/masuk")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@page(None)
def switch_language(ctx: Ctx) -> Response:
    wanted = ctx.field("bahasa")
    if wanted in LANGUAGES:
        set_session_language(ctx.db, ctx.web_session, wanted)
    back = ctx.field("kembali")
    return ctx.redirect(back if back.startswith("/") and not back.startswith("//") else "/")
