"""Logging in by a one-time link, logging out, and the staff member's language.

Opening the link shows a button; only pressing it (a POST) uses the link up, because
chat apps open links themselves to draw previews and would otherwise spend it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from core.errors import InvalidInput
from core.services.access.web_access import (
    SESSION_LIFETIME,
    end_session,
    redeem_login_link,
    set_session_language,
)
from web.context import Office
from web.i18n import LANGUAGES
from web.limits import LOGIN_FORM, BodyRefused, read_form
from web.login_guard import FORM_LIFETIME, FormSigner, same_origin
from web.views import SESSION_COOKIE, Ctx, account_page

LOGIN_COOKIE = "sigap_masuk"
SECURE_LOGIN_COOKIE = "__Host-sigap_masuk"  # behind HTTPS: no subdomain can plant it
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]*")


def _secure(request: Request, office: Office) -> bool:
    return request.url.scheme == "https" or office.settings.web_address.startswith("https:")


def _cookie_name(secure: bool) -> str:
    return SECURE_LOGIN_COOKIE if secure else LOGIN_COOKIE


def _login_page(
    request: Request, token: str, message: str | None = None, status: int = 200
) -> HTMLResponse:
    """The page with a working button for ``token`` (none without one): every answer,
    a refusal included, carries a fresh signed form token and its cookie."""
    office: Office = request.app.state.office
    signer: FormSigner = request.app.state.login_signer
    nonce, csrf = signer.issue()
    html = office.templates.get_template("login.html").render(
        t=office.translator("id"), token=token, csrf=csrf, message=message, staff=None, path=""
    )
    response = HTMLResponse(html, status_code=status)
    secure = _secure(request, office)
    response.set_cookie(
        _cookie_name(secure),
        nonce,
        max_age=FORM_LIFETIME,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


async def login_form(request: Request) -> Response:
    return _login_page(request, _clean_token(request.query_params.get("t")))


def _clean_token(value: object) -> str:
    """A link token as we make them (URL-safe base64), or nothing."""
    token = value if isinstance(value, str) else ""
    return token if len(token) <= 100 and TOKEN_SHAPE.fullmatch(token) else ""


def _redeem(office: Office, token: str) -> str:
    with Session(office.engine, expire_on_commit=False) as db:
        new = redeem_login_link(db, token)
        db.commit()
        return new.session_id


def _origins(request: Request, office: Office) -> set[str]:
    own = f"{request.url.scheme}://{request.url.netloc}"
    configured = urlsplit(office.settings.web_address)
    return {own, f"{configured.scheme}://{configured.netloc}"}


async def login(request: Request) -> Response:
    office: Office = request.app.state.office
    t = office.translator("id")
    if not same_origin(request.headers.get("origin"), _origins(request, office)):
        return _login_page(request, "", t("csrf_failed"), 403)
    address = request.client.host if request.client else "-"
    if not request.app.state.login_limiter.allow(address):  # the body stays unread
        retry = _clean_token(request.query_params.get("t"))  # the form's own address
        return _login_page(request, retry, t("login_too_many"), 429)
    try:
        form = await read_form(request, LOGIN_FORM)
    except BodyRefused as exc:
        return _login_page(request, "", exc.message(t), exc.status)
    token = _clean_token(form.get("t"))
    signer: FormSigner = request.app.state.login_signer
    nonce = request.cookies.get(_cookie_name(_secure(request, office)), "")
    given = form.get("csrf")
    if not signer.valid(nonce, given if isinstance(given, str) else None):
        return _login_page(request, token, t("login_press_again"), 403)
    try:
        session_id = await run_in_threadpool(_redeem, office, token)
    except InvalidInput:
        return _login_page(request, "", t("login_refused"), 403)
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
    response.delete_cookie(_cookie_name(_secure(request, office)), path="/")
    return response


@account_page
def logout(ctx: Ctx) -> Response:
    end_session(ctx.db, ctx.request.cookies.get(SESSION_COOKIE, ""))
    response = ctx.redirect("/masuk")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@account_page
def switch_language(ctx: Ctx) -> Response:
    wanted = ctx.field("bahasa")
    if wanted in LANGUAGES:
        set_session_language(ctx.db, ctx.web_session, wanted)
    back = ctx.field("kembali")
    return ctx.redirect(back if back.startswith("/") and not back.startswith("//") else "/")
