"""How every back-office page is served: one wrapper that, on every request, finds the
staff member behind the session cookie (afresh from the database), checks the CSRF token
of every POST, asks the role matrix, and runs the page in one database transaction that
is committed only when the page succeeded (so a refusal changes nothing).

A POST's body is read only after the session and the role were checked, and only up to
the route's limit (web/limits.py): a stranger's upload costs one database lookup. Files
a page stored are removed again when its transaction is rolled back.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from core.domain.access import Permission, may
from core.errors import InvalidInput, NotAllowed, NotFound
from core.models import Staff, WebSession
from core.scope import for_office
from core.services.access.web_access import active_session
from web import files
from web.context import Office
from web.limits import FORM, BodyLimit, BodyRefused, read_form, upload_limit
from web.security import csrf_valid

SESSION_COOKIE = "sigap_sesi"
LOGIN_PATH = "/masuk"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # Unicode Cc, but tab and line feed

PermissionFor = Permission | Callable[[Request], Permission]
View = Callable[["Ctx"], Response]


@dataclass
class Ctx:
    """What a page gets: the request, its transaction, who asks, and how to answer."""

    request: Request
    db: Session
    staff: Staff
    web_session: WebSession
    office: Office
    form: FormData | None = None
    t: Callable[..., str] = field(init=False)
    stored: list[str] = field(default_factory=list)  # files saved by this request

    def __post_init__(self) -> None:
        self.t = self.office.translator(self.web_session.language)

    def may(self, permission: Permission) -> bool:
        return may(self.staff.role, self.staff.active, permission)

    def require(self, permission: Permission) -> None:
        if not self.may(permission):
            raise NotAllowed(self.t("forbidden"))

    def field(self, name: str) -> str:
        """A text field, trimmed and without control characters (NUL, escapes), which no
        form means to send and PostgreSQL refuses; a textarea's CRLF is one line break.
        Every form's text is read through here."""
        value = self.form.get(name) if self.form is not None else None
        return clean_form_text(value) if isinstance(value, str) else ""

    def store(self, kind: str, content: bytes) -> str:
        """Save an uploaded file (already checked); it is removed again if this
        request's transaction is rolled back, so a failed request leaves no file."""
        ref = files.store(self.office.settings, kind, content)
        self.stored.append(ref)
        return ref

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        html = self.office.templates.get_template(template).render(
            t=self.t,
            staff=self.staff,
            csrf=self.web_session.csrf_token,
            may=self.may,
            P=Permission,
            path=self.request.url.path,
            language=self.web_session.language,
            upload_max_mb=self.office.settings.upload_max_mb,
            **values,
        )
        return HTMLResponse(html, status_code=status)

    def render_with_notice(
        self,
        template: str,
        error: str | None,
        saved: str | None,
        error_status: int = 400,
        **values: Any,
    ) -> HTMLResponse:
        """A page after a form: the refusal (status 400, or 409 for a stale action; so
        nothing is committed) or the note that the last change was saved (passed on by
        the redirect)."""
        return self.render(
            template,
            status=error_status if error else 200,
            message=error or saved,
            is_error=error is not None,
            **values,
        )

    def redirect(self, path: str, **query: str) -> RedirectResponse:
        """``pesan``, the note the next page shows, goes signed with this session's
        key: a link made elsewhere cannot put words in Sigap's mouth."""
        if "pesan" in query:
            query["tanda"] = self._notice_mac(query["pesan"])
        suffix = f"?{urlencode(query)}" if query else ""
        return RedirectResponse(path + suffix, status_code=303)

    def notice(self) -> str | None:
        """The note a redirect passed on (``pesan``), if this session signed it."""
        given = self.request.query_params.get("pesan")
        mac = self.request.query_params.get("tanda", "")
        if not given or not hmac.compare_digest(mac, self._notice_mac(given)):
            return None
        return given

    def _notice_mac(self, message: str) -> str:
        key = self.web_session.csrf_token.encode()
        return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()[:32]


def clean_form_text(text: str) -> str:
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _message_page(office: Office, language: str, status: int, message: str) -> HTMLResponse:
    html = office.templates.get_template("message.html").render(
        t=office.translator(language), message=message, staff=None, path=""
    )
    return HTMLResponse(html, status_code=status)


def _anonymous(office: Office, request: Request) -> Response:
    if request.method == "GET":
        return RedirectResponse(LOGIN_PATH, status_code=303)
    return _message_page(office, "id", 403, office.translator("id")("forbidden"))


def _needed(permission: PermissionFor, request: Request) -> Permission:
    return permission(request) if callable(permission) else permission


def _admit(office: Office, request: Request, permission: PermissionFor | None) -> Response | str:
    """Before a byte of a POST's body is read: a live session whose role has the page's
    right. The refusal, or the staff member's language. (_serve asks again, in the
    transaction the page runs in.)"""
    with Session(office.engine) as db:
        found = active_session(db, request.cookies.get(SESSION_COOKIE, ""))
    if found is None:
        return _anonymous(office, request)
    web_session, staff = found
    if permission is not None and not may(staff.role, staff.active, _needed(permission, request)):
        t = office.translator(web_session.language)
        return _message_page(office, web_session.language, 403, t("forbidden"))
    return web_session.language


