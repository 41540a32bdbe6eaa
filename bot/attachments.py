"""What an outbox attachment names, and where its bytes are.

- ``tg-photo:<file id>``: a photo Telegram holds; the Telegram bot sends it on by id.
- ``photo:wa:<media id>``: a resident's WhatsApp photo, downloaded at receipt under
  SIGAP_MEDIA_DIR where its download is recorded; any channel sends it as an image
  (WhatsApp after an upload).
- anything else: the path of a file (a report), sent as a document.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from core.config import Settings
from core.db import session_scope
from core.services.messaging.stored_files import file_of

TELEGRAM_PHOTO = "tg-photo:"
STORED_PHOTO = "photo:"
WHATSAPP_MEDIA = "wa:"  # a photo_ref of a WhatsApp image: its media id


class PhotoNotYetStored(Exception):
    """The photo's download is still under way (or failed): worth trying again later."""


def photo_attachment(photo_ref: str, channel: str) -> str | None:
    """How a resident's photo travels to someone on ``channel``; None where it cannot
    (a Telegram file id means nothing to WhatsApp; staff see it on the web page)."""
    if photo_ref.startswith(WHATSAPP_MEDIA):
        return STORED_PHOTO + photo_ref
    if ":" not in photo_ref and channel == "telegram":
        return TELEGRAM_PHOTO + photo_ref
    return None


def stored_photo(engine: Engine, settings: Settings, attachment: str) -> Path:
    """The file behind a ``photo:`` attachment, where its download was recorded."""
    with session_scope(engine) as session:
        kept = file_of(session, settings.media_dir, attachment.removeprefix(STORED_PHOTO))
    if kept is None:
        raise PhotoNotYetStored(attachment)
    return kept
