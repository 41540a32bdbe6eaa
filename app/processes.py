"""Several `sigap run` processes on one PostgreSQL database (see README, "Running several
processes"): what they must share besides the database, checked when a process starts.

Everything Sigap writes to disk goes to three configured folders: SIGAP_MEDIA_DIR (chat
photos and documents, web uploads), SIGAP_REPORTS_DIR (report files) and
SIGAP_BACKUP_DIR (archives). Any process may serve a page or send a message that needs
a file another process wrote, so on PostgreSQL these must be one shared folder for every
process. A relative path is resolved against each process's own working directory: it
works for one process, and is the usual way to end up with a file in one process's
folder by accident, so it is warned about (not refused: one process on PostgreSQL with
a fixed working directory is a fine setup). Sessions and the login form's CSRF state
live in the database already; the form's signing key (SIGAP_SECRET_KEY) must be the same
everywhere, or a form opened on one process needs a second press on another.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from core.config import Settings

log = logging.getLogger(__name__)

SHARED_FOLDERS = (
    ("SIGAP_MEDIA_DIR", "media_dir"),
    ("SIGAP_REPORTS_DIR", "reports_dir"),
    ("SIGAP_BACKUP_DIR", "backup_dir"),
)


def sharing_warnings(settings: Settings, engine: Engine) -> list[str]:
    """What keeps several processes on this database from sharing files and forms
    (nothing on SQLite, which one process serves)."""
    if engine.dialect.name != "postgresql":
        return []
    warnings = []
    for name, field in SHARED_FOLDERS:
        folder = getattr(settings, field)
        if not folder.is_absolute():
            warnings.append(
                f"{name}={folder} adalah path relatif (di proses ini: {folder.resolve()}); "
                "beberapa proses pada satu PostgreSQL harus memakai satu folder bersama "
                f"dengan path absolut / {name} is relative: several processes on one "
                "PostgreSQL database must all use one shared folder, set an absolute path"
            )
    if settings.secret_key is None:
        warnings.append(
            "SIGAP_SECRET_KEY tidak diatur: dengan beberapa proses, formulir masuk dari "
            "proses lain perlu ditekan dua kali / SIGAP_SECRET_KEY is not set: with several "
            "processes a login form opened on another process needs a second press"
        )
    return warnings


def warn_about_sharing(settings: Settings, engine: Engine) -> None:
    for warning in sharing_warnings(settings, engine):
        log.warning("%s", warning)
