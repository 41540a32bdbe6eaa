"""Who changed whose rights, and when: invitations, joining, role changes, deactivation.

Kept in the same audit table as the registers (``register_name = "petugas"``), so one
trail answers an inspector's "who made this person an admin?".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from core.domain.people import StaffRole
from core.models import RegisterAudit, Staff
from core.services.access.authz import Actor, actor_staff_id

STAFF_TRAIL = "petugas"


def record_staff_change(
    session: Session,
    actor: Actor | None,
    subject_id: int | None,
    action: str,
    changes: dict[str, list[Any]],
    via: int | None = None,
) -> None:
    """``actor`` None: the subject acted themselves (redeeming an invite, ``via`` its id)."""
    acting = subject_id if actor is None else actor_staff_id(actor)
    if via is not None:
        changes = {**changes, "undangan": [None, via]}
    session.add(
        RegisterAudit(
            register_name=STAFF_TRAIL,
            record_key=str(subject_id) if subject_id is not None else "-",
            action=action,
            staff_id=acting,
            changes=json.dumps(changes, ensure_ascii=False),
        )
    )


def staff_trail(session: Session, limit: int = 50) -> Sequence[RegisterAudit]:
    """The newest changes to staff and invitations first."""
    return session.exec(
        select(RegisterAudit)
        .where(RegisterAudit.register_name == STAFF_TRAIL)
        .order_by(col(RegisterAudit.id).desc())
        .limit(limit)
    ).all()


def active_admins(session: Session, *, lock: bool = False) -> int:
    """``lock``: hold the admins' rows until the caller's commit, so two admins demoting
    each other at the same moment cannot both pass the count (PostgreSQL re-reads the
    rows after the wait; SQLite lets one writer at a time anyway)."""
    query = select(Staff.id).where(Staff.role == StaffRole.ADMIN, Staff.active == True)  # noqa: E712
    rows = session.exec(query.with_for_update() if lock else query).all()
    return len(rows)
