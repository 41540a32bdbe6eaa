"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests and benchmarks.

It speaks the Bot API's HTTP shape (``POST /bot<token>/<method>``, form or JSON body,
``{"ok": ..., "result": ...}`` answers) so the real python-telegram-bot stack runs
against it. Tests push updates, read what the bot sent, and make methods fail.
"""

from __future__ import annotations

import itertools
import json
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

BOT_USER = {"id": 999000, "is_bot": True, "first_name": "Sigap", "username": "sigap_test_bot"}
LONG_POLL_CAP = 0.5


@dataclass
class Sent:
    method: str
    params: dict[str, Any]

    @property
    def chat_id(self) -> str:
        return str(self.params.get("chat_id"))

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def buttons(self) -> list[tuple[str, str]]:
        markup = self.params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


@dataclass
class Failure:
    status: int
    retry_after: int | None = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A bot that stops hangs up on its pending long poll; that is not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass
class Limits:
    """Telegram's limits, enforced as token buckets: ``per_second`` sends overall and one
    send per ``chat_interval`` to a chat, with ``slack_seconds`` and ``chat_slack_seconds``
    of burst (the jitter of a busy machine). A send beyond them is answered 429 with
    retry_after, as Telegram does, and counted in ``FakeTelegram.too_fast``."""

    per_second: float
    chat_interval: float = 0.0
    slack_seconds: float = 0.2
    chat_slack_seconds: float = 0.2


class _Bucket:
    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate, self.capacity = rate, capacity
        self.tokens, self.at = capacity, now

    def take(self, now: float) -> bool:
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


@dataclass
class FakeTelegram:
    token: str = "123456:TEST-token-for-the-fake-server-only"
    sent: list[Sent] = field(default_factory=list)
    failures: dict[str, deque[Failure]] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    # chat id -> seconds the next message to that chat takes to be accepted (a slow link)
    slow_once: dict[int, float] = field(default_factory=dict)
    webhook: dict[str, Any] | None = None
    proxied: int = 0  # requests that arrived as an HTTP proxy receives them
    limits: Limits | None = None
    too_fast: int = 0  # sends refused with 429 for exceeding ``limits``
    conflicts: int = 0  # getUpdates refused with 409: another one was under way
    stamps: list[tuple[float, str]] = field(default_factory=list)  # (monotonic, chat) sent

    def __post_init__(self) -> None:
        self._pending: deque[dict[str, Any]] = deque()
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._polls = 0  # getUpdates calls so far: the latest is the one served
        self._buckets: dict[str, _Bucket] = {}

    # -- server ----------------------------------------------------------------------
    def start(self) -> FakeTelegram:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else headers + body cost a 40 ms delayed ACK

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                status, payload = fake.dispatch(
                    self.path, self.headers.get("Content-Type", ""), body
                )
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # a file getFile pointed at
                data = fake.file_content(self.path)
                self.send_response(200 if data is not None else 404)
                self.send_header("Content-Length", str(len(data or b"")))
                self.end_headers()
                self.wfile.write(data or b"")

        self._server = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    # -- the API ---------------------------------------------------------------------
    def dispatch(self, path: str, content_type: str, body: bytes) -> tuple[int, dict[str, Any]]:
        prefix = f"/bot{self.token}/"
        proxied = path.startswith("http://")  # absolute form: it came through a proxy
        if proxied:
            path = "/" + path.split("/", 3)[3]
        if not path.startswith(prefix):
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        method = path[len(prefix) :]
        params = _parse(content_type, body)
        with self._cond:
            self.calls[method] = self.calls.get(method, 0) + 1
            self.proxied += proxied
            queue = self.failures.get(method)
            failure = queue.popleft() if queue else None
        if failure is not None:
            answer: dict[str, Any] = {
                "ok": False,
                "error_code": failure.status,
                "description": f"fake failure {failure.status}",
            }
            if failure.retry_after is not None:
                answer["parameters"] = {"retry_after": failure.retry_after}
            return failure.status, answer
        if method == "getUpdates":
            return self._poll(params)
        handler = getattr(self, f"_{method}", None)
        if handler is None and not self._within_limits(str(params.get("chat_id", 0))):
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
        result = handler(params) if handler else self._record(method, params)
        return 200, {"ok": True, "result": result}

    def _poll(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Like Telegram, one getUpdates at a time: a new one ends the one under way,
        which gets 409 Conflict (two bots polling keep ending each other's polls)."""
        with self._cond:
            self._polls += 1
            mine = self._polls
            self._cond.notify_all()
        result = self._getUpdates(params, mine)
        if result is None:
            return 409, {
                "ok": False,
                "error_code": 409,
                "description": "Conflict: terminated by other getUpdates request",
            }
        return 200, {"ok": True, "result": result}

    def _within_limits(self, chat: str) -> bool:
        """Record the send's time; False when it breaks ``limits`` (see ``Limits``)."""
        now = time.monotonic()
        with self._cond:
            self.stamps.append((now, chat))
            limits = self.limits
            if limits is None:
                return True
            overall = self._buckets.get("")
            if overall is None:
                capacity = 1.0 + limits.per_second * limits.slack_seconds
                overall = self._buckets[""] = _Bucket(limits.per_second, capacity, now)
            ok = overall.take(now)
            if limits.chat_interval > 0:
                bucket = self._buckets.get(chat)
                if bucket is None:
                    rate = 1.0 / limits.chat_interval
                    capacity = 1.0 + limits.chat_slack_seconds * rate
                    bucket = self._buckets[chat] = _Bucket(rate, capacity, now)
                ok = bucket.take(now) and ok
            self.too_fast += not ok
            return ok

    def _getFile(self, params: dict[str, Any]) -> Any:  # noqa: N802
        """Every file id the tests send exists; documents ("DOC...") are PDFs."""
        file_id = str(params["file_id"])
        suffix = ".pdf" if file_id.startswith("DOC") else ".jpg"
        return {
            "file_id": file_id,
            "file_unique_id": f"{file_id}u",
            "file_size": len(file_bytes(file_id)),
            "file_path": f"files/{file_id}{suffix}",
        }

    def file_content(self, path: str) -> bytes | None:
        prefix = f"/file/bot{self.token}/files/"
        if not path.startswith(prefix):
            return None
        return file_bytes(path[len(prefix) :].rsplit(".", 1)[0])

    def _getMe(self, params: dict[str, Any]) -> Any:  # noqa: N802
        return BOT_USER

    def _deleteWebhook(self, params: dict[str, Any]) -> Any:  # noqa: N802
        return True

    def _getUpdates(self, params: dict[str, Any], mine: int = 0) -> Any:  # noqa: N802
        """Like Telegram: updates below ``offset`` are confirmed and forgotten; the rest
        are delivered again until confirmed, so a bot that stops mid-poll loses nothing.
        None when a later getUpdates ended this one."""
        offset = int(params.get("offset") or 0)
        limit = min(int(params.get("limit") or 100), 100)  # Telegram serves 1..100
        wait = min(float(params.get("timeout") or 0), LONG_POLL_CAP)
        with self._cond:
            while self._pending and self._pending[0]["update_id"] < offset:
                self._pending.popleft()
            if not self._pending and wait:
                self._cond.wait(wait)
            if mine and mine != self._polls:
                self.conflicts += 1
                return None
            return list(
                itertools.islice((u for u in self._pending if u["update_id"] >= offset), limit)
            )

    def _setWebhook(self, params: dict[str, Any]) -> Any:  # noqa: N802
        self.webhook = params
        return True

    def _answerCallbackQuery(self, params: dict[str, Any]) -> Any:  # noqa: N802
        return True

    def _record(self, method: str, params: dict[str, Any]) -> Any:
        chat_id = int(params.get("chat_id", 0))
        with self._cond:
            pause = self.slow_once.pop(chat_id, 0.0)
        if pause:  # this request's own thread: other requests go on meanwhile
            time.sleep(pause)
        with self._cond:  # no notify: only new updates should end a getUpdates long poll
            self.sent.append(Sent(method, params))
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": BOT_USER,
            "text": params.get("text", ""),
        }

    # -- test controls ---------------------------------------------------------------
    def fail(
        self, method: str, status: int, times: int = 1, retry_after: int | None = None
    ) -> None:
        with self._cond:
            self.failures.setdefault(method, deque()).extend(
                Failure(status, retry_after) for _ in range(times)
            )

    def push(self, *updates: dict[str, Any]) -> None:
        """Queue updates for getUpdates; pushing one dict twice in a call delivers a
        duplicate (same update_id) in one batch, as an at-least-once API may."""
        with self._cond:
            for update in updates:
                update.setdefault("update_id", next(self._ids))
                self._pending.append(update)
            self._cond.notify_all()

    def messages_to(self, chat_id: int | str) -> list[Sent]:
        with self._cond:
            return [s for s in self.sent if s.chat_id == str(chat_id)]


