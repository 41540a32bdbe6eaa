"""Rahasia complaints: listed only to staff who may handle complaints, counted for all.

The one rule every listing of complaints applies (the web's IKU4 detail page and queue,
the chat queue, the command line): a rahasia complaint's row (its code, description,
desa, category) reaches only an active staff member with ``HANDLE_COMPLAINTS``. Anyone
else is told how many were left out, never which. Figures are not touched: a rahasia
complaint counts in every total and in IKU4 (domain.md section 8). Reports and digests,
which travel beyond the office, never list one at all (``complaint_stats``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from core.domain.access import Permission, may
from core.domain.complaints import Privacy
from core.models import Complaint, Staff


def may_list_rahasia(viewer: Staff | None) -> bool:
    """Only an active complaint handler; nobody named (``None``) may not."""
    return viewer is not None and may(viewer.role, viewer.active, Permission.HANDLE_COMPLAINTS)


def not_rahasia() -> sa.ColumnElement[bool]:
    return col(Complaint.privacy) != Privacy.RAHASIA.value


def is_rahasia() -> sa.ColumnElement[bool]:
    return col(Complaint.privacy) == Privacy.RAHASIA.value


def withheld(session: Session, may_list: bool, where: Sequence[sa.ColumnElement[bool]]) -> int:
    """How many rahasia complaints meet ``where`` and are not listed to this viewer."""
    if may_list:
        return 0
    query = select(func.count()).select_from(Complaint).where(*where, is_rahasia())
    return int(session.exec(query).one())


@dataclass(frozen=True)
class Listing:
    """Complaints as one viewer may see them listed, and how many rahasia ones were
    left out (always 0 for a complaint handler)."""

    shown: Sequence[Complaint]
    withheld: int = 0


def list_complaints_for(
    session: Session,
    may_list: bool,
    where: Sequence[sa.ColumnElement[bool]],
    order_by: Sequence[Any],  # columns or their .desc()
    limit: int | None,
) -> Listing:
    """The complaints meeting ``where`` in this order, up to ``limit``, the rahasia ones
    left out (and counted) unless this viewer may list them."""
    query = select(Complaint).where(*where)
    if not may_list:
        query = query.where(not_rahasia())
    shown = session.exec(query.order_by(*order_by).limit(limit)).all()
    return Listing(shown, withheld(session, may_list, where))
