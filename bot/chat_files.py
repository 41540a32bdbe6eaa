"""Files residents and staff send in the chat: kept only when a dialog step took them,
never larger than the setting for their kind, and only when their content is what the
step expects (a photo, or a photo or PDF for a document), whatever the sender declared."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import Engine

from bot.dialogs.types import KeptFile
from core.config import Settings
from core.db import session_scope
from core.services.files.file_kinds import DOCUMENTS, HEAD_BYTES, PHOTOS, sniff
from core.services.messaging.stored_files import PARTIAL, file_of, record


class FileRefused(Exception):
    """Not kept: too large, or not the kind of file the step asked for."""


def size_limit(settings: Settings, file: KeptFile) -> int:
    """The largest file of this kind that is kept, in bytes."""
    megabytes = settings.chat_document_max_mb if file.document else settings.chat_photo_max_mb
    return megabytes * 1024 * 1024


def checked_kind(settings: Settings, file: KeptFile, content: bytes) -> str:
    """The file's extension by its content; FileRefused where it may not be kept."""
    if len(content) > size_limit(settings, file):
        raise FileRefused("too large")
    kind = sniff(content[:HEAD_BYTES])
    if kind not in (DOCUMENTS if file.document else PHOTOS):
        raise FileRefused("unexpected content")
    return kind


def already_kept(engine: Engine, settings: Settings, file_ref: str) -> bool:
    with session_scope(engine) as session:
        return file_of(session, settings.media_dir, file_ref) is not None


async def keep(
    engine: Engine, settings: Settings, file_ref: str, name: str, content: bytes
) -> Path:
    """Written under a partial name first, and recorded once whole: never half a file
    under the real name, never a name recorded before its file is complete. ``name`` is
    the channel's (inside SIGAP_MEDIA_DIR); the web and the senders find it by the record."""
    target = settings.media_dir / name
    await asyncio.to_thread(_write, target, content)
    with session_scope(engine) as session:
        record(session, file_ref, name)
    return target


def _write(target: Path, content: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + PARTIAL)
    partial.write_bytes(content)
    partial.replace(target)
