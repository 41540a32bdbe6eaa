"""Logging in to the back office the way staff do (a one-time link, then the button),
for tests that drive it over HTTP."""

from __future__ import annotations

import re

from sqlalchemy import Engine
from sqlmodel import Session
from starlette.testclient import TestClient

from core.models import Staff
from core.services.access.web_access import issue_login_link
from core.services.performance.records import staff_to_log_in


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
