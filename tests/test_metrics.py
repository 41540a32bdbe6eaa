"""Watching Sigap (issue 25 item 4): /metrics scraped from the running server and read
with the Prometheus client library's own text parser, every number equal to what the
database (and the backup folder) says; the token guards it; webhook requests are
counted by channel and status; /healthz says "degraded" when messages stop going out."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.http import build_http_app
from app.service import running
from app.web import build_office
from core.config import Settings, SettingsError, load_settings
from core.domain.complaints import OPEN_STATES, ComplaintState
from core.domain.people import StaffRole
from core.domain.periods import Period
from core.models import Complaint, OutboxMessage, ScheduledRun
from core.services.complaints.desk import complaint_desk
from core.services.operations.backup import create_backup
from core.timeutil import local_date, utcnow
from tests import factories
from tests.fakes import graph_api as wa
from tests.fakes.graph_api import FakeGraph
from tests.whatsapp_harness import serving, wa_settings

TOKEN = "metrics-token-for-tests-0123456789"
LATER = timedelta(days=1)  # a waiting message's next attempt: not due during the test
Scraped = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def watched(database_url: str, graph: FakeGraph, tmp_path: Path) -> Settings:
    """Sigap with WhatsApp on (its webhook is measured), Telegram off, and a token."""
    return wa_settings(
        database_url,
        graph,
        tmp_path / "media",
        SIGAP_METRICS_TOKEN=TOKEN,
        SIGAP_BACKUP_DIR=str(tmp_path / "backups"),
        SIGAP_REPORTS_DIR=str(tmp_path / "reports"),
    )


@pytest.fixture
async def sigap(watched: Settings, engine: Engine) -> AsyncIterator[str]:
    async with running(watched, engine) as state, serving(state.http) as url:
        yield url


def _message(channel: str, status: str, age: timedelta, now: datetime) -> OutboxMessage:
    return OutboxMessage(
        channel=channel,
        recipient="6281200000001",
        text="Laporan Anda sudah diterima.",
        status=status,
        created_at=now - age,
        next_attempt_at=now + LATER if status in ("pending", "sending") else now - age,
        sent_at=now - age if status == "sent" else None,
    )


def fill_outbox(session: Session, now: datetime) -> None:
    """Messages of known channels, states and ages. Nothing is due: the running sender
    leaves them as they are (a waiting one is in its back-off)."""
    rows = [
        ("whatsapp", "pending", timedelta(minutes=40)),
        ("whatsapp", "pending", timedelta(minutes=3)),
        ("whatsapp", "sending", timedelta(minutes=55)),
        ("whatsapp", "sent", timedelta(hours=5)),
        ("whatsapp", "sent", timedelta(hours=2)),
        ("whatsapp", "sent", timedelta(minutes=1)),
        ("whatsapp", "failed", timedelta(days=2)),
        ("telegram", "pending", timedelta(hours=26)),
        ("telegram", "sent", timedelta(days=3)),
        ("telegram", "failed", timedelta(days=4)),
        ("telegram", "failed", timedelta(days=1)),
    ]
    for channel, status, age in rows:
        session.add(_message(channel, status, age, now))


def fill_office(session: Session, settings: Settings, now: datetime) -> None:
    officer = factories.staff(session, StaffRole.TRANTIB, "Joko")
    for days_ago in (45, 30, 20, 2, 0):
        factories.complaint(session, settings, received_at=now - timedelta(days=days_ago))
    done = factories.complaint(session, settings, received_at=now - timedelta(days=50))
    factories.advance(session, done, ComplaintState.SELESAI, officer)
    going = factories.complaint(session, settings, received_at=now - timedelta(days=35))
    factories.advance(session, going, ComplaintState.DIPROSES, officer)
    runs = {
        "digest:2026-W01": timedelta(days=14),
        "digest:2026-W02": timedelta(days=7),
        "deadline:2026-01-12": timedelta(days=1, hours=3),
        "deadline:2026-01-13": timedelta(hours=3),
        "monthly:2025-12": timedelta(days=12),
        "backup:2026-01-13": timedelta(hours=9),
    }
    for key, age in runs.items():
        session.add(ScheduledRun(key=key, ran_at=now - age))


async def scrape(url: str, token: str | None = TOKEN, scheme: str = "Bearer") -> httpx.Response:
    """GET /metrics as Prometheus does (in this event loop, where the server runs)."""
    headers = {"Authorization": f"{scheme} {token}"} if token else {}
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.get(f"{url}/metrics", headers=headers)


def parsed(body: str) -> Scraped:
    """Every sample, by name and labels, as the client library's parser reads them."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def value(scraped: Scraped, name: str, **labels: str) -> float:
    return scraped[(name, frozenset(labels.items()))]


