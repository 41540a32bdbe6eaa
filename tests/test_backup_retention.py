"""Which backups are kept: the newest of each of the last 7 days, 4 weeks and 12 months
(by default), whatever the history; pruning after every daily backup keeps what pruning
once at the end would; nothing but Sigap's own finished archives is ever deleted."""

from __future__ import annotations

import os
import time as time_module
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from core.services.operations.backup_retention import archive_name, archives, keep, prune

TZ = ZoneInfo("Asia/Jakarta")
instants = st.lists(
    st.datetimes(
        min_value=datetime(2023, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
    ).map(lambda at: at.replace(microsecond=0)),
    max_size=60,
)
counts = st.tuples(st.integers(1, 10), st.integers(0, 6), st.integers(0, 14))


def newest_per_bucket(
    stamps: set[datetime], bucket: Callable[[datetime], tuple[int, ...]], count: int
) -> set[datetime]:
    newest: dict[tuple[int, ...], datetime] = {}
    for at in stamps:
        key = bucket(at.astimezone(TZ))
        newest[key] = max(newest.get(key, at), at)
    return {newest[key] for key in sorted(newest, reverse=True)[:count]}


def by_day(local: datetime) -> tuple[int, ...]:
    return local.timetuple()[:3]


def by_week(local: datetime) -> tuple[int, ...]:
    return tuple(local.isocalendar()[:2])


def by_month(local: datetime) -> tuple[int, ...]:
    return (local.year, local.month)


@settings(max_examples=300, deadline=None)
@given(instants, counts)
def test_the_rule_keeps_the_newest_of_each_recent_day_week_and_month(
    stamps: list[datetime], rule: tuple[int, int, int]
) -> None:
    daily, weekly, monthly = rule
    kept = keep(stamps, TZ, daily, weekly, monthly)
    every = set(stamps)
    assert kept <= every
    if every:
        assert max(every) in kept
    assert len(kept) <= daily + weekly + monthly
    expected = (
        newest_per_bucket(every, by_day, daily)
        | newest_per_bucket(every, by_week, weekly)
        | newest_per_bucket(every, by_month, monthly)
    )
    assert kept == expected
    assert keep(kept, TZ, daily, weekly, monthly) == kept  # pruning again removes nothing


@settings(max_examples=200, deadline=None)
@given(instants, counts, st.integers(1, 72))
def test_pruning_after_each_backup_equals_pruning_once(
    stamps: list[datetime], rule: tuple[int, int, int], hours_later: int
) -> None:
    """The duty prunes after every backup: the folder then holds exactly what the rule
    would keep of the whole history."""
    if not stamps:
        return
    newer = max(stamps) + timedelta(hours=hours_later)
    pruned_daily = keep(keep(stamps, TZ, *rule) | {newer}, TZ, *rule)
    assert pruned_daily == keep([*stamps, newer], TZ, *rule)


def test_a_year_of_daily_backups_keeps_twenty() -> None:
    days = [date(2025, 1, 1) + timedelta(days=n) for n in range(365)]
    stamps = [datetime.combine(d, time(1, 0), TZ).astimezone(UTC) for d in days]
    kept = sorted(at.astimezone(TZ).date() for at in keep(stamps, TZ, 7, 4, 12))
    month_ends = [date(2025, m + 1, 1) - timedelta(days=1) for m in range(1, 12)]
    dec = [date(2025, 12, d) for d in (14, 21, *range(25, 32))]
    assert kept == [*month_ends, *dec]


def test_prune_removes_only_sigap_archives_the_rule_drops(tmp_path: Path) -> None:
    start = datetime(2025, 3, 1, 18, 0, tzinfo=UTC)
    made = [start + timedelta(days=n) for n in range(30)]
    for n, at in enumerate(made):
        (tmp_path / archive_name(at, encrypted=n % 2 == 0)).write_bytes(b"x")
    foreign = ["catatan.txt", archive_name(start, False) + ".partial", "sigap-latest.tar"]
    for name in foreign:
        (tmp_path / name).write_bytes(b"keep me")
    killed = [archive_name(start, True) + ".partial", f".{archive_name(start, False)}.snapshot"]
    for name in killed:  # left two days ago by a backup killed midway
        (tmp_path / name).write_bytes(b"half")
        os.utime(tmp_path / name, (time_module.time() - 2 * 86400,) * 2)

    removed = prune(tmp_path, TZ, 7, 4, 12)

    kept = keep(made, TZ, 7, 4, 12)
    assert {p.name for p in removed} == {
        archive_name(at, n % 2 == 0) for n, at in enumerate(made) if at not in kept
    } | set(killed)
    assert sorted(a.at for a in archives(tmp_path)) == sorted(kept)
    assert all((tmp_path / name).exists() for name in foreign)
    assert archives(tmp_path)[0].at == made[-1]  # newest first
