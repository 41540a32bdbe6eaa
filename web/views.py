"""How every back-office page is served: one wrapper that, on every request, finds the
staff member behind the session cookie (afresh from the database), checks the CSRF token
of every POST, asks the role matrix, and runs the page in one database transaction that
is committed only when the page succeeded (so a refusal changes nothing).
"""

from __future__ import annotations

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
from core.services.web_access import active_session
from web.context import Office
from web.security import csrf_valid

SESSION_COOKIE = "sigap_sesi"
LOGIN_PATH = "/masuk"

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

    def __post_init__(self) -> None:
        self.t = self.office.translator(self.web_session.language)

    def may(self, permission: Permission) -> bool:
        return may(self.staff.role, self.staff.active, permission)

    def require(self, permission: Permission) -> None:
        if not self.may(permission):
            raise NotAllowed(self.t("forbidden"))

    def field(self, name: str) -> str:
        value = self.form.get(name) if self.form is not None else None
        return value.strip() if isinstance(value, str) else ""

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        html = self.office.templates.get_template(template).render(
            t=self.t,
            staff=self.staff,
            csrf=self.web_session.csrf_token,
            may=self.may,
            P=Permission,
            path=self.request.url.path,
            language=self.web_session.language,
            **values,
        )
        return HTMLResponse(html, status_code=status)

    def render_with_notice(
        self, template: str, error: str | None, saved: str | None, **values: Any
    ) -> HTMLResponse:
        """A page after a form: the refusal (status 400, so nothing is committed) or the
        note that the last change was saved (passed on by the redirect)."""
        return self.render(
            template,
            status=400 if error else 200,
            message=error or saved,
            is_error=error is not None,
            **values,
        )

    def redirect(self, path: str, **query: str) -> RedirectResponse:
        suffix = f"?{urlencode(query)}" if query else ""
        return RedirectResponse(path + suffix, status_code=303)


def _message_page(office: Office, language: str, status: int, message: str) -> HTMLResponse:
    html = office.templates.get_template("message.html").render(
        t=office.translator(language), message=message, staff=None, path=""
    )
    return HTMLResponse(html, status_code=status)


async def read_form(request: Request, office: Office) -> FormData | None:
    if request.method != "POST":
        return None
    limit = office.settings.upload_max_mb * 1024 * 1024
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise InvalidInput(
            f"Berkas terlalu besar (paling besar {office.settings.upload_max_mb} MB)."
        )
    return await request.form(max_files=5, max_fields=200, max_part_size=limit)


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
            if request.method == "GET":
                return RedirectResponse(LOGIN_PATH, status_code=303)
            return _message_page(office, "id", 403, office.translator("id")("forbidden"))
        web_session, staff = found
        t = office.translator(web_session.language)
        if form is not None:
            given = form.get("csrf") or request.headers.get("x-csrf-token")
            if not csrf_valid(web_session.csrf_token, given if isinstance(given, str) else None):
                return _message_page(office, web_session.language, 403, t("csrf_failed"))
        ctx = Ctx(request, db, staff, web_session, office, form)
        try:
            if permission is not None:
                ctx.require(permission(request) if callable(permission) else permission)
            response = view(ctx)
        except NotAllowed as exc:
            db.rollback()
            return _message_page(office, web_session.language, 403, str(exc))
        except NotFound as exc:
            db.rollback()
            return _message_page(office, web_session.language, 404, str(exc))
        except InvalidInput as exc:
            db.rollback()
            return _message_page(office, web_session.language, 400, str(exc))
        if response.status_code < 400:
            db.commit()
        else:
            db.rollback()
        return response


def page(permission: PermissionFor | None) -> Callable[[View], Callable[[Request], Any]]:
    """Wraps a synchronous page function (it talks to the database) as an endpoint.
    ``None``: any logged-in, active staff member (logging out, picking a language)."""

    def wrap(view: View) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            office: Office = request.app.state.office
            try:
                form = await read_form(request, office)
            except InvalidInput as exc:
                return _message_page(office, "id", 413, str(exc))
            return await run_in_threadpool(_serve, office, request, form, view, permission)

        endpoint.__name__ = view.__name__
        endpoint.__doc__ = view.__doc__
        endpoint.permission = permission  # type: ignore[attr-defined]
        return endpoint

    return wrap
