"""Headers every back-office response carries, and the CSRF check every form passes.

The content security policy allows scripts and styles from Sigap itself only (no inline
script anywhere), images from Sigap and the configured map tiles, and no framing.
"""

from __future__ import annotations

import hmac
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


class SecurityHeaders:
    """Adds the headers to every response of the wrapped app (pure ASGI: no buffering)."""

    def __init__(self, app: ASGIApp, tile_url: str) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", content_security_policy(tile_url).encode()),
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
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + self.headers
            await send(message)

        await self.app(scope, receive, with_headers)


def csrf_valid(expected: str, given: str | None) -> bool:
    return bool(expected) and given is not None and hmac.compare_digest(expected, given)
