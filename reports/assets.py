"""The images one report or poster embeds, each made into a ``data:`` URI by this code.

The PDF renderer is handed the same registry and serves exactly these URIs, by their
exact text, and nothing else (reports/pdf.py): whatever else a document names — a file,
a host, a ``data:`` URI nobody here made — is never fetched. Kept free of WeasyPrint so
HTML output does not load Pango.
"""

from __future__ import annotations

import base64

# What a report embeds: the office logo (PNG or JPEG, see Letterhead) and the charts
# (PNG). No SVG: an SVG image may name further resources of its own.
IMAGE_TYPES = frozenset({"image/png", "image/jpeg"})


class Assets:
    """Data URIs made for one document, looked up by their exact text."""

    def __init__(self) -> None:
        self._made: dict[str, tuple[bytes, str]] = {}

    def data_uri(self, data: bytes, media_type: str) -> str:
        """``data:<type>;base64,...`` for bytes the code produced (a chart, the logo)."""
        if media_type not in IMAGE_TYPES:
            raise ValueError(f"not an image type a report embeds: {media_type}")
        uri = f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"
        self._made[uri] = (data, media_type)
        return uri

    def made(self, uri: str) -> tuple[bytes, str] | None:
        """The bytes and media type behind ``uri``, if this registry made it."""
        return self._made.get(uri)
