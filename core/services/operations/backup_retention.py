"""Which backups to keep: the newest of each of the last N days, N weeks and N months
(as borg and restic count them), and where the archives are found by name.

Archives are named by the UTC instant they were made, ``sigap-20250301T010000Z.tar``
(``.tar.enc`` when encrypted); the folder is read by name only, so the rule never touches
a file Sigap did not make and costs one directory listing.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

NAME = re.compile(r"^sigap-(?P<at>\d{8}T\d{6}Z)(?:-(?P<n>\d{1,4}))?\.tar(?P<enc>\.enc)?$")


@dataclass(frozen=True)
class Archive:
    path: Path
    at: datetime  # when it was made (UTC); a same-second repeat is a microsecond later

    @property
    def encrypted(self) -> bool:
        return self.path.name.endswith(".enc")


def archive_name(at: datetime, encrypted: bool, repeat: int = 0) -> str:
    suffix = f"-{repeat}" if repeat else ""
    return f"sigap-{at.astimezone(UTC):%Y%m%dT%H%M%SZ}{suffix}.tar{'.enc' if encrypted else ''}"


def parse_name(name: str) -> datetime | None:
    found = NAME.match(name)
    if found is None:
        return None
    at = datetime.strptime(found.group("at"), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return at + timedelta(microseconds=int(found.group("n") or 0))


def archives(folder: Path) -> list[Archive]:
    """Sigap's finished archives in ``folder``, newest first."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        at = parse_name(path.name)
        if at is not None and path.is_file():
            found.append(Archive(path, at))
    return sorted(found, key=lambda a: a.at, reverse=True)


def keep(
    instants: Iterable[datetime], tz: ZoneInfo, daily: int, weekly: int, monthly: int
) -> set[datetime]:
    """The backups to keep among ``instants``: the newest one always, and the newest of
    each of the ``daily`` most recent days that have a backup, of the ``weekly`` most
    recent ISO weeks, and of the ``monthly`` most recent months (office time)."""
    ordered = sorted(set(instants), reverse=True)
    kept = set(ordered[:1])

    def day(at: datetime) -> Hashable:
        return at.astimezone(tz).date()

    def week(at: datetime) -> Hashable:
        return at.astimezone(tz).isocalendar()[:2]

    def month(at: datetime) -> Hashable:
        local = at.astimezone(tz)
        return local.year, local.month

    rules: list[tuple[int, Callable[[datetime], Hashable]]] = [
        (daily, day),
        (weekly, week),
        (monthly, month),
    ]
    for count, bucket in rules:
        seen: set[Hashable] = set()
        for at in ordered:
            key = bucket(at)
            if key in seen:
                continue
            if len(seen) >= count:
                break
            seen.add(key)
            kept.add(at)
    return kept


LEFTOVER = re.compile(r"^(sigap-.+\.tar(\.enc)?\.partial|\.sigap-.+\.tar(\.enc)?\.snapshot)$")
LEFTOVER_AGE = timedelta(days=1)


def prune(folder: Path, tz: ZoneInfo, daily: int, weekly: int, monthly: int) -> list[Path]:
    """Delete the archives the rule does not keep, and what a backup killed midway left
    (a day old: no backup is still writing it); the paths deleted."""
    removed = []
    limit = time.time() - LEFTOVER_AGE.total_seconds()
    for path in folder.iterdir() if folder.is_dir() else []:
        if LEFTOVER.match(path.name) and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed.append(path)
    found = archives(folder)
    kept = keep((a.at for a in found), tz, daily, weekly, monthly)
    for archive in found:
        if archive.at not in kept:
            archive.path.unlink(missing_ok=True)
            removed.append(archive.path)
    return removed
