"""Limits before work on the web (issue 22, item 3): no request body is read before the
session and the role are checked, and never past the route's limit, counted as it streams.

The big uploads go to Sigap's real HTTP server (uvicorn, `sigap run`'s app) as chunked
streams from a generator, so what the server reads is what the generator was asked for;
Python's temporary folder is pointed at a folder of the test, and the generator looks,
before every chunk, whether the server holds a file open there (a spooled upload)."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.testclient import TestClient

from app.service import running
from core.config import Settings, load_settings
from core.domain.people import StaffRole
from core.models import Staff
from core.services.access.web_access import issue_login_link, redeem_login_link
from core.services.performance import records
from tests.web_harness import csrf_of, log_in, login_link
from tests.whatsapp_harness import serving
from web.context import Office
from web.limits import FORM_MAX_BYTES, FORM_MAX_FIELDS
from web.office import build_web

MB = 1024 * 1024
HOSTILE_BYTES = 600 * MB
CHUNK = b"\x00" * MB
BOUNDARY = "sigapbatas"
# What the server may take in before it answers: socket buffers on both sides, the
# server's read-ahead, and the route's own limit (1 MB + 64 KB in these tests).
READ_AHEAD = 48 * MB


def _staff(engine: Engine, role: StaffRole = StaffRole.ADMIN) -> Staff:
    with Session(engine, expire_on_commit=False) as session:
        member = records.add_staff(session, "Petugas", role)
        session.commit()
    return member


def _session_cookie(engine: Engine, staff: Staff) -> str:
    """The session cookie a press of the login button leaves."""
    with Session(engine, expire_on_commit=False) as session:
        member = session.get(Staff, staff.id)
        assert member is not None
        web_session = redeem_login_link(session, issue_login_link(session, member))
        session.commit()
    return web_session.session_id


def _held_in(folder: Path) -> int:
    """Files this process holds open under ``folder`` (deleted ones too: a spooled
    upload is an unnamed or already-unlinked temporary file)."""
    held = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        held += target.startswith(str(folder))
    return held


@dataclass
class Upload:
    """A hostile chunked upload: a multipart head, then zeros, up to ``total``."""

    spool: Path
    total: int = HOSTILE_BYTES
    stop_when_spooled: bool = True  # a stranger's upload: one spooled byte is a failure
    sent: int = 0
    spooled: bool = False

    async def stream(self) -> AsyncIterator[bytes]:
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="berkas"; '
            f'filename="besar.xlsx"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        yield head
        while self.sent < self.total:
            if _held_in(self.spool):  # the server writes the upload to disk
                self.spooled = True
                if self.stop_when_spooled:
                    return
            self.sent += len(CHUNK)
            yield CHUNK
        yield f"\r\n--{BOUNDARY}--\r\n".encode()


@dataclass
class Served:
    url: str
    engine: Engine
    spool: Path
    media: Path


@pytest.fixture
async def served(
    database_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Served]:
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))  # where uploads would spool
    settings = load_settings(
        _env_file=None,
        DATABASE_URL=database_url,
        SIGAP_MEDIA_DIR=str(tmp_path / "media"),
        SIGAP_UPLOAD_MAX_MB=1,
        SIGAP_SCHEDULER=False,
    )
    async with running(settings, engine) as sigap, serving(sigap.http) as url:
        yield Served(url, engine, spool, tmp_path / "media")


async def _post(
    served: Served, path: str, upload: Upload, cookies: dict[str, str] | None = None
) -> httpx.Response | None:
    """The response, or None when the server hung up before the client read it (it
    closes the connection instead of reading the rest; the kernel may then reset it)."""
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    async with httpx.AsyncClient(base_url=served.url, cookies=cookies, timeout=30) as client:
        try:
            return await client.post(path, content=upload.stream(), headers=headers)
        except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
            return None


async def test_an_anonymous_600_mb_chunked_upload_is_refused_unread(served: Served) -> None:
    upload = Upload(served.spool)
    answer = await _post(served, "/register/kegiatan/impor", upload)
    assert not upload.spooled, "the server spooled a stranger's upload to disk"
    assert upload.sent < READ_AHEAD, f"the server read {upload.sent // MB} MB of it"
    assert answer is None or answer.status_code == 403
    assert list(served.spool.iterdir()) == []
    async with httpx.AsyncClient(base_url=served.url) as client:  # and it still serves
        assert (await client.get("/healthz")).status_code == 200


async def test_a_stranger_declaring_600_mb_gets_403_and_a_closed_connection(
    served: Served,
) -> None:
    """What the sender sees: the refusal at once, with the connection closed, though
    599.99 MB are still to come."""
    host, port = served.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        (
            "POST /register/kegiatan/impor HTTP/1.1\r\nHost: sigap\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            f"Content-Length: {HOSTILE_BYTES}\r\n\r\n--{BOUNDARY}\r\n"
        ).encode()
    )
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=30)  # to the server's close
    writer.close()
    head = answer.split(b"\r\n\r\n", 1)[0].lower()
    assert head.startswith(b"http/1.1 403") and b"connection: close" in head
    assert b"tidak berwenang" in answer
    assert _held_in(served.spool) == 0 and list(served.spool.iterdir()) == []


async def test_a_staff_members_oversized_chunked_upload_stops_at_the_limit(
    served: Served,
) -> None:
    admin = _staff(served.engine)
    cookie = _session_cookie(served.engine, admin)
    upload = Upload(served.spool, stop_when_spooled=False)  # may spool up to its 1 MB
    answer = await _post(served, "/register/kegiatan/impor", upload, {"sigap_sesi": cookie})
    assert upload.sent < READ_AHEAD, f"the server read {upload.sent // MB} MB of it"
    if answer is not None:
        assert answer.status_code == 413 and "terlalu besar" in answer.text
        assert answer.headers["connection"] == "close"


async def test_a_role_without_the_right_uploads_nothing(served: Served) -> None:
    """The role is asked before the body too: a viewer's upload is not read."""
    viewer = _staff(served.engine, StaffRole.CAMAT)
    cookie = _session_cookie(served.engine, viewer)
    upload = Upload(served.spool)
    answer = await _post(served, "/register/kegiatan/impor", upload, {"sigap_sesi": cookie})
    assert not upload.spooled and upload.sent < READ_AHEAD
    assert answer is None or answer.status_code == 403


