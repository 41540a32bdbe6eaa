"""Complaint figures for reports and reminders: recap by dimension, times, overdue lists.

Reporter identities are never read here. Rahasia complaints count in the totals, but are
never listed nor placed in a breakdown that names a desa or a category: there they are
one row of their own (``SECRET_ROW``), so every breakdown still adds up to its total.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple, Protocol

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from core.config import Settings
from core.domain.complaints import (
    IKU4_EXCLUDED_STATES,
    IKU4_SETTLED_STATES,
    OPEN_STATES,
    ComplaintState,
    Privacy,
)
from core.domain.numbers import percentage, round_half_up
from core.domain.periods import Period
from core.models import Complaint
from core.scope import office_of
from core.services.complaints.categories import find_category, load_categories
from core.services.complaints.due import work_calendar
from core.services.complaints.history import state_at
from core.sqltime import elapsed_ms
from core.timeutil import local_date, local_midnight, utc_bounds


class ComplaintLine(NamedTuple):
    """One complaint as a report may list it: no reporter, no description. A tuple, as
    a year's overdue list has tens of thousands of them (4x cheaper to build than a
    frozen dataclass)."""

    code: str
    category: str
    channel: str
    desa: str | None
    state: str
    received: date
    due_date: date
    days_overdue: int


@dataclass
class ComplaintRecap:
    period: Period
    received: int
    by_category: dict[str, int]
    by_channel: dict[str, int]
    by_desa: dict[str, int]
    by_state: dict[str, int]
    resolved: int
    resolved_within_level: int
    median_hours_to_acknowledge: Decimal | None
    median_hours_to_resolve: Decimal | None
    overdue: list[ComplaintLine] = field(default_factory=list)  # possibly only the oldest
    overdue_listable: int = 0  # how many ``overdue`` would hold without a limit
    overdue_secret: int = 0
    settled_by_state: dict[str, int] = field(default_factory=dict)  # by the period's end

    @property
    def excluded(self) -> dict[str, int]:
        """Received but outside IKU4: duplikat (counted on the original), ditolak."""
        return {s.value: self.by_state.get(s.value, 0) for s in sorted(IKU4_EXCLUDED_STATES)}

    @property
    def counted(self) -> int:
        """IKU4's denominator: received minus the excluded."""
        return self.received - sum(self.excluded.values())

    @property
    def within_level_share(self) -> Decimal | None:
        share = percentage(self.resolved_within_level, self.resolved)
        return None if share is None else round_half_up(share)


