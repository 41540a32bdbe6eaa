"""Claims and sent-marks of the outbox: a claim left by a dead sender is taken back and
delivered, a live one is never sent twice, and nothing is marked sent before the
platform said yes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, update
from sqlmodel import Session, select

from core.db import session_scope
from core.models import OutboxMessage
from core.services import outbox
from core.timeutil import utcnow
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_harness import RunningBot, bot_settings, until


def _queue_claimed(engine: Engine, chat: str, text: str, claimed_ago: timedelta) -> int:
    """A message some sender claimed ``claimed_ago`` and has not marked since."""
    with session_scope(engine) as session:
        message = outbox.enqueue(session, "telegram", chat, text=text, status=outbox.SENDING)
        assert message is not None
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id)  # type: ignore[arg-type]
            .values(next_attempt_at=utcnow() - claimed_ago)
        )
        return message.id


def _status(engine: Engine, message_id: int) -> str:
    with Session(engine) as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        return row.status


def test_release_stale_frees_only_claims_older_than_the_window(engine: Engine) -> None:
    old = _queue_claimed(engine, "5401", "lama", outbox.STALE_CLAIM + timedelta(seconds=5))
    fresh = _queue_claimed(engine, "5402", "baru", timedelta(seconds=5))
    with session_scope(engine) as session:
        outbox.release_stale(session)
    assert _status(engine, old) == outbox.PENDING
    assert _status(engine, fresh) == outbox.SENDING


async def test_a_dead_senders_claim_is_delivered_and_a_live_one_left_alone(
    database_url: str, engine: Engine, fake: FakeTelegram
) -> None:
    dead = _queue_claimed(engine, "5403", "tertinggal", outbox.STALE_CLAIM + timedelta(minutes=1))
    live = _queue_claimed(engine, "5404", "sedang dikirim", timedelta(seconds=1))
    running = await RunningBot(bot_settings(database_url, fake), engine).start()
    try:
        await until(lambda: _status(engine, dead) == outbox.SENT)
    finally:
        await running.stop()
    assert [m.text for m in fake.messages_to(5403)] == ["tertinggal"]
    assert fake.messages_to(5404) == []  # another live sender holds it
    assert _status(engine, live) == outbox.SENDING


async def test_a_refused_message_is_never_marked_sent(
    database_url: str, engine: Engine, fake: FakeTelegram
) -> None:
    with session_scope(engine) as session:
        queued = outbox.enqueue(session, "telegram", "5405", text="halo")
        assert queued is not None
    fake.fail("sendMessage", 403)  # the bot was blocked: final
    running = await RunningBot(bot_settings(database_url, fake), engine).start()
    try:
        await until(lambda: _status(engine, queued.id) == outbox.FAILED)
    finally:
        await running.stop()
    with Session(engine) as session:
        row = session.exec(select(OutboxMessage).where(OutboxMessage.id == queued.id)).one()
    assert row.sent_at is None and row.external_id is None and fake.messages_to(5405) == []
