"""Where a chat platform's file is kept once downloaded, named and found the same way by
the bot that fetches it and the back office that shows it."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

TELEGRAM_FILE_ID = re.compile(r"[A-Za-z0-9_-]{1,255}")
PARTIAL = ".part"  # a download under way: never served, never sent


def telegram_file_stem(file_id: str) -> str:
    """A Telegram file id hashed: ids run long and are not meant as file names."""
    return "tg-" + hashlib.sha256(file_id.encode()).hexdigest()[:32]


def whatsapp_file_stem(media_id: str) -> str:
    return f"wa-{media_id}"


# What a downloaded file may be called: the kinds kept by content today, and the
# suffixes earlier versions took from the platform's file path.
KEPT_SUFFIXES = (".jpg", ".png", ".pdf", ".jpeg", ".webp", ".bin")


def kept_file(folder: Path, stem: str) -> Path | None:
    """The whole downloaded file of that name, whatever its extension; None while it is
    still being fetched (or never was). A stat per known suffix, never a directory scan:
    the media folder holds every photo the office ever received."""
    for suffix in KEPT_SUFFIXES:
        path = folder / f"{stem}{suffix}"
        if path.is_file():
            return path
    return None
