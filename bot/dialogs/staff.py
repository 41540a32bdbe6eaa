"""Staff in the chat: action buttons on complaints, /antrian (each complaint a button that
brings its card and actions back), /catat and /ringkasan.

The actor's role is looked up again for every action: a forwarded button or forged
callback data from anyone else changes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from bot.dialogs.base import END, NEXT, Ask, Dialog, Invalid, StaffDialog, Step
from bot.dialogs.staff_alerts import action_buttons, complaint_card
from bot.dialogs.steps import CATEGORY, DESCRIPTION, answer, desa_step, take_file
from bot.dialogs.turn import SKIP, Turn
from bot.dialogs.types import Choice, Inbound, Reply
from core.domain.access import LEADERSHIP, Permission, may
from core.domain.complaints import Channel, ComplaintState, ReferralKind
from core.domain.periods import Period
from core.errors import SigapError
from core.models import Complaint
from core.services.access.web_access import TooManyLinks, login_url, request_login_link
from core.services.complaints import lifecycle as svc
from core.services.complaints.confidential import may_list_rahasia
from core.services.complaints.queue import open_complaints
from core.services.complaints.referrals import Destination, opd_suggestions
from core.services.messaging.outbox import SECRET_TOPIC
from core.services.performance.iku import iku_for_period
from core.timeutil import local_date, utcnow

S = ComplaintState
IMMEDIATE = {"verify": S.DIVERIFIKASI, "process": S.DIPROSES}
NEEDS_TEXT = {
    "reject": "staff.ask_reject",
    "duplicate": "staff.ask_duplicate",
    "note": "staff.ask_note",
    "resolve": "staff.ask_resolve",
}
RESOLVE_PATH = {
    S.DITERIMA: [S.DIVERIFIKASI, S.DIPROSES, S.SELESAI],
    S.DIVERIFIKASI: [S.DIPROSES, S.SELESAI],
    S.DIPROSES: [S.SELESAI],
}
OFFLINE_CHANNELS = (Channel.LISAN, Channel.SURAT, Channel.SP4N_LAPOR, Channel.MEDIA_SOSIAL)


def is_handler(turn: Turn) -> bool:
    staff = turn.staff
    return staff is not None and may(staff.role, staff.active, Permission.HANDLE_COMPLAINTS)


MAX_ID = 2**63 - 1  # callback data is typed by whoever holds the button: bound it


def _complaint(turn: Turn, complaint_id: str) -> Complaint | None:
    if not complaint_id.isascii() or not complaint_id.isdigit() or int(complaint_id) > MAX_ID:
        return None
    return turn.session.get(Complaint, int(complaint_id))


def handle_action(turn: Turn, verb: str, complaint_id: str) -> None:
    """The role first, then the complaint: forged data from a resident reaches nothing."""
    if not is_handler(turn):
        turn.say("staff.refused")
        return
    complaint = _complaint(turn, complaint_id)
    if complaint is None:
        turn.say("staff.refused")
        return
    if verb in NEEDS_TEXT:
        StaffNoteDialog().open(turn, verb, complaint)
        return
    if verb == "refer":
        ReferDialog().open(turn, verb, complaint)
        return
    if verb == "show":  # from /antrian: the card again, with every action
        turn.send(Reply(complaint_card(complaint, turn.settings), action_buttons(complaint)))
        return
    try:
        if verb == "claim":
            svc.claim_complaint(turn.session, complaint, turn.staff)  # type: ignore[arg-type]
            turn.say("staff.claimed", code=complaint.code, name=turn.staff.name)  # type: ignore[union-attr]
            return
        if verb not in IMMEDIATE:
            turn.say("nav.stale")
            return
        svc.transition_complaint(turn.session, complaint, IMMEDIATE[verb], staff=turn.staff)
    except (SigapError, ValueError) as exc:  # ValueError: an illegal move, e.g. a stale button
        turn.send_text(str(exc))
        return
    turn.say("staff.done", code=complaint.code, state=complaint.state.label)


def _ask_note(turn: Turn) -> Ask:
    return Ask(turn.t(NEEDS_TEXT[turn.data["verb"]], code=turn.data["code"]))


def _take_note(turn: Turn, message: Inbound) -> str | None:
    text = message.text.strip()
    complaint = _complaint(turn, str(turn.data["id"]))
    if not text or complaint is None:
        raise Invalid()
    if not is_handler(turn):
        turn.finish()
        turn.say("staff.refused")
        return END
    photo = take_file(turn, message) if message.photo_ref else None
    try:
        _apply(turn, turn.data["verb"], complaint, text, photo)
    except (SigapError, ValueError) as exc:  # core's sentence, e.g. "Perlu alasan ..."
        raise Invalid(text=str(exc)) from None
    return NEXT


class StaffNoteDialog(Dialog):
    """The text a staff action needs: a reason, a referral, the original's code, a note."""

    name = "staff"
    steps: ClassVar[tuple[Step, ...]] = (Step("text", _ask_note, _take_note),)
    first = "text"

    def open(self, turn: Turn, verb: str, complaint: Complaint) -> None:
        """Pressed in a staff group, the question moves to the officer's private chat:
        with the group's privacy mode on, a typed answer there never reaches the bot."""
        data = {"verb": verb, "id": complaint.id, "code": complaint.code}
        turn.begin(self.name, self.first, data)
        if turn.in_group:
            turn.say("staff.answer_in_private", code=complaint.code, name=turn.user.display_name)
            turn.reply_privately = True
        self.prompt(turn, self.first)

    def complete(self, turn: Turn) -> None:
        verb, code, complaint_id = turn.data["verb"], turn.data["code"], turn.data["id"]
        turn.finish()
        if verb == "note":
            turn.say("staff.note_saved", code=code)
            return
        complaint = _complaint(turn, str(complaint_id))
        assert complaint is not None
        turn.say("staff.done", code=code, state=complaint.state.label)


