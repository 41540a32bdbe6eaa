"""Claims and sent-marks of the outbox: a dead sender's claims are taken back and
delivered at once after a restart, a live sender's are never touched, a delivery is
marked sent right after the platform's yes, and never before it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, update
from sqlmodel import Session, select

from core.db import session_scope
from core.models import OutboxMessage, SenderLease
from core.services.messaging import outbox, sender_leases
from core.services.messaging.sender_leases import Holder
from core.timeutil import utcnow
from tests.chat_media import place
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_api import text as tg_text
from tests.telegram_harness import RunningBot, bot_settings, until

HOST = "kantor-1"


def _gone_pid() -> int:
    """The pid of a process that has ended (what a crashed `sigap run` leaves behind)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _holder(pid: int = os.getpid(), lease: str = "me") -> Holder:
    return Holder(lease, HOST, pid, lambda p: p != GONE)


GONE = _gone_pid()


def _lease(engine: Engine, lease: str, host: str, pid: int, renewed_ago: timedelta) -> None:
    with session_scope(engine) as session:
        session.add(SenderLease(id=lease, host=host, pid=pid, renewed_at=utcnow() - renewed_ago))


def _queue_claimed(
    engine: Engine, chat: str, text: str, by: str | None, claimed_ago: timedelta = timedelta()
) -> int:
    """A message the sender with lease ``by`` claimed ``claimed_ago`` and has not marked."""
    with session_scope(engine) as session:
        message = outbox.enqueue(session, "telegram", chat, text=text, claimed_by=by or "x")
        assert message is not None
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id)  # type: ignore[arg-type]
            .values(next_attempt_at=utcnow() - claimed_ago, claimed_by=by)
        )
        return message.id


def _status(engine: Engine, message_id: int) -> str:
    with Session(engine) as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        return row.status


def _release(engine: Engine, holder: Holder) -> None:
    with session_scope(engine) as session:
        sender_leases.release_dead_claims(session, holder)


def test_a_crashed_process_on_this_host_loses_its_claims_at_once(engine: Engine) -> None:
    _lease(engine, "crashed", HOST, GONE, timedelta(seconds=1))
    _lease(engine, "neighbour", HOST, os.getppid(), timedelta(seconds=1))
    _lease(engine, "elsewhere", "kantor-2", GONE, timedelta(seconds=1))
    dead = _queue_claimed(engine, "5401", "tertinggal", "crashed")
    live = _queue_claimed(engine, "5402", "sedang dikirim", "neighbour")
    remote = _queue_claimed(engine, "5403", "di mesin lain", "elsewhere")
    _release(engine, _holder())
    assert _status(engine, dead) == outbox.PENDING
    assert _status(engine, live) == outbox.SENDING  # a live process on this host
    assert _status(engine, remote) == outbox.SENDING  # another host: its pid says nothing
    with Session(engine) as session:
        assert session.get(SenderLease, "crashed") is None


def test_a_lease_whose_renewals_stopped_is_dead_wherever_it_ran(engine: Engine) -> None:
    _lease(engine, "silent", "kantor-2", os.getpid(), sender_leases.LEASE_TTL * 2)
    claimed = _queue_claimed(engine, "5404", "diam", "silent")
    _release(engine, _holder())
    assert _status(engine, claimed) == outbox.PENDING


def test_a_restart_in_a_container_reusing_the_pid_takes_back_its_predecessors_claims(
    engine: Engine,
) -> None:
    _lease(engine, "before-restart", HOST, 1, timedelta(seconds=1))
    claimed = _queue_claimed(engine, "5405", "sebelum restart", "before-restart")
    _release(engine, _holder(pid=1, lease="after-restart"))
    assert _status(engine, claimed) == outbox.PENDING


def test_a_claim_without_a_lease_waits_the_orphan_window(engine: Engine) -> None:
    old = _queue_claimed(engine, "5406", "lama", "vanished", sender_leases.ORPHAN_CLAIM * 2)
    fresh = _queue_claimed(engine, "5407", "baru", "being-written", timedelta(seconds=1))
    _release(engine, _holder())
    assert _status(engine, old) == outbox.PENDING
    assert _status(engine, fresh) == outbox.SENDING


