"""A fake WhatsApp Cloud API (Graph API) server on 127.0.0.1 for tests and benchmarks.

It answers the calls Sigap makes in Meta's shapes: ``POST /<version>/<phone id>/messages``
(``{"messages": [{"id": "wamid..."}]}``), media upload, and the two-step media download.
Tests read what was sent, make calls fail with Meta's error bodies, and build the
webhook payloads Meta would post, signed with the app secret.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

VERSION = "v23.0"
PHONE_NUMBER_ID = "106540352242922"
TOKEN = "EAAG-test-access-token"
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
PHOTO_BYTES = b"\xff\xd8\xff\xe0 fake jpeg"


@dataclass
class GraphFailure:
    status: int
    code: int
    message: str = "fake failure"


@dataclass
class FakeGraph:
    sent: list[dict[str, Any]] = field(default_factory=list)
    uploads: list[str] = field(default_factory=list)
    uploaded: dict[str, bytes] = field(default_factory=dict)  # media id -> request body
    failures: deque[GraphFailure] = field(default_factory=deque)
    # media id -> the bytes Meta holds for it (default: a small JPEG), and their sizes
    # as the media endpoint announces them (default: the real length)
    media: dict[str, bytes] = field(default_factory=dict)
    announced_sizes: dict[str, int] = field(default_factory=dict)
    media_served: list[str] = field(default_factory=list)  # file downloads, in order
    calls: int = 0
    unauthorised: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> FakeGraph:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, payload: Any, raw: bytes | None = None) -> None:
                data = raw if raw is not None else json.dumps(payload).encode()
                self.send_response(status)
                kind = "image/jpeg" if raw is not None else "application/json"
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorised(self) -> bool:
                if self.headers.get("Authorization") == f"Bearer {TOKEN}":
                    return True
                with fake._lock:
                    fake.unauthorised += 1
                self._answer(401, {"error": {"code": 190, "message": "bad token"}})
                return False

            def do_GET(self) -> None:
                if not self._authorised():
                    return
                media_id = self.path.rsplit("/", 1)[-1]
                content = fake.media.get(media_id, PHOTO_BYTES)
                if self.path.startswith("/media-file/"):
                    with fake._lock:
                        fake.media_served.append(media_id)
                    self._answer(200, None, raw=content)
                    return
                url = f"{fake.root_url}/media-file/{media_id}"
                size = fake.announced_sizes.get(media_id, len(content))
                info = {"url": url, "mime_type": "image/jpeg", "id": media_id, "file_size": size}
                self._answer(200, info)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                if not self._authorised():
                    return
                status, payload = fake.dispatch(self.path, body)
                self._answer(status, payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def root_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/{VERSION}"

    def dispatch(self, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.calls += 1
            failure = self.failures.popleft() if self.failures else None
        if failure is not None:
            error = {"message": failure.message, "type": "OAuthException", "code": failure.code}
            return failure.status, {"error": error}
        if path.endswith("/media"):
            media_id = f"upload-{next(self._ids)}"
            with self._lock:
                self.uploads.append(media_id)
                self.uploaded[media_id] = body
            return 200, {"id": media_id}
        if not path.endswith(f"/{PHONE_NUMBER_ID}/messages"):
            return 404, {"error": {"code": 803, "message": "unknown path"}}
        message = json.loads(body)
        wamid = f"wamid.OUT{next(self._ids):06d}"
        with self._lock:
            self.sent.append({**message, "_wamid": wamid})
        contact = message.get("to") or message.get("recipient")
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": contact, "wa_id": contact}],
            "messages": [{"id": wamid}],
        }

    def fail(self, status: int, code: int, times: int = 1) -> None:
        with self._lock:
            self.failures.extend(GraphFailure(status, code) for _ in range(times))

    def sent_to(self, recipient: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.sent if recipient in (m.get("to"), m.get("recipient"))]


# -- webhook payloads, as Meta posts them ---------------------------------------------
_message_ids = itertools.count(1)


def bsuid(phone: str) -> str:
    """The business-scoped user id Meta gives this fake person (country code, dot, id)."""
    return f"ID.{phone[::-1]}"


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def envelope(value: dict[str, Any]) -> dict[str, Any]:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6281234567890", "phone_number_id": PHONE_NUMBER_ID},
        **value,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }


def inbound(
    phone: str, content: dict[str, Any], name: str = "Warga WA", at: float | None = None
) -> dict[str, Any]:
    """One message from a person: ``content`` is ``{"type": ..., <type>: {...}}``."""
    wamid = f"wamid.IN{next(_message_ids):08d}{phone}"
    message = {"from": phone, "id": wamid, "timestamp": str(int(at or time.time())), **content}
    contact = {"profile": {"name": name}, "wa_id": phone, "user_id": bsuid(phone)}
    return envelope({"contacts": [contact], "messages": [message]})


def text(phone: str, body: str, **kw: Any) -> dict[str, Any]:
    return inbound(phone, {"type": "text", "text": {"body": body}}, **kw)


def button_reply(phone: str, reply_id: str, title: str = "") -> dict[str, Any]:
    chosen = {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}}
    return inbound(phone, {"type": "interactive", "interactive": chosen})


def list_reply(phone: str, row_id: str, title: str = "") -> dict[str, Any]:
    chosen = {"type": "list_reply", "list_reply": {"id": row_id, "title": title}}
    return inbound(phone, {"type": "interactive", "interactive": chosen})


def reaction(phone: str, to_wamid: str, emoji: str = "👍") -> dict[str, Any]:
    return inbound(
        phone, {"type": "reaction", "reaction": {"message_id": to_wamid, "emoji": emoji}}
    )


def location(phone: str, latitude: float, longitude: float) -> dict[str, Any]:
    place = {"latitude": latitude, "longitude": longitude}
    return inbound(phone, {"type": "location", "location": place})


def image(phone: str, media_id: str, caption: str | None = None) -> dict[str, Any]:
    picture: dict[str, Any] = {"id": media_id, "mime_type": "image/jpeg", "sha256": "abc"}
    if caption:
        picture["caption"] = caption
    return inbound(phone, {"type": "image", "image": picture})


def document(phone: str, media_id: str, filename: str) -> dict[str, Any]:
    sent = {"id": media_id, "mime_type": "application/pdf", "sha256": "abc", "filename": filename}
    return inbound(phone, {"type": "document", "document": sent})


def status(wamid: str, state: str, recipient: str, error_code: int | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": wamid,
        "status": state,
        "timestamp": str(int(time.time())),
        "recipient_id": recipient,
    }
    if error_code is not None:
        entry["errors"] = [{"code": error_code, "title": "Message failed"}]
    return envelope({"statuses": [entry]})


def choices(message: dict[str, Any]) -> list[tuple[str, str]]:
    """(title, id) of the buttons or list rows of an interactive message."""
    interactive = message.get("interactive") or {}
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        return [(b["reply"]["title"], b["reply"]["id"]) for b in action["buttons"]]
    if interactive.get("type") == "list":
        return [(r["title"], r["id"]) for s in action["sections"] for r in s["rows"]]
    return []


def body_text(message: dict[str, Any]) -> str:
    if message.get("type") == "text":
        return str(message["text"]["body"])
    if message.get("type") == "interactive":
        return str(message["interactive"]["body"]["text"])
    if message.get("type") == "template":
        return str(message["template"]["components"][0]["parameters"][0]["text"])
    if message.get("type") == "document":
        return str(message["document"].get("caption", ""))
    return ""