def _apply(turn: Turn, verb: str, complaint: Complaint, text: str, photo: str | None) -> None:
    staff = turn.staff
    if verb == "note":
        svc.add_progress_note(turn.session, complaint, staff, text)  # type: ignore[arg-type]
    elif verb == "reject":
        svc.transition_complaint(turn.session, complaint, S.DITOLAK, staff=staff, note=text)
    elif verb == "duplicate":
        original = svc.get_complaint(turn.session, text)
        svc.transition_complaint(
            turn.session, complaint, S.DUPLIKAT, staff=staff, duplicate_of=original
        )
    elif verb == "resolve":
        _resolve(turn, complaint, text, photo)


# -- bukan wewenang: where it goes (an OPD, named, or back to the kabupaten), then a note --

KABUPATEN_CHOICE = "@kabupaten"
MAX_OPD_BUTTONS = 6


def _ask_where(turn: Turn) -> Ask:
    """Earlier referrals' OPD as buttons (by number: a name may outgrow callback data),
    the kabupaten's channel, or any OPD typed."""
    _ = turn.staff  # the officer, found first: their office scopes the suggestions
    known = opd_suggestions(turn.session)[:MAX_OPD_BUTTONS]
    turn.data["known"] = known
    channel = turn.settings.kabupaten_channel_name
    options = [(name, f"opd:{n}") for n, name in enumerate(known)]
    options.append((turn.t("staff.refer_kabupaten", name=channel), KABUPATEN_CHOICE))
    return Ask(turn.t("staff.ask_refer_where", code=turn.data["code"]), options)


def _take_where(turn: Turn, message: Inbound) -> str | None:
    value = answer(message)
    known: list[str] = turn.data.get("known") or []
    try:
        if value == KABUPATEN_CHOICE:
            destination = Destination.kabupaten(turn.settings)
        elif message.choice and value.startswith("opd:") and value[4:].isdigit():
            index = int(value[4:])
            if index >= len(known):
                raise Invalid()
            destination = Destination.opd(known[index])
        elif message.choice:
            raise Invalid()
        else:
            destination = Destination.opd(value)
    except SigapError as exc:
        raise Invalid(text=str(exc)) from None
    turn.data["kind"], turn.data["target"] = destination.kind.value, destination.name
    return NEXT


def _ask_refer_note(turn: Turn) -> Ask:
    return Ask(turn.t("staff.ask_refer_note", target=turn.data["target"]), skip=True)


def _take_refer_note(turn: Turn, message: Inbound) -> str | None:
    value = answer(message)
    turn.data["note"] = None if value == SKIP else message.text.strip() or None
    if value != SKIP and not turn.data["note"]:
        raise Invalid()
    return NEXT


class ReferDialog(StaffNoteDialog):
    """Bukan wewenang: the officer names where the complaint goes, then may add a note;
    the reporter is told both."""

    name = "refer"
    steps: ClassVar[tuple[Step, ...]] = (
        Step("where", _ask_where, _take_where),
        Step("note", _ask_refer_note, _take_refer_note),
    )
    first = "where"

    def complete(self, turn: Turn) -> None:
        data = dict(turn.data)
        turn.finish()
        if not is_handler(turn):  # first: the officer's office scopes what follows
            turn.say("staff.refused")
            return
        complaint = _complaint(turn, str(data["id"]))
        if complaint is None:
            turn.say("staff.refused")
            return
        if data["kind"] == ReferralKind.KABUPATEN.value:
            destination = Destination.kabupaten(turn.settings)
        else:
            destination = Destination(ReferralKind.OPD, data["target"])
        try:
            svc.transition_complaint(
                turn.session,
                complaint,
                S.BUKAN_WEWENANG,
                staff=turn.staff,
                note=data.get("note"),
                destination=destination,
            )
        except (SigapError, ValueError) as exc:  # e.g. settled meanwhile by someone else
            turn.send_text(str(exc))
            return
        turn.say("staff.referred", code=data["code"], target=destination.name)