# -- the limits of a form, over the Starlette test client --------------------------------
@pytest.fixture
def office(settings: Settings, engine: Engine, tmp_path: Path) -> Office:
    return Office(settings.model_copy(update={"media_dir": tmp_path / "media"}), engine)


@pytest.fixture
def admin(office: Office, engine: Engine) -> Iterator[TestClient]:
    with TestClient(build_web(office), follow_redirects=False) as client:
        log_in(client, login_link(engine, _staff(engine)))
        yield client


def test_a_declared_length_past_the_limit_is_refused_before_reading(
    admin: TestClient,
) -> None:
    csrf = csrf_of(admin)
    answer = admin.post(
        "/bahasa",
        content=f"csrf={csrf}&bahasa=en".encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": str(FORM_MAX_BYTES + 1),
        },
    )
    assert answer.status_code == 413 and "paling besar 64 KB" in answer.text


def test_a_form_past_64_kb_is_refused_and_changes_nothing(admin: TestClient) -> None:
    csrf = csrf_of(admin)
    answer = admin.post(
        "/register/kegiatan",
        data={
            "csrf": csrf,
            "nama": "Posyandu",
            "mitra": "x" * 30_000,
            "lokasi": "y" * 30_000,
            "catatan": "z" * 30_000,
        },
    )
    assert answer.status_code == 413 and "Kiriman terlalu besar" in answer.text
    assert "Posyandu" not in admin.get("/register/kegiatan?tahun=semua").text


def test_too_many_fields_or_files_are_refused(admin: TestClient) -> None:
    csrf = csrf_of(admin)
    fields = {"csrf": csrf, **{f"isian{i}": "1" for i in range(FORM_MAX_FIELDS)}}
    many = admin.post("/bahasa", data=fields)
    assert many.status_code == 400 and "Formulir tidak bisa dibaca" in many.text
    two_files = admin.post(
        "/register/kegiatan/impor",
        data={"csrf": csrf},
        files=[
            ("berkas", ("a.csv", b"nama,jenis\n", "text/csv")),
            ("berkas", ("b.csv", b"nama,jenis\n", "text/csv")),
        ],
    )
    assert two_files.status_code == 400 and "Formulir tidak bisa dibaca" in two_files.text
    a_file_where_none_is_taken = admin.post(
        "/bahasa", data={"csrf": csrf}, files={"berkas": ("a.csv", b"x", "text/csv")}
    )
    assert a_file_where_none_is_taken.status_code == 400


def test_one_text_field_past_its_limit_is_refused(admin: TestClient) -> None:
    csrf = csrf_of(admin)
    answer = admin.post(
        "/register/kegiatan/impor",  # an upload route: the body may be large, a field not
        data={"csrf": csrf, "catatan": "x" * (40 * 1024)},
        files={"berkas": ("a.csv", b"nama,jenis\n", "text/csv")},
    )
    assert answer.status_code == 400 and "Formulir tidak bisa dibaca" in answer.text
