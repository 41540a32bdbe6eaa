"""Files sent in a chat, as the tests find and place them: by the record their channel
writes once a download is whole (core.services.messaging.stored_files), never by a
platform's naming."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from core.config import Settings
from core.services.messaging.stored_files import file_of, record


def kept(engine: Engine, settings: Settings, file_ref: str) -> Path | None:
    """The whole file downloaded for ``file_ref``, or None (not yet, or never)."""
    with Session(engine) as session:
        return file_of(session, settings.media_dir, file_ref)


def place(engine: Engine, settings: Settings, file_ref: str, content: bytes, name: str) -> Path:
    """As a channel leaves a file it downloaded: written whole, then recorded."""
    path = Path(settings.media_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    with Session(engine) as session:
        record(session, file_ref, name)
        session.commit()
    return path
