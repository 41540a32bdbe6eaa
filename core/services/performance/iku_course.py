"""The IKU month by month.

`monthly_course` is what the IKU report's monthly table and the dashboard's trend both
show: for each month of a period, `iku_for_period` of the span from the period's start to
that month's end (the last month is the period itself). It gives exactly those figures
(tests/test_one_figure.py holds it to that) at a fraction of twelve separate calls: the
annual IKU5/IKU6 and the targets are read once a year, and the complaints of the whole
period are counted in one grouped pass instead of twelve growing ones.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func

from core.config import Settings
from core.domain.complaints import IKU4_EXCLUDED_STATES, IKU4_SETTLED_STATES
from core.domain.performance import IndicatorKind
from core.domain.periods import Period
from core.models import Complaint
from core.services.performance.iku import (
    IkuReport,
    IkuValue,
    as_chosen,
    judged,
    kind_value,
    ratio_value,
    targets_for,
)
from core.services.performance.iku_set import office_set
from core.timeutil import local_midnight


def month_ends(period: Period) -> list[date]:
    """The last day of each month the period touches (the period's own end last)."""
    ends, day = [], period.start
    while day <= period.end:
        next_month = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        ends.append(min(next_month - timedelta(days=1), period.end))
        day = next_month
    return ends


def complaints_course(
    session: Session, settings: Settings, start: date, ends: list[date]
) -> list[IkuValue]:
    """IKU4 from ``start`` to each of ``ends``, as `complaints_value` counts it: each
    complaint falls in the month it was received and the month it was settled (or
    none), and the spans are sums of those months."""
    bounds = [local_midnight(end + timedelta(days=1), settings.tz) for end in ends]
    last = len(bounds)

    def month_of(moment: Any) -> sa.ColumnElement[int]:
        """The first span whose end the moment is before (``last``: after them all)."""
        return sa.case(*((moment < bound, i) for i, bound in enumerate(bounds)), else_=last)

    settled_state = col(Complaint.state).in_([s.value for s in IKU4_SETTLED_STATES])
    received_in = month_of(col(Complaint.received_at)).label("received_in")
    settled_in = sa.case((settled_state, month_of(col(Complaint.resolved_at))), else_=last)
    rows = session.execute(
        sa.select(received_in, settled_in.label("settled_in"), func.count())
        .where(
            col(Complaint.received_at) >= local_midnight(start, settings.tz),
            col(Complaint.received_at) < bounds[-1],
            col(Complaint.state).not_in([s.value for s in IKU4_EXCLUDED_STATES]),
        )
        .group_by(received_in, settled_in)
    ).all()
    received, settled = [0] * last, [0] * last
    for received_month, settled_month, count in rows:
        for span in range(received_month, last):
            received[span] += count
            if settled_month <= span:
                settled[span] += count
    return [
        ratio_value(IndicatorKind.TRANTIB, s, r) for s, r in zip(settled, received, strict=True)
    ]


def monthly_course(
    session: Session, settings: Settings, period: Period, last: int | None = None
) -> list[tuple[date, IkuReport]]:
    """The office's IKU from the period's start to the end of each of its months
    (``last``: only that many of the latest months)."""
    ends = month_ends(period)[-last if last else 0 :]
    chosen_set = office_set(session)
    trantib = complaints_course(session, settings, period.start, ends)
    course = []
    annual: dict[tuple[int, str], IkuValue] = {}  # read once a year, as the targets are
    targets = {year: targets_for(session, year) for year in {end.year for end in ends}}
    for end, trantib_value in zip(ends, trantib, strict=True):
        span = Period(period.start, end)
        values = []
        for chosen in chosen_set:
            if chosen.kind is IndicatorKind.TRANTIB:
                value = trantib_value
            elif chosen.kind.annual:
                key = (end.year, chosen.label)
                if key not in annual:
                    annual[key] = kind_value(session, settings, span, chosen)
                value = annual[key]
            else:
                value = kind_value(session, settings, span, chosen)
            values.append(as_chosen(value, chosen))
        course.append((end, judged(span, values, targets[end.year], settings)))
    return course
