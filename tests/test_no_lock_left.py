"""No Sigap connection is left holding locks, and news is queued once.

Once, a PostgreSQL TRUNCATE in the suite waited eight minutes on a connection "idle in
transaction" after a SELECT on senderlease: a test read through a session after its
`with` block had closed it, which opens a new transaction nothing ends until the garbage
collector happens to run. In an office such a connection blocks VACUUM and migrations.
Here everything a running Sigap does (both chat senders with their lease threads, the
scheduler's duties, the health check) runs against PostgreSQL with the garbage
collector off, so a leaked session stays leaked and shows in pg_stat_activity.
"""

from __future__ import annotations

import gc
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from core.config import Settings, load_settings
from core.db import make_engine, session_scope
from core.domain.people import StaffRole
from core.models import OutboxMessage, ScheduledRun, SenderLease
from core.services.complaints.lifecycle import get_complaint
from core.services.messaging.notifications import STATE_CHANGED, notify_reporter
from core.services.performance.records import add_staff
from core.timeutil import utcnow
from tests import factories
from tests.conftest import PG_SERVER
from tests.fakes import graph_api as wa
from tests.fakes.graph_api import FakeGraph
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_harness import Person, outbox_idle, until
from tests.waiting import wait_until
from tests.whatsapp_harness import WaPerson, running_sigap

CAMAT_TG, RESIDENT_TG = 5601, 5602
CAMAT_WA = wa.bsuid("6281500005601")
NOT_LATELY = "0 7 29 2 *"  # has not fired in the last hours (leap days only)


def _settings(database_url: str, fake: FakeTelegram, graph: FakeGraph, tmp: Path) -> Settings:
    """`sigap run` with both channels and the scheduler; the digest and the prune fell
    due an hour ago (made up at start), every other duty is far away."""
    an_hour_ago = utcnow().astimezone(load_settings(_env_file=None).tz) - timedelta(hours=1)
    crons = {
        "SIGAP_DIGEST_CRON": f"{an_hour_ago.minute} {an_hour_ago.hour} * * *",
        "SIGAP_PRUNE_CRON": f"{an_hour_ago.minute} {an_hour_ago.hour} * * *",
        "SIGAP_DEADLINE_CRON": NOT_LATELY,
        "SIGAP_MONTHLY_REPORT_CRON": NOT_LATELY,
        "SIGAP_QUARTERLY_REPORT_CRON": NOT_LATELY,
    }
    if "backup_cron" in Settings.model_fields:  # the daily backup: not this test's business
        crons["SIGAP_BACKUP_CRON"] = NOT_LATELY
    return load_settings(
        _env_file=None,
        DATABASE_URL=database_url,
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.base_url,
        TELEGRAM_PER_CHAT_INTERVAL=0,
        WHATSAPP_PHONE_NUMBER_ID=wa.PHONE_NUMBER_ID,
        WHATSAPP_ACCESS_TOKEN=wa.TOKEN,
        WHATSAPP_APP_SECRET=wa.APP_SECRET,
        WHATSAPP_VERIFY_TOKEN=wa.VERIFY_TOKEN,
        WHATSAPP_API_BASE_URL=graph.base_url,
        WHATSAPP_PER_USER_INTERVAL=0,
        SIGAP_MEDIA_DIR=str(tmp / "media"),
        SIGAP_REPORTS_DIR=str(tmp / "reports"),
        SIGAP_OUTBOX_POLL_SECONDS=0.05,
        SIGAP_OUTBOX_RETRY_BASE_SECONDS=0.05,
        SIGAP_SCHEDULER=True,
        SIGAP_MISFIRE_GRACE_HOURS=12,
        **crons,
    )


def _connections(application: str) -> list[tuple[str, str]]:
    """(state, last statement) of every server connection this test's engine opened."""
    with psycopg.connect(PG_SERVER, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT state, left(query, 120) FROM pg_stat_activity WHERE application_name = %s",
            (application,),
        ).fetchall()
    return [(str(state), str(query)) for state, query in rows]


def _digest_delivered(engine: Engine) -> bool:
    with Session(engine) as session:
        ran = session.exec(select(ScheduledRun.key).where(col(ScheduledRun.key).like("digest:%")))
        return bool(ran.all()) and outbox_idle(engine)


