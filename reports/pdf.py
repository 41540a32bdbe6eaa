"""HTML to PDF with WeasyPrint, fetching nothing the code did not hand it.

WeasyPrint's default fetcher opens any ``file:``, ``http:`` or ``https:`` address a
document names, and turns ``<a rel="attachment">`` / ``<link rel="attachment">`` into
files embedded in the PDF. One resident's text that slipped into the markup would then
make the server fetch an address of their choosing, or read ``/proc/self/environ`` into
the Camat's report. So every PDF goes through `write_pdf` here: one fetcher that serves
the images this code made for the document (`reports.assets.Assets`) and refuses every
other address, and no attachments whatever the document says.

Fonts are not fetched: the templates name installed families ("DejaVu Sans"), which
WeasyPrint finds through fontconfig, not through a URL.
"""

from __future__ import annotations

import logging
from typing import Any

from weasyprint import HTML, urls

from reports.assets import Assets

log = logging.getLogger(__name__)


class RefusedFetch(ValueError):
    """An address the document names that the code did not make: never opened."""


class OwnAssetsFetcher(urls.URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no types
    """Serves the data URIs registered in ``assets``, by their exact text; refuses the
    rest (``file:``, ``http:``, ``https:``, ``ftp:``, any other ``data:``) before any
    handler sees it. WeasyPrint logs a refusal as a failed resource and renders on."""

    def __init__(self, assets: Assets) -> None:
        # The parent's urllib handlers are never reached: `fetch` below answers or
        # refuses every address itself. The settings are belt and braces.
        super().__init__(timeout=1, allowed_protocols=("data",), allow_redirects=False)
        self._assets = assets

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
        made = self._assets.made(url)
        if made is None:
            scheme = url.split(":", 1)[0][:12].lower() if ":" in url else "relative"
            # The scheme only: the address itself may carry someone's text.
            log.warning("PDF: refused to fetch a %s address the report did not make", scheme)
            raise RefusedFetch(f"{scheme}: address not made by the report")
        data, media_type = made
        return urls.URLFetcherResponse(url, data, {"Content-Type": media_type})


def write_pdf(html: str, assets: Assets) -> bytes:
    """The PDF of ``html``, whose images are the ``assets`` made for it. Attachments are
    dropped twice over: the document-level ones (``<link rel=attachment>``) and the
    link-level ones (``<a rel=attachment>``) are removed from the laid-out document
    before it is written, and the fetcher would refuse their addresses anyway."""
    document = HTML(string=html, url_fetcher=OwnAssetsFetcher(assets)).render()
    document.metadata.attachments = []
    for page in document.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]
    pdf: bytes = document.write_pdf()
    return pdf
