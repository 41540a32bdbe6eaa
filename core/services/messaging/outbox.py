"""The outbox: messages to deliver, written in the same transaction as the change they
report, claimed by one sender at a time and marked sent only after the platform said yes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import Table, bindparam, case, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, func, select

from core.models import OutboxMessage
from core.timeutil import utcnow

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
DIGEST_TOPIC = "digest"  # the weekly digest: WhatsApp has its own template for it
# A message carrying a secret (a login link): its text is erased once it is sent or
# given up, so the outbox does not keep a readable link.
SECRET_TOPIC = "secret"
ERASED = "[tautan rahasia dihapus setelah dikirim]"
MAX_ATTEMPTS = 12


TABLE: Table = OutboxMessage.__table__  # type: ignore[attr-defined]


class Deliverable(Protocol):
    """What a sender needs of a queued message: a stored row or a just-queued one."""

    @property
    def id(self) -> int | None: ...
    @property
    def channel(self) -> str: ...
    @property
    def recipient(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def text(self) -> str | None: ...
    @property
    def template(self) -> str | None: ...
    @property
    def params(self) -> str: ...
    @property
    def markup(self) -> str | None: ...
    @property
    def attachment(self) -> str | None: ...
    @property
    def attempts(self) -> int: ...
    @property
    def topic(self) -> str | None: ...


@dataclass(frozen=True)
class QueuedMessage:
    """A message just written to the outbox, as its row now stands."""

    id: int
    channel: str
    recipient: str
    language: str
    text: str | None
    template: str | None
    params: str
    markup: str | None
    attachment: str | None
    dedupe_key: str | None
    topic: str | None = None
    attempts: int = 0
    claimed_by: str | None = None


# Built once, run on the session's connection: queueing happens for every chat reply,
# and an ORM object per message cost more than the INSERT itself.
_VALUES: dict[str, Any] = {
    name: bindparam(name)
    for name in (
        *("channel", "recipient", "language", "text", "template", "params", "markup"),
        *("attachment", "dedupe_key", "topic", "status", "attempts", "next_attempt_at"),
        *("created_at", "claimed_by"),
    )
}
INSERT = insert(TABLE).values(_VALUES)


def enqueue(
    session: Session,
    channel: str,
    recipient: str,
    *,
    text: str | None = None,
    template: str | None = None,
    params: dict[str, Any] | None = None,
    markup: dict[str, Any] | None = None,
    attachment: str | None = None,
    language: str = "id",
    dedupe_key: str | None = None,
    topic: str | None = None,
    claimed_by: str | None = None,
) -> QueuedMessage | None:
    """Queue one message; with a dedupe key, a second enqueue of the same key is a no-op.

    ``topic`` names what kind of news it is where a channel treats it apart (WhatsApp
    sends the weekly "digest" outside the 24 h window with its own template).
    With ``claimed_by`` (a sender's lease) it is queued already claimed by that sender,
    for a caller that sends it itself right after committing (a reply to the person who
    just wrote)."""
    if (text is None) == (template is None):
        raise ValueError("give exactly one of text or template")
    queued = QueuedMessage(
        id=0,
        channel=channel,
        recipient=recipient,
        language=language,
        text=text,
        template=template,
        params=json.dumps(params or {}, ensure_ascii=False, default=str),
        markup=json.dumps(markup, ensure_ascii=False) if markup else None,
        attachment=attachment,
        dedupe_key=dedupe_key,
        topic=topic,
        claimed_by=claimed_by,
    )
    row = asdict(queued)
    del row["id"]
    now = utcnow()
    row.update(status=PENDING if claimed_by is None else SENDING)
    row.update(next_attempt_at=now, created_at=now)
    connection = session.connection()
    if not dedupe_key:
        key = connection.execute(INSERT, row).inserted_primary_key
        assert key is not None
        return replace(queued, id=int(key[0]))
    new_id = connection.execute(_insert_once(connection.dialect.name), row).scalar()
    return None if new_id is None else replace(queued, id=int(new_id))


@lru_cache(maxsize=2)
def _insert_once(dialect: str) -> Any:
    """INSERT unless a message with this dedupe key exists; the id when inserted. The
    unique key decides, not a look first: two transactions queueing the same news at
    once (a handler re-run beside the first run) get one row and no error, the second
    waiting for the first to commit or roll back (PostgreSQL) or for the write lock
    (SQLite)."""
    dml = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = dml(TABLE).values(_VALUES)
    return statement.on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(TABLE.c.id)


_QUEUED_FIELDS = [field.name for field in fields(QueuedMessage)]
CLAIM = (
    update(TABLE)
    .where(TABLE.c.id.in_(bindparam("ids", expanding=True)), TABLE.c.status == PENDING)
    .values(status=SENDING, next_attempt_at=bindparam("now"), claimed_by=bindparam("by"))
    .returning(*(TABLE.c[name] for name in _QUEUED_FIELDS))
)


def claim_many(
    session: Session, message_ids: Sequence[int], by: str, now: datetime | None = None
) -> list[QueuedMessage]:
    """Take these messages for the sender holding lease ``by`` if still pending, in id
    order; messages another sender holds, or that are done, are left out (UPDATE ...
    RETURNING decides)."""
    if not message_ids:
        return []
    values = {"ids": list(message_ids), "now": now or utcnow(), "by": by}
    rows = session.connection().execute(CLAIM, values)
    claimed = [QueuedMessage(**row._asdict()) for row in rows]
    return sorted(claimed, key=lambda message: message.id)


def due_ids(
    session: Session, channel: str, limit: int = 100, now: datetime | None = None
) -> list[tuple[int, str]]:
    """(id, recipient) of pending messages whose time has come, oldest first."""
    moment = now or utcnow()
    rows = session.exec(
        select(OutboxMessage.id, OutboxMessage.recipient)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.status == PENDING,
            col(OutboxMessage.next_attempt_at) <= moment,
        )
        .order_by(col(OutboxMessage.id))
        .limit(limit)
    ).all()
    return [(int(i), r) for i, r in rows if i is not None]


def _erased_if_secret() -> Any:
    return case((TABLE.c.topic == SECRET_TOPIC, ERASED), else_=TABLE.c.text)


def _mark_sent_statement() -> Any:
    return (
        update(TABLE)
        .where(TABLE.c.id == bindparam("message_id"))
        .values(
            status=SENT,
            sent_at=bindparam("delivered_at"),
            external_id=bindparam("platform_id"),
            last_error=None,
            text=_erased_if_secret(),
        )
    )


# Built once: constructing the statement and its cache key cost more than running it.
MARK_SENT = _mark_sent_statement()


def mark_all_sent(session: Session, delivered: Sequence[tuple[int, str | None]]) -> None:
    """(message id, platform message id) pairs accepted by the platform, in one go."""
    if not delivered:
        return
    now = utcnow()
    session.connection().execute(
        MARK_SENT,
        [{"message_id": i, "platform_id": p, "delivered_at": now} for i, p in delivered],
    )


def mark_retry(session: Session, message_id: int, error: str, delay: timedelta) -> str:
    """Back to pending after ``delay``, or failed for good after too many attempts."""
    message = session.get(OutboxMessage, message_id)
    assert message is not None
    message.attempts += 1
    message.last_error = error[:500]
    message.status = FAILED if message.attempts >= MAX_ATTEMPTS else PENDING
    if message.status == FAILED and message.topic == SECRET_TOPIC:
        message.text = ERASED
    message.next_attempt_at = utcnow() + delay
    message.claimed_by = None
    session.add(message)
    return message.status


def release(session: Session, message_id: int) -> None:
    """Put a claimed message back untouched (it waits behind an earlier one to its chat)."""
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id, col(OutboxMessage.status) == SENDING)
        .values(status=PENDING, claimed_by=None)
    )


def mark_failed(session: Session, message_id: int, error: str) -> None:
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id)
        .values(status=FAILED, last_error=error[:500], text=_erased_if_secret())
    )


def record_delivery_status(session: Session, external_id: str, status: str, error: str) -> bool:
    """What the platform reported after accepting a message (delivered, read, failed);
    False when no message of ours has that platform id. A failure after acceptance is
    final: the message is marked failed with the platform's reason."""
    values: dict[str, Any] = {"delivery_status": status[:20]}
    if status == "failed":
        values.update(status=FAILED, last_error=(error or "failed after sending")[:500])
    result = session.execute(
        update(OutboxMessage).where(col(OutboxMessage.external_id) == external_id).values(values)
    )
    return bool(getattr(result, "rowcount", 0))


def waiting_count(session: Session, channel: str) -> int:
    """Messages of a channel not yet accepted by the platform nor given up."""
    return session.exec(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.channel == channel, col(OutboxMessage.status).in_([PENDING, SENDING]))
    ).one()
