"""Uploaded files (photos, PDF, XLSX, CSV): checked by their content, stored under
SIGAP_MEDIA_DIR with generated names, and served only through pages that check who asks.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from sqlmodel import Session
from starlette.datastructures import UploadFile
from starlette.responses import FileResponse

from core.config import Settings
from core.errors import InvalidInput
from core.services.files.file_kinds import sniff
from core.services.messaging.stored_files import file_of

IMAGES = {".jpg": "image/jpeg", ".png": "image/png"}
DOCUMENTS = {**IMAGES, ".pdf": "application/pdf"}
SPREADSHEETS = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
}
MEDIA_TYPES = {**DOCUMENTS, **SPREADSHEETS}
# A register row's evidence (a decree, an LHE, a photo, a workbook of indicator values):
# never a CSV, which any text file passes for (a "fake.pdf" would be kept as one).
EVIDENCE = {**DOCUMENTS, ".xlsx": SPREADSHEETS[".xlsx"]}
_WEB_REF = re.compile(r"^media:([A-Za-z0-9_-]{16,64}\.(jpg|png|pdf|xlsx|csv))$")


def upload_given(upload: object) -> UploadFile | None:
    if isinstance(upload, UploadFile) and upload.filename:
        return upload
    return None


def read_upload(
    upload: UploadFile, settings: Settings, allowed: dict[str, str]
) -> tuple[str, bytes]:
    """Read in the page's worker thread (the form was already received and spooled)."""
    upload.file.seek(0)
    return check_upload(upload.file.read(), settings, allowed)


def check_upload(content: bytes, settings: Settings, allowed: dict[str, str]) -> tuple[str, bytes]:
    if not content:
        raise InvalidInput("Berkas kosong.")
    if len(content) > settings.upload_max_mb * 1024 * 1024:
        raise InvalidInput(f"Berkas terlalu besar (paling besar {settings.upload_max_mb} MB).")
    kind = sniff(content[:2048])
    if kind not in allowed:
        names = ", ".join(k.lstrip(".").upper() for k in allowed)
        raise InvalidInput(f"Jenis berkas tidak diterima. Yang diterima: {names}.")
    return kind, content


def store(settings: Settings, kind: str, content: bytes) -> str:
    """Saves under a generated name; returns the reference kept in the database."""
    folder = settings.media_dir / "web"
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_urlsafe(18) + kind
    (folder / name).write_bytes(content)
    return f"media:{name}"


def discard(settings: Settings, ref: str) -> None:
    """Removes a file ``store`` saved for a request that then failed: the row that was
    to name it was never written, so nothing else refers to it."""
    found = _WEB_REF.match(ref)
    if found:
        (settings.media_dir / "web" / found.group(1)).unlink(missing_ok=True)


def stored_path(db: Session, settings: Settings, ref: str | None) -> tuple[Path, str] | None:
    """The file behind a reference the page found on one of the office's rows, and its
    media type; or None (not downloaded yet, or of a kind the office does not serve).

    An upload's reference names its file; a file sent in a chat is where its channel
    recorded it once the download was whole."""
    if not ref:
        return None
    found = _WEB_REF.match(ref)
    if found:
        path = settings.media_dir / "web" / found.group(1)
        return (path, MEDIA_TYPES["." + found.group(2)]) if path.is_file() else None
    downloaded = file_of(db, settings.media_dir, ref)
    if downloaded is None or downloaded.suffix not in DOCUMENTS:
        return None
    return downloaded, DOCUMENTS[downloaded.suffix]


def private_file(path: Path, media_type: str, filename: str | None = None) -> FileResponse:
    """A stored file for the one viewer the page has just checked: never cached on the way."""
    return FileResponse(
        path,
        media_type=media_type,
        filename=filename,
        headers={"Cache-Control": "private, no-store"},
    )
