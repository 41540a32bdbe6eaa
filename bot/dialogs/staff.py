"""Staff in the chat: action buttons on complaints, /antrian, /catat and /ringkasan.

The actor's role is looked up again for every action: a forwarded button or forged
callback data from anyone else changes nothing.
"""

from __future__ import annotations

from datetime import date

from bot.dialogs.base import Dialog
from bot.dialogs.report import category_options, desa_options
from bot.dialogs.turn import SKIP, Turn
from bot.dialogs.types import Inbound
from core.domain.complaints import Channel, ComplaintState
from core.domain.people import COMPLAINT_HANDLERS, LEADERSHIP
from core.domain.periods import Period
from core.errors import SigapError
from core.models import Complaint
from core.services import complaints as svc
from core.services.iku import iku_for_period
from core.timeutil import local_date, utcnow

S = ComplaintState
IMMEDIATE = {"verify": S.DIVERIFIKASI, "process": S.DIPROSES}
NEEDS_TEXT = {
    "reject": "staff.ask_reject",
    "refer": "staff.ask_refer",
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
    return turn.staff is not None and turn.staff.active and turn.staff.role in COMPLAINT_HANDLERS


def _complaint(turn: Turn, complaint_id: str) -> Complaint | None:
    if not complaint_id.isdigit():
        return None
    return turn.session.get(Complaint, int(complaint_id))


def handle_action(turn: Turn, verb: str, complaint_id: str) -> None:
    complaint = _complaint(turn, complaint_id)
    if not is_handler(turn) or complaint is None:
        turn.say("staff.refused")
        return
    if verb in NEEDS_TEXT:
        StaffNoteDialog().open(turn, verb, complaint)
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


class StaffNoteDialog(Dialog):
    """The text a staff action needs: a reason, a referral, the original's code, a note."""

    name = "staff"
    first_step = "text"

    def open(self, turn: Turn, verb: str, complaint: Complaint) -> None:
        turn.begin(
            self.name, self.first_step, {"verb": verb, "id": complaint.id, "code": complaint.code}
        )
        self.prompt(turn, self.first_step)

    def prompt(self, turn: Turn, step: str) -> None:
        turn.ask(step, turn.t(NEEDS_TEXT[turn.data["verb"]], code=turn.data["code"]))

    def receive(self, turn: Turn, step: str, message: Inbound) -> None:
        text = message.text.strip()
        verb, code = turn.data["verb"], turn.data["code"]
        complaint = _complaint(turn, str(turn.data["id"]))
        if not text or complaint is None:
            self.reprompt(turn, "nav.unknown")
            return
        if not is_handler(turn):
            turn.finish()
            turn.say("staff.refused")
            return
        try:
            self._apply(turn, verb, complaint, text, message.photo_ref)
        except (SigapError, ValueError) as exc:
            turn.send_text(str(exc))
            self.prompt(turn, step)
            return
        turn.finish()
        if verb == "note":
            turn.say("staff.note_saved", code=code)
        else:
            turn.say("staff.done", code=code, state=complaint.state.label)

    def _apply(
        self, turn: Turn, verb: str, complaint: Complaint, text: str, photo: str | None
    ) -> None:
        staff = turn.staff
        if verb == "note":
            svc.add_progress_note(turn.session, complaint, staff, text)  # type: ignore[arg-type]
        elif verb == "reject":
            svc.transition_complaint(turn.session, complaint, S.DITOLAK, staff=staff, note=text)
        elif verb == "refer":
            svc.transition_complaint(
                turn.session, complaint, S.BUKAN_WEWENANG, staff=staff, note=text
            )
        elif verb == "duplicate":
            original = svc.get_complaint(turn.session, text)
            svc.transition_complaint(
                turn.session, complaint, S.DUPLIKAT, staff=staff, duplicate_of=original
            )
        elif verb == "resolve":
            path = RESOLVE_PATH.get(complaint.state)
            if path is None:
                raise ValueError(f"{complaint.code}: {complaint.state.label}")
            if photo:
                svc.attach_photo(turn.session, complaint, photo, caption=text)
            for state in path:
                svc.transition_complaint(
                    turn.session,
                    complaint,
                    state,
                    staff=staff,
                    note=text if state is S.SELESAI else None,
                )


def show_queue(turn: Turn) -> None:
    if not is_handler(turn):
        turn.say("staff.not_staff")
        return
    queue = svc.open_queue(turn.session, limit=20)
    if not queue:
        turn.say("staff.queue_empty")
        return
    today = local_date(utcnow(), turn.settings.tz)
    lines = [turn.t("staff.queue")]
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
    turn.send_text("\n".join(lines))


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
        lines.append(turn.t("staff.summary_item", code=i.code.value, name=i.name, value=value))
    turn.send_text("\n".join(lines))


class CatatDialog(Dialog):
    """/catat: a complaint that came by walk-in, letter, SP4N-LAPOR! or social media."""

    name = "catat"
    first_step = "channel"

    def start(self, turn: Turn, argument: str = "") -> None:
        if not is_handler(turn):
            turn.say("staff.not_staff")
            return
        super().start(turn, argument)

    def prompt(self, turn: Turn, step: str) -> None:
        if step == "channel":
            turn.ask(
                step,
                turn.t("staff.catat_channel"),
                [(c.value, c.value) for c in OFFLINE_CHANNELS],
                columns=2,
            )
        elif step == "category":
            turn.ask(
                step,
                turn.t("report.category"),
                category_options(turn),
                columns=2,
            )
        elif step == "description":
            turn.ask(step, turn.t("report.description"))
        elif step == "desa":
            turn.ask(
                step,
                turn.t("report.desa"),
                desa_options(turn),
                columns=2,
                skip=True,
            )

    def receive(self, turn: Turn, step: str, message: Inbound) -> None:
        value = message.choice or message.text.strip()
        if step == "channel" and value in {c.value for c in OFFLINE_CHANNELS}:
            turn.data["channel"] = value
            self.advance(turn, "category")
        elif step == "category" and value in {code for _, code in category_options(turn)}:
            turn.data["category"] = value
            self.advance(turn, "description")
        elif step == "description" and len(value) >= svc.MIN_DESCRIPTION:
            turn.data["description"] = value
            self.advance(turn, "desa")
        elif step == "desa" and (value == SKIP or value in turn.settings.desa_list):
            self._save(turn, None if value == SKIP else value)
        else:
            self.reprompt(turn, "nav.unknown")

    def _save(self, turn: Turn, desa: str | None) -> None:
        data = turn.data
        turn.finish()
        if not is_handler(turn):
            turn.say("staff.refused")
            return
        complaint = svc.register_complaint(
            turn.session,
            turn.settings,
            svc.NewComplaint(
                channel=Channel(data["channel"]),
                category=data["category"],
                description=data["description"],
                desa=desa,
            ),
            registered_by=turn.staff,
        )
        turn.say(
            "staff.catat_saved", code=complaint.code, due=complaint.due_date.strftime("%d-%m-%Y")
        )
