"""What an outbox attachment names, and where its bytes are.

- ``tg-photo:<file id>``: a photo Telegram holds; the Telegram bot sends it on by id.
- ``photo:wa:<media id>``: a resident's WhatsApp photo, downloaded at receipt under
  SIGAP_MEDIA_DIR; any channel sends it as an image (WhatsApp after an upload).
- anything else: the path of a file (a report), sent as a document.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from core.config import Settings
from core.services.messaging.media_names import kept_file, whatsapp_file_stem

TELEGRAM_PHOTO = "tg-photo:"
STORED_PHOTO = "photo:"
WHATSAPP_MEDIA = "wa:"  # a photo_ref of a WhatsApp image: its media id


class PhotoNotYetStored(Exception):
    """The photo's download is still under way (or failed): worth trying again later."""


def media_path(settings: Settings, media_id: str, mime: str = "image/jpeg") -> Path:
    """Where a WhatsApp photo is kept once downloaded."""
    extension = mimetypes.guess_extension(mime) or ".bin"
    return settings.media_dir / f"{whatsapp_file_stem(media_id)}{extension}"


def photo_attachment(photo_ref: str, channel: str) -> str | None:
    """How a resident's photo travels to someone on ``channel``; None where it cannot
    (a Telegram file id means nothing to WhatsApp; staff see it on the web page)."""
    if photo_ref.startswith(WHATSAPP_MEDIA):
        return STORED_PHOTO + photo_ref
    if ":" not in photo_ref and channel == "telegram":
        return TELEGRAM_PHOTO + photo_ref
    return None


def stored_photo(settings: Settings, attachment: str) -> Path:
    """The file behind a ``photo:`` attachment."""
    media_id = attachment.removeprefix(STORED_PHOTO).removeprefix(WHATSAPP_MEDIA)
    if re.fullmatch(r"[A-Za-z0-9_-]{1,128}", media_id):  # never a path out of the folder
        kept = kept_file(settings.media_dir, whatsapp_file_stem(media_id))
        if kept is not None:
            return kept
    raise PhotoNotYetStored(attachment)
