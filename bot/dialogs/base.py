"""A dialog is data: its steps, in order, each with the question it asks and how it takes
the answer. The engine here asks, validates, moves on, goes back and finishes; a dialog
only declares its steps and what to do once they are all answered.

A step's ``take`` stores the answer in ``turn.data`` and says where to go: ``NEXT`` (the
step declared after it), another step's name, ``STAY`` (answer taken, same question
still open, e.g. one more photo) or ``END`` (the step closed the dialog itself). It raises
``Invalid`` to say what was wrong and ask the same question again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from bot.dialogs.turn import Turn
from bot.dialogs.types import Inbound
from core.domain.access import Permission, may

NEXT: None = None
STAY, END = "@stay", "@end"


@dataclass(frozen=True)
class Ask:
    """One question as the person sees it."""

    text: str
    options: Sequence[tuple[str, str]] = ()  # (label, value)
    columns: int = 1
    skip: bool = False
    ask_location: bool = False


class Invalid(Exception):
    """The answer was not accepted: say why (a catalogue key, or a sentence core wrote)."""

    def __init__(self, key: str = "nav.unknown", *, text: str | None = None, **params: Any):
        super().__init__(key)
        self.key, self.text, self.params = key, text, params


@dataclass(frozen=True)
class Step:
    name: str
    ask: Callable[[Turn], Ask | None]  # None: the step closed the dialog instead of asking
    take: Callable[[Turn, Inbound], str | None]


class Dialog:
    name: ClassVar[str]
    steps: ClassVar[tuple[Step, ...]]

    def start(self, turn: Turn, argument: str = "") -> None:
        turn.begin(self.name, self.steps[0].name)
        self.prompt(turn, self.steps[0].name)

    def complete(self, turn: Turn) -> None:
        """Every step answered: act on ``turn.data``."""
        raise NotImplementedError

    # -- the engine ----------------------------------------------------------------
    def step(self, name: str) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"{self.name} has no step {name!r}")

    def prompt(self, turn: Turn, name: str) -> None:
        ask = self.step(name).ask(turn)
        if ask is None:
            return
        turn.ask(
            name,
            ask.text,
            list(ask.options),
            columns=ask.columns,
            skip=ask.skip,
            ask_location=ask.ask_location,
        )

    def receive(self, turn: Turn, name: str, message: Inbound) -> None:
        try:
            following = self.step(name).take(turn, message)
        except Invalid as refusal:
            if refusal.text is not None:
                turn.send_text(refusal.text)
            else:
                turn.say(refusal.key, **refusal.params)
            self.prompt(turn, name)
            return
        if following in (STAY, END):
            return
        target = following or self._after(name)
        if target is None:
            self.complete(turn)
        else:
            self.advance(turn, target)

    def advance(self, turn: Turn, name: str) -> None:
        turn.goto(name)
        self.prompt(turn, name)

    def _after(self, name: str) -> str | None:
        names = [step.name for step in self.steps]
        position = names.index(name) + 1
        return names[position] if position < len(names) else None


class StaffDialog(Dialog):
    """A dialog only staff holding ``permission`` may open; saving re-checks it."""

    permission: ClassVar[Permission]

    def allowed(self, turn: Turn) -> bool:
        staff = turn.staff
        return staff is not None and may(staff.role, staff.active, self.permission)

    def start(self, turn: Turn, argument: str = "") -> None:
        if not self.allowed(turn):
            turn.say("staff.not_staff")
            return
        super().start(turn, argument)
