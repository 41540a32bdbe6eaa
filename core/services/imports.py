"""Guard against importing the same file twice (an operator re-running a command)."""

from __future__ import annotations

import hashlib

from sqlmodel import Session

from core.errors import InvalidInput
from core.models import ImportedFile


def claim_import(session: Session, kind: str, filename: str, content: bytes, rows: int) -> None:
    """Record the file in the import's own transaction, or refuse if it came before."""
    digest = hashlib.sha256(content).hexdigest()
    earlier = session.get(ImportedFile, digest)
    if earlier is not None:
        when = earlier.imported_at.strftime("%Y-%m-%d %H:%M")
        raise InvalidInput(
            f"Berkas ini sudah diimpor pada {when} UTC ({earlier.rows} baris, "
            f"nama {earlier.filename}); tidak diimpor lagi."
        )
    session.add(ImportedFile(sha256=digest, kind=kind, filename=filename, rows=rows))
