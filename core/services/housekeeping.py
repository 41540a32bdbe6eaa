"""Pruning what only grows: handled update ids, delivered or abandoned outbox messages,
and spent logins, once they are older than the office keeps them (SIGAP_KEEP_DAYS).

What is kept, and why: an update id must outlive any redelivery (Telegram keeps
undelivered updates 24 hours, Meta retries a webhook for up to 7 days), so the minimum
is 30 days; messages still waiting or being sent are never touched; complaints, their
events, SKM answers and the registers' audit trail are records, not housekeeping, and
are never pruned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlmodel import Session, col

from core.models import LoginLink, OutboxMessage, ProcessedUpdate, WebSession
from core.services.outbox import FAILED, SENT

MIN_KEEP_DAYS = 30


@dataclass(frozen=True)
class Pruned:
    updates: int
    messages: int
    logins: int


def prune(session: Session, now: datetime, keep_days: int) -> Pruned:
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
    return Pruned(
        updates.rowcount,  # type: ignore[attr-defined]
        messages.rowcount,  # type: ignore[attr-defined]
        links.rowcount + sessions.rowcount,  # type: ignore[attr-defined]
    )
