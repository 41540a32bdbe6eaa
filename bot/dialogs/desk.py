"""The service desk: routes one inbound message to the right dialog or action.

Channel-neutral: Telegram, WhatsApp and the terminal call ``Desk.handle`` with a
``ChatUser`` and an ``Inbound`` inside one database transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.dialogs import mine, office_choice, staff
from bot.dialogs.base import Dialog
from bot.dialogs.erasure import ErasureDialog, help_choices
from bot.dialogs.fieldwork import DokumenDialog, KegiatanDialog
from bot.dialogs.mine import ReopenDialog
from bot.dialogs.position import Position
from bot.dialogs.report import ReportDialog
from bot.dialogs.staff import CatatDialog, ReferDialog, StaffNoteDialog
from bot.dialogs.survey import SurveyDialog
from bot.dialogs.turn import BACK, CANCEL, Turn
from bot.dialogs.types import ChatUser, Choice, Inbound, KeptFile
from bot.i18n import LANGUAGES, t
from bot.throttle import ChatThrottle, Verdict
from core.config import Settings
from core.errors import SigapError
from core.models import Staff
from core.scope import for_office
from core.services.access.accounts import ChatContext, chat_context, staff_for_account
from core.services.access.invites import redeem_invite
from core.services.messaging.outbox import QueuedMessage, enqueue

MAX_INBOUND_TEXT = 4000
DIALOGS: dict[str, Dialog] = {
    d.name: d
    for d in (
        ReportDialog(),
        SurveyDialog(),
        ReopenDialog(),
        ErasureDialog(),
        StaffNoteDialog(),
        ReferDialog(),
        CatatDialog(),
        KegiatanDialog(),
        DokumenDialog(),
    )
}


GREETINGS = (
    "halo",
    "hallo",
    "helo",
    "hai",
    "hi",
    "hello",
    "assalamualaikum",
    "selamat",
    "pagi",
    "siang",
    "sore",
    "malam",
    "permisi",
    "p",
    "tes",
    "test",
    "mulai",
    "menu",
)


def is_greeting(text: str) -> bool:
    """A first "halo" (or "selamat pagi", "assalamu'alaikum") deserves the menu, not an
    apology for not understanding."""
    words = "".join(c if c.isalnum() else " " for c in text.casefold()).split()
    return bool(words) and len(words) <= 4 and words[0] in GREETINGS


def context_for(session: Session, user: ChatUser) -> ChatContext:
    """The resident behind a chat account (registered on their first message) and where
    they stand in a dialog."""
    return chat_context(session, user.channel, user.user_id, user.display_name or None, user.phone)


def staff_for(session: Session, user: ChatUser) -> Staff | None:
    """The staff member writing, if any; from then on the turn works for their office."""
    staff = staff_for_account(session, user.channel, user.user_id)
    if staff is not None and staff.office_id is not None:
        for_office(session, staff.office_id)
    return staff


def queue_apology(session: Session, user: ChatUser, claim_owner: str) -> list[QueuedMessage]:
    """What a channel says when handling a message failed and nothing of it was kept:
    queued already claimed, for the channel to send right after the commit."""
    message = enqueue(
        session, user.channel, user.chat_id, text=t("id", "nav.error"), claimed_by=claim_owner
    )
    return [] if message is None else [message]


@dataclass(frozen=True)
class Handled:
    """What handling one message produced: the answers queued for sending now, and the
    files a dialog step took (the only ones the channel may download and keep)."""

    queued: list[QueuedMessage]
    files: tuple[KeptFile, ...] = ()


def queue_slow_down(
    session: Session, user: ChatUser, claim_owner: str | None
) -> list[QueuedMessage]:
    """The one notice a flooding account gets; Indonesian, as nothing of theirs is looked up."""
    message = enqueue(
        session, user.channel, user.chat_id, text=t("id", "nav.slow_down"), claimed_by=claim_owner
    )
    return [] if message is None else [message]


class Desk:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.throttle = ChatThrottle(settings.chat_rate_per_minute)

    def handle(
        self,
        session: Session,
        user: ChatUser,
        message: Inbound,
        *,
        claim_owner: str | None = None,
    ) -> Handled:
        """Decide, store and queue the answer; returns what was queued, for sending now.

        With ``claim_owner`` (a sender's lease) the answers to this user are queued
        already claimed by it: the caller sends them itself right after its commit, and
        no other sender may. An account over its message rate gets no work done.
        """
        verdict = self.throttle.admit(user.channel, user.user_id)
        if verdict is Verdict.NOTICE:
            return Handled(queue_slow_down(session, user, claim_owner))
        if verdict is Verdict.DROP:
            return Handled([])
        context = context_for(session, user)
        turn = Turn(
            session,
            self.settings,
            user,
            context.resident,
            Position(*context.dialog) if context.dialog else None,
            find_staff=lambda: staff_for(session, user),
            claim_owner=claim_owner,
        )
        office_choice.scope_dialog(turn)  # a resident's report goes to the office chosen
        if message.kind == "command":
            self._command(turn, message)
        elif message.kind == "choice":
            self._choice(turn, message)
        elif message.kind == "unsupported":
            turn.say("nav.unsupported")
            self._resume(turn)
        elif turn.state is not None and turn.state.dialog in DIALOGS:
            # The step holds the text to its own limit and asks again (a chat message is
            # at most 4096 characters on both platforms).
            DIALOGS[turn.state.dialog].receive(turn, turn.state.step, message)
        elif message.kind == "text" and len(message.text) > MAX_INBOUND_TEXT:
            turn.say("nav.too_long", max=MAX_INBOUND_TEXT)
        elif message.kind == "text" and is_greeting(message.text):
            self._menu(turn)
        else:
            turn.say("nav.unknown")
            self._menu(turn)
        turn.save()
        return Handled(turn.queued, tuple(turn.kept_files))

    def _menu(self, turn: Turn) -> None:
        other = "en" if turn.lang == "id" else "id"
        choices = [
            Choice(turn.t(f"menu.{key}"), f"menu:{key}")
            for key in ("report", "survey", "mine", "help")
        ]
        choices.append(Choice(turn.t("menu.language"), f"menu:lang-{other}"))
        office = office_choice.welcome_name(turn, f"Sigap {self.settings.kabupaten}")
        turn.say("menu.welcome", choices, office=office)

    def _resume(self, turn: Turn) -> None:
        if turn.state is not None and turn.state.dialog in DIALOGS:
            DIALOGS[turn.state.dialog].prompt(turn, turn.state.step)

    def _command(self, turn: Turn, message: Inbound) -> None:
        command, argument = message.command, message.argument
        if command == "start":
            self._start(turn, argument)
        elif command in ("batal", "cancel"):
            turn.finish()
            turn.say("nav.cancelled")
        elif command in ("bantuan", "help"):
            turn.say("menu.help_text", help_choices(turn))
        elif command == "lapor":
            DIALOGS["lapor"].start(turn)
        elif command in ("survei", "skm"):
            DIALOGS["skm"].start(turn, argument)
        elif command in ("laporan", "laporansaya"):
            mine.show_mine(turn)
        elif command in ("hapus_data", "hapusdata"):
            DIALOGS["hapus_data"].start(turn)
        elif command == "antrian":
            staff.show_queue(turn)
        elif command in ("catat", "kegiatan", "dokumen"):
            DIALOGS[command].start(turn)
        elif command == "ringkasan":
            staff.show_summary(turn)
        elif command in ("masuk", "login"):
            staff.send_login_link(turn)
        elif self._in_dialog(turn):
            turn.say("nav.unknown_command")
            self._resume(turn)
        else:
            turn.say("nav.unknown")
            self._menu(turn)

    @staticmethod
    def _in_dialog(turn: Turn) -> bool:
        return turn.state is not None and turn.state.dialog in DIALOGS

    def _start(self, turn: Turn, payload: str) -> None:
        """/start, and the deep links: lapor, lapor_<office code without dots>,
        skm_<service>, staff_<invite>."""
        if payload == "lapor" or payload.startswith("lapor_"):
            DIALOGS["lapor"].start(turn, payload.removeprefix("lapor").removeprefix("_"))
        elif payload.startswith("skm_"):
            DIALOGS["skm"].start(turn, payload.removeprefix("skm_"))
        elif payload.startswith("staff_"):
            self._join_staff(turn, payload.removeprefix("staff_"))
        elif turn.in_group:
            turn.say("staff.group_start")  # the resident menu belongs in private chats
        else:
            turn.finish()
            self._menu(turn)

    def _join_staff(self, turn: Turn, code: str) -> None:
        user = turn.user
        try:
            member = redeem_invite(
                turn.session, code, user.channel, user.user_id, user.display_name or "Petugas"
            )
        except SigapError as exc:
            turn.send_text(str(exc))
            return
        turn.staff = member
        turn.say("staff.joined", name=member.name, role=member.role.value)

    def _choice(self, turn: Turn, message: Inbound) -> None:
        head, _, rest = message.choice.partition(":")
        if head == "menu":
            self._menu_choice(turn, rest)
        elif head == "act":
            verb, _, complaint_id = rest.partition(":")
            staff.handle_action(turn, verb, complaint_id)
        elif head == mine.REPORTER_PREFIX:
            mine.on_reporter_choice(turn, rest)
        elif head == "mine":
            mine.show_one(turn, rest.partition(":")[2])
        else:
            self._dialog_choice(turn, head, rest)

    def _menu_choice(self, turn: Turn, key: str) -> None:
        if key == "report":
            DIALOGS["lapor"].start(turn)
        elif key == "survey":
            DIALOGS["skm"].start(turn)
        elif key == "mine":
            turn.finish()
            mine.show_mine(turn)
        elif key == "help":
            turn.say("menu.help_text", help_choices(turn))
        elif key == "erase":
            DIALOGS["hapus_data"].start(turn)
        elif key.startswith("lang-") and key[5:] in LANGUAGES:
            turn.resident.language = key[5:]
            turn.session.add(turn.resident)
            self._menu(turn)
        else:
            turn.say("nav.stale")

    def _dialog_choice(self, turn: Turn, dialog: str, rest: str) -> None:
        step, _, value = rest.partition(":")
        state = turn.state
        if state is None or state.dialog != dialog or state.step != step:
            turn.say("nav.stale_resume" if self._in_dialog(turn) else "nav.stale")
            self._resume(turn)
            return
        handler = DIALOGS[dialog]
        if value == CANCEL:
            turn.finish()
            turn.say("nav.cancelled")
        elif value == BACK:
            if turn.back():
                handler.prompt(turn, turn.state.step)  # type: ignore[union-attr]
        else:
            handler.receive(turn, step, Inbound("choice", choice=value))
