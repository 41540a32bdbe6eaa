"""The outbox's bookkeeping, counted by hand: retries, final failures, what platforms
report after accepting a message, and what still waits per channel."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, update
from sqlmodel import Session

from core.db import session_scope
from core.models import OutboxMessage
from core.services.messaging import outbox
from core.timeutil import utcnow


def _queue(engine: Engine, channel: str = "whatsapp", recipient: str = "628111") -> int:
    with session_scope(engine) as session:
        message = outbox.enqueue(session, channel, recipient, text="halo")
        assert message is not None
        return message.id


def _row(engine: Engine, message_id: int) -> OutboxMessage:
    with Session(engine) as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        return row


def test_each_retry_counts_once_and_waits_its_delay(engine: Engine) -> None:
    message_id = _queue(engine)
    for attempt in range(1, outbox.MAX_ATTEMPTS):
        before = utcnow()
        with session_scope(engine) as session:
            status = outbox.mark_retry(session, message_id, "x" * 700, timedelta(seconds=30))
        row = _row(engine, message_id)
        assert (status, row.status, row.attempts) == (outbox.PENDING, outbox.PENDING, attempt)
        assert before + timedelta(seconds=30) <= row.next_attempt_at
        assert row.next_attempt_at <= utcnow() + timedelta(seconds=30)
        assert row.last_error == "x" * 500
    with session_scope(engine) as session:  # the twelfth failure: given up for good
        assert outbox.mark_retry(session, message_id, "503", timedelta()) == outbox.FAILED
    assert (_row(engine, message_id).status, _row(engine, message_id).attempts) == (
        outbox.FAILED,
        outbox.MAX_ATTEMPTS,
    )


def test_a_final_refusal_keeps_its_reason_within_the_column(engine: Engine) -> None:
    message_id = _queue(engine)
    with session_scope(engine) as session:
        outbox.mark_failed(session, message_id, "y" * 700)
    row = _row(engine, message_id)
    assert (row.status, row.last_error) == (outbox.FAILED, "y" * 500)


def _sent_as(engine: Engine, message_id: int, platform_id: str) -> None:
    with session_scope(engine) as session:
        outbox.mark_all_sent(session, [(message_id, platform_id)])


def test_delivery_reports_after_acceptance(engine: Engine) -> None:
    read, failed, silent = _queue(engine), _queue(engine), _queue(engine)
    _sent_as(engine, read, "wamid.read")
    _sent_as(engine, failed, "wamid.failed")
    _sent_as(engine, silent, "wamid.silent")
    with session_scope(engine) as session:
        assert outbox.record_delivery_status(session, "wamid.read", "read", "")
        assert outbox.record_delivery_status(session, "wamid.failed", "failed", "")
        assert outbox.record_delivery_status(session, "wamid.silent", "x" * 30, "")
        assert not outbox.record_delivery_status(session, "wamid.unknown", "delivered", "")
    assert (_row(engine, read).status, _row(engine, read).delivery_status) == (outbox.SENT, "read")
    gone = _row(engine, failed)
    assert (gone.status, gone.last_error) == (outbox.FAILED, "failed after sending")
    assert _row(engine, silent).delivery_status == "x" * 20
    with session_scope(engine) as session:
        outbox.record_delivery_status(session, "wamid.read", "failed", "131026 undeliverable")
    assert _row(engine, read).last_error == "131026 undeliverable"


def test_what_waits_is_counted_per_channel(engine: Engine) -> None:
    sent, waiting, claimed = _queue(engine), _queue(engine), _queue(engine)
    _queue(engine, channel="telegram", recipient="5001")
    _sent_as(engine, sent, "wamid.1")
    with session_scope(engine) as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == claimed)  # type: ignore[arg-type]
            .values(status=outbox.SENDING)
        )
        assert outbox.waiting_count(session, "whatsapp") == 2  # pending + claimed
        assert outbox.waiting_count(session, "telegram") == 1
    assert _row(engine, waiting).status == outbox.PENDING
