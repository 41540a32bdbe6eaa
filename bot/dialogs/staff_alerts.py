"""Announcing complaints to staff, with the action buttons they work the queue with."""

from __future__ import annotations

from bot.dialogs.turn import Turn
from bot.dialogs.types import Choice, Reply
from bot.i18n import t
from core.config import Settings
from core.models import Complaint
from core.services.categories import find_category
from core.services.recipients import section_recipients

ACTIONS = ("claim", "verify", "process", "reject", "refer", "duplicate", "note", "resolve")


def action_buttons(complaint: Complaint, language: str = "id") -> list[Choice]:
    assert complaint.id is not None
    return [
        Choice(t(language, f"staff.btn_{verb}"), f"act:{verb}:{complaint.id}") for verb in ACTIONS
    ]


def complaint_card(complaint: Complaint, settings: Settings, language: str = "id") -> str:
    """What staff see of a new complaint: never the reporter's identity."""
    category = find_category(complaint.category, settings.categories_file)
    if complaint.latitude is not None:
        location = f"{complaint.latitude:.5f},{complaint.longitude:.5f}"
    else:
        location = complaint.desa or "-"
    return t(
        language,
        "staff.new_complaint",
        code=complaint.code,
        category=category.name,
        location=location,
        description=complaint.description,
        due=complaint.due_date.strftime("%d-%m-%Y"),
    )


def announce_new_complaint(turn: Turn, complaint: Complaint) -> None:
    text = complaint_card(complaint, turn.settings)
    buttons = action_buttons(complaint)
    for channel, chat in section_recipients(turn.session, turn.settings, "trantib"):
        turn.send(Reply(text, buttons, columns=2, recipient=chat), channel=channel, language="id")