async def test_a_dead_senders_claim_is_delivered_and_a_live_one_left_alone(
    database_url: str, engine: Engine, fake: FakeTelegram
) -> None:
    import socket

    here = socket.gethostname()
    _lease(engine, "crashed", here, GONE, timedelta(seconds=1))
    _lease(engine, "neighbour", here, os.getppid(), timedelta(seconds=1))
    dead = _queue_claimed(engine, "5408", "tertinggal", "crashed")
    live = _queue_claimed(engine, "5409", "sedang dikirim", "neighbour")
    running = await RunningBot(bot_settings(database_url, fake), engine).start()
    try:
        await until(lambda: _status(engine, dead) == outbox.SENT)
    finally:
        await running.stop()
    assert [m.text for m in fake.messages_to(5408)] == ["tertinggal"]
    assert fake.messages_to(5409) == []  # another live sender holds it
    assert _status(engine, live) == outbox.SENDING


async def test_a_reply_is_marked_sent_right_after_the_platform_accepted_it(
    database_url: str, engine: Engine, fake: FakeTelegram
) -> None:
    """No later update or pass of the background sender is needed for the mark: a crash
    right after a reply went out cannot send it again."""
    settings = bot_settings(database_url, fake, SIGAP_OUTBOX_POLL_SECONDS=3600)
    running = await RunningBot(settings, engine).start()
    try:
        fake.push(tg_text(5410, "/start"))
        await until(lambda: bool(fake.messages_to(5410)))
        with Session(engine) as session:
            ids = session.exec(
                select(OutboxMessage.id).where(OutboxMessage.recipient == "5410")
            ).all()
        await until(lambda: all(_status(engine, i) == outbox.SENT for i in ids if i))
    finally:
        await running.stop()


async def test_a_refused_message_is_never_marked_sent(
    database_url: str, engine: Engine, fake: FakeTelegram
) -> None:
    with session_scope(engine) as session:
        queued = outbox.enqueue(session, "telegram", "5411", text="halo")
        assert queued is not None
    fake.fail("sendMessage", 403)  # the bot was blocked: final
    running = await RunningBot(bot_settings(database_url, fake), engine).start()
    try:
        await until(lambda: _status(engine, queued.id) == outbox.FAILED)
    finally:
        await running.stop()
    with Session(engine) as session:
        row = session.exec(select(OutboxMessage).where(OutboxMessage.id == queued.id)).one()
        # (inside the block: a closed session asked again opens a new transaction that
        # nothing ends; it held a lock on senderlease until the garbage collector ran)
        leases = session.exec(select(SenderLease)).all()
    assert row.sent_at is None and row.external_id is None and fake.messages_to(5411) == []
    assert leases == []  # a clean stop ends the lease


async def test_a_whatsapp_photo_reaches_staff_on_telegram_once_it_is_downloaded(
    database_url: str, engine: Engine, fake: FakeTelegram, tmp_path: Path
) -> None:
    """The alert may be queued while the photo is still being fetched from Meta: the
    sender waits for the file instead of giving up."""
    settings = bot_settings(database_url, fake, SIGAP_MEDIA_DIR=str(tmp_path))
    with session_scope(engine) as session:
        queued = outbox.enqueue(
            session, "telegram", "5412", text="Foto MBS-1: lapak", attachment="photo:wa:M-9"
        )
        assert queued is not None
    running = await RunningBot(settings, engine).start()
    try:
        await until(lambda: _attempts(engine, queued.id) >= 1)  # not downloaded yet: retry
        place(engine, settings, "wa:M-9", b"\xff\xd8 the photo", "wa-M-9.jpg")
        await until(lambda: _status(engine, queued.id) == outbox.SENT)
    finally:
        await running.stop()
    [sent] = fake.messages_to(5412)
    assert sent.method == "sendPhoto" and sent.params["caption"] == "Foto MBS-1: lapak"
    assert sent.params["photo"]["content"] == b"\xff\xd8 the photo"


def _attempts(engine: Engine, message_id: int) -> int:
    with Session(engine) as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        return row.attempts


def test_a_sent_mark_skips_the_disk_flush_and_leaves_the_connection_as_it_was(
    engine: Engine,
) -> None:
    """Only the marks are written without waiting for the disk (a mark lost to a power
    cut costs one repeat); every other commit on the same pooled connection still does."""
    from core.db import repeatable_write

    sqlite = engine.dialect.name == "sqlite"
    ask = "PRAGMA synchronous" if sqlite else "SHOW synchronous_commit"
    relaxed, strict = (1, 2) if sqlite else ("off", "on")  # NORMAL / FULL
    for _ in range(3):  # whichever pooled connection each one gets
        with repeatable_write(engine) as session:
            assert session.connection().exec_driver_sql(ask).scalar() == relaxed
        with session_scope(engine) as session:
            assert session.connection().exec_driver_sql(ask).scalar() == strict
