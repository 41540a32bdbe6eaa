"""Reading a webhook's body on Sigap's HTTP server, bounded before anything else."""

from __future__ import annotations

from starlette.requests import Request

MAX_BODY = 3_000_000  # chat platforms' webhooks are small; refuse anything absurd unread


async def bounded_body(request: Request) -> bytes | None:
    """The raw body, or None as soon as it grows past MAX_BODY: a declared length is
    checked first, and a chunked body (no length) is read only up to the limit, so an
    unsigned 100 MB upload costs nothing before it is refused."""
    declared = request.headers.get("content-length")
    if (
        declared is not None
        and declared.isascii()
        and declared.isdigit()
        and int(declared) > MAX_BODY
    ):
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
