"""Logging in to the back office the way staff do (a one-time link, then the button),
for tests that drive it over HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator

from sqlalchemy import Engine
from sqlmodel import Session
from starlette.testclient import TestClient

from app.web import build_office
from core.config import Settings
from core.domain.people import StaffRole
from core.models import Staff
from core.scope import for_office
from core.services.access.web_access import issue_login_link
from core.services.performance.records import add_staff, staff_to_log_in
from web.office import build_web


def login_link(engine: Engine, staff: Staff) -> str:
    with Session(engine, expire_on_commit=False) as session:
        token = issue_login_link(session, staff_to_log_in(session, staff.id or 0))
        session.commit()
    return f"/masuk?t={token}"


def log_in(client: TestClient, link: str) -> TestClient:
    """Open the link, press the button; the client then holds the session cookie."""
    page = client.get(link)
    token = re.search(r'name="t" value="([^"]+)"', page.text)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token and csrf, page.text
    answer = client.post("/masuk", data={"t": token.group(1), "csrf": csrf.group(1)})
    assert answer.status_code == 303 and answer.headers["location"] == "/", answer.text
    return client


def csrf_of(client: TestClient, path: str = "/") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found, "no form on the page"
    return found.group(1)


def csrf_in(page: str) -> str:
    """The CSRF token of a page already fetched (its forms carry it)."""
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def signed_in(engine: Engine, settings: Settings, member: Staff) -> Iterator[TestClient]:
    """A browser of the back office, logged in as ``member`` (use in a ``for``)."""
    link = login_link(engine, member)
    with TestClient(build_web(build_office(settings, engine)), follow_redirects=False) as client:
        yield log_in(client, link)


def signed_in_as(
    engine: Engine, settings: Settings, role: StaffRole, office: int | None
) -> Iterator[TestClient]:
    """The same, as a new account of ``role`` (of ``office``; None: the kabupaten's)."""
    with Session(engine, expire_on_commit=False) as session:
        if office is not None:
            for_office(session, office)
        member = add_staff(session, f"Akun {role.value}", role)
        session.commit()
    yield from signed_in(engine, settings, member)
