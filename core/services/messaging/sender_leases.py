"""Leases of the outbox senders: which claims belong to a live sender.

A sender takes a lease when it starts and renews it every few seconds while it lives.
A claim carries its sender's lease id. A lease is dead when its renewals stopped for
LEASE_TTL, or when it names a process on this host that no longer runs (a restart
finds its predecessor's claims at once, without waiting the TTL). A dead lease's claims
go back to pending and the lease is removed; a live sender's claims are never touched,
so two running processes never send the same message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from core.models import OutboxMessage, SenderLease
from core.timeutil import utcnow

LEASE_TTL = timedelta(seconds=20)
RENEW_EVERY = timedelta(seconds=3)
ORPHAN_CLAIM = timedelta(minutes=2)  # a claim whose lease row is gone (or never existed)


@dataclass(frozen=True)
class Holder:
    """Who asks: this process's lease, host and pid, and how to tell if a pid runs."""

    lease_id: str
    host: str
    pid: int
    pid_alive: Callable[[int], bool]

    def outlived(self, lease: SenderLease, now: datetime) -> bool:
        if lease.id == self.lease_id:
            return False
        if lease.renewed_at < now - LEASE_TTL:
            return True
        if lease.host != self.host:
            return False
        # pid 1 in a restarted container is this process again: its predecessor is dead
        return lease.pid == self.pid or not self.pid_alive(lease.pid)


def take_lease(session: Session, holder: Holder) -> None:
    """Start (or, after a database hiccup removed it, restart) this sender's lease."""
    lease = session.get(SenderLease, holder.lease_id)
    now = utcnow()
    if lease is None:
        session.add(SenderLease(id=holder.lease_id, host=holder.host, pid=holder.pid))
    else:
        lease.renewed_at = now
        session.add(lease)


def renew_lease(session: Session, holder: Holder) -> None:
    result = session.execute(
        update(SenderLease)
        .where(col(SenderLease.id) == holder.lease_id)
        .values(renewed_at=utcnow())
    )
    if not getattr(result, "rowcount", 1):
        take_lease(session, holder)


def end_lease(session: Session, holder: Holder) -> None:
    """A clean stop: what it still holds unsent goes back to pending, the lease goes."""
    _release(session, col(OutboxMessage.claimed_by) == holder.lease_id)
    session.execute(delete(SenderLease).where(col(SenderLease.id) == holder.lease_id))


def release_dead_claims(session: Session, holder: Holder, now: datetime | None = None) -> int:
    """Claims of dead senders back to pending; how many. Orphan claims (no lease row)
    wait ORPHAN_CLAIM first, in case their sender's lease is being written right now."""
    moment = now or utcnow()
    dead = [
        lease.id
        for lease in session.exec(select(SenderLease)).all()
        if holder.outlived(lease, moment)
    ]
    released = 0
    if dead:
        released += _release(session, col(OutboxMessage.claimed_by).in_(dead))
        session.execute(delete(SenderLease).where(col(SenderLease.id).in_(dead)))
    live = select(SenderLease.id)
    released += _release(
        session,
        col(OutboxMessage.next_attempt_at) < moment - ORPHAN_CLAIM,
        (col(OutboxMessage.claimed_by).is_(None)) | col(OutboxMessage.claimed_by).not_in(live),
    )
    return released


def _release(session: Session, *where: object) -> int:
    result = session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.status) == "sending", *where)  # type: ignore[arg-type]
        .values(status="pending", claimed_by=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)
