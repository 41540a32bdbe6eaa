"""SKM survey in the chat: service, nine questions, optional profile and saran.

Questions go in the sample questionnaire's order (sarana before pengaduan) but every
answer is stored under its unsur, never by position.
"""

from __future__ import annotations

from datetime import datetime

from bot.dialogs.base import Dialog
from bot.dialogs.turn import SKIP, Turn
from bot.dialogs.types import Inbound
from bot.i18n import labels
from core.domain.skm import Unsur
from core.errors import NotFound
from core.services import skm
from core.timeutil import utcnow

QUESTION_ORDER = (
    Unsur.U1,
    Unsur.U2,
    Unsur.U3,
    Unsur.U4,
    Unsur.U5,
    Unsur.U6,
    Unsur.U7,
    Unsur.U9,
    Unsur.U8,
)
PROFILE_STEPS = ("gender", "age", "education", "job", "suggestion")
MAX_SARAN = 1000


def _question_step(index: int) -> str:
    return f"q{index + 1}"


class SurveyDialog(Dialog):
    name = "skm"
    first_step = "service"

    def start(self, turn: Turn, argument: str = "") -> None:
        turn.begin(self.name, self.first_step)
        if argument:
            try:
                service = skm.get_service(turn.session, argument)
            except NotFound:
                turn.say("skm.unknown_service")
            else:
                self._choose(turn, service.id, service.name)
                return
        self.prompt(turn, self.first_step)

    def _now(self, turn: Turn) -> datetime:
        return utcnow().astimezone(turn.settings.tz)

    def _choose(self, turn: Turn, service_id: int | None, name: str) -> None:
        assert service_id is not None
        today = self._now(turn).date()
        if skm.has_rated_today(turn.session, turn.resident, service_id, today):
            turn.finish()
            turn.say("skm.already")
            return
        turn.data.update(service_id=service_id, service=name, answers={})
        turn.say("skm.intro", service=name)
        self.advance(turn, _question_step(0))

    def prompt(self, turn: Turn, step: str) -> None:
        if step == "service":
            services = skm.list_services(turn.session)
            if not services:
                turn.finish()
                turn.say("skm.no_services")
                return
            turn.ask(step, turn.t("skm.service"), [(s.name, s.code) for s in services])
        elif step.startswith("q"):
            index = int(step[1:]) - 1
            unsur = QUESTION_ORDER[index]
            answers = labels(turn.lang, f"skm.a.{unsur.value}")
            text = turn.t("skm.question", number=index + 1, text=turn.t(f"skm.q.{unsur.value}"))
            turn.ask(step, text, [(label, str(i + 1)) for i, label in enumerate(answers)])
        elif step == "gender":
            turn.ask(
                step,
                turn.t("skm.gender"),
                [(turn.t("skm.gender_l"), "L"), (turn.t("skm.gender_p"), "P")],
                skip=True,
            )
        elif step == "age":
            turn.ask(step, turn.t("skm.age"), skip=True)
        elif step == "education":
            turn.ask(
                step,
                turn.t("skm.education"),
                [(p, p) for p in skm.PENDIDIKAN],
                columns=4,
                skip=True,
            )
        elif step == "job":
            turn.ask(step, turn.t("skm.job"), [(p, p) for p in skm.PEKERJAAN], columns=3, skip=True)
        elif step == "suggestion":
            turn.ask(step, turn.t("skm.suggestion"), skip=True)

    def receive(self, turn: Turn, step: str, message: Inbound) -> None:
        if step == "service":
            self._on_service(turn, message)
        elif step.startswith("q"):
            self._on_answer(turn, int(step[1:]) - 1, message)
        else:
            self._on_profile(turn, step, message)

    def _on_service(self, turn: Turn, message: Inbound) -> None:
        try:
            service = skm.get_service(turn.session, message.choice or message.text)
        except NotFound:
            self.reprompt(turn, "skm.unknown_service")
            return
        self._choose(turn, service.id, service.name)

    def _on_answer(self, turn: Turn, index: int, message: Inbound) -> None:
        value = message.choice or message.text
        if value not in ("1", "2", "3", "4"):
            self.reprompt(turn, "nav.unknown")
            return
        turn.data["answers"][QUESTION_ORDER[index].value] = int(value)
        next_index = index + 1
        self.advance(turn, _question_step(next_index) if next_index < 9 else PROFILE_STEPS[0])

    def _on_profile(self, turn: Turn, step: str, message: Inbound) -> None:
        skipped = message.choice == SKIP
        value = None if skipped else (message.choice or message.text).strip()
        if not skipped and not self._valid(step, value or ""):
            self.reprompt(turn, "skm.age_invalid" if step == "age" else "nav.unknown")
            return
        turn.data[step] = value
        position = PROFILE_STEPS.index(step)
        if position + 1 < len(PROFILE_STEPS):
            self.advance(turn, PROFILE_STEPS[position + 1])
        else:
            self._save(turn)

    def _valid(self, step: str, value: str) -> bool:
        if step == "gender":
            return value in skm.JENIS_KELAMIN
        if step == "age":
            return value.isdigit() and 10 <= int(value) <= 120
        if step == "education":
            return value in skm.PENDIDIKAN
        if step == "job":
            return value in skm.PEKERJAAN
        return 0 < len(value) <= MAX_SARAN

    def _save(self, turn: Turn) -> None:
        data = turn.data
        now = self._now(turn)
        answers = skm.SkmAnswers(
            service_id=int(data["service_id"]),
            tanggal=now.date(),
            jam=now.time().replace(second=0, microsecond=0, tzinfo=None),
            scores={Unsur(k): int(v) for k, v in data["answers"].items()},
            profile=skm.RespondentProfile(
                jenis_kelamin=data.get("gender"),
                usia=int(data["age"]) if data.get("age") else None,
                pendidikan=data.get("education"),
                pekerjaan=data.get("job"),
            ),
            saran=data.get("suggestion"),
        )
        turn.finish()
        try:
            skm.record_response(turn.session, answers, turn.resident)
        except skm.AlreadyRated:
            turn.say("skm.already")
            return
        turn.say("skm.thanks")
