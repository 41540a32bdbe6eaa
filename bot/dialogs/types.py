"""What flows between a channel adapter and the dialogs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from core.domain.complaints import Channel

# A survey deep link typed or prefilled as plain text (WhatsApp has no /start payload)
DEEP_LINK = re.compile(r"skm_[A-Za-z0-9_-]{1,32}")

# Control characters (NUL above all: PostgreSQL refuses it in text) never reach a dialog,
# a stored row or a reply; newlines and tabs stay.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def readable(text: str) -> str:
    return _CONTROL.sub("", text) if text else text


InboundKind = Literal["text", "command", "choice", "location", "photo", "document", "unsupported"]


@dataclass(frozen=True)
class ChatUser:
    """A person as a channel knows them; ``chat_id`` is where replies go."""

    channel: str
    user_id: str
    chat_id: str
    display_name: str = ""
    phone: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "display_name", readable(self.display_name))


@dataclass(frozen=True)
class Inbound:
    kind: InboundKind
    text: str = ""
    command: str = ""
    argument: str = ""
    choice: str = ""
    latitude: float | None = None
    longitude: float | None = None
    photo_ref: str | None = None
    # A file's size and type as the platform declares them (unknown: None and ""): a
    # step refuses at once what it would not keep; the content is checked on download.
    file_size: int | None = None
    mime: str = ""

    def __post_init__(self) -> None:
        for name in ("text", "argument", "choice"):
            object.__setattr__(self, name, readable(getattr(self, name)))

    @classmethod
    def from_text(cls, text: str) -> Inbound:
        """Plain text, or a /command with its argument (as typed or from a deep link)."""
        stripped = text.strip()
        if DEEP_LINK.fullmatch(stripped):  # wa.me's prefilled text, e.g. "skm_ktp"
            return cls("command", text=stripped, command="start", argument=stripped)
        if stripped.startswith("/"):
            head, _, rest = stripped[1:].partition(" ")
            return cls(
                "command", text=stripped, command=head.split("@")[0].lower(), argument=rest.strip()
            )
        return cls("text", text=stripped)


@dataclass(frozen=True)
class KeptFile:
    """A file a dialog step took: the platform's reference, and whether a document (PDF
    or photo, for IKU1) or a photo is expected of it."""

    ref: str
    document: bool = False


@dataclass(frozen=True)
class Choice:
    label: str
    value: str


@dataclass
class Reply:
    text: str
    choices: list[Choice] = field(default_factory=list)
    columns: int = 1
    ask_location: bool = False
    recipient: str | None = None  # None: the person who wrote
    attachment: str | None = None  # a report file's path, or "tg-photo:<Telegram file id>"
    topic: str | None = None  # e.g. outbox.SECRET_TOPIC: erased from the outbox once sent

    def markup(self) -> dict[str, Any] | None:
        if not self.choices and not self.ask_location:
            return None
        return {
            "choices": [{"label": c.label, "value": c.value} for c in self.choices],
            "columns": self.columns,
            "ask_location": self.ask_location,
        }


def channel_of(user: ChatUser) -> Channel:
    """The complaint channel of a chat user; the terminal try-out counts as oral (lisan)."""
    try:
        return Channel(user.channel)
    except ValueError:
        return Channel.LISAN
