"""Several `sigap run` processes on one fresh PostgreSQL database, and residents' chat
updates posted to them as Telegram's webhook posts them (tests/test_many_processes.py
and bench/processes.py).

The updates go to the processes' ports in turn, as a reverse proxy would spread them; a
call that fails (its process was killed) goes to the next port, as the proxy's retry or
Telegram's own would. Each chat's updates are posted one after the other (Telegram
waits for a chat's update to be answered before the next), many chats at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import psycopg

from core.db import make_engine, upgrade
from tests.conftest import PG_SERVER
from tests.fakes.telegram_api import FakeTelegram
from tests.sigap_process import start_sigap_run

SECRET = "webhook-secret-for-many-processes"


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A migrated PostgreSQL schema of its own (a database as `sigap db upgrade` leaves
    it), dropped afterwards; its SQLAlchemy URL."""
    schema = f"sigap_procs_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_SERVER, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    url = PG_SERVER.replace("postgresql://", "postgresql+psycopg://", 1)
    url += f"?options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        engine.dispose()
        yield url
    finally:
        engine.dispose()
        with psycopg.connect(PG_SERVER, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def sigap_env(
    database_url: str,
    fake: FakeTelegram,
    folder: Path,
    *,
    mode: str = "webhook",
    per_second: float = 25.0,
    chat_interval: float = 1.0,
) -> dict[str, str]:
    """One office's settings, the same for every process: one database, one Bot API,
    the same shared folders (absolute), limits as given."""
    return {
        "DATABASE_URL": database_url,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_MODE": mode,
        "TELEGRAM_WEBHOOK_URL": "https://sigap.example/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_MAX_PER_SECOND": str(per_second),
        "TELEGRAM_PER_CHAT_INTERVAL": str(chat_interval),
        "SIGAP_SCHEDULER": "false",
        "SIGAP_OUTBOX_POLL_SECONDS": "0.2",
        "SIGAP_OUTBOX_RETRY_BASE_SECONDS": "0.2",
        "SIGAP_MEDIA_DIR": str(folder / "media"),
        "SIGAP_REPORTS_DIR": str(folder / "reports"),
        "SIGAP_BACKUP_DIR": str(folder / "backups"),
        "SIGAP_SECRET_KEY": "the-same-key-in-every-process",
    }


class SigapProcess:
    """A `sigap run` subprocess whose output is read all along (a full pipe would stall
    it), so a test can wait for a line and read everything it logged."""

    def __init__(self, folder: Path, port: int, env: dict[str, str]) -> None:
        self.port = port
        self.process = start_sigap_run(folder, port, **env)
        self.lines: list[str] = []
        self._seen = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._seen:
                self.lines.append(line)
                self._seen.notify_all()
        with self._seen:
            self._seen.notify_all()

    @property
    def output(self) -> str:
        with self._seen:
            return "".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 90.0) -> str:
        """The first line matching ``pattern``; fails after ``timeout`` or if it ended."""
        deadline = time.monotonic() + timeout
        found = re.compile(pattern)
        with self._seen:
            while True:
                for line in self.lines:
                    if found.search(line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise AssertionError(f"no {pattern!r} from pid {self.pid}:\n{self.output}")
                self._seen.wait(min(left, 0.5))

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)


@contextlib.contextmanager
def processes(folder: Path, ports: Sequence[int], env: dict[str, str]) -> Iterator[list[Any]]:
    """``len(ports)`` processes started together, each waited for until it serves."""
    started = [SigapProcess(folder, port, env) for port in ports]
    try:
        for process in started:
            process.wait_for(r"Uvicorn running on")
        yield started
    finally:
        for process in started:
            process.stop()


def chats(
    first_user: int, singles: int, several: int, each: int, first_update: int = 1
) -> list[list[dict[str, Any]]]:
    """``singles`` chats writing once and ``several`` chats writing ``each`` times: every
    update a resident's "/start", which Sigap answers with one message."""
    counts = [1] * singles + [each] * several
    ids = itertools.count(first_update)
    return [
        [_start(first_user + n, next(ids)) for _ in range(count)] for n, count in enumerate(counts)
    ]


def _start(user_id: int, update_id: int) -> dict[str, Any]:
    from tests.fakes import telegram_api as api

    update = api.text(user_id, "/start")
    update["update_id"] = update_id
    return update


@dataclass
class Posted:
    answered: int = 0
    retried: int = 0  # calls that failed on one process and went to another


async def post_all(
    ports: Sequence[int],
    conversations: Sequence[Sequence[dict[str, Any]]],
    concurrency: int = 32,
    timeout: float = 300.0,
) -> Posted:
    """Post every chat's updates in order, ``concurrency`` chats at a time, to the ports
    in turn; a failed call goes to the next port until ``timeout``."""
    posted = Posted()
    turn = itertools.count()
    room = asyncio.Semaphore(concurrency)
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    deadline = time.monotonic() + timeout

    async def post(client: aiohttp.ClientSession, update: dict[str, Any]) -> None:
        body = json.dumps(update)
        while True:
            port = ports[next(turn) % len(ports)]
            url = f"http://127.0.0.1:{port}/telegram/webhook"
            try:
                async with client.post(url, data=body, headers=headers) as answer:
                    if answer.status == 200:
                        posted.answered += 1
                        return
            except (TimeoutError, aiohttp.ClientError):
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"update {update['update_id']} never answered")
            posted.retried += 1

    async def one_chat(client: aiohttp.ClientSession, updates: Sequence[dict[str, Any]]) -> None:
        async with room:
            for update in updates:
                await post(client, update)

    connector = aiohttp.TCPConnector(limit=concurrency)
    client_timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=client_timeout) as client:
        await asyncio.gather(*(one_chat(client, updates) for updates in conversations))
    return posted
