"""No resident in the log: what Sigap writes at INFO and above names outbox ids, update
ids and error classes, never a phone number, a WhatsApp or Telegram id, a name or the
words someone wrote (DEBUG may).

Real flows on the real channels against the fake platforms, with every record captured
at DEBUG: sends the platform refuses for good, a temporary failure that is retried, a file
that cannot travel outside WhatsApp's 24 h window, a "failed" delivery report, and a
turn that fails in the database on a statement carrying the person's data (a database
error quotes its parameters; PostgreSQL adds a DETAIL line quoting the row). Each record
is checked as `sigap run` writes it (app.logs: message, and traceback if any), in the
text format and as JSON lines (SIGAP_LOG_FORMAT=json). Meta's
message ids encode the recipient's number, so the ids of the messages sent to the
resident count as theirs too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from app.logs import FORMAT, JsonFormatter, PrivateFormatter
from bot.dialogs.desk import Desk
from bot.dialogs.types import ChatUser, Inbound
from bot.whatsapp import convert
from core.config import Settings
from core.models import OutboxMessage
from core.services.messaging import outbox
from tests.fakes import graph_api as wa
from tests.fakes import telegram_api as api
from tests.fakes.graph_api import FakeGraph
from tests.fakes.telegram_api import FakeTelegram, Sent
from tests.telegram_harness import RunningBot, bot_settings, until
from tests.whatsapp_harness import WaPerson, running_sigap, wa_settings

pytestmark = pytest.mark.asyncio(loop_scope="function")

PHONE = "628997531864"
WA_NAME = "Sulastri Wiryaningsih"
WA_WORDS = "Selokan depan rumah Bu Sulastri mampet sejak Senin"
TG_CHAT = 7315426980
TG_FIRST, TG_LAST = "Kusumawardhani", "Prameswari"
TG_WORDS = "Anak tetangga menyalakan petasan di gang Melati"
WRITTEN = PrivateFormatter(FORMAT)  # as `sigap run` writes its log
AS_JSON = JsonFormatter()  # ... and with SIGAP_LOG_FORMAT=json


def _leaks(caplog: pytest.LogCaptureFixture, secrets: list[str]) -> list[str]:
    found = []
    for record in caplog.records:
        if record.levelno < logging.INFO:
            continue
        line = WRITTEN.format(record)
        entry = json.loads(AS_JSON.format(record))  # one object, its fields decoded
        assert entry["message"] == record.getMessage() and entry["level"] == record.levelname
        shown = [s for s in secrets if s in line or any(s in v for v in entry.values())]
        if shown:
            found.append(f"{shown} in: {line}")
    return found


def _count(caplog: pytest.LogCaptureFixture, logger: str, level: int, traced: bool = False) -> int:
    return sum(
        1
        for r in caplog.records
        if r.name == logger and r.levelno == level and (r.exc_info is not None or not traced)
    )


def _fails_in_the_database(
    self: Desk, session: Session, user: ChatUser, message: Inbound, **_: Any
) -> None:
    """A turn whose statement fails (a bug, a constraint, a value too long): the error
    SQLAlchemy raises quotes the statement's parameters."""
    session.connection().execute(
        text("INSERT INTO sigap_no_such_table (who, chat, said) VALUES (:who, :chat, :said)"),
        {"who": user.display_name, "chat": user.chat_id, "said": message.text},
    )


def _status(engine: Engine, message_id: int) -> str | None:
    with Session(engine) as session:
        row = session.get(OutboxMessage, message_id)
        return None if row is None else row.status


# -- WhatsApp ------------------------------------------------------------------------------
@pytest.fixture
async def sigap(
    database_url: str, graph: FakeGraph, engine: Engine, tmp_path: Path
) -> AsyncIterator[str]:
    async with running_sigap(wa_settings(database_url, graph, tmp_path / "media"), engine) as url:
        yield url


