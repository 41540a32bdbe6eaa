"""Events recorded by core (``core.services.messaging.notifications``) turned into what a person
reads: words from the message catalogue and, where they can answer, buttons.

A queued message is either text a dialog wrote, or an event with its parameters; this
module is the one place that knows how each event reads and which buttons it carries.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bot.dialogs.mine import reporter_choices
from bot.dialogs.types import Choice
from bot.i18n import t
from core.domain.complaints import ComplaintState
from core.services.messaging import outbox
from core.services.messaging.notifications import STATE_CHANGED


def _state_changed(language: str, params: dict[str, Any]) -> tuple[str, list[Choice]]:
    state = str(params.get("state"))
    key = f"notify.{state}"
    if state == ComplaintState.BUKAN_WEWENANG.value and params.get("destination"):
        key += "_kabupaten" if params.get("kind") == "kabupaten" else "_opd"  # where it went
    text = t(language, key, **params)
    if state == ComplaintState.SELESAI.value:
        return text, reporter_choices(language, str(params["code"]))
    return text, []


EVENTS: dict[str, Callable[[str, dict[str, Any]], tuple[str, list[Choice]]]] = {
    STATE_CHANGED: _state_changed,
}


def _params(message: outbox.Deliverable) -> dict[str, Any]:
    params: dict[str, Any] = json.loads(message.params)
    note = params.get("note")
    params.setdefault("note_line", f"\n{note}" if note else "")
    return params


def rendered(message: outbox.Deliverable) -> tuple[str, str | None]:
    """The message's words and its choices as markup JSON, rendered once: its own text
    and markup, or its event in the recipient's language."""
    if message.text is not None:
        return message.text, message.markup
    event = EVENTS.get(str(message.template))
    if event is None:  # a catalogue key queued as it is (and rows from before events)
        return t(message.language, str(message.template), **_params(message)), message.markup
    text, choices = event(message.language, _params(message))
    if not choices:
        return text, None
    return text, json.dumps({"choices": [{"label": c.label, "value": c.value} for c in choices]})


def words(message: outbox.Deliverable) -> str:
    """Only the words (a caption, a template's variable)."""
    return rendered(message)[0]
