"""Laporan saya: a resident's own tickets, their state, and confirm / reopen after selesai."""

from __future__ import annotations

from bot.dialogs.base import NEXT, Ask, Dialog, Invalid, Step
from bot.dialogs.staff_alerts import announce_reopened
from bot.dialogs.turn import Turn
from bot.dialogs.types import Choice, Inbound
from bot.i18n import t
from core.domain.complaints import ComplaintState
from core.errors import NotFound, SigapError
from core.models import Complaint
from core.services.complaints import lifecycle as svc
from core.services.complaints.categories import find_category
from core.services.complaints.own import complaints_of_resident, own_complaint

LIST_LIMIT = 5
# The reporter's answer to "selesai": buttons carry "rep:ok:<code>" or "rep:reopen:<code>".
REPORTER_PREFIX = "rep"
CONFIRM, REOPEN = "ok", "reopen"


def reporter_choices(language: str, code: str) -> list[Choice]:
    """Confirm the fix or reopen: offered with the "selesai" news and in the ticket view."""
    return [
        Choice(t(language, "btn.confirm_fixed"), f"{REPORTER_PREFIX}:{CONFIRM}:{code}"),
        Choice(t(language, "btn.reopen"), f"{REPORTER_PREFIX}:{REOPEN}:{code}"),
    ]


def on_reporter_choice(turn: Turn, rest: str) -> None:
    """A "rep:..." button: confirm at once, or ask why before reopening."""
    verb, _, code = rest.partition(":")
    if verb == CONFIRM:
        confirm_fixed(turn, code)
    elif verb == REOPEN:
        ReopenDialog().start(turn, code)
    else:
        turn.say("nav.stale")


def _owned(turn: Turn, code: str) -> Complaint:
    """The resident's own complaint by code; anyone else's is simply "not found"."""
    return own_complaint(turn.session, turn.resident, code)


def show_mine(turn: Turn) -> None:
    mine = complaints_of_resident(turn.session, turn.resident, LIST_LIMIT)
    if not mine:
        turn.say("mine.empty")
        return
    lines = [turn.t("mine.list")]
    choices = []
    for complaint in mine:
        found = find_category(complaint.category, turn.settings.categories_file)
        category = found.label(turn.lang)
        lines.append(f"• {complaint.code} · {complaint.state.label} · {category}")
        choices.append(Choice(complaint.code, f"mine:show:{complaint.code}"))
    turn.send_text("\n".join(lines), choices)


def show_one(turn: Turn, code: str) -> None:
    try:
        complaint = _owned(turn, code)
    except NotFound:
        turn.say("mine.not_found")
        return
    category = find_category(complaint.category, turn.settings.categories_file).label(turn.lang)
    received = complaint.received_at.astimezone(turn.settings.tz).strftime("%d-%m-%Y %H:%M")
    choices = []
    if complaint.state is ComplaintState.SELESAI and complaint.confirmed_at is None:
        choices = reporter_choices(turn.lang, complaint.code)
    turn.say(
        "mine.detail",
        choices,
        code=complaint.code,
        state=complaint.state.label,
        category=category,
        received=received,
        due=complaint.due_date.strftime("%d-%m-%Y"),
        note=complaint.resolution_note or "",
    )


def confirm_fixed(turn: Turn, code: str) -> None:
    try:
        complaint = _owned(turn, code)
        svc.confirm_resolution(turn.session, complaint, turn.resident)
    except SigapError:
        turn.say("nav.stale")
        return
    turn.say("mine.confirmed", code=complaint.code)


def _ask_reason(turn: Turn) -> Ask:
    return Ask(turn.t("mine.reopen_reason"))


def _take_reason(turn: Turn, message: Inbound) -> str | None:
    reason = message.text.strip() if message.kind == "text" else ""
    if not reason:
        raise Invalid()
    turn.data["reason"] = reason
    return NEXT


class ReopenDialog(Dialog):
    """Asks why, then reopens: the reason goes to staff in the audit trail."""

    name = "reopen"
    steps = (Step("reason", _ask_reason, _take_reason),)

    def start(self, turn: Turn, argument: str = "") -> None:
        try:
            complaint = _owned(turn, argument)
        except NotFound:
            turn.say("mine.not_found")
            return
        if complaint.state is not ComplaintState.SELESAI:
            turn.say("nav.stale")
            return
        turn.begin(self.name, "reason", {"code": complaint.code})
        self.prompt(turn, "reason")

    def complete(self, turn: Turn) -> None:
        code, reason = turn.data["code"], turn.data["reason"]
        turn.finish()
        try:
            complaint = _owned(turn, code)
            svc.reopen_complaint(turn.session, turn.settings, complaint, turn.resident, reason)
        except SigapError as exc:
            turn.send_text(str(exc))
            return
        turn.say("mine.reopened", code=code)
        announce_reopened(turn, complaint, reason)
