"""Due dates in working days: weekends and the holiday calendar are skipped."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session

from core.config import Settings
from core.domain.workdays import WorkCalendar
from core.services.performance.records import upsert_holidays
from tests import factories as f

FRIDAY = date(2025, 3, 21)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (FRIDAY, 2, date(2025, 3, 25)),  # Fri + 2 -> Tue
        (date(2025, 3, 22), 1, date(2025, 3, 24)),  # Sat + 1 -> Mon
        (date(2025, 3, 17), 5, date(2025, 3, 24)),  # Mon + 5 -> next Mon
        (FRIDAY, 0, FRIDAY),
    ],
)
def test_weekends_are_skipped(start: date, days: int, due: date) -> None:
    assert WorkCalendar().add_working_days(start, days) == due


def test_holidays_and_cuti_bersama_are_skipped() -> None:
    # Idul Fitri 2025: 31 Mar - 1 Apr holidays, 2-7 Apr cuti bersama (illustrative set)
    holidays = [
        date(2025, 3, 31),
        date(2025, 4, 1),
        date(2025, 4, 2),
        date(2025, 4, 3),
        date(2025, 4, 4),
        date(2025, 4, 7),
    ]
    calendar = WorkCalendar(holidays)
    assert calendar.add_working_days(date(2025, 3, 28), 2) == date(2025, 4, 9)


@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=0, max_value=60),
    st.sets(st.dates(min_value=date(2020, 1, 1), max_value=date(2031, 6, 30)), max_size=30),
)
def test_due_date_is_a_working_day_exactly_n_working_days_later(
    start: date, days: int, holidays: set[date]
) -> None:
    calendar = WorkCalendar(holidays)
    assert calendar.add_working_days(start, days) == _count_forward(start, days, holidays)
    due = calendar.add_working_days(start, days)
    assert calendar.working_days_between(start, due) == days
    if days:
        assert calendar.is_working_day(due)
        assert calendar.working_days_between(start, due - timedelta(days=1)) == days - 1


def _count_forward(start: date, days: int, holidays: set[date]) -> date:
    """The reference, independent of WorkCalendar: walk day by day from the day after
    the start, counting Monday-to-Friday days that are not holidays."""
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            counted += 1
    return day


@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    st.sets(st.dates(min_value=date(2020, 1, 1), max_value=date(2031, 6, 30)), max_size=30),
)
def test_working_days_between_counts_like_a_calendar(
    start: date, end: date, holidays: set[date]
) -> None:
    """Days after ``start`` up to and including ``end`` that are worked: counted by hand."""
    expected = sum(
        1
        for n in range(1, (end - start).days + 1)
        if (start + timedelta(days=n)).weekday() < 5 and start + timedelta(days=n) not in holidays
    )
    assert WorkCalendar(holidays).working_days_between(start, end) == max(expected, 0)


def test_complaint_due_date_uses_category_level_and_stored_holidays(
    session: Session, settings: Settings
) -> None:
    upsert_holidays(session, [(date(2025, 3, 31), "Idul Fitri"), (date(2025, 4, 1), "Idul Fitri")])
    # Received Friday 28 March 2025, 20:00 WIB = 13:00 UTC; "kebisingan" has a 2-day level.
    received = datetime(2025, 3, 28, 13, 0, tzinfo=UTC)
    noise = f.complaint(session, settings, category="kebisingan", received_at=received)
    assert noise.due_date == date(2025, 4, 3)
    pkl = f.complaint(session, settings, category="pkl", received_at=received)  # 5 days
    assert pkl.due_date == date(2025, 4, 8)


def test_local_date_decides_the_start_day(session: Session, settings: Settings) -> None:
    # 23:30 UTC on Sunday is already Monday 06:30 in Jember.
    received = datetime(2025, 3, 23, 23, 30, tzinfo=UTC)
    item = f.complaint(session, settings, category="kebisingan", received_at=received)
    assert item.due_date == date(2025, 3, 26)