def database_says(engine: Engine, settings: Settings) -> dict[str, Any]:
    """The same figures counted row by row in Python, not by Sigap's queries."""
    with Session(engine) as session:
        messages = session.exec(select(OutboxMessage)).all()
        complaints = session.exec(select(Complaint)).all()
        runs = session.exec(select(ScheduledRun)).all()
    today = local_date(utcnow(), settings.tz)
    waiting = [m for m in messages if m.status in ("pending", "sending")]
    oldest: dict[str, datetime] = {}
    for m in waiting:
        oldest[m.channel] = min(oldest.get(m.channel, m.created_at), m.created_at)
    last_run: dict[str, datetime] = {}
    for run in runs:
        duty = run.key.split(":")[0]
        last_run[duty] = max(last_run.get(duty, run.ran_at), run.ran_at)
    open_now = [c for c in complaints if c.state in OPEN_STATES]
    return {
        "waiting": Counter(m.channel for m in waiting),
        "sent": Counter(m.channel for m in messages if m.status == "sent"),
        "refused": Counter(m.channel for m in messages if m.status == "failed"),
        "oldest": oldest,
        "open": len(open_now),
        "overdue": sum(1 for c in open_now if c.due_date < today),
        "last_run": last_run,
    }


async def test_metrics_equal_what_the_database_says(
    sigap: str, engine: Engine, watched: Settings
) -> None:
    now = utcnow()
    with Session(engine) as session:
        fill_office(session, watched, now)
        fill_outbox(session, now)
        session.commit()
    archive = create_backup(watched)

    before = utcnow()
    answer = await scrape(sigap)
    after = utcnow()
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=")
    scraped = parsed(answer.text)
    db = database_says(engine, watched)

    assert db["waiting"] == {"whatsapp": 3, "telegram": 1}  # the fill went in as meant
    for channel in ("whatsapp", "telegram"):
        assert (
            value(scraped, "sigap_outbox_pending_messages", channel=channel)
            == (db["waiting"][channel])
        )
        assert value(scraped, "sigap_outbox_sent_messages", channel=channel) == db["sent"][channel]
        refused = value(scraped, "sigap_outbox_refused_messages", channel=channel)
        assert refused == db["refused"][channel]
        # the oldest waiting message's age at the moment of the scrape
        age = value(scraped, "sigap_outbox_oldest_pending_age_seconds", channel=channel)
        oldest = db["oldest"][channel]
        assert (before - oldest).total_seconds() <= age <= (after - oldest).total_seconds()

    assert db["open"] == 6 and db["overdue"] >= 3  # 45, 30, 20 days old, one in process
    assert value(scraped, "sigap_complaints_open") == db["open"]
    assert value(scraped, "sigap_complaints_overdue") == db["overdue"]
    with Session(engine) as session:  # the Camat's dashboard says the same
        today = local_date(utcnow(), watched.tz)
        desk = complaint_desk(session, watched, Period(today, today), today)
    assert (desk.open, desk.overdue) == (db["open"], db["overdue"])

    for duty in ("digest", "deadline", "monthly", "backup"):
        stamp = value(scraped, "sigap_scheduled_duty_last_run_timestamp_seconds", duty=duty)
        assert stamp == pytest.approx(db["last_run"][duty].timestamp(), abs=1e-3)
    never = value(scraped, "sigap_scheduled_duty_last_run_timestamp_seconds", duty="quarterly")
    assert never == 0 and "quarterly" not in db["last_run"]

    made = value(scraped, "sigap_backup_last_success_timestamp_seconds")
    assert archive.path.parent == watched.backup_dir
    assert made == pytest.approx(_named_at(archive.path), abs=1e-3)
    assert value(scraped, "sigap_backup_last_size_bytes") == archive.path.stat().st_size
    assert value(scraped, "sigap_disk_free_bytes", folder="media") > 0


async def test_the_last_backup_is_the_newest_archive_in_the_folder(
    sigap: str, watched: Settings
) -> None:
    none_yet = parsed((await scrape(sigap)).text)
    assert value(none_yet, "sigap_backup_last_success_timestamp_seconds") == 0
    first = create_backup(watched, now=utcnow() - timedelta(days=1))
    newest = create_backup(watched)
    usb = watched.backup_dir.parent / "usb"
    usb.mkdir()
    create_backup(watched, folder=usb)  # elsewhere: not seen
    scraped = parsed((await scrape(sigap)).text)
    made = value(scraped, "sigap_backup_last_success_timestamp_seconds")
    names = sorted(p.name for p in watched.backup_dir.iterdir())
    assert names == sorted([first.path.name, newest.path.name])
    assert made == pytest.approx(_named_at(newest.path), abs=1e-3)
    assert made > _named_at(first.path)
    assert value(scraped, "sigap_backup_last_size_bytes") == newest.size


