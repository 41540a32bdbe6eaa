"""A cheap fingerprint of everything the IKU are computed from.

Every change to those inputs leaves a new row behind: a complaint's every move writes a
``ComplaintEvent``, every register change a ``RegisterAudit``, every SKM answer an
``SkmResponse``. The highest ids of the three (each read from its primary key index)
therefore change whenever any IKU can, so figures computed for one fingerprint may be
reused until it changes.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from core.models import ComplaintEvent, RegisterAudit, SkmResponse


def iku_inputs_stamp(session: Session) -> tuple[int, int, int]:
    newest = [
        select(func.max(model.id)).scalar_subquery()
        for model in (ComplaintEvent, RegisterAudit, SkmResponse)
    ]
    row = session.execute(select(*newest)).one()
    return row[0] or 0, row[1] or 0, row[2] or 0
