"""Reporting periods: a year, a quarter (triwulan) or any inclusive date range."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta


class InvalidPeriod(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidPeriod(f"periode terbalik: {self.start} sampai {self.end}")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise InvalidPeriod(f"triwulan harus 1..4, bukan {quarter}")
        first_month = 3 * (quarter - 1) + 1
        start = date(year, first_month, 1)
        next_start = date(year + 1, 1, 1) if quarter == 4 else date(year, first_month + 3, 1)
        return cls(start, next_start - timedelta(days=1))

    @classmethod
    def parse_quarter(cls, text: str) -> Period:
        """'2025-Q1' (or '2025-q1', '2025Q1')."""
        match = re.fullmatch(r"(\d{4})-?[Qq]([1-4])", text.strip(), re.ASCII)
        if not match:
            raise InvalidPeriod(f"format triwulan: TAHUN-Qn, mis. 2025-Q1 (bukan {text!r})")
        return cls.quarter(int(match.group(1)), int(match.group(2)))

    @property
    def start_datetime(self) -> datetime:
        return datetime.combine(self.start, time.min)

    @property
    def end_exclusive_datetime(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min)

    @property
    def is_whole_year(self) -> bool:
        return self == Period.year(self.start.year)

    @property
    def quarter_number(self) -> int | None:
        """1..4 when the period is exactly a triwulan, else None."""
        number = (self.start.month - 1) // 3 + 1
        return number if self == Period.quarter(self.start.year, number) else None

    def year_to_date(self) -> Period:
        """1 January of the end's year to the end: what cumulative realisation counts."""
        return Period(date(self.end.year, 1, 1), self.end)

    @property
    def years(self) -> range:
        return range(self.start.year, self.end.year + 1)

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return f"{self.start.isoformat()} s.d. {self.end.isoformat()}"
