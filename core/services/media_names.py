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


def kept_file(folder: Path, stem: str) -> Path | None:
    """The whole downloaded file of that name, whatever its extension; None while it is
    still being fetched (or never was)."""
    for path in sorted(folder.glob(f"{stem}.*")):
        if path.suffix != PARTIAL:
            return path
    return None
