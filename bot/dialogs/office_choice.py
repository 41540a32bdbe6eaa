"""Which kecamatan a resident reports to, where one Sigap serves several.

With one office nothing is asked. With several, a deep link names the office
(``/start lapor_350901``); otherwise the resident picks from buttons (the office of their
last report first) or types part of the name. The choice is kept in the dialog's data,
and every later turn of the dialog works for that office (``scope_dialog``).
"""

from __future__ import annotations

from bot.dialogs.base import NEXT, STAY, Ask, Invalid, Step
from bot.dialogs.turn import Turn
from bot.dialogs.types import Inbound
from core.models import Office
from core.scope import for_office
from core.services.access.offices import (
    active_office_ids,
    greeting_office,
    offices_named,
    offices_to_choose,
    remember_office,
    serves_several_offices,
)

PICK = "kantor:"
SHOWN = 8  # buttons at most (a WhatsApp list holds 10 rows); typing finds the rest


def welcome_name(turn: Turn, deployment: str) -> str:
    """Who greets the resident: the one office (its name as the Kantor page keeps it),
    or the office of their last report; before any, the deployment (the kabupaten)."""
    return greeting_office(turn.session, turn.resident.last_office_id) or deployment


def several_offices(turn: Turn) -> bool:
    return serves_several_offices(turn.session)


def scope_dialog(turn: Turn) -> None:
    """The office chosen earlier in this dialog: the turn works for it."""
    office = turn.data.get("office") if turn.state is not None else None
    if isinstance(office, int):
        for_office(turn.session, office)


def choose(turn: Turn, office_id: int) -> None:
    turn.data["office"] = office_id
    for_office(turn.session, office_id)


def office_from_link(turn: Turn, payload: str) -> int | None:
    """The office a deep link names by its code without dots (``350901``)."""
    for office in offices_to_choose(turn.session):
        if office.code.replace(".", "") == payload:
            return office.id
    return None


def _buttons(offices: list[Office]) -> list[tuple[str, str]]:
    return [(office.name, f"{PICK}{office.id}") for office in offices[:SHOWN]]


def _ask(turn: Turn) -> Ask:
    offices = offices_to_choose(turn.session, turn.resident.last_office_id)
    key = "report.kecamatan" if len(offices) <= SHOWN else "report.kecamatan_search"
    return Ask(turn.t(key), _buttons(offices), columns=2)


def _take(turn: Turn, message: Inbound) -> str | None:
    if message.choice.startswith(PICK):
        wanted = message.choice.removeprefix(PICK)
        ids = {str(i): i for i in active_office_ids(turn.session)}
        if wanted not in ids:
            raise Invalid()
        choose(turn, ids[wanted])
        return NEXT
    found = offices_named(turn.session, message.text) if message.kind == "text" else []
    if len(found) == 1 and found[0].id is not None:
        choose(turn, found[0].id)
        return NEXT
    if not found:
        raise Invalid("report.kecamatan_unknown")
    turn.ask("kecamatan", turn.t("report.kecamatan_many"), _buttons(found), columns=2)
    return STAY


KECAMATAN = Step("kecamatan", _ask, _take)


def remember(turn: Turn) -> None:
    office = turn.data.get("office")
    if isinstance(office, int):
        remember_office(turn.session, turn.resident_ref.id, office)
