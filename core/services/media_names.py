"""Where a chat platform's file is kept once downloaded, named the same way by the bot
that fetches it and the back office that shows it."""

from __future__ import annotations

import hashlib
import re

TELEGRAM_FILE_ID = re.compile(r"[A-Za-z0-9_-]{1,255}")


def telegram_file_stem(file_id: str) -> str:
    """A Telegram file id hashed: ids run long and are not meant as file names."""
    return "tg-" + hashlib.sha256(file_id.encode()).hexdigest()[:32]
