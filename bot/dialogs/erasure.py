"""/hapus_data: a resident asks to erase their name and number. One question (Ya, hapus
or Batal), then core erases the identity (core/services/operations/erasure.py): their reports stay,
without them, and they are told so."""

from __future__ import annotations

from bot.dialogs.base import NEXT, Ask, Dialog, Invalid, Step
from bot.dialogs.steps import answer
from bot.dialogs.turn import Turn
from bot.dialogs.types import Choice, Inbound
from core.services.operations.erasure import erase_resident_identity

YES = "yes"
TYPED_YES = frozenset({YES, "ya", "ya, hapus", "ya hapus"})
ACTOR = "pelapor lewat chat"  # what the audit trail says asked: never who


def help_choices(turn: Turn) -> list[Choice]:
    """The help's buttons: where a resident finds the way to erase their data."""
    return [Choice(turn.t("erase.menu"), "menu:erase")]


def _ask_confirm(turn: Turn) -> Ask:
    return Ask(turn.t("erase.confirm"), [(turn.t("erase.yes"), YES)])


def _take_confirm(turn: Turn, message: Inbound) -> str | None:
    if answer(message).casefold() not in TYPED_YES:
        raise Invalid("erase.confirm_again")
    return NEXT


class ErasureDialog(Dialog):
    """Asks once; "Ya, hapus" erases, "Batal" (every question has it) keeps everything."""

    name = "hapus_data"
    steps = (Step("confirm", _ask_confirm, _take_confirm),)

    def start(self, turn: Turn, argument: str = "") -> None:
        if turn.in_group:
            turn.say("erase.private_only")  # the group is staff's; this is between us
            return
        super().start(turn, argument)

    def complete(self, turn: Turn) -> None:
        turn.finish()
        erase_resident_identity(turn.session, turn.resident_ref.id, ACTOR)
        turn.say("erase.done")