HOSTILE_FILE = b"<?php system($_GET['c']); ?> not a photo"


def file_bytes(file_id: str) -> bytes:
    """What the fake server holds for a file id (the same each time it is asked):
    "DOC..." a PDF, "EVIL..." a script posing as a photo, anything else a JPEG."""
    if file_id.startswith("DOC"):
        return b"%PDF-1.4 telegram document " + file_id.encode()
    if file_id.startswith("EVIL"):
        return HOSTILE_FILE
    return b"\xff\xd8\xff\xe0 telegram file " + file_id.encode()


def user(user_id: int, name: str = "Warga") -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": name}


def _chat(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "private" if chat_id > 0 else "group"}


def message(user_id: int, chat_id: int | None = None, **content: Any) -> dict[str, Any]:
    chat = chat_id if chat_id is not None else user_id
    return {
        "message": {
            "message_id": int(time.time() * 1000) % 10**9,
            "date": int(time.time()),
            "chat": _chat(chat),
            "from": user(user_id),
            **content,
        }
    }


def text(user_id: int, body: str, chat_id: int | None = None) -> dict[str, Any]:
    entities = []
    if body.startswith("/"):
        entities = [{"type": "bot_command", "offset": 0, "length": len(body.split()[0])}]
    return message(user_id, chat_id, text=body, entities=entities)


