"""The back office reads as an officer speaks (issue 23): the queue leads with what is
late, every code (category, channel, actor, field, role) is shown as words in the
officer's language, days are the office's days, an invitation gives the fewest rights
unless chosen otherwise, and the site has an icon."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.testclient import TestClient

from app.web import build_office
from core.config import Settings
from core.domain.access import ROLE_MATRIX
from core.domain.complaints import Channel, ComplaintState
from core.domain.people import OFFICE_ROLES, StaffRole
from core.models import Complaint, Staff
from core.services.complaints import lifecycle as svc
from core.services.complaints import queue as queue_svc
from core.services.performance import records
from core.services.performance.register_kinds import REGISTERS
from core.timeutil import local_date, utcnow
from tests import factories
from tests.web_harness import csrf_of, log_in, login_link
from web.i18n import translator
from web.office import build_web
from web.pages.complaints import overdue_first
from web.pages.staff import INVITE_DEFAULT
from web.words import Words

# What pages show, not how rows are stored: SQLite only
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def admin_member(engine: Engine) -> Staff:
    with Session(engine, expire_on_commit=False) as session:
        member = records.add_staff(session, "Sekar", StaffRole.ADMIN)
        session.commit()
    return member


@pytest.fixture
def admin(engine: Engine, settings: Settings, admin_member: Staff) -> Iterator[TestClient]:
    office = build_office(
        settings.model_copy(update={"telegram_bot_username": "sigap_bot"}), engine
    )
    with TestClient(build_web(office), follow_redirects=False) as client:
        log_in(client, login_link(engine, admin_member))
        yield client


def _english(client: TestClient) -> None:
    csrf = csrf_of(client, "/pengaduan")
    client.post("/bahasa", data={"csrf": csrf, "bahasa": "en", "kembali": "/"})


def _complaint(
    session: Session,
    settings: Settings,
    days_ago: int,
    channel: Channel = Channel.TELEGRAM,
    category: str = "pkl",
) -> Complaint:
    data = svc.NewComplaint(channel=channel, category=category, description="Lapak di trotoar")
    received = utcnow() - timedelta(days=days_ago)
    return svc.register_complaint(session, settings, data, received_at=received)


def _codes_in_order(html: str) -> list[str]:
    return re.findall(r'<a href="/pengaduan/([A-Z0-9-]+)">', html)


@SQLITE
def test_the_queue_leads_with_the_overdue_then_by_due_date(
    admin: TestClient, session: Session, settings: Settings
) -> None:
    officer = factories.staff(session, StaffRole.TRANTIB, "Joko")
    settled_long_ago = _complaint(session, settings, 90)  # due first of all, but closed
    factories.advance(session, settled_long_ago, ComplaintState.SELESAI, officer)
    late = _complaint(session, settings, 40)
    later = _complaint(session, settings, 20)
    fresh = _complaint(session, settings, 0)
    session.commit()
    today = local_date(utcnow(), settings.tz)
    assert late.due_date < later.due_date < today <= fresh.due_date

    open_queue = admin.get("/pengaduan").text
    assert _codes_in_order(open_queue) == [late.code, later.code, fresh.code]
    everything = admin.get("/pengaduan?status=semua").text
    assert _codes_in_order(everything) == [late.code, later.code, fresh.code, settled_long_ago.code]
    assert everything.count('class="late"') == 2  # the two overdue, marked as such
    assert everything.count("lewat tenggat</span>") == 2

    # a page at a time, however the pages fall, the same order (open, then closed)
    wanted = queue_svc.QueueFilter(states=())
    paged = [overdue_first(session, wanted, offset, 1)[0].code for offset in range(4)]
    assert paged == [late.code, later.code, fresh.code, settled_long_ago.code]
    assert [c.code for c in overdue_first(session, wanted, 2, 5)] == paged[2:]
    assert overdue_first(session, wanted, 4, 5) == []


@SQLITE
def test_codes_are_shown_as_words_in_both_languages(
    admin: TestClient, session: Session, settings: Settings
) -> None:
    letter = _complaint(session, settings, 1, channel=Channel.SURAT)
    session.commit()
    queue = admin.get("/pengaduan").text
    assert "Pedagang kaki lima (PKL)</td>" in queue and ">Surat</td>" in queue
    assert ">pkl<" not in queue and ">surat<" not in queue
    assert ">Surat</option>" in queue and "bound method" not in queue
    page = admin.get(f"/pengaduan/{letter.code}").text
    assert '<dd id="kategori">Pedagang kaki lima (PKL)</dd>' in page
    assert '<dd id="kanal">Surat</dd>' in page
    history = page.split('id="riwayat"')[1]
    assert ">Diterima</td>" in history and ">Sistem</td>" in history  # not "system"

    csrf = csrf_of(admin, "/register/kegiatan")
    form = {"csrf": csrf, "nama": "Posyandu lansia Suco", "jenis": "posyandu"}
    created = admin.post("/register/kegiatan", data=form | {"tanggal_rencana": "2026-01-15"})
    activity = admin.get(created.headers["location"]).text
    assert "<h1>Posyandu lansia Suco</h1>" in activity  # not "· 1"
    trail = activity.split('id="jejak"')[1]
    assert "Tanggal rencana:" in trail and "tanggal_rencana" not in trail
    assert "Dibuat" in trail and ">Direncanakan</option>" in activity

    _english(admin)
    queue = admin.get("/pengaduan").text
    assert "Street vendors (PKL)</td>" in queue and ">Letter</td>" in queue
    assert ">Received</td>" in queue and ">Letter</option>" in queue and "bound method" not in queue
    assert ">Street vendors (PKL)</option>" in queue
    page = admin.get(f"/pengaduan/{letter.code}").text
    assert '<span id="status">Received</span>' in page and ">System</td>" in page
    activity = admin.get(created.headers["location"]).text
    assert "Planned date" in activity and "Empowerment activities (IKU3)" in activity
    assert ">Planned</option>" in activity and "Tanggal rencana" not in activity
    staff_page = admin.get("/petugas").text
    assert (
        "Sekar · Administrator" in staff_page and ">Community welfare (PMKS)</option>" in staff_page
    )


@SQLITE
def test_the_queue_shows_the_office_day_a_complaint_came_in(
    admin: TestClient, session: Session, settings: Settings
) -> None:
    # 01:30 WIB on 1 April is 18:30 UTC on 31 March: the office received it in April
    night = datetime(2026, 3, 31, 18, 30, tzinfo=UTC)
    data = svc.NewComplaint(channel=Channel.LISAN, category="pkl", description="Malam hari")
    item = svc.register_complaint(session, settings, data, received_at=night)
    session.commit()
    row = admin.get("/pengaduan").text.split(f"{item.code}</a>")[1].split("</tr>")[0]
    assert 'data-label="Diterima">2026-04-01<' in row and "2026-03-31" not in row


@SQLITE
def test_an_invitation_gives_the_fewest_rights_unless_chosen(
    admin: TestClient, engine: Engine
) -> None:
    fewest = min(len(ROLE_MATRIX[role]) for role in OFFICE_ROLES)
    assert len(ROLE_MATRIX[INVITE_DEFAULT]) == fewest and INVITE_DEFAULT is not StaffRole.ADMIN
    page = admin.get("/petugas").text
    invite_form = page.split('id="undang"')[1].split("</form>")[0]
    chosen = re.findall(r'<option value="([a-z]+)" selected>', invite_form)
    assert chosen == [INVITE_DEFAULT.value]
    options = re.findall(r'<option value="([a-z]+)"', invite_form)
    assert options[0] == INVITE_DEFAULT.value and options[-1] == StaffRole.ADMIN.value
    csrf = csrf_of(admin, "/petugas")
    invited = admin.post("/petugas/undang", data={"csrf": csrf, "nama": "Rina", "peran": "pmks"})
    assert (
        invited.status_code == 200 and "Seksi PMKS" in invited.text.split('id="undangan-aktif"')[1]
    )


@SQLITE
def test_the_site_has_an_icon(admin: TestClient) -> None:
    page = admin.get("/pengaduan").text
    links = re.findall(r'<link rel="icon" href="([^"]+)" type="([^"]+)"', page)
    assert links == [("/static/favicon.svg", "image/svg+xml"), ("/static/favicon.png", "image/png")]
    for path, kind in links:
        icon = admin.get(path)
        assert icon.status_code == 200 and icon.headers["content-type"].startswith(kind)
    assert admin.get("/static/favicon.png").content.startswith(b"\x89PNG")
    login = admin.get("/masuk").text  # the pages before logging in carry it too
    assert 'href="/static/favicon.svg"' in login


@SQLITE
def test_the_date_filter_gives_the_office_day(settings: Settings, engine: Engine) -> None:
    templates = build_office(settings, engine).templates
    night = datetime(2026, 3, 31, 18, 30, tzinfo=UTC)  # 01:30 WIB, 1 April
    shown = templates.from_string("{{ a|tanggal }} {{ b|tanggal }} {{ c|tanggal }}")
    assert shown.render(a=night, b=night.replace(tzinfo=None), c=None) == "2026-04-01 2026-04-01 –"


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_code_a_page_shows_has_its_words(language: str) -> None:
    """A code added to core (a channel, a role, a register field) without its words
    would show raw on a page: the catalogue must name every one."""
    t = translator(language)
    words = Words(t, language)
    missing: list[str] = [c.value for c in Channel if words.channel(c.value) == c.value]
    missing += [r.value for r in StaffRole if words.role(r) == r.value]
    missing += [k for k in ("staff", "reporter", "system") if words.actor(k) == k]
    for register in REGISTERS.values():
        choices = [c for spec in register.fields for c in spec.choices]
        missing += [c for c in choices if words.choice(c) == c and not _code_kept(c)]
        if language == "en":  # Indonesian field labels and titles come from core
            keys = [f"field_{register.name}_{spec.column}" for spec in register.fields]
            missing += [k for k in [*keys, f"register_{register.name}"] if t(k) == k]
    if language == "en":
        missing += [
            f"state_{s.value}"
            for s in ComplaintState
            if t(f"state_{s.value}") == f"state_{s.value}"
        ]
    missing += [a for a in EVENTS if t(f"event_{a}") == f"event_{a}"]
    assert missing == []


# every action a complaint's history records (core/services/complaints/lifecycle.py, erasure.py)
EVENTS = [
    *(s.value for s in ComplaintState),
    "klaim",
    "catatan",
    "lihat_identitas",
    "dibuka_kembali",
    "dikonfirmasi",
    "identitas_dihapus",
]


def _code_kept(choice: str) -> bool:
    """IKU codes and SKM unsur codes are what offices write themselves."""
    return re.fullmatch(r"IKU\d|U\d", choice) is not None
