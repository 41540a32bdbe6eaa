"""Time: stored as aware UTC, shown and bucketed by day in the office's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The instant at which ``day`` starts in the office's time zone, as aware UTC."""
    return datetime.combine(day, time.min, tz).astimezone(UTC)


def utc_bounds(start: date, end_inclusive: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Half-open [start, end) instants covering the local days start..end_inclusive."""
    return local_midnight(start, tz), local_midnight(end_inclusive + timedelta(days=1), tz)