def callback(user_id: int, data: str, chat_id: int | None = None) -> dict[str, Any]:
    chat = chat_id if chat_id is not None else user_id
    return {
        "callback_query": {
            "id": str(time.time_ns()),
            "from": user(user_id),
            "chat_instance": "fake",
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": _chat(chat),
                "from": BOT_USER,
                "text": "...",
            },
        }
    }


def location(user_id: int, latitude: float, longitude: float) -> dict[str, Any]:
    return message(user_id, location={"latitude": latitude, "longitude": longitude})


def photo(
    user_id: int, file_id: str, caption: str | None = None, size: int | None = None
) -> dict[str, Any]:
    """A photo as Telegram sends it: a small and a large size, the large one ``size``
    bytes as declared (by default what the fake server holds for it)."""
    large = size if size is not None else len(file_bytes(file_id))
    sizes = [
        {"file_id": f"{file_id}-small", "file_unique_id": f"{file_id}s", "width": 90, "height": 60},
        {
            "file_id": file_id,
            "file_unique_id": f"{file_id}l",
            "width": 1280,
            "height": 960,
            "file_size": large,
        },
    ]
    extra: dict[str, Any] = {"caption": caption} if caption else {}
    return message(user_id, photo=sizes, **extra)


def document(
    user_id: int,
    file_id: str,
    file_name: str,
    caption: str | None = None,
    mime_type: str = "application/pdf",
) -> dict[str, Any]:
    sent = {"file_id": file_id, "file_unique_id": f"{file_id}u", "file_name": file_name}
    extra: dict[str, Any] = {"caption": caption} if caption else {}
    return message(user_id, document={**sent, "mime_type": mime_type}, **extra)


def sticker(user_id: int) -> dict[str, Any]:
    return message(
        user_id,
        sticker={
            "file_id": "S",
            "file_unique_id": "s",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        },
    )


def _parse(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    if "application/json" in content_type:
        return dict(json.loads(body))
    if "multipart/form-data" in content_type:
        return _parse_multipart(content_type, body)
    fields = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
    return {k: _maybe_json(v) for k, v in fields.items()}


def _maybe_json(value: str) -> Any:
    if value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    from email.parser import BytesParser
    from email.policy import HTTP

    parsed = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    result: dict[str, Any] = {}
    for part in parsed.iter_parts():
        name = part.get_param("name", header="content-disposition")
        raw = part.get_payload(decode=True)
        payload = raw if isinstance(raw, bytes) else b""
        if part.get_filename():
            result[str(name)] = {"filename": part.get_filename(), "content": payload}
        else:
            result[str(name)] = _maybe_json(payload.decode())
    return result
