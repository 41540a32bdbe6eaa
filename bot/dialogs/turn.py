"""One inbound message being handled: who wrote, where their dialog stands, what to say.

Everything said is queued in the outbox inside the caller's transaction, so an update
handled twice (or a crash before commit) can never send half a conversation.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from bot.dialogs.position import Position, clear_position, save_position
from bot.dialogs.types import ChatUser, Choice, KeptFile, Reply
from bot.i18n import t
from core.config import Settings
from core.models import Resident, Staff
from core.services.access.accounts import ResidentRef
from core.services.messaging.outbox import QueuedMessage, enqueue

BACK, CANCEL, SKIP = "@back", "@cancel", "@skip"


@dataclass
class Turn:
    session: Session
    settings: Settings
    user: ChatUser
    resident_ref: ResidentRef
    state: Position | None
    find_staff: Callable[[], Staff | None]
    claim_owner: str | None = None  # a sender lease: replies queued already claimed
    # Replies go to the person's private chat instead of the group they wrote in.
    reply_privately: bool = False
    queued: list[QueuedMessage] = field(default_factory=list)
    # Files a step took (platform references): the only ones the channel downloads.
    kept_files: list[KeptFile] = field(default_factory=list)
    _resident: Resident | None = None
    _data: dict[str, Any] | None = None
    _staff: Staff | None = None
    _staff_loaded: bool = False

    @property
    def staff(self) -> Staff | None:
        """Looked up from the database on first use in every turn, never remembered
        across turns: a role taken away applies to the very next button press."""
        if not self._staff_loaded:
            self._staff, self._staff_loaded = self.find_staff(), True
        return self._staff

    @staff.setter
    def staff(self, member: Staff | None) -> None:
        self._staff, self._staff_loaded = member, True

    @property
    def resident(self) -> Resident:
        """The full record, loaded only by the turns that use more than id and language."""
        if self._resident is None:
            self._resident = self.session.get(Resident, self.resident_ref.id)
            assert self._resident is not None
        return self._resident

    @property
    def lang(self) -> str:
        return self.resident_ref.language if self._resident is None else self._resident.language

    @property
    def in_group(self) -> bool:
        return self.user.chat_id != self.user.user_id

    def t(self, key: str, **params: Any) -> str:
        return t(self.lang, key, channel=self.user.channel, **params)

    # -- saying things -------------------------------------------------------------
    def send(self, reply: Reply, channel: str | None = None, language: str | None = None) -> None:
        channel = channel or self.user.channel
        own_chat = self.user.user_id if self.reply_privately else self.user.chat_id
        recipient = reply.recipient or own_chat
        is_reply = channel == self.user.channel and recipient == self.user.chat_id
        message = enqueue(
            self.session,
            channel,
            recipient,
            text=reply.text,
            markup=reply.markup(),
            attachment=reply.attachment,
            topic=reply.topic,
            language=language or self.lang,
            claimed_by=self.claim_owner if is_reply else None,
        )
        assert message is not None
        self.queued.append(message)

    def send_text(self, text: str, choices: list[Choice] | None = None) -> None:
        self.send(Reply(text, choices or []))

    def say(self, key: str, choices: list[Choice] | None = None, **params: Any) -> None:
        self.send(Reply(self.t(key, **params), choices or []))

    def ask(
        self,
        step: str,
        text: str,
        options: list[tuple[str, str]] = (),  # type: ignore[assignment]
        *,
        columns: int = 1,
        skip: bool = False,
        ask_location: bool = False,
    ) -> None:
        """A question of the current dialog; its buttons carry dialog and step, so a
        button pressed from an older message is recognised as stale."""
        assert self.state is not None
        prefix = f"{self.state.dialog}:{step}:"
        choices = [Choice(label, prefix + value) for label, value in options]
        if skip:
            choices.append(Choice(self.t("nav.skip"), prefix + SKIP))
        if self.data.get("trail"):
            choices.append(Choice(self.t("nav.back"), prefix + BACK))
        choices.append(Choice(self.t("nav.cancel"), prefix + CANCEL))
        self.send(Reply(text, choices, columns=columns, ask_location=ask_location))

    # -- dialog state --------------------------------------------------------------
    @property
    def data(self) -> dict[str, Any]:
        if self._data is None:
            self._data = json.loads(self.state.data) if self.state else {}
        return self._data

    def begin(self, dialog: str, step: str, data: dict[str, Any] | None = None) -> None:
        self.finish()
        self.state = Position(dialog, step)
        self._data = dict(data or {})

    def goto(self, step: str) -> None:
        assert self.state is not None
        self.data.setdefault("trail", []).append(self.state.step)
        self.state.step = step

    def back(self) -> bool:
        trail = self.data.get("trail") or []
        if not trail or self.state is None:
            return False
        self.state.step = trail.pop()
        return True

    def finish(self) -> None:
        if self.state is not None:
            clear_position(self.session, self.user.channel, self.user.user_id)
        self.state = None
        self._data = {}

    def save(self) -> None:
        if self.state is None:
            return
        self.state.data = json.dumps(self.data, ensure_ascii=False)
        save_position(self.session, self.user.channel, self.user.user_id, self.state)