def _leases_renewed(engine: Engine) -> bool:
    """Each channel's lease thread renewed its lease at least once."""
    with Session(engine) as session:
        leases = session.exec(select(SenderLease)).all()
    return len(leases) == 2 and all(lease.renewed_at > lease.started_at for lease in leases)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_no_connection_is_left_idle_in_a_transaction_after_a_run(
    database_url: str, fake: FakeTelegram, graph: FakeGraph, tmp_path: Path
) -> None:
    application = f"sigap-test-{uuid.uuid4().hex[:10]}"
    engine = make_engine(f"{database_url}&application_name={application}")
    with session_scope(engine) as session:
        add_staff(
            session,
            "Camat Mumbulsari",
            StaffRole.CAMAT,
            accounts=[("telegram", str(CAMAT_TG)), ("whatsapp", CAMAT_WA)],
        )
    settings = _settings(database_url, fake, graph, tmp_path)
    gc.disable()  # a session left open stays open: the check below cannot miss it
    try:
        async with running_sigap(settings, engine) as base:
            await Person(fake, RESIDENT_TG).says("/start")
            await WaPerson(graph, base, "6281500005602").says("halo")
            async with httpx.AsyncClient() as client:
                assert (await client.get(f"{base}/healthz")).status_code == 200
            await until(lambda: _digest_delivered(engine), timeout=60)
            await until(lambda: _leases_renewed(engine), timeout=30)
        # stopped: the senders handed back their claims, the duties ended, the lease
        # threads joined; every connection they used is back in the pool
        connections = _connections(application)
    finally:
        gc.enable()
        engine.dispose()
    assert fake.messages_to(CAMAT_TG) and graph.sent_to(CAMAT_WA)  # the digest went out
    assert connections, "the test saw none of Sigap's connections"
    held = [(state, query) for state, query in connections if state != "idle"]
    assert held == []


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_sigap_connection_has_a_limit_on_idling_inside_a_transaction(engine: Engine) -> None:
    """Where the server sets none, Sigap's own connections get one (a server's stays),
    and they are named in pg_stat_activity."""
    with engine.connect() as connection:
        server = connection.exec_driver_sql(
            "SELECT reset_val FROM pg_settings WHERE name = 'idle_in_transaction_session_timeout'"
        ).scalar()
        limit = connection.exec_driver_sql("SHOW idle_in_transaction_session_timeout").scalar()
        name = connection.exec_driver_sql("SHOW application_name").scalar()
    assert limit == ("5min" if server == "0" else limit) and limit != "0"
    assert name == "sigap"


# -- the same news, queued twice -------------------------------------------------------
def _state_notices(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(OutboxMessage.recipient).where(OutboxMessage.template == STATE_CHANGED)
            ).all()
        )


def test_the_same_state_notice_queued_twice_is_one_message(
    engine: Engine, settings: Settings
) -> None:
    """A handler run again (a redelivery, a retry after a failed commit) queues the same
    event for the same account: it is decided by the outbox's unique key, quietly."""
    with session_scope(engine) as session:
        reporter = factories.resident(session, "5611")
        item = factories.complaint(session, settings, reporter=reporter)
        notify_reporter(session, item)
        notify_reporter(session, item)  # twice in one transaction
        code = item.code
    with session_scope(engine) as session:  # and again in a later one
        notify_reporter(session, get_complaint(session, code))
    assert _state_notices(engine) == ["5611"]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_the_same_notice_queued_by_two_transactions_at_once_is_one_message(
    engine: Engine, settings: Settings
) -> None:
    """The second transaction waits on the first one's row (the unique key), and once
    the first commits it queues nothing and raises nothing."""
    with session_scope(engine) as session:
        reporter = factories.resident(session, "5612")
        code = factories.complaint(session, settings, reporter=reporter).code
    second: dict[str, object] = {}

    def queue_again() -> None:
        try:
            with session_scope(engine) as session:
                second["pid"] = (
                    session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
                )
                notify_reporter(session, get_complaint(session, code))
        except Exception as exc:  # what the test is about: there must be none
            second["error"] = exc

    with session_scope(engine) as first:
        notify_reporter(first, get_complaint(first, code))
        thread = threading.Thread(target=queue_again)
        thread.start()
        _wait_until_blocked(engine, second)
    thread.join(timeout=30)
    assert not thread.is_alive() and "error" not in second, second
    assert _state_notices(engine) == ["5612"]


def _wait_until_blocked(engine: Engine, second: dict[str, object]) -> None:
    """Until the other transaction waits on a lock (the first one's uncommitted row)."""
    query = text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid")

    def blocked() -> bool:
        if "pid" not in second:
            return False
        with engine.connect() as connection:
            return connection.execute(query, {"pid": second["pid"]}).scalar() == "Lock"

    wait_until(blocked, 20, lambda: "the second transaction never reached the first one's row")
