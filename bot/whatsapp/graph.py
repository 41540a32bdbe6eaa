"""The few Graph API calls Sigap makes, on httpx: send a message, upload a file, fetch a
photo. pywa would bring its own server and handler model; Sigap already has both (the
dialogs and the outbox), so a thin client over the HTTP calls is all that is needed.
"""

from __future__ import annotations

import asyncio
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from core.config import Settings

# Graph API error codes (WhatsApp Cloud API error reference)
THROTTLED = frozenset({4, 80007, 130429, 131048, 131056})  # back off, then retry
OUTSIDE_WINDOW = 131047  # "re-engagement message": only a template may be sent now
RETRYABLE = frozenset({1, 2, 131000, 131016})  # temporary trouble on Meta's side
LANES = 8  # requests on the wire at once: the pool's connections


@dataclass
class GraphError(Exception):
    """A refusal from the Graph API, or no answer at all (status 0)."""

    status: int
    code: int | None
    detail: str

    def __str__(self) -> str:
        return f"HTTP {self.status} code {self.code}: {self.detail}"[:500]

    @property
    def throttled(self) -> bool:
        return self.status == 429 or self.code in THROTTLED

    @property
    def outside_window(self) -> bool:
        return self.code == OUTSIDE_WINDOW

    @property
    def temporary(self) -> bool:
        """Worth another try later: no answer, 5xx, throttling or a transient code."""
        return self.status == 0 or self.status >= 500 or self.throttled or self.code in RETRYABLE


class GraphClient:
    def __init__(self, settings: Settings, client: httpx.AsyncClient | None = None) -> None:
        assert settings.whatsapp_access_token is not None
        self.base = settings.whatsapp_api_base_url.rstrip("/")
        self.phone_number_id = settings.whatsapp_phone_number_id
        token = settings.whatsapp_access_token.get_secret_value()
        self.http = client or httpx.AsyncClient(
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(20.0, connect=5.0),
            # few connections: httpcore scans the whole pool on every request, and the
            # sender paces itself under ~60 messages/s anyway
            limits=httpx.Limits(max_connections=LANES, max_keepalive_connections=LANES),
        )
        # Requests beyond the connections wait here, not in httpcore's pool: the pool
        # rescans every waiting request whenever one finishes (quadratic under a burst:
        # 4 of 47 profiled seconds at 3,000 webhooks), a semaphore wakes just one.
        self._lanes = asyncio.Semaphore(LANES)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            async with self._lanes:
                response = await self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise GraphError(0, None, f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 400:
            raise _error(response)
        return response

    async def send(self, payload: dict[str, Any]) -> str:
        """Send one message; returns its wamid."""
        url = f"{self.base}/{self.phone_number_id}/messages"
        answer = (await self._call("POST", url, json=payload)).json()
        return str(answer["messages"][0]["id"])

    async def upload(self, path: Path) -> str:
        """Upload a file for a document message; returns the media id."""
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        url = f"{self.base}/{self.phone_number_id}/media"
        with path.open("rb") as handle:
            files = {"file": (path.name, handle, mime)}
            data = {"messaging_product": "whatsapp", "type": mime}
            answer = (await self._call("POST", url, data=data, files=files)).json()
        return str(answer["id"])

    async def download(self, media_id: str, max_bytes: int) -> tuple[bytes, str]:
        """A received file's bytes and declared MIME type: the media id gives a
        short-lived URL, which needs the same bearer token. Read no further than
        ``max_bytes`` (MediaTooLarge), whatever size the answer announced."""
        info = (await self._call("GET", f"{self.base}/{media_id}")).json()
        declared = info.get("file_size")
        if isinstance(declared, int) and declared > max_bytes:
            raise MediaTooLarge(declared)
        content = await self._read_capped(str(info["url"]), max_bytes)
        return content, str(info.get("mime_type") or "")

    async def _read_capped(self, url: str, max_bytes: int) -> bytes:
        chunks: list[bytes] = []
        received = 0
        try:
            async with self._lanes, self.http.stream("GET", url) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise _error(response)
                async for chunk in response.aiter_bytes():
                    received += len(chunk)
                    if received > max_bytes:
                        raise MediaTooLarge(received)
                    chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise GraphError(0, None, f"{type(exc).__name__}: {exc}") from exc
        return b"".join(chunks)


class MediaTooLarge(Exception):
    """A received file over the size kept for its kind: not downloaded further."""


def _error(response: httpx.Response) -> GraphError:
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    code = error.get("code")
    detail = str(error.get("message") or response.text[:200])
    return GraphError(response.status_code, int(code) if code is not None else None, detail)
