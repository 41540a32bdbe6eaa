"""Reading a webhook's body on Sigap's HTTP server, bounded before anything else."""

from __future__ import annotations

from starlette.requests import Request

MAX_BODY = 3_000_000  # chat platforms' webhooks are small; refuse anything absurd unread


async def bounded_body(request: Request) -> bytes | None:
    """The raw body, or None when it is larger than MAX_BODY."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        return None
    body = await request.body()
    return None if len(body) > MAX_BODY else body
