"""The rencana tindak lanjut an SKM report prints: the office's plan for the period."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, or_, select

from core.domain.periods import Period
from core.models import SkmFollowUp


def follow_ups_for(session: Session, period: Period) -> Sequence[SkmFollowUp]:
    """Plans of the period's year: the whole year's, and a triwulan's own for a
    triwulan report; the unit's before any service's."""
    quarter = period.quarter_number
    in_period: ColumnElement[bool] = col(SkmFollowUp.quarter).is_(None)
    if quarter is not None:
        in_period = or_(in_period, col(SkmFollowUp.quarter) == quarter)
    return session.exec(
        select(SkmFollowUp)
        .where(
            SkmFollowUp.year == period.end.year,
            in_period,
            col(SkmFollowUp.deleted_at).is_(None),
        )
        .order_by(
            col(SkmFollowUp.service_code).is_not(None),
            col(SkmFollowUp.service_code),
            col(SkmFollowUp.unsur),
            col(SkmFollowUp.id),
        )
    ).all()
