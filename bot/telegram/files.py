"""How the Telegram channel names a file it downloads: its file id hashed (ids run long
and are not meant as file names). The name is recorded (core.services.messaging.
stored_files); nothing else derives it."""

from __future__ import annotations

import hashlib
import re

TELEGRAM_FILE_ID = re.compile(r"[A-Za-z0-9_-]{1,255}")


def stored_name(file_id: str, kind: str) -> str:
    """``kind`` is the extension the content was checked to be (".jpg", ".pdf")."""
    return "tg-" + hashlib.sha256(file_id.encode()).hexdigest()[:32] + kind