def _resolve(turn: Turn, complaint: Complaint, text: str, photo: str | None) -> None:
    """Resolving from any open state walks the legal path, the note on the last step."""
    path = RESOLVE_PATH.get(complaint.state)
    if path is None:
        raise ValueError(f"{complaint.code}: {complaint.state.label}")
    if photo:
        svc.attach_photo(turn.session, complaint, photo, caption=text)
    for state in path:
        note = text if state is S.SELESAI else None
        svc.transition_complaint(turn.session, complaint, state, staff=turn.staff, note=note)


def send_login_link(turn: Turn) -> None:
    """/masuk: a one-time link into the web back office, to the staff member's own chat.
    The message is queued as a secret: its text is erased from the outbox once sent."""
    member = turn.staff
    if member is None or not member.active:
        turn.say("staff.not_staff")
        return
    if turn.user.chat_id != turn.user.user_id:
        turn.say("staff.login_private_only")
        return
    limit = turn.settings.login_links_per_hour
    try:
        token = request_login_link(turn.session, member, limit)
    except TooManyLinks:
        turn.say("staff.login_too_many", count=limit)
        return
    text = turn.t("staff.login_link", url=login_url(turn.settings, token))
    turn.send(Reply(text, topic=SECRET_TOPIC))


def show_queue(turn: Turn) -> None:
    """Handlers only. In a group, whose members need not all handle complaints, the
    rahasia ones are counted, not listed: the officer sees them in a private chat."""
    if not is_handler(turn):
        turn.say("staff.not_staff")
        return
    may_list = may_list_rahasia(turn.staff) and not turn.in_group
    listing = open_complaints(turn.session, may_list, limit=20)
    queue = listing.shown
    withheld = turn.t("staff.queue_rahasia", count=listing.withheld) if listing.withheld else ""
    if not queue:
        if withheld:
            turn.send_text(withheld)
        else:
            turn.say("staff.queue_empty")
        return
    today = local_date(utcnow(), turn.settings.tz)
    lines = [turn.t("staff.queue")]
    choices = [Choice(c.code, f"act:show:{c.id}") for c in queue]
    for c in queue:
        flag = "⚠️ " if svc.is_overdue(c, today) else ""
        lines.append(
            turn.t(
                "staff.queue_item",
                flag=flag,
                code=c.code,
                state=c.state.label,
                category=c.category,
                due=c.due_date.strftime("%d-%m-%Y"),
            )
        )
    if withheld:
        lines.append(withheld)
    turn.send(Reply("\n".join(lines), choices, columns=2))


def show_summary(turn: Turn) -> None:
    if turn.staff is None or not turn.staff.active or turn.staff.role not in LEADERSHIP:
        turn.say("staff.not_staff")
        return
    today = local_date(utcnow(), turn.settings.tz)
    period = Period(date(today.year, 1, 1), today)
    report = iku_for_period(turn.session, turn.settings, period)
    lines = [turn.t("staff.summary_title", period=str(period))]
    for i in report.indicators:
        value = turn.t("staff.no_data") if i.value is None else f"{i.value} {i.unit}"
        if i.capaian is not None:
            value += f" (capaian {i.capaian}%)"
        lines.append(turn.t("staff.summary_item", code=i.code, name=i.name, value=value))
    turn.send_text("\n".join(lines))


def _ask_channel(turn: Turn) -> Ask:
    return Ask(turn.t("staff.catat_channel"), [(c.value, c.value) for c in OFFLINE_CHANNELS], 2)


def _take_channel(turn: Turn, message: Inbound) -> str | None:
    value = answer(message)
    if value not in {c.value for c in OFFLINE_CHANNELS}:
        raise Invalid()
    turn.data["channel"] = value
    return NEXT


class CatatDialog(StaffDialog):
    """/catat: a complaint that came by walk-in, letter, SP4N-LAPOR! or social media."""

    name = "catat"
    permission = Permission.HANDLE_COMPLAINTS
    steps = (
        Step("channel", _ask_channel, _take_channel),
        CATEGORY,
        DESCRIPTION,
        desa_step(optional=True),
    )

    def complete(self, turn: Turn) -> None:
        data = turn.data
        turn.finish()
        if not self.allowed(turn):
            turn.say("staff.refused")
            return
        complaint = svc.register_complaint(
            turn.session,
            turn.settings,
            svc.NewComplaint(
                channel=Channel(data["channel"]),
                category=data["category"],
                description=data["description"],
                desa=data.get("desa"),
            ),
            registered_by=turn.staff,
        )
        due = complaint.due_date.strftime("%d-%m-%Y")
        turn.say("staff.catat_saved", code=complaint.code, due=due)
