"""Guard against importing the same file twice (an operator re-running a command).

The same rows saved again (Windows line ends, a BOM, a final newline more or less) are
the same file: the digest is of the normalised text, read a line at a time so a large
file is never held whole.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from datetime import UTC
from functools import partial
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlmodel import Session

from core.errors import InvalidInput
from core.models import ImportedFile
from core.scope import office_of

READ_BLOCK = 1 << 20  # characters read at a time for a file's digest


def _text_digest(pieces: Iterable[str]) -> str:
    """Of text in pieces (lines or blocks), line ends already made "\\n" (universal
    newlines); trailing empty lines ignored."""
    digest = hashlib.sha256()
    pending = 0  # line breaks not yet known to be followed by more text
    for piece in pieces:
        body = piece.rstrip("\n")
        if body:
            digest.update(b"\n" * pending)
            pending = 0
            digest.update(body.encode("utf-8"))
        pending += len(piece) - len(body)
    return digest.hexdigest()


def content_digest(content: bytes) -> str:
    """Of a file in memory (a small CSV or an XLSX's bytes, which are not text)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return hashlib.sha256(content).hexdigest()
    return _text_digest(io.StringIO(text, newline=None))


def file_digest(path: Path) -> str:
    """Of a text file on disk, streamed; a file that is not UTF-8 is refused."""
    try:
        with path.open(encoding="utf-8-sig", newline=None) as handle:
            return _text_digest(iter(partial(handle.read, READ_BLOCK), ""))
    except UnicodeDecodeError:
        raise InvalidInput("Berkas bukan teks UTF-8 (simpan sebagai CSV UTF-8).") from None


def open_text(path: Path) -> TextIO:
    return path.open(encoding="utf-8-sig", newline="")


def refuse_if_imported(session: Session, digest: str, tz: ZoneInfo) -> None:
    earlier = session.get(ImportedFile, (office_of(session), digest))
    if earlier is not None:
        at = earlier.imported_at
        local = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(tz)
        raise InvalidInput(
            f"Berkas ini sudah diimpor pada {local:%Y-%m-%d %H:%M} ({tz.key}; {earlier.rows} "
            f"baris, nama {earlier.filename}); tidak diimpor lagi."
        )


def record_import(session: Session, kind: str, filename: str, digest: str, rows: int) -> None:
    """In the import's own transaction: a second process importing the same file at the
    same moment hits the primary key and rolls back."""
    session.add(ImportedFile(sha256=digest, kind=kind, filename=filename[:255], rows=rows))


def claim_import(
    session: Session,
    kind: str,
    filename: str,
    content: bytes,
    rows: int,
    tz: ZoneInfo,
) -> None:
    """Record a file held in memory, or refuse if it came before."""
    digest = content_digest(content)
    refuse_if_imported(session, digest, tz)
    record_import(session, kind, filename, digest, rows)
