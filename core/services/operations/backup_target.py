"""The restore's target: no Sigap running on it, and empty unless told to replace it.
A database that was only migrated counts as empty (the office row and desa the migration
wrote from the settings are not the office's data)."""

from __future__ import annotations

import os
from pathlib import Path

from core.config import Settings
from core.schema import SEEDED_TABLES
from core.services.messaging.sender_leases import LEASE_TTL
from core.services.operations import backup_db
from core.services.operations.backup_crypto import BackupError
from core.timeutil import utcnow


class NotEmpty(BackupError):
    pass


def _has_files(folder: Path) -> bool:
    return any(names for _, _, names in os.walk(folder))


def refuse_running(settings: Settings) -> None:
    """Never under a running Sigap, ``--force`` or not: it would go on writing to the
    database being replaced, and what it wrote would be lost or half-kept."""
    if backup_db.live_processes(settings.database_url, utcnow() - LEASE_TTL):
        raise BackupError(
            "Sigap masih berjalan pada basis data ini / Sigap is still running on this "
            "database: hentikan dahulu (systemctl stop sigap), lalu pulihkan / stop it "
            "first, then restore"
        )


def refuse_non_empty(settings: Settings, force: bool) -> None:
    rows = backup_db.existing_rows(settings.database_url)
    ignored = {backup_db.VERSION_TABLE, *SEEDED_TABLES}  # what a migration alone writes
    filled = sorted(t for t, n in rows.items() if n and t not in ignored)
    folders = [str(f) for f in (settings.media_dir, settings.reports_dir) if _has_files(f)]
    if (filled or folders) and not force:
        what = ", ".join([*(["basis data / database"] if filled else []), *folders])
        raise NotEmpty(
            f"Tujuan pemulihan tidak kosong / the restore target is not empty ({what}): "
            "pulihkan ke basis data dan folder kosong, atau tambahkan --force untuk "
            "menggantinya / restore into an empty one, or add --force to replace it"
        )
