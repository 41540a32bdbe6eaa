"""Who gets into the back office and what each role may do there: the login link, the
session, CSRF, and every cell of the role matrix over real HTTP requests."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select
from starlette.testclient import TestClient

from app.web import report_maker
from core.config import Settings
from core.domain.access import ROLE_MATRIX, Permission, may
from core.domain.complaints import Privacy
from core.domain.people import OFFICE_ROLES, StaffRole
from core.models import Activity, Complaint, ComplaintEvent, RegisterAudit, Staff, WebSession
from core.services.access.web_access import (
    LINK_LIFETIME,
    SESSION_LIFETIME,
    active_session,
    issue_login_link,
    redeem_login_link,
)
from core.services.performance import records
from core.services.performance.register_kinds import REGISTERS
from core.timeutil import utcnow
from tests import factories
from tests.web_harness import csrf_of, log_in, login_link
from web.context import Office
from web.office import PAGES, build_web


@pytest.fixture
def office(settings: Settings, engine: Engine, tmp_path: object) -> Office:
    return Office(settings, engine, reports=report_maker(settings))  # type: ignore[arg-type]


@pytest.fixture
def client(office: Office) -> Iterator[TestClient]:
    with TestClient(build_web(office), follow_redirects=False) as client:
        yield client


def _staff(engine: Engine, role: StaffRole, name: str = "Petugas") -> Staff:
    with Session(engine, expire_on_commit=False) as session:
        member = records.add_staff(session, name, role)
        session.commit()
    return member


# -- the login link and the session ----------------------------------------------------


def test_a_link_works_once(engine: Engine, client: TestClient, office: Office) -> None:
    admin = _staff(engine, StaffRole.ADMIN)
    link = login_link(engine, admin)
    log_in(client, link)
    assert client.get("/").status_code == 200
    with TestClient(build_web(office), follow_redirects=False) as other:
        page = other.get(link)
        token = link.split("=", 1)[1]
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        again = other.post("/masuk", data={"t": token, "csrf": csrf})
        assert again.status_code == 403 and "tidak berlaku" in again.text
        assert other.get("/").headers["location"] == "/masuk"


def test_an_expired_link_and_an_expired_session_are_refused(session: Session) -> None:
    member = factories.staff(session)
    token = issue_login_link(session, member, now=utcnow() - LINK_LIFETIME - timedelta(seconds=1))
    with pytest.raises(Exception, match="tidak berlaku"):
        redeem_login_link(session, token)
    fresh = redeem_login_link(session, issue_login_link(session, member))
    assert active_session(session, fresh.session_id) is not None
    later = utcnow() + SESSION_LIFETIME + timedelta(seconds=1)
    assert active_session(session, fresh.session_id, now=later) is None


def test_deactivating_staff_ends_their_session(engine: Engine, client: TestClient) -> None:
    member = _staff(engine, StaffRole.TRANTIB)
    log_in(client, login_link(engine, member))
    assert client.get("/pengaduan").status_code == 200
    with Session(engine) as session:
        records.deactivate_staff(session, member.id)  # type: ignore[arg-type]
        session.commit()
        revoked = session.exec(select(WebSession).where(WebSession.staff_id == member.id)).one()
        assert revoked.revoked_at is not None
    assert client.get("/pengaduan").headers["location"] == "/masuk"


def test_a_post_without_the_csrf_token_changes_nothing(engine: Engine, client: TestClient) -> None:
    admin = _staff(engine, StaffRole.ADMIN)
    log_in(client, login_link(engine, admin))
    form = {"nama": "Posyandu", "jenis": "posyandu", "tanggal_rencana": "2026-03-01"}
    refused = client.post("/register/kegiatan", data=form)
    forged = client.post("/register/kegiatan", data=form | {"csrf": "x" * 43})
    assert refused.status_code == forged.status_code == 403
    assert "Formulir kedaluwarsa" in refused.text
    ok = client.post("/register/kegiatan", data=form | {"csrf": csrf_of(client)})
    assert ok.status_code == 303
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Activity)).one() == 1


def test_pages_carry_the_security_headers_and_cookies_are_httponly(
    engine: Engine, client: TestClient
) -> None:
    page = client.get("/masuk")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy and page.headers["x-frame-options"] == "DENY"
    assert "<script>" not in page.text and " on" + "click" not in page.text
    login = client.get(login_link(engine, _staff(engine, StaffRole.CAMAT)))
    token = login.text.split('name="t" value="')[1].split('"')[0]
    csrf = login.text.split('name="csrf" value="')[1].split('"')[0]
    answer = client.post("/masuk", data={"t": token, "csrf": csrf})
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_anonymous_requests_get_the_login_page_or_403(client: TestClient, engine: Engine) -> None:
    for route in PAGES:
        path = _path(route.path, {})
        method = sorted(route.methods or {"GET"} - {"HEAD"})[0]
        answer = client.request(method, path, data={"csrf": "x"})
        if method == "GET":
            assert answer.status_code == 303 and answer.headers["location"] == "/masuk", path
        else:
            assert answer.status_code == 403, path
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(RegisterAudit)).one() == 0


# -- every cell of the role matrix -------------------------------------------------------


def _path(template: str, params: dict[str, str]) -> str:
    values = {
        "code": params.get("code", "MBS-0000-0000"),
        "action": "catatan",
        "photo_id": "1",
        "name": "kegiatan",
        "key": params.get("key", "1"),
        "staff_id": params.get("staff_id", "999"),
        "invite_id": params.get("invite_id", "999"),
        "kind": "iku",
        "fmt": "html",
    }
    path = template
    for name, value in values.items():
        for written in (f"{{{name}}}", f"{{{name}:int}}", f"{{{name}:id}}"):
            path = path.replace(written, value)
    return path


def _required(route: object) -> Permission | None:
    wanted = getattr(route.endpoint, "permission", None)  # type: ignore[attr-defined]
    if callable(wanted):
        return REGISTERS["kegiatan"].permission  # the sample register in _path
    return wanted  # type: ignore[no-any-return]


def _footprint(engine: Engine) -> tuple[int, ...]:
    with Session(engine) as session:
        return tuple(
            session.exec(select(func.count()).select_from(table)).one()
            for table in (RegisterAudit, ComplaintEvent, Activity)
        )


# Authorisation does not depend on the database: this walk runs on SQLite only (the
# browser test and the storage tests cover PostgreSQL).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("role", list(StaffRole))
def test_every_page_answers_each_role_as_the_matrix_says(
    role: StaffRole, engine: Engine, office: Office, settings: Settings
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        other = records.add_staff(session, "Lain", StaffRole.PELAYANAN)
        complaint: Complaint = factories.complaint(session, settings)
        secret = factories.complaint(session, settings, privacy=Privacy.RAHASIA)
        activity = records.add_activity(
            session, Activity(name="Posyandu", kind="posyandu", planned_date=utcnow().date())
        )
        session.commit()
    member = _staff(engine, role)
    params = {"code": complaint.code, "key": str(activity.id), "staff_id": str(other.id)}
    with TestClient(build_web(office), follow_redirects=False) as client:
        log_in(client, login_link(engine, member))
        csrf = _csrf(engine, member)
        for route, method in itertools.product(PAGES, ("GET", "POST")):
            if method not in (route.methods or ()):
                continue
            permission = _required(route)
            allowed = permission is None or may(role, True, permission)
            before = _footprint(engine)
            answer = client.request(
                method, _path(route.path, params), data={"csrf": csrf, "catatan": "cek"}
            )
            where = f"{method} {route.path} as {role.value}"
            if role.kabupaten and route.path == "/":  # its home: the kabupaten's page
                assert answer.headers.get("location") == "/kabupaten", where
            elif allowed:
                assert answer.status_code != 403, where
            else:
                assert answer.status_code == 403, where
                assert _footprint(engine) == before, where
            if route.path == "/keluar" and allowed:
                log_in(client, login_link(engine, member))
                csrf = _csrf(engine, member)
        if not role.kabupaten:  # the kabupaten lists no complaint at all
            _rahasia_listed_to_handlers_only(client, role, secret.code)


# Every page that lists complaints (and the dashboard, which lists none): a rahasia
# complaint's code only for complaint handlers.
LISTINGS = {"/pengaduan": True, "/pengaduan?status=semua": True, "/iku/IKU4": True, "/": False}


def _rahasia_listed_to_handlers_only(client: TestClient, role: StaffRole, code: str) -> None:
    handler = may(role, True, Permission.HANDLE_COMPLAINTS)
    for path, lists_complaints in LISTINGS.items():
        answer = client.get(path)
        assert answer.status_code == 200, f"{path} as {role.value}"
        listed = code in answer.text
        assert listed is (handler and lists_complaints), f"{path} as {role.value}"


def _csrf(engine: Engine, member: Staff) -> str:
    with Session(engine) as session:
        latest = session.exec(
            select(WebSession)
            .where(WebSession.staff_id == member.id, WebSession.revoked_at == None)  # noqa: E711
            .order_by(WebSession.created_at.desc())  # type: ignore[attr-defined]
        ).first()
        assert latest is not None
        return latest.csrf_token


def test_the_matrix_gives_every_role_the_dashboard_and_only_admin_staff() -> None:
    assert all(Permission.VIEW_DASHBOARD in ROLE_MATRIX[role] for role in OFFICE_ROLES)
    assert [r for r, rights in ROLE_MATRIX.items() if Permission.MANAGE_STAFF in rights] == [
        StaffRole.ADMIN
    ]
    assert not may(StaffRole.ADMIN, False, Permission.VIEW_DASHBOARD)


def test_an_upload_of_the_wrong_kind_is_refused_with_a_clear_message(
    engine: Engine, client: TestClient, settings: Settings
) -> None:
    admin = _staff(engine, StaffRole.ADMIN)
    with Session(engine, expire_on_commit=False) as session:
        complaint = factories.complaint(session, settings)
        session.commit()
    log_in(client, login_link(engine, admin))
    csrf = csrf_of(client)
    answer = client.post(
        f"/pengaduan/{complaint.code}/selesai",
        data={"csrf": csrf, "catatan": "Sudah ditertibkan"},
        files={"foto": ("foto.jpg", b"MZ\x90\x00 not an image", "image/jpeg")},
    )
    assert answer.status_code == 400 and "Jenis berkas tidak diterima" in answer.text
    with Session(engine) as session:
        stored = session.get(Complaint, complaint.id)
        assert stored is not None and stored.state.value == "diterima"
    upload = client.post(
        "/register/kegiatan/impor",
        data={"csrf": csrf},
        files={"berkas": ("kegiatan.xlsx", b"\x00\x01binary", "application/octet-stream")},
    )
    assert upload.status_code == 400 and "Jenis berkas tidak diterima" in upload.text
