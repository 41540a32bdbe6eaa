"""WhatsApp Cloud API webhooks in, dialog input out; dialog output in, Graph API
message payloads out. No I/O here: the webhook and the sender do that.

Choices are fitted to WhatsApp's limits (domain.md §7): up to 3 reply buttons with
titles of at most 20 characters; otherwise a list of at most 10 rows (title 24,
description 72); beyond that a numbered text the person answers with a number.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.dialogs.types import ChatUser, Inbound, InboundKind
from bot.i18n import t
from bot.webhook_json import json_object
from core.digits import ascii_int

CHANNEL = "whatsapp"
MAX_BUTTONS, BUTTON_TITLE = 3, 20
MAX_ROWS, ROW_TITLE, ROW_DESCRIPTION = 10, 24, 72
INTERACTIVE_BODY = 1024  # an interactive message's body; plain text allows 4096
MAX_TEXT = 4096
MEDIA_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
MEDIA_PREFIX = "wa:"  # photo_ref of a WhatsApp image: its media id, file under SIGAP_MEDIA_DIR

log = logging.getLogger(__name__)


class MalformedWebhook(ValueError):
    """The body is not the shape Meta sends; nothing of it was stored."""


@dataclass(frozen=True)
class InboundMessage:
    message_id: str  # wamid: the same id on a redelivery
    user: ChatUser
    inbound: Inbound
    sent_at: datetime  # when the person wrote: it opens the 24 h window
    media_id: str | None = None  # an image to download now: its URL expires


@dataclass(frozen=True)
class StatusUpdate:
    message_id: str  # the wamid the Graph API gave when it accepted our message
    status: str  # sent | delivered | read | failed
    error: str = ""


Event = InboundMessage | StatusUpdate


def parse_webhook(body: bytes) -> list[Event]:
    """Every message and status in one webhook POST (Meta batches several)."""
    payload = json_object(body)
    if payload is None:
        raise MalformedWebhook("not a JSON object, or nested too deep")
    try:
        events: list[Event] = []
        for entry in payload["entry"]:
            for change in entry.get("changes", []):
                value = change.get("value") or {}
                events.extend(_messages(value))
                events.extend(_statuses(value))
        return events
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError) as exc:
        raise MalformedWebhook(str(exc)) from exc


# Nothing to answer: "system" (number or id changed), "reaction" (a 👍 on our message;
# answering "I can't process that" to a thumbs-up would be absurd).
SILENT_TYPES = frozenset({"system", "reaction"})


SHAPE_ERRORS = (ValueError, KeyError, TypeError, AttributeError, OverflowError)


def _messages(value: dict[str, Any]) -> list[InboundMessage]:
    """Each message on its own: one that is not Meta's shape is skipped (and logged),
    the others in the batch are handled, since Meta would redeliver the whole batch
    and lose the good ones with it on every try."""
    contacts = value.get("contacts") or []
    found = []
    for message in value.get("messages") or []:
        try:
            if message.get("type") in SILENT_TYPES:
                continue
            found.append(_message(message, _contact_for(message, contacts)))
        except SHAPE_ERRORS as exc:
            log.warning("skipped a malformed WhatsApp message in a batch: %s", type(exc).__name__)
    return found


def _contact_for(message: dict[str, Any], contacts: list[dict[str, Any]]) -> dict[str, Any]:
    sender = message.get("from")
    for contact in contacts:
        if sender is not None and contact.get("wa_id") == sender:
            return contact
    return contacts[0] if len(contacts) == 1 else {}


def _message(message: dict[str, Any], contact: dict[str, Any]) -> InboundMessage:
    """Identity and address: the business-scoped user id (BSUID) where Meta sends one,
    else the phone number; the phone, when given, is kept only as contact data. One id
    for both keeps the person, their 24 h window and their staff record together."""
    phone = message.get("from") or contact.get("wa_id")
    bsuid = message.get("from_user_id") or contact.get("user_id")
    key = bsuid or phone
    if not key:
        raise MalformedWebhook("a message without a sender")
    name = (contact.get("profile") or {}).get("name", "")
    user = ChatUser(CHANNEL, str(key), str(key), name, phone=phone)
    inbound, media_id = _inbound(message)
    sent_at = datetime.fromtimestamp(int(message["timestamp"]), UTC)
    return InboundMessage(str(message["id"]), user, inbound, sent_at, media_id)


def _inbound(message: dict[str, Any]) -> tuple[Inbound, str | None]:
    kind = message.get("type")
    if kind == "text":
        return Inbound.from_text(str(message["text"]["body"])), None
    if kind == "interactive":
        reply = message["interactive"]
        chosen = reply.get("button_reply") or reply.get("list_reply") or {}
        return Inbound("choice", choice=str(chosen.get("id", ""))), None
    if kind == "button":  # a template's quick-reply button
        return Inbound("choice", choice=str(message["button"].get("payload", ""))), None
    if kind == "location":
        place = message["location"]
        return Inbound(
            "location", latitude=float(place["latitude"]), longitude=float(place["longitude"])
        ), None
    if kind in ("image", "document"):
        media = message[kind]
        media_id = str(media["id"])
        if not MEDIA_ID.fullmatch(media_id):  # it names a file and a URL path: no "../"
            raise MalformedWebhook(f"unexpected media id {media_id[:40]!r}")
        caption = str(media.get("caption") or "")
        ref, mime = MEDIA_PREFIX + media_id, str(media.get("mime_type") or "")[:100]
        inbound_kind: InboundKind = "photo" if kind == "image" else "document"
        return Inbound(inbound_kind, text=caption, photo_ref=ref, mime=mime), media_id
    return Inbound("unsupported"), None


def _statuses(value: dict[str, Any]) -> list[StatusUpdate]:
    updates = []
    for status in value.get("statuses") or []:
        errors = status.get("errors") or []
        error = "; ".join(
            f"{e.get('code')} {e.get('title') or e.get('message') or ''}".strip() for e in errors
        )
        updates.append(StatusUpdate(str(status["id"]), str(status["status"]), error))
    return updates


# -- outbound ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Option:
    label: str
    value: str


def _prepared(text: str, markup_json: str | None, language: str) -> tuple[str, list[Option]]:
    """The text as it goes out and its options, from one reading of the stored markup.
    A question that asks for a location says how to share one (WhatsApp's location
    request cannot carry choices, and two messages could not be sent exactly once)."""
    if not markup_json:
        return text, []
    markup: dict[str, Any] = json.loads(markup_json)
    options = [
        Option(c.get("label") or t(language, c["label_key"]), str(c["value"]))
        for c in markup.get("choices") or []
    ]
    if markup.get("ask_location"):
        text = f"{text}\n\n{t(language, 'wa.send_location')}"
    return text, options


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text_body(text: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": _cut(text, MAX_TEXT), "preview_url": False}}


def body_for(text: str, markup_json: str | None, language: str) -> dict[str, Any]:
    """The one message a dialog reply becomes, without the addressing."""
    text, options = _prepared(text, markup_json, language)
    if not options:
        return text_body(text)
    if is_numbered(text, options):
        return text_body(numbered(text, options, language))
    body = {"text": text}
    if len(options) <= MAX_BUTTONS and all(len(o.label) <= BUTTON_TITLE for o in options):
        buttons = [{"type": "reply", "reply": {"id": o.value, "title": o.label}} for o in options]
        interactive = {"type": "button", "body": body, "action": {"buttons": buttons}}
    else:
        interactive = {
            "type": "list",
            "body": body,
            "action": {
                "button": _cut(t(language, "wa.pick"), BUTTON_TITLE),
                "sections": [{"rows": [_row(o) for o in options]}],
            },
        }
    return {"type": "interactive", "interactive": interactive}


def numbered_options(text: str, markup_json: str | None, language: str) -> list[Option]:
    """The options of a message that went out as a numbered list (else none), so that
    an answer "2" can be read as the second one."""
    full, options = _prepared(text, markup_json, language)
    return options if options and is_numbered(full, options) else []


def is_numbered(text: str, options: list[Option]) -> bool:
    """Too many choices for a list, or too much text for an interactive message."""
    return len(options) > MAX_ROWS or len(text) > INTERACTIVE_BODY


def _row(option: Option) -> dict[str, Any]:
    row = {"id": option.value, "title": _cut(option.label, ROW_TITLE)}
    if len(option.label) > ROW_TITLE:
        row["description"] = _cut(option.label, ROW_DESCRIPTION)
    return row


def numbered(text: str, options: list[Option], language: str) -> str:
    lines = [f"{number}. {option.label}" for number, option in enumerate(options, start=1)]
    listing = "\n".join(lines) + "\n\n" + t(language, "wa.numbered_hint")
    return _cut(text, MAX_TEXT - len(listing) - 2) + "\n\n" + listing


def choice_by_number(text: str, options: list[Option]) -> str | None:
    """The value of option N when the person answered a numbered list with "N"."""
    number = ascii_int(text.strip().rstrip("."), max_digits=3)
    if number is None:
        return None
    return options[number - 1].value if 1 <= number <= len(options) else None


def template_body(name: str, language: str, text: str) -> dict[str, Any]:
    """An approved template carrying the notification as its one variable. Meta refuses
    new lines, tabs and more than four spaces in a row inside a variable."""
    flat = " · ".join(line.strip() for line in text.splitlines() if line.strip())
    parameter = {"type": "text", "text": _cut(" ".join(flat.split()), INTERACTIVE_BODY)}
    return {
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": language},
            "components": [{"type": "body", "parameters": [parameter]}],
        },
    }


def addressed(recipient: str, body: dict[str, Any]) -> dict[str, Any]:
    """A phone number goes in ``to``; a business-scoped user id (``CC.digits``) in
    ``recipient``, for people who hide their number."""
    field = "recipient" if "." in recipient else "to"
    return {"messaging_product": "whatsapp", "recipient_type": "individual", field: recipient} | (
        body
    )
