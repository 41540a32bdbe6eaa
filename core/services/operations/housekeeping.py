"""Pruning what only grows: handled update ids, delivered or abandoned outbox messages,
and spent logins, once they are older than the office keeps them (SIGAP_KEEP_DAYS); and
the chat accounts of people who only ever looked (SIGAP_IDLE_ACCOUNT_DAYS).

What is kept, and why: an update id must outlive any redelivery (Telegram keeps
undelivered updates 24 hours, Meta retries a webhook for up to 7 days), so the minimum
is 30 days; messages still waiting or being sent are never touched; complaints, their
events, SKM answers and the registers' audit trail are records, not housekeeping, and
are never pruned.

An idle account (UU 27/2022: personal data is kept no longer than needed) is a resident
who never reported, never answered the SKM and has no chat account linked to staff, and
whose last activity is older than SIGAP_IDLE_ACCOUNT_DAYS. There is no last-seen column:
the last activity is the newest of the resident's and their accounts' creation, their
dialog position's last step, their last WhatsApp message (the 24-hour window's row) and
the newest outbox message to them (every answer to a message is one). Outbox rows are
pruned after SIGAP_KEEP_DAYS, so activity older than that is no longer seen: an account
idle longer than both goes. With the resident go their chat accounts, dialog positions
and the outbox messages to them (none a sender holds right now); WhatsApp window rows
older than the idle limit go for everyone (a window is 24 hours).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, exists, or_, select
from sqlmodel import Session, col

from core.models import (
    ChatAccount,
    ChatWindow,
    Complaint,
    DialogState,
    LoginLink,
    OutboxMessage,
    ProcessedUpdate,
    Resident,
    SkmResponse,
    WebSession,
)
from core.services.messaging.outbox import FAILED, SENDING, SENT

MIN_KEEP_DAYS = 30


@dataclass(frozen=True)
class Pruned:
    updates: int
    messages: int
    logins: int
    residents: int = 0  # idle people whose chat accounts were deleted


def prune(
    session: Session, now: datetime, keep_days: int, idle_account_days: int | None = None
) -> Pruned:
    """``idle_account_days`` None: chat accounts are left alone."""
    cutoff = now - timedelta(days=max(keep_days, MIN_KEEP_DAYS))
    updates = session.execute(
        delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < cutoff)
    )
    messages = session.execute(
        delete(OutboxMessage).where(
            col(OutboxMessage.status).in_([SENT, FAILED]), col(OutboxMessage.created_at) < cutoff
        )
    )
    links = session.execute(delete(LoginLink).where(col(LoginLink.expires_at) < cutoff))
    sessions = session.execute(
        delete(WebSession).where(
            or_(col(WebSession.expires_at) < cutoff, col(WebSession.revoked_at) < cutoff)
        )
    )
    residents = 0
    if idle_account_days is not None:
        residents = prune_idle_accounts(session, now - timedelta(days=idle_account_days))
    return Pruned(
        updates.rowcount,  # type: ignore[attr-defined]
        messages.rowcount,  # type: ignore[attr-defined]
        links.rowcount + sessions.rowcount,  # type: ignore[attr-defined]
        residents,
    )


def _account_of(channel: object, key: object) -> ColumnElement[bool]:
    """The chat account a row keyed (channel, external id) belongs to."""
    return (col(ChatAccount.channel) == channel) & (col(ChatAccount.external_id) == key)


def _active_since(cutoff: datetime) -> ColumnElement[bool]:
    """A chat account (correlated) made, moved in a dialog, written from or written to
    since ``cutoff``, or one linked to staff."""
    return or_(
        col(ChatAccount.staff_id).is_not(None),
        col(ChatAccount.created_at) >= cutoff,
        exists().where(
            _account_of(DialogState.channel, DialogState.user_key),
            col(DialogState.updated_at) >= cutoff,
        ),
        exists().where(
            _account_of(ChatWindow.channel, ChatWindow.chat_id),
            col(ChatWindow.last_inbound_at) >= cutoff,
        ),
        exists().where(
            _account_of(OutboxMessage.channel, OutboxMessage.recipient),
            col(OutboxMessage.created_at) >= cutoff,
        ),
    )


def idle_residents(session: Session, cutoff: datetime) -> list[int]:
    """Residents with no complaint, no SKM answer, no staff account and no activity
    since ``cutoff`` (see the module's note)."""
    resident_id = col(Resident.id)
    query = select(resident_id).where(
        col(Resident.created_at) < cutoff,
        ~exists().where(col(Complaint.reporter_id) == resident_id),
        ~exists().where(col(SkmResponse.resident_id) == resident_id),
        ~exists().where(col(ChatAccount.resident_id) == resident_id, _active_since(cutoff)),
    )
    return [int(found) for found in session.execute(query.order_by(resident_id)).scalars()]


def forget_accounts(session: Session, accounts: ColumnElement[bool]) -> int:
    """Delete the chat accounts meeting ``accounts`` with what exists only for them:
    their dialog positions and the outbox messages to them that no sender holds now."""
    session.execute(
        delete(DialogState).where(
            exists().where(accounts, _account_of(DialogState.channel, DialogState.user_key))
        )
    )
    session.execute(
        delete(OutboxMessage).where(
            col(OutboxMessage.status) != SENDING,
            exists().where(accounts, _account_of(OutboxMessage.channel, OutboxMessage.recipient)),
        )
    )
    gone = session.execute(delete(ChatAccount).where(accounts))
    return int(gone.rowcount)  # type: ignore[attr-defined]


BATCH = 500  # ids per statement: well under SQLite's bound-parameter limit


def prune_idle_accounts(session: Session, cutoff: datetime) -> int:
    """Delete idle residents with their chat accounts; returns how many residents."""
    session.execute(delete(ChatWindow).where(col(ChatWindow.last_inbound_at) < cutoff))
    idle = idle_residents(session, cutoff)
    for start in range(0, len(idle), BATCH):
        ids = idle[start : start + BATCH]
        forget_accounts(session, col(ChatAccount.resident_id).in_(ids))
        session.execute(delete(Resident).where(col(Resident.id).in_(ids)))
    return len(idle)
