"""What the backup tests share: fresh databases as an office starts with, an office's
year of data and files, a writer that keeps inserting like `sigap run`, and `sigap` run
as an operator runs it (a real process, its own settings, no .env)."""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from bench.dataset import YEAR, fill_complaints, fill_registers, fill_skm
from core.config import Settings, load_settings
from core.db import make_engine, session_scope, upgrade
from core.domain.complaints import ComplaintState
from core.domain.people import StaffRole
from tests import factories
from tests.conftest import PG_SERVER, require_postgres

SIGAP = str(Path(sys.executable).with_name("sigap"))
PASSPHRASE = "kunci cadangan kantor kecamatan"


@dataclass(frozen=True)
class Office:
    """One installation: its database and folders, as the settings name them."""

    url: str
    root: Path
    passphrase: str | None = None

    @property
    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "SIGAP_MEDIA_DIR": str(self.root / "media"),
            "SIGAP_REPORTS_DIR": str(self.root / "reports"),
            "SIGAP_BACKUP_DIR": str(self.root / "backups"),
            "SIGAP_BACKUP_PASSPHRASE": self.passphrase or "",
        }
        return env

    @property
    def settings(self) -> Settings:
        return load_settings(
            _env_file=None,
            **{k: v for k, v in self.env.items() if k.startswith(("SIGAP_", "DATABASE_URL"))},
        )

    def sigap(self, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SIGAP, *args],
            env={**self.env, **settings},
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )


def sqlite_urls(folder: Path, count: int) -> list[str]:
    return [f"sqlite:///{folder / f'office{n}.db'}" for n in range(count)]


@contextmanager
def postgres_databases(count: int) -> Iterator[list[str]]:
    """Fresh, empty PostgreSQL databases (schema ``public``, as an office gets them)."""
    require_postgres()
    names = [f"sigap_backup_{uuid.uuid4().hex[:10]}" for _ in range(count)]
    with psycopg.connect(PG_SERVER, autocommit=True) as admin:
        for name in names:
            admin.execute(f"CREATE DATABASE {name}")
        try:
            base = make_url(PG_SERVER).set(drivername="postgresql+psycopg", query={})
            yield [base.set(database=name).render_as_string(hide_password=False) for name in names]
        finally:
            for name in names:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def fill_year(engine: Engine, settings: Settings, responses: int = 1500) -> None:
    """An office's year through the services: SKM answers, complaints in every state,
    registers, staff and residents with their chat accounts."""
    fill_skm(engine, responses)
    fill_complaints(engine, responses // 5)
    with session_scope(engine) as session:
        fill_registers(session)
        officer = factories.staff(session, StaffRole.TRANTIB)
        for n in range(5):
            person = factories.resident(session, user_id=str(7000 + n), name=f"Warga {n}")
            received = datetime(YEAR, 3 + n, 2, 9, 0, tzinfo=UTC)
            item = factories.complaint(session, settings, reporter=person, received_at=received)
            factories.advance(session, item, ComplaintState.SELESAI, officer, at=received)


def write_files(office: Office, count: int = 6, seed: int = 5) -> dict[str, str]:
    """Photos, web uploads and report files; name in the archive -> sha256."""
    rng = random.Random(seed)
    files = {
        **{f"media/tg-{n:032x}.jpg": rng.randbytes(rng.randint(1, 300_000)) for n in range(count)},
        "media/web/Qm9rdGkgZm90byBrZWdpYXRhbg.png": rng.randbytes(70_000),
        "media/wa-1234567890.pdf": b"",
        "reports/iku-2025-01-01-2025-03-31.pdf": rng.randbytes(120_000),
    }
    for name, content in files.items():
        path = office.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return {name: hashlib.sha256(content).hexdigest() for name, content in files.items()}


def files_on_disk(office: Office) -> dict[str, str]:
    found = {}
    for folder in ("media", "reports"):
        for path in sorted((office.root / folder).rglob("*")):
            if path.is_file():
                name = path.relative_to(office.root).as_posix()
                found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def table_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                query = (
                    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                )
            else:
                query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            names = [row[0] for row in connection.execute(text(query))]
            return {
                name: connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
                for name in names
            }
    finally:
        engine.dispose()


def migrated(url: str, revision: str = "head") -> Engine:
    engine = make_engine(url)
    upgrade(engine, revision)
    return engine


class Writer(threading.Thread):
    """Keeps registering complaints (of the next year: the year under test keeps its
    IKU), one transaction each, as the bot does while the backup runs."""

    def __init__(self, url: str, settings: Settings) -> None:
        super().__init__(daemon=True)
        self.url, self.settings = url, settings
        self.written = 0
        self.error: BaseException | None = None
        self._enough = threading.Event()
        self._changed = threading.Condition()

    def run(self) -> None:
        engine = make_engine(self.url)
        try:
            while not self._enough.is_set():
                with session_scope(engine) as session:
                    at = datetime(YEAR + 1, 1, 5, 8, 0, tzinfo=UTC)
                    factories.complaint(session, self.settings, received_at=at)
                with self._changed:
                    self.written += 1
                    self._changed.notify_all()
        except BaseException as exc:
            with self._changed:
                self.error = exc
                self._changed.notify_all()
        finally:
            engine.dispose()

    def wait_for(self, count: int, timeout: float = 120) -> int:
        with self._changed:
            self._changed.wait_for(lambda: self.written >= count or self.error, timeout)
            assert self.error is None, self.error
            assert self.written >= count, f"writer stalled at {self.written}"
            return self.written

    def finish(self) -> None:
        self._enough.set()
        self.join(timeout=60)
        assert self.error is None, self.error