async def test_whatsapp_logs_no_resident(
    sigap: str,
    graph: FakeGraph,
    engine: Engine,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    sulastri = WaPerson(graph, sigap, PHONE, name=WA_NAME)
    # a file for her before she ever wrote: outside the window it cannot be sent
    with Session(engine) as session:
        queued = outbox.enqueue(
            session,
            convert.CHANNEL,
            sulastri.address,
            text="Laporan bulanan",
            attachment=str(tmp_path / "laporan.pdf"),
        )
        session.commit()
    assert queued is not None
    await until(lambda: _status(engine, queued.id) == "failed")

    assert wa.choices((await sulastri.says("halo"))[-1])  # the menu
    graph.fail(400, 131026)  # undeliverable: refused for good
    await sulastri.send(wa.text(PHONE, WA_WORDS, name=WA_NAME), expect=0)
    graph.fail(503, 2)  # temporary: retried, then delivered
    await sulastri.says("halo")
    report = await sulastri.post(
        wa.status(sulastri.last["_wamid"], "failed", sulastri.address, error_code=131026)
    )
    assert report.status_code == 200

    monkeypatch.setattr(Desk, "handle", _fails_in_the_database)
    apology = await sulastri.says(WA_WORDS)
    assert "gangguan" in wa.body_text(apology[-1])
    monkeypatch.undo()

    sent_to_her = [m["_wamid"] for m in sulastri.inbox]
    secrets = [PHONE, sulastri.address, WA_NAME, *WA_NAME.split(), WA_WORDS, *sent_to_her]
    leaks = _leaks(caplog, secrets)
    assert not leaks, "\n".join(leaks)
    # ...and each of those paths did log, so the check above saw them
    assert _count(caplog, "bot.whatsapp.sender", logging.WARNING) >= 2  # window, refusal
    assert _count(caplog, "bot.outbox_sender", logging.INFO) >= 1  # the retry
    assert _count(caplog, "bot.whatsapp.channel", logging.WARNING) >= 1  # failed after sending
    assert _count(caplog, "bot.whatsapp.channel", logging.ERROR, traced=True) >= 1


# -- Telegram ------------------------------------------------------------------------------
@pytest.fixture
def bot_config(database_url: str, fake: FakeTelegram, tmp_path: Path) -> Settings:
    return bot_settings(database_url, fake, SIGAP_MEDIA_DIR=str(tmp_path / "media"))


@pytest.fixture
async def bot(bot_config: Settings, engine: Engine) -> AsyncIterator[RunningBot]:
    running = await RunningBot(bot_config, engine).start()
    yield running
    await running.stop()


async def _says(bot: RunningBot, fake: FakeTelegram, body: str, expect: int = 1) -> list[Sent]:
    """A message from the resident, her full name on it as Telegram sends it; waits until
    it was handled and the outbox is drained."""
    update = api.text(TG_CHAT, body)
    update["message"]["from"].update(first_name=TG_FIRST, last_name=TG_LAST)
    before = len(fake.messages_to(TG_CHAT))
    fake.push(update)
    await until(lambda: len(fake.messages_to(TG_CHAT)) >= before + expect)
    await until(lambda: bot.idle_after(update["update_id"]))
    return fake.messages_to(TG_CHAT)[before:]


async def test_telegram_logs_no_resident(
    bot: RunningBot,
    fake: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    assert (await _says(bot, fake, "/start"))[-1].buttons  # the menu
    fake.fail("sendMessage", 403)  # Forbidden: the bot was blocked by the user
    await _says(bot, fake, "halo", expect=0)
    fake.fail("sendMessage", 400)  # Bad Request: chat not found
    await _says(bot, fake, TG_WORDS, expect=0)
    fake.fail("sendMessage", 500)  # temporary: retried, then delivered
    await _says(bot, fake, "halo")

    monkeypatch.setattr(Desk, "handle", _fails_in_the_database)
    apology = await _says(bot, fake, TG_WORDS)
    assert "gangguan" in apology[-1].text
    monkeypatch.undo()

    secrets = [str(TG_CHAT), TG_FIRST, TG_LAST, TG_WORDS]
    leaks = _leaks(caplog, secrets)
    assert not leaks, "\n".join(leaks)
    assert _count(caplog, "bot.telegram.sender", logging.WARNING) >= 2  # both refusals
    assert _count(caplog, "bot.outbox_sender", logging.INFO) >= 1  # the retry
    assert _count(caplog, "bot.telegram.app", logging.ERROR, traced=True) >= 1
