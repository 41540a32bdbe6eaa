"""How the WhatsApp channel names a file it downloads: by its media id (checked on
arrival, bot.whatsapp.convert.MEDIA_ID). The name is recorded (core.services.messaging.
stored_files); nothing else derives it."""

from __future__ import annotations


def stored_name(media_id: str, kind: str) -> str:
    """``kind`` is the extension the content was checked to be (".jpg", ".pdf")."""
    return f"wa-{media_id}{kind}"
