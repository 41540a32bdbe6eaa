"""Headers every back-office response carries, and the CSRF check every form passes.

The content security policy allows scripts and styles from Sigap itself only (no inline
script anywhere), images from Sigap and the configured map tiles, and no framing. A
report served as HTML carries a stricter policy of its own (`report_policy`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(tile_url: str) -> str:
    tiles = urlsplit(tile_url)
    host = tiles.netloc.replace("{s}", "*")  # Leaflet's subdomain template: a., b., c.
    tile_origin = f" {tiles.scheme}://{host}" if host else ""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data: blob:{tile_origin}; connect-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    )


CSP = b"content-security-policy"
STYLE_ELEMENT = re.compile(rb"<style>(.*?)</style>", re.DOTALL)


def report_policy(html: bytes) -> str:
    """The policy of a report's HTML file: its own ``<style>`` elements, allowed by their
    SHA-256 (the file also opens styled from disk, so the style stays inline), its
    ``data:`` images (logo, charts), and nothing else: no script, no other style, no
    fetch, no form, no framing. The report's text is escaped (reports/render.py), so
    the only ``<style>`` in it is the template's."""
    hashes = sorted(
        {
            "'sha256-" + base64.b64encode(hashlib.sha256(css).digest()).decode() + "'"
            for css in STYLE_ELEMENT.findall(html)
        }
    )
    styles = " ".join(hashes) or "'none'"
    return (
        f"default-src 'none'; style-src {styles}; img-src data:; "
        "frame-ancestors 'none'; form-action 'none'; base-uri 'none'"
    )


class SecurityHeaders:
    """Adds the headers to every response of the wrapped app (pure ASGI: no buffering)."""

    def __init__(self, app: ASGIApp, tile_url: str) -> None:
        self.app = app
        self.headers = [
            (CSP, content_security_policy(tile_url).encode()),
            (b"x-frame-options", b"DENY"),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                own = list(message.get("headers", []))
                # A response with a policy of its own (an HTML report, web/pages/reports.py:
                # its one inline style allowed by hash, nothing else) keeps it: two
                # policies would both apply and the app's would block that style.
                keep = any(name.lower() == CSP for name, _ in own)
                message["headers"] = own + [h for h in self.headers if not (keep and h[0] == CSP)]
            await send(message)

        await self.app(scope, receive, with_headers)


def csrf_valid(expected: str, given: str | None) -> bool:
    return bool(expected) and given is not None and hmac.compare_digest(expected, given)