class ListableComplaint(Protocol):
    """What a report line needs: a Complaint, or a row of just those columns (where the
    channel and state are their stored text, not the StrEnum members)."""

    @property
    def code(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def desa(self) -> str | None: ...
    @property
    def state(self) -> str: ...
    @property
    def received_at(self) -> datetime: ...
    @property
    def due_date(self) -> date: ...


# The enum columns come back as their stored text: no enum lookup per row.
LINE_COLUMNS = (
    col(Complaint.code),
    col(Complaint.category),
    sa.type_coerce(col(Complaint.channel), sa.String).label("channel"),
    col(Complaint.desa),
    sa.type_coerce(col(Complaint.state), sa.String).label("state"),
    col(Complaint.received_at),
    col(Complaint.due_date),
)


MS_PER_HOUR = Decimal(3_600_000)
THRESHOLDS_PER_QUERY = 200  # SQLite allows 500 SELECTs in one UNION


def _median_hours(
    session: Session, milliseconds: sa.ColumnElement[int], where: list[sa.ColumnElement[bool]]
) -> tuple[int, Decimal | None]:
    """How many intervals there are, and their exact median: the middle value, or the
    mean of the two middle ones, in whole ms. The database sorts and hands back just
    those one or two values."""
    present = [*where, milliseconds.is_not(None)]
    count = session.execute(sa.select(func.count()).where(*present)).scalar_one()
    if not count:
        return 0, None
    middle = session.execute(
        sa.select(milliseconds)
        .where(*present)
        .order_by(milliseconds)
        .offset((count - 1) // 2)
        .limit(2 - count % 2)
    ).scalars()
    values = [Decimal(v) for v in middle]
    return count, round_half_up(sum(values, Decimal(0)) / len(values) / MS_PER_HOUR)


def complaint_line(complaint: ListableComplaint, today: date, settings: Settings) -> ComplaintLine:
    return ComplaintLine(
        code=complaint.code,
        category=find_category(complaint.category, settings.categories_file).name,
        channel=str(complaint.channel),
        desa=complaint.desa,
        state=str(complaint.state),
        received=local_date(complaint.received_at, settings.tz),
        due_date=complaint.due_date,
        days_overdue=max(0, (today - complaint.due_date).days),
    )


def listed_lines(
    complaints: Iterable[Complaint], today: date, settings: Settings
) -> list[ComplaintLine]:
    """The complaints a report may name: every one but the rahasia ones."""
    return [
        complaint_line(c, today, settings) for c in complaints if c.privacy is not Privacy.RAHASIA
    ]


BREAKDOWNS = ("category", "channel", "desa", "state")
SETTLED_ORDER = sorted(IKU4_SETTLED_STATES, key=lambda s: s is not ComplaintState.SELESAI)
NO_DESA = "tanpa desa"  # a complaint given by location only, or with no place at all
SECRET_ROW = "rahasia (tidak dirinci)"  # rahasia complaints in a category / desa table


def _received_in(period: Period, settings: Settings) -> list[sa.ColumnElement[bool]]:
    start, end = utc_bounds(period.start, period.end, settings.tz)
    return [col(Complaint.received_at) >= start, col(Complaint.received_at) < end]


def _breakdowns(
    session: Session, settings: Settings, period: Period
) -> tuple[int, dict[str, Counter[str]]]:
    """One GROUP BY over the period instead of 200,000 rows through Python."""
    names = {c.code: c.name for c in load_categories(settings.categories_file)}
    counts: dict[str, Counter[str]] = {k: Counter() for k in BREAKDOWNS}
    total = 0
    dimensions = [
        col(c) for c in (Complaint.category, Complaint.channel, Complaint.desa, Complaint.state)
    ]
    secret = (col(Complaint.privacy) == Privacy.RAHASIA.value).label("secret")
    query = (
        sa.select(*dimensions, secret, func.count())
        .where(*_received_in(period, settings))
        .group_by(*dimensions, secret)
    )
    secret_total = 0
    for category, channel, desa, state, is_secret, n in session.execute(query):
        total += n
        counts["channel"][channel.value] += n
        counts["state"][state.value] += n
        if is_secret:  # a rahasia complaint's category or desa could point at its reporter
            secret_total += n
        else:
            counts["category"][names.get(category, category)] += n
            counts["desa"][desa or NO_DESA] += n
    for name in ("category", "desa"):
        counts[name] = Counter(_ranked(counts[name]))
        if secret_total:
            counts[name][SECRET_ROW] = secret_total  # last: after the ranked rows
    return total, counts


def _settled(period: Period, settings: Settings) -> list[sa.ColumnElement[bool]]:
    end = utc_bounds(period.start, period.end, settings.tz)[1]
    return [
        *_received_in(period, settings),
        col(Complaint.state).in_([s.value for s in IKU4_SETTLED_STATES]),
        col(Complaint.resolved_at) < end,
    ]


def within_level(
    session: Session, settings: Settings, settled: list[sa.ColumnElement[bool]]
) -> int:
    """Of the settled complaints ``settled`` selects, those resolved on or before their
    due date, a local date: resolved before the local midnight that ends it. The
    database compares each complaint with the deadline of its due date, from a small
    table of the distinct due dates."""
    due_dates = sorted(
        session.execute(sa.select(col(Complaint.due_date)).where(*settled).distinct()).scalars()
    )
    columns = Complaint.__table__.c  # type: ignore[attr-defined]
    within = 0
    for first in range(0, len(due_dates), THRESHOLDS_PER_QUERY):
        chunk = due_dates[first : first + THRESHOLDS_PER_QUERY]
        deadlines = sa.union_all(
            *(
                sa.select(
                    sa.literal(day, columns.due_date.type).label("due"),
                    sa.literal(
                        local_midnight(day + timedelta(days=1), settings.tz),
                        columns.resolved_at.type,
                    ).label("deadline"),
                )
                for day in chunk
            )
        ).subquery()
        within += session.execute(
            sa.select(func.count())
            .select_from(Complaint)
            .join(deadlines, deadlines.c.due == col(Complaint.due_date))
            .where(*settled, col(Complaint.resolved_at) < deadlines.c.deadline)
        ).scalar_one()
    return within


def complaint_recap(
    session: Session,
    settings: Settings,
    period: Period,
    today: date,
    overdue_limit: int | None = None,
) -> ComplaintRecap:
    """Complaints received in the period, and those open past their due date on ``today``.

    Counting happens in the database; only the timestamps the medians need come back as
    rows (a kabupaten's year is ~200,000 complaints)."""
    total, counts = _breakdowns(session, settings, period)
    to_acknowledge = elapsed_ms(col(Complaint.acknowledged_at), col(Complaint.received_at))
    to_resolve = elapsed_ms(col(Complaint.resolved_at), col(Complaint.received_at))
    _, to_acknowledge_median = _median_hours(
        session, to_acknowledge, _received_in(period, settings)
    )
    resolved, to_resolve_median = _median_hours(session, to_resolve, _settled(period, settings))
    overdue = overdue_list(session, settings, today, limit=overdue_limit, received=period)
    state_text = sa.type_coerce(col(Complaint.state), sa.String)
    settled_by_state = dict(
        session.execute(
            sa.select(state_text, func.count())
            .where(*_settled(period, settings))
            .group_by(state_text)
        ).all()
    )
    return ComplaintRecap(
        period=period,
        received=total,
        by_category=dict(counts["category"]),
        by_channel=_ranked(counts["channel"]),
        by_desa=dict(counts["desa"]),
        by_state=_ranked(counts["state"]),
        resolved=resolved,  # every settled one has a resolution time
        resolved_within_level=within_level(session, settings, _settled(period, settings)),
        median_hours_to_acknowledge=to_acknowledge_median,
        median_hours_to_resolve=to_resolve_median,
        overdue=overdue.lines,
        overdue_listable=overdue.total - overdue.secret,
        overdue_secret=overdue.secret,
        settled_by_state={s.value: settled_by_state.get(s.value, 0) for s in SETTLED_ORDER},
    )


def _ranked(counted: Counter[str]) -> dict[str, int]:
    return dict(sorted(counted.items(), key=lambda item: (-item[1], item[0])))


@dataclass(frozen=True)
class OverdueList:
    lines: list[ComplaintLine]  # the listable ones, longest overdue first
    secret: int  # rahasia ones: counted, never listed
    total: int


def overdue_list(
    session: Session,
    settings: Settings,
    today: date,
    limit: int | None = None,
    received: Period | None = None,
    as_of: datetime | None = None,
) -> OverdueList:
    """Open complaints whose due date has passed on ``today``, the longest overdue first;
    ``limit`` lines at most, the totals always whole. ``received``: only those received
    in that period (a recap's own complaints). ``as_of``: open at that past moment, in
    the state they then had (a past week's report), not as they stand now."""
    state: sa.ColumnElement[str] = sa.type_coerce(col(Complaint.state), sa.String)
    overdue = [col(Complaint.due_date) < today]
    if as_of is not None:
        state = state_at(as_of)
        overdue.append(col(Complaint.received_at) < as_of)
    overdue.append(state.in_([s.value for s in OPEN_STATES]))
    if received is not None:
        overdue += _received_in(received, settings)
    secret_flag = col(Complaint.privacy) == Privacy.RAHASIA.value
    counts = dict(
        session.execute(
            sa.select(secret_flag, func.count()).where(*overdue).group_by(secret_flag)
        ).all()
    )
    columns = [*LINE_COLUMNS[:4], state.label("state"), *LINE_COLUMNS[5:]]
    rows = (
        session.connection()
        .execute(  # Core: no ORM row loading for 50,000 rows
            sa.select(*columns)  # Core, not through the session: the office said here
            .where(*overdue, sa.not_(secret_flag), col(Complaint.office_id) == office_of(session))
            .order_by(col(Complaint.due_date), col(Complaint.id))
            .limit(limit)
        )
        .all()
    )
    return OverdueList(
        lines=[complaint_line(row, today, settings) for row in rows],
        secret=counts.get(True, 0),
        total=sum(counts.values()),
    )


@dataclass
class DeadlineList:
    """What the daily reminder tells staff on a working day."""

    today: date
    next_working_day: date
    due_soon: list[ComplaintLine]
    overdue: list[ComplaintLine]
    secret_due_soon: int = 0
    secret_overdue: int = 0


def deadlines(session: Session, settings: Settings, today: date) -> DeadlineList:
    """Open complaints due today or on the next working day, and those already overdue.

    "Tomorrow" is the next working day: on a Friday before a holiday Monday it is Tuesday,
    so nothing due over the weekend or the holiday slips between two reminders.
    """
    calendar = work_calendar(session)
    next_day = calendar.add_working_days(today, 1)
    rows = session.exec(
        select(Complaint)
        .where(
            col(Complaint.state).in_([s.value for s in OPEN_STATES]),
            col(Complaint.due_date) <= next_day,
        )
        .order_by(col(Complaint.due_date), col(Complaint.id))
    ).all()
    soon = [c for c in rows if c.due_date >= today]
    late = [c for c in rows if c.due_date < today]
    return DeadlineList(
        today=today,
        next_working_day=next_day,
        due_soon=listed_lines(soon, today, settings),
        overdue=listed_lines(late, today, settings),
        secret_due_soon=sum(1 for c in soon if c.privacy is Privacy.RAHASIA),
        secret_overdue=sum(1 for c in late if c.privacy is Privacy.RAHASIA),
    )
