"""`sigap chat`: the same dialogs in a terminal, to try Sigap without Telegram.

Buttons are shown numbered; type the number, or text. ``lokasi -8.25,113.74`` shares a
location and ``foto NAME`` a photo. Messages for other people stay in the outbox.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import Engine

from bot.dialogs.desk import Desk
from bot.dialogs.types import ChatUser, Inbound
from core.config import Settings
from core.db import session_scope
from core.services.outbox import mark_all_sent

CHANNEL = "terminal"


def _parse(line: str, last_choices: list[str]) -> Inbound:
    text = line.strip()
    if text.isdigit() and 1 <= int(text) <= len(last_choices):
        return Inbound("choice", choice=last_choices[int(text) - 1])
    head, _, rest = text.partition(" ")
    if head.lower() == "lokasi":
        try:
            lat, lon = (float(x) for x in rest.split(","))
        except ValueError:
            return Inbound("unsupported")
        return Inbound("location", latitude=lat, longitude=lon)
    if head.lower() == "foto" and rest:
        return Inbound("photo", photo_ref=f"terminal:{rest}")
    return Inbound.from_text(text)


def run_terminal_chat(
    settings: Settings,
    engine: Engine,
    user: ChatUser,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
) -> None:
    desk = Desk(settings)
    choices: list[str] = []
    line = "/start"
    while True:
        with session_scope(engine) as session:
            queued = desk.handle(session, user, _parse(line, choices))
            for message in queued:
                if message.channel != CHANNEL or message.recipient != user.chat_id:
                    continue
                write(message.text or "")
                markup = json.loads(message.markup) if message.markup else {}
                options = markup.get("choices") or []
                if options:
                    choices = [o["value"] for o in options]
                    for number, option in enumerate(options, 1):
                        write(f"  {number}. {option['label']}")
                mark_all_sent(session, [(message.id, None)])
        try:
            line = read("> ")
        except EOFError:
            return
        if line.strip().lower() in ("keluar", "exit", "quit"):
            return
