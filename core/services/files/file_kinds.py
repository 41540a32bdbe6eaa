"""What a file really is, from its first bytes: the one check for every file Sigap keeps,
whether it came through a web form or a chat platform. A name, an extension or a MIME
type declared by the sender is a claim; the content is the fact."""

from __future__ import annotations

# The kinds a chat step may keep: photos for reports and activities; photos or PDF for
# an IKU1 document (as the web's document form accepts).
PHOTOS = frozenset({".jpg", ".png"})
DOCUMENTS = frozenset({".jpg", ".png", ".pdf"})
MEDIA_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".pdf": "application/pdf"}
HEAD_BYTES = 2048  # enough for every signature below and a text sample


def sniff(head: bytes) -> str | None:
    """The file's real kind from its first bytes, whatever its name or header claims."""
    if head.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if head.startswith(b"%PDF-"):
        return ".pdf"
    if head.startswith(b"PK\x03\x04"):
        return ".xlsx"
    if head and b"\x00" not in head:
        try:
            head.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None
        return ".csv"
    return None