def _discard(office: Office, ctx: Ctx) -> None:
    for ref in ctx.stored:
        files.discard(office.settings, ref)
    ctx.stored.clear()


def _serve(
    office: Office,
    request: Request,
    form: FormData | None,
    view: View,
    permission: PermissionFor | None,
) -> Response:
    with Session(office.engine, expire_on_commit=False) as db:
        found = active_session(db, request.cookies.get(SESSION_COOKIE, ""))
        if found is None:
            return _anonymous(office, request)
        web_session, staff = found
        t = office.translator(web_session.language)
        if staff.office_id is not None:
            for_office(db, staff.office_id)  # every query of this page: this office's rows only
        elif staff.role.kabupaten and request.url.path == "/":
            return RedirectResponse(KABUPATEN_PATH, status_code=303)  # their home page
        elif not getattr(view, "without_office", False):  # no office's pages
            refusal = "kabupaten_not_office" if staff.role.kabupaten else "no_office"
            return _message_page(office, web_session.language, 403, t(refusal))
        if form is not None:
            given = form.get("csrf") or request.headers.get("x-csrf-token")
            if not csrf_valid(web_session.csrf_token, given if isinstance(given, str) else None):
                return _message_page(office, web_session.language, 403, t("csrf_failed"))
        ctx = Ctx(request, db, staff, web_session, office, form)
        try:
            return _run(ctx, view, permission)
        except BaseException:
            _discard(office, ctx)
            raise


def _run(ctx: Ctx, view: View, permission: PermissionFor | None) -> Response:
    """The page in its transaction: committed when it succeeded, else rolled back with
    every file it stored."""
    office, db, language = ctx.office, ctx.db, ctx.web_session.language
    try:
        if permission is not None:
            ctx.require(_needed(permission, ctx.request))
        response = view(ctx)
    except NotAllowed as exc:
        response = _message_page(office, language, 403, str(exc))
    except NotFound as exc:
        response = _message_page(office, language, 404, str(exc))
    except InvalidInput as exc:
        response = _message_page(office, language, 400, str(exc))
    if response.status_code < 400:
        db.commit()
    else:
        db.rollback()
        _discard(office, ctx)
    return response


async def _posted_form(
    office: Office, request: Request, limit: BodyLimit, language: str
) -> FormData | Response:
    try:
        return await read_form(request, limit)
    except BodyRefused as exc:
        return _message_page(office, language, exc.status, exc.message(office.translator(language)))


# Every answer to a page behind the login (pages, files, exports, refusals alike) may
# show a reporter's name or phone: no browser, proxy or back button may keep a copy
# (UU 27/2022 on personal data). Public pages and static files are not affected.
NO_STORE = "private, no-store"


def not_stored(response: Response) -> Response:
    response.headers["Cache-Control"] = NO_STORE
    return response


KABUPATEN_PATH = "/kabupaten"


def kabupaten_page(permission: Permission) -> Callable[[View], Callable[[Request], Any]]:
    """A page over every office (the kabupaten's), for accounts of no office whose role
    has ``permission``; its database session names no office: the page reads each
    office through a session of its own."""

    def wrap(view: View) -> Callable[[Request], Any]:
        view.without_office = True  # type: ignore[attr-defined]
        return page(permission)(view)

    return wrap


def account_page(view: View) -> Callable[[Request], Any]:
    """A page about the account itself (its language, logging out), for every logged-in
    account, of an office or of the kabupaten."""
    view.without_office = True  # type: ignore[attr-defined]
    return page(None)(view)


def page(
    permission: PermissionFor | None, *, upload: bool = False
) -> Callable[[View], Callable[[Request], Any]]:
    """Wraps a synchronous page function (it talks to the database) as an endpoint.
    ``None``: any logged-in, active staff member (logging out, picking a language).
    ``upload``: the page takes one file of up to SIGAP_UPLOAD_MAX_MB; every other POST
    reads a small form (web/limits.py)."""

    def wrap(view: View) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            return not_stored(await answer(request))

        async def answer(request: Request) -> Response:
            office: Office = request.app.state.office
            if request.method != "POST":
                return await run_in_threadpool(_serve, office, request, None, view, permission)
            admitted = await run_in_threadpool(_admit, office, request, permission)
            if isinstance(admitted, Response):
                return admitted  # the body stays unread (and the connection is closed)
            limit = upload_limit(office.settings) if upload else FORM
            form = await _posted_form(office, request, limit, admitted)
            if isinstance(form, Response):
                return form
            try:
                return await run_in_threadpool(_serve, office, request, form, view, permission)
            finally:
                await form.close()  # its spooled files, at once

        endpoint.__name__ = view.__name__
        endpoint.__doc__ = view.__doc__
        endpoint.permission = permission  # type: ignore[attr-defined]
        endpoint.upload = upload  # type: ignore[attr-defined]
        return endpoint

    return wrap