def _named_at(archive: Path) -> float:
    """An archive is named by the UTC second it was made: sigap-20260113T010000Z.tar."""
    at = datetime.strptime(archive.name.split("-")[1].split(".")[0], "%Y%m%dT%H%M%SZ")
    return at.replace(tzinfo=UTC).timestamp()


async def test_metrics_need_the_token(sigap: str) -> None:
    assert (await scrape(sigap, token=None)).status_code == 401
    assert (await scrape(sigap, token="metrics-token-for-tests-wrong-one")).status_code == 401
    assert (await scrape(sigap, token=TOKEN + "x")).status_code == 401
    assert (await scrape(sigap, scheme="Basic")).status_code == 401
    refused = await scrape(sigap, token="nope")
    assert "sigap_" not in refused.text and refused.headers["www-authenticate"].startswith("Bearer")
    assert (await scrape(sigap)).status_code == 200


async def test_without_a_token_there_is_no_metrics_endpoint(
    settings: Settings, engine: Engine
) -> None:
    assert settings.metrics_token is None
    app = build_http_app(engine, [], build_office(settings, engine))
    async with serving(app) as url:
        assert (await scrape(url)).status_code == 404
        async with httpx.AsyncClient(timeout=30) as client:
            assert (await client.get(f"{url}/healthz")).json()["status"] == "ok"


def test_a_short_token_stops_start_up() -> None:
    with pytest.raises(SettingsError, match="SIGAP_METRICS_TOKEN"):
        load_settings(_env_file=None, SIGAP_METRICS_TOKEN="rahasia")
    assert load_settings(_env_file=None, SIGAP_METRICS_TOKEN=" ").metrics_token is None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_webhook_requests_are_counted_by_channel_and_status(sigap: str) -> None:
    hook = f"{sigap}/whatsapp/webhook"
    async with httpx.AsyncClient(timeout=30) as client:
        forged = await client.post(hook, content=b"{}", headers={"X-Hub-Signature-256": "x"})
        verify = {"hub.mode": "subscribe", "hub.verify_token": wa.VERIFY_TOKEN}
        verified = await client.get(hook, params={**verify, "hub.challenge": "7"})
        again = await client.get(hook, params={**verify, "hub.challenge": "8"})
        await client.get(f"{sigap}/healthz")  # not a webhook: not counted
        await client.get(f"{sigap}/masuk")
    assert (forged.status_code, verified.status_code, again.status_code) == (403, 200, 200)
    scraped = parsed((await scrape(sigap)).text)
    counted = {
        labels: v for (name, labels), v in scraped.items() if name == "sigap_webhook_requests_total"
    }
    assert counted == {
        frozenset({("channel", "whatsapp"), ("code", "403")}): 1,
        frozenset({("channel", "whatsapp"), ("code", "200")}): 2,
    }
    timed = value(scraped, "sigap_webhook_request_duration_seconds_count", channel="whatsapp")
    assert timed == 3
    slowest = value(
        scraped, "sigap_webhook_request_duration_seconds_bucket", channel="whatsapp", le="+Inf"
    )
    assert slowest == 3


async def test_healthz_is_degraded_when_a_message_waits_too_long(
    sigap: str, engine: Engine
) -> None:
    async def health() -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.get(f"{sigap}/healthz")
        assert answer.status_code == 200  # degraded is a warning, not "take me out"
        found: dict[str, Any] = answer.json()
        return found

    assert (await health())["status"] == "ok" and (await health())["database"] == "ok"
    now = utcnow()
    with Session(engine) as session:
        # Telegram is not served by this Sigap: its old message does not count here
        session.add(_message("telegram", "pending", timedelta(days=2), now))
        session.add(_message("whatsapp", "pending", timedelta(minutes=10), now))
        session.commit()
    assert (await health())["status"] == "ok"
    with Session(engine) as session:
        session.add(_message("whatsapp", "pending", timedelta(minutes=16), now))
        session.commit()
    degraded = await health()
    assert degraded["status"] == "degraded" and degraded["database"] == "ok"
    assert degraded["outbox"]["max_age_seconds"] == 15 * 60
    assert degraded["outbox"]["oldest_waiting_seconds"] >= 16 * 60
