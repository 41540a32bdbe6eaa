"""Fixtures: a migrated database on SQLite and on the PostgreSQL server of this machine.

Each backend is migrated once per run through Alembic (the same path `sigap db upgrade`
takes); each test then starts from empty tables.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from playwright.async_api import Browser, async_playwright
from sqlalchemy import Connection, Engine, insert, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel

from core.config import Settings, load_settings
from core.db import make_engine, upgrade
from core.domain.performance import DEFAULT_SET
from core.models import Office, OfficeArea, OfficeIku
from tests.browser import LAUNCH_ARGS, require_browser
from tests.fakes.graph_api import FakeGraph
from tests.fakes.telegram_api import FakeTelegram

PG_SERVER = os.environ.get("SIGAP_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_unreachable_reason() -> str | None:
    try:
        psycopg.connect(PG_SERVER, connect_timeout=3).close()
    except psycopg.Error as exc:
        return f"PostgreSQL not reachable at {PG_SERVER}: {exc}".splitlines()[0]
    return None


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "sigap.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_postgres() -> None:
    """PostgreSQL is part of the stack: in CI an unreachable server fails the run; on a
    developer's machine without it, its tests are skipped and counted at the end."""
    reason = _pg_unreachable_reason()
    if reason and _in_ci():
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    require_postgres()
    schema = f"sigap_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(PG_SERVER, autocommit=True)
    admin.execute(f"CREATE SCHEMA {schema}")
    url = PG_SERVER.replace("postgresql://", "postgresql+psycopg://", 1)
    url += f"?options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    admin.execute(f"DROP SCHEMA {schema} CASCADE")
    admin.close()


def _truncate_all(engine: Engine) -> None:
    """Empty every table; a connection left idle in a transaction on them (a session used
    after its block, say) fails the next test within seconds, named, instead of hanging."""
    tables = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)
    try:
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '30s'"))
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            _first_office(connection)
    except OperationalError:
        with engine.connect() as connection:
            holders = connection.execute(
                text(
                    "SELECT pid, application_name, left(query, 80) FROM pg_stat_activity "
                    "WHERE state = 'idle in transaction' AND pid <> pg_backend_pid()"
                )
            ).all()
        pytest.fail(f"TRUNCATE waited 30 s on a lock; idle in transaction: {holders}")


def _first_office(connection: Connection) -> None:
    """Office #1 as a migrated database holds it (migration 0014, default settings)."""
    defaults = load_settings(_env_file=None)
    office = Office(
        id=1,
        code=defaults.office_code,
        name=defaults.office_name,
        ticket_prefix=defaults.ticket_prefix,
    )
    connection.execute(insert(Office).values(office.model_dump()))
    areas = [
        {"office_id": 1, "name": d, "kind": "desa", "active": True} for d in defaults.desa_list
    ]
    connection.execute(insert(OfficeArea), areas)
    iku_set = [  # migration 0016: the decree's six
        {"office_id": 1, "label": label, "indicator_code": i.code, "position": n}
        for n, (label, i) in enumerate(DEFAULT_SET, start=1)
    ]
    connection.execute(insert(OfficeIku), iku_set)
    connection.execute(text("SELECT setval(pg_get_serial_sequence('office', 'id'), 1)"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database; the test runs once on each backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "sigap.db"
        shutil.copy(template, target)
        yield f"sqlite:///{target}"
        return
    url: str = request.getfixturevalue("pg_url")
    engine = make_engine(url)
    _truncate_all(engine)
    engine.dispose()
    yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with no schema at all, to migrate step by step (each backend)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    require_postgres()
    schema = f"sigap_empty_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_SERVER, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    url = PG_SERVER.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = make_engine(f"{url}?options=-csearch_path%3D{schema}")
    yield engine
    engine.dispose()
    with psycopg.connect(PG_SERVER, autocommit=True) as admin:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    """A fake Telegram Bot API server on 127.0.0.1 (tests/fakes/telegram_api.py)."""
    server = FakeTelegram().start()
    yield server
    server.stop()


TELEGRAM_WEBHOOK_SECRET = "webhook-secret-for-tests"


@pytest.fixture
async def webhook(database_url: str, engine: Engine) -> AsyncIterator[tuple[FakeTelegram, str]]:
    """Sigap's own HTTP server (the one that also takes WhatsApp) receives Telegram."""
    from app.service import running
    from tests.telegram_harness import bot_settings
    from tests.whatsapp_harness import serving

    fake = FakeTelegram().start()
    settings = bot_settings(
        database_url,
        fake,
        TELEGRAM_MODE="webhook",
        TELEGRAM_WEBHOOK_SECRET=TELEGRAM_WEBHOOK_SECRET,
        TELEGRAM_WEBHOOK_URL="https://sigap.example/telegram/webhook",
    )
    async with running(settings, engine) as sigap, serving(sigap.http) as url:
        yield fake, f"{url}/telegram/webhook"
    fake.stop()


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    """A fake WhatsApp Cloud (Graph) API server on 127.0.0.1 (tests/fakes/graph_api.py)."""
    server = FakeGraph().start()
    yield server
    server.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Debian's chromium, driven by Playwright (tests/browser.py says how it is found)."""
    executable = require_browser()
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(_env_file=None, DATABASE_URL=database_url)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say loudly how much of the suite did not run for want of PostgreSQL."""
    skipped = terminalreporter.stats.get("skipped", [])
    without_pg = [r for r in skipped if "PostgreSQL not reachable" in str(r.longrepr)]
    if without_pg:
        terminalreporter.write_sep(
            "!", f"{len(without_pg)} tests skipped: PostgreSQL not reachable at {PG_SERVER}"
        )
