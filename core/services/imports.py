"""Guard against importing the same file twice (an operator re-running a command)."""

from __future__ import annotations

import hashlib
from datetime import UTC
from zoneinfo import ZoneInfo

from sqlmodel import Session

from core.errors import InvalidInput
from core.models import ImportedFile


def content_digest(content: bytes) -> str:
    """The same rows saved again (Windows line ends, a BOM, a final newline more or less)
    are the same file: the digest is of the normalised text, or of the bytes for a
    binary file such as XLSX."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return hashlib.sha256(content).hexdigest()
    normal = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def claim_import(
    session: Session,
    kind: str,
    filename: str,
    content: bytes,
    rows: int,
    tz: ZoneInfo,
) -> None:
    """Record the file in the import's own transaction, or refuse if it came before."""
    digest = content_digest(content)
    earlier = session.get(ImportedFile, digest)
    if earlier is not None:
        at = earlier.imported_at
        local = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(tz)
        raise InvalidInput(
            f"Berkas ini sudah diimpor pada {local:%Y-%m-%d %H:%M} ({tz.key}; {earlier.rows} "
            f"baris, nama {earlier.filename}); tidak diimpor lagi."
        )
    session.add(ImportedFile(sha256=digest, kind=kind, filename=filename, rows=rows))
