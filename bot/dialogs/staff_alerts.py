"""Announcing complaints to staff, with the action buttons they work the queue with."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.dialogs.turn import Turn
from bot.dialogs.types import Choice, Reply
from bot.i18n import t
from core.config import Settings
from core.domain.people import COMPLAINT_HANDLERS
from core.models import Complaint, Staff
from core.services.categories import find_category

ACTIONS = ("claim", "verify", "process", "reject", "refer", "duplicate", "note", "resolve")


def action_buttons(complaint: Complaint, language: str = "id") -> list[Choice]:
    assert complaint.id is not None
    return [
        Choice(t(language, f"staff.btn_{verb}"), f"act:{verb}:{complaint.id}") for verb in ACTIONS
    ]


def staff_recipients(session: Session, settings: Settings, section: str) -> list[tuple[str, str]]:
    """(channel, chat id) pairs: the section's configured group chats, else every active
    complaint handler reachable by chat."""
    chats = settings.staff_chats.get(section, [])
    if chats:
        return [("telegram", chat) for chat in chats]
    people = session.exec(select(Staff).where(Staff.active == True)).all()  # noqa: E712
    recipients = []
    for person in people:
        if person.role not in COMPLAINT_HANDLERS:
            continue
        if person.telegram_user_id is not None:
            recipients.append(("telegram", str(person.telegram_user_id)))
        if person.whatsapp_id:
            recipients.append(("whatsapp", person.whatsapp_id))
    return recipients


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
    for channel, chat in staff_recipients(turn.session, turn.settings, "trantib"):
        turn.send(Reply(text, buttons, columns=2, recipient=chat), channel=channel, language="id")
