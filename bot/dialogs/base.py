"""A dialog is a set of named steps: ``prompt`` asks a step's question, ``receive``
takes the answer and moves on. Back, cancel and resume come from this shape."""

from __future__ import annotations

from typing import Any, ClassVar

from bot.dialogs.turn import Turn
from bot.dialogs.types import Inbound


class Dialog:
    name: ClassVar[str]
    first_step: ClassVar[str]

    def start(self, turn: Turn, argument: str = "") -> None:
        turn.begin(self.name, self.first_step)
        self.prompt(turn, self.first_step)

    def prompt(self, turn: Turn, step: str) -> None:
        raise NotImplementedError

    def receive(self, turn: Turn, step: str, message: Inbound) -> None:
        raise NotImplementedError

    def advance(self, turn: Turn, step: str) -> None:
        turn.goto(step)
        self.prompt(turn, step)

    def reprompt(self, turn: Turn, key: str, **params: Any) -> None:
        """Say what was wrong, then ask the same question again."""
        turn.say(key, **params)
        assert turn.state is not None
        self.prompt(turn, turn.state.step)
