"""Announcing complaints to staff, with the action buttons they work the queue with."""

from __future__ import annotations

from bot.attachments import photo_attachment
from bot.dialogs.turn import Turn
from bot.dialogs.types import Choice, Reply
from bot.i18n import t
from core.config import Settings
from core.domain.complaints import Privacy
from core.models import Complaint
from core.services.access.accounts import Address, addresses_of_staff
from core.services.complaints.categories import find_category
from core.services.complaints.queue import photos_of
from core.services.messaging.recipients import handler_recipients, section_recipients

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
    recipients = _recipients(turn, complaint)  # once: two queries per complaint filed
    _to_handlers(turn, complaint, complaint_card(complaint, turn.settings), recipients)
    _photos_to_handlers(turn, complaint, recipients)


def _photos_to_handlers(turn: Turn, complaint: Complaint, recipients: list[Address]) -> None:
    """The resident's photos, with their words, after the card: a WhatsApp photo to
    staff on any channel, a Telegram photo to staff on Telegram (by its file id). What
    cannot travel (a Telegram photo to WhatsApp) is on the complaint's web page."""
    photos = photos_of(turn.session, complaint)
    if not photos:
        return
    for channel, chat in dict.fromkeys(recipients):
        for photo in photos:
            attachment = photo_attachment(photo.file_ref, channel)
            if attachment is None:
                continue
            caption = t("id", "staff.photo", code=complaint.code, caption=photo.caption or "")
            reply = Reply(caption.strip(), recipient=chat, attachment=attachment)
            turn.send(reply, channel=channel, language="id")


def announce_reopened(turn: Turn, complaint: Complaint, reason: str) -> None:
    """The reporter says it is not fixed: the section, and the officer who handled it,
    hear it at once, with the buttons to act again."""
    text = t("id", "staff.reopened", code=complaint.code, reason=reason)
    _to_handlers(turn, complaint, text, _recipients(turn, complaint))


def _recipients(turn: Turn, complaint: Complaint) -> list[Address]:
    if complaint.privacy == Privacy.RAHASIA:  # not for a group's other members
        recipients = handler_recipients(turn.session)
    else:
        recipients = section_recipients(turn.session, turn.settings, "trantib")
    if complaint.assigned_staff_id is not None:
        recipients += addresses_of_staff(turn.session, [complaint.assigned_staff_id])
    return recipients


def _to_handlers(turn: Turn, complaint: Complaint, text: str, recipients: list[Address]) -> None:
    buttons = action_buttons(complaint)
    for channel, chat in dict.fromkeys(recipients):
        turn.send(Reply(text, buttons, columns=2, recipient=chat), channel=channel, language="id")
