"""`sigap chat`: the same dialogs in a terminal, to try Sigap without Telegram.

Buttons are shown numbered; type the number, or text. ``lokasi -8.25,113.74`` shares a
location and ``foto NAME`` a photo. Everything queued for the person at the terminal —
replies and news such as "your report is now selesai" — is printed at each turn.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence

from sqlalchemy import Engine
from sqlmodel import Session, col, select
from starlette.routing import BaseRoute

from bot.channel import ChannelKind
from bot.dialogs.desk import Desk
from bot.dialogs.types import ChatUser, Inbound
from bot.notifications import rendered
from core.config import Settings
from core.db import session_scope
from core.digits import ascii_int
from core.models import OutboxMessage
from core.services.messaging.outbox import PENDING, mark_all_sent

CHANNEL = "terminal"
LEAVE = ("keluar", "exit", "quit")
WATCH_SECONDS = 1.0  # how often news is looked for while the terminal waits


def _parse(line: str, last_choices: list[str]) -> Inbound:
    text = line.strip()
    number = ascii_int(text, max_digits=3)
    if number is not None and 1 <= number <= len(last_choices):
        return Inbound("choice", choice=last_choices[number - 1])
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


class TerminalChannel:
    """One person at a keyboard; their messages are printed, nobody else's."""

    name = CHANNEL

    def __init__(self, settings: Settings, engine: Engine, desk: Desk) -> None:
        self.settings = settings
        self.engine = engine
        self.desk = desk

    def routes(self) -> Sequence[BaseRoute]:
        return []

    async def start(self) -> None:
        """Nothing runs in the background: `converse` drives every turn."""

    async def stop(self) -> None:
        """Nothing to finish: each turn printed and marked what it queued."""

    async def deliver_pending(self, timeout: float) -> int:
        """Nobody sits at a terminal outside `sigap chat`: it stays queued for them."""
        return 0

    def converse(
        self,
        user: ChatUser,
        read: Callable[[str], str] = input,
        write: Callable[[str], None] = print,
        *,
        watch: bool = False,
    ) -> None:
        """Turn by turn until ``keluar``; with ``watch``, news for this person (a new
        report for staff, "selesai" for a resident) is printed while they think."""
        choices: list[str] = []
        line = "/start"
        while True:
            with session_scope(self.engine) as session:
                self.desk.handle(session, user, _parse(line, choices))
                choices = self._show(session, user.chat_id, write) or choices
            try:
                if watch:
                    line, choices = self._read_watching(user.chat_id, read, write, choices)
                else:
                    line = read("> ")
            except EOFError:
                return
            if line.strip().lower() in LEAVE:
                return

    def _read_watching(
        self,
        chat: str,
        read: Callable[[str], str],
        write: Callable[[str], None],
        choices: list[str],
    ) -> tuple[str, list[str]]:
        """Read a line while a thread prints news as it arrives; the line and the
        choices now on screen."""
        shown = list(choices)
        stop = threading.Event()

        def look() -> None:
            while not stop.wait(WATCH_SECONDS):
                with session_scope(self.engine) as session:
                    shown[:] = self._show(session, chat, write) or shown

        watcher = threading.Thread(target=look, name="terminal-news", daemon=True)
        watcher.start()
        try:
            line = read("> ")
        finally:
            stop.set()
            watcher.join()
        return line, shown

    def _show(self, session: Session, chat: str, write: Callable[[str], None]) -> list[str]:
        """Print what waits for this chat, mark it sent; the last choices offered."""
        waiting = session.exec(
            select(OutboxMessage)
            .where(
                OutboxMessage.channel == CHANNEL,
                OutboxMessage.recipient == chat,
                OutboxMessage.status == PENDING,
            )
            .order_by(col(OutboxMessage.id))
        ).all()
        choices: list[str] = []
        for message in waiting:
            text, markup = rendered(message)
            write(text)
            options = (json.loads(markup) if markup else {}).get("choices") or []
            if options:
                choices = [o["value"] for o in options]
                for number, option in enumerate(options, 1):
                    write(f"  {number}. {option.get('label') or option['value']}")
        mark_all_sent(session, [(m.id, None) for m in waiting if m.id is not None])
        return choices


KIND = ChannelKind(
    name=CHANNEL,
    enabled=lambda settings: False,  # interactive: started by `sigap chat`, not `sigap run`
    build=TerminalChannel,
    is_address=lambda value: 0 < len(value) <= 140,
    describe_address="nama pengguna terminal / terminal user name",
)
