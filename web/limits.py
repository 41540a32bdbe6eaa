"""Request bodies on the back office, bounded before they cost anything.

Starlette's form parser trusts no declared length but counts nothing either: a chunked
body is read to its end, a file part has no size limit, and a file part over 1 MB is
spooled to a temporary file on disk. So every route names its limit (``BodyLimit``), and
the body reaches the parser only through a receive that counts the bytes as they stream
and stops at the limit: the parser never sees a byte more. A declared Content-Length over
the limit is refused before anything is read.

Whatever is refused with the body unread is answered with ``Connection: close``
(``CloseUnreadBody``), so the server stops reading the rest instead of draining it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import FormData, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.config import Settings
from core.digits import ascii_int

KB, MB = 1024, 1024 * 1024
FORM_MAX_BYTES = 64 * KB  # a whole form without a file (the widest register form: ~20 fields)
FORM_MAX_FIELDS = 60  # text fields in one form
FIELD_MAX_BYTES = 32 * KB  # one text field (notes are at most 1 000 characters)
UPLOAD_FILES = 1  # every upload form carries one file
UPLOAD_OVERHEAD = 64 * KB  # the text fields and multipart framing beside the file
LOGIN_MAX_BYTES = 4 * KB  # /masuk: a login token and a CSRF value
LOGIN_MAX_FIELDS = 10
LOGIN_FIELD_MAX_BYTES = 1 * KB


@dataclass(frozen=True)
class BodyLimit:
    """How much of a request body one route reads, at most."""

    max_bytes: int  # the whole body, as it streams (chunked included)
    max_fields: int = FORM_MAX_FIELDS
    max_files: int = 0
    max_field_bytes: int = FIELD_MAX_BYTES  # one text field (Starlette's max_part_size)


FORM = BodyLimit(FORM_MAX_BYTES)
LOGIN_FORM = BodyLimit(LOGIN_MAX_BYTES, LOGIN_MAX_FIELDS, 0, LOGIN_FIELD_MAX_BYTES)


def upload_limit(settings: Settings) -> BodyLimit:
    """A form with one file of at most SIGAP_UPLOAD_MAX_MB (the page then checks the
    file's own size and kind, web/files.py)."""
    return BodyLimit(settings.upload_max_mb * MB + UPLOAD_OVERHEAD, max_files=UPLOAD_FILES)


def shown_size(size: int) -> str:
    return f"{size // MB} MB" if size >= MB else f"{size // KB} KB"


class BodyRefused(Exception):
    """The body was not read (or not to its end): too large, or not a form we read.

    ``key`` names the sentence in web/locales; ``status`` is 413 or 400."""

    def __init__(self, status: int, key: str, **params: object) -> None:
        super().__init__(key)
        self.status = status
        self.key = key
        self.params = params

    def message(self, t: Callable[..., str]) -> str:
        return t(self.key, **self.params)


def _too_large(limit: BodyLimit) -> BodyRefused:
    return BodyRefused(413, "body_too_large", limit=shown_size(limit.max_bytes))


def counted_receive(receive: Receive, limit: BodyLimit) -> Receive:
    """``receive`` that raises BodyRefused as soon as the body passes the limit, before
    handing the chunk that passed it to whoever reads."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit.max_bytes:
                raise _too_large(limit)
        return message

    return counted


async def read_form(request: Request, limit: BodyLimit) -> FormData:
    """The form of a POST, never reading more than ``limit`` allows.

    Raises BodyRefused (413 too large; 400 too many fields or files, a field too long,
    not a form, or the sender gone). The caller closes the form (its files) when done."""
    declared = request.headers.get("content-length")
    if declared is not None:
        size = ascii_int(declared)
        if size is None:
            raise BodyRefused(400, "form_unreadable")
        if size > limit.max_bytes:
            raise _too_large(limit)
    bounded = Request(request.scope, counted_receive(request.receive, limit))
    try:
        return await bounded.form(
            max_files=limit.max_files,
            max_fields=limit.max_fields,
            max_part_size=limit.max_field_bytes,
        )
    except HTTPException:  # Starlette's answer to a field too long, too many fields/files
        raise BodyRefused(400, "form_unreadable") from None
    except ClientDisconnect:
        raise BodyRefused(400, "form_unreadable") from None


def _has_body(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"transfer-encoding" or (name == b"content-length" and value != b"0"):
            return True
    return False


class CloseUnreadBody:
    """ASGI layer: a response sent before the request's body was read to its end carries
    ``Connection: close``, so the server drops the connection instead of reading (and
    discarding) the rest. Without it an anonymous 600 MB upload would still be received,
    byte by byte, after its 403."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _has_body(scope):
            await self.app(scope, receive, send)
            return
        finished = False

        async def tracked() -> Message:
            nonlocal finished
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                finished = True
            return message

        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start" and not finished:
                MutableHeaders(scope=message)["connection"] = "close"
            await send(message)

        await self.app(scope, tracked, closing)
