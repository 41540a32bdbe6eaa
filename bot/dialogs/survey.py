"""SKM survey in the chat: service, nine questions, optional profile and saran.

Questions go in the sample questionnaire's order (sarana before pengaduan) but every
answer is stored under its unsur, never by position.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.dialogs import office_choice
from bot.dialogs.base import END, NEXT, Ask, Dialog, Invalid, Step
from bot.dialogs.steps import answer
from bot.dialogs.turn import SKIP, Turn
from bot.dialogs.types import Inbound
from bot.i18n import labels
from core.digits import ascii_int
from core.domain.skm import Unsur
from core.errors import NotFound
from core.models import Service
from core.services.survey import skm
from core.timeutil import utcnow

QUESTION_ORDER = (
    *(Unsur.U1, Unsur.U2, Unsur.U3, Unsur.U4, Unsur.U5, Unsur.U6, Unsur.U7),
    *(Unsur.U9, Unsur.U8),
)
MAX_SARAN = 1000


def _now(turn: Turn) -> datetime:
    return utcnow().astimezone(turn.settings.tz)


def choose_service(turn: Turn, service: Service) -> str | None:
    """Start the questions for this service, unless this person rated it today."""
    assert service.id is not None
    if skm.has_rated_today(turn.session, turn.resident, service.id, _now(turn).date()):
        turn.finish()
        turn.say("skm.already")
        return END
    turn.data.update(service_id=service.id, service=service.name, answers={})
    turn.say("skm.intro", service=service.name)
    return NEXT


def _ask_service(turn: Turn) -> Ask | None:
    services = skm.list_services(turn.session)
    if not services:
        turn.finish()
        turn.say("skm.no_services")
        return None
    return Ask(turn.t("skm.service"), [(s.name, s.code) for s in services])


def _take_service(turn: Turn, message: Inbound) -> str | None:
    try:
        service = skm.get_service(turn.session, answer(message))
    except NotFound:
        raise Invalid("skm.unknown_service") from None
    return choose_service(turn, service)


def _question(number: int, unsur: Unsur) -> Step:
    def ask(turn: Turn) -> Ask:
        options = labels(turn.lang, f"skm.a.{unsur.value}")
        text = turn.t("skm.question", number=number, text=turn.t(f"skm.q.{unsur.value}"))
        return Ask(text, [(label, str(i + 1)) for i, label in enumerate(options)])

    def take(turn: Turn, message: Inbound) -> str | None:
        value = answer(message)
        if value not in ("1", "2", "3", "4"):
            raise Invalid()
        turn.data["answers"][unsur.value] = int(value)
        return NEXT

    return Step(f"q{number}", ask, take)


def _profile(
    name: str, ask: Callable[[Turn], Ask], valid: Callable[[str], bool], refusal: str
) -> Step:
    """An optional question of the respondent profile: skipping stores nothing."""

    def take(turn: Turn, message: Inbound) -> str | None:
        if message.choice == SKIP:
            turn.data[name] = None
            return NEXT
        value = answer(message)
        if not valid(value):
            raise Invalid(refusal)
        turn.data[name] = value
        return NEXT

    return Step(name, ask, take)


def _choices(key: str, values: tuple[str, ...], columns: int) -> Callable[[Turn], Ask]:
    return lambda turn: Ask(turn.t(key), [(v, v) for v in values], columns=columns, skip=True)


def _ask_gender(turn: Turn) -> Ask:
    options = [(turn.t("skm.gender_l"), "L"), (turn.t("skm.gender_p"), "P")]
    return Ask(turn.t("skm.gender"), options, skip=True)


PROFILE = (
    _profile("gender", _ask_gender, lambda v: v in skm.JENIS_KELAMIN, "nav.unknown"),
    _profile(
        "age",
        lambda turn: Ask(turn.t("skm.age"), skip=True),
        lambda v: 10 <= (ascii_int(v, max_digits=3) or 0) <= 120,
        "skm.age_invalid",
    ),
    _profile(
        "education",
        _choices("skm.education", tuple(skm.PENDIDIKAN), 4),
        lambda v: v in skm.PENDIDIKAN,
        "nav.unknown",
    ),
    _profile(
        "job",
        _choices("skm.job", tuple(skm.PEKERJAAN), 3),
        lambda v: v in skm.PEKERJAAN,
        "nav.unknown",
    ),
    _profile(
        "suggestion",
        lambda turn: Ask(turn.t("skm.suggestion"), skip=True),
        lambda v: 0 < len(v) <= MAX_SARAN,
        "nav.unknown",
    ),
)


class SurveyDialog(Dialog):
    name = "skm"
    steps = (
        office_choice.KECAMATAN,  # asked only where one Sigap serves several kecamatan
        Step("service", _ask_service, _take_service),
        *(_question(n, unsur) for n, unsur in enumerate(QUESTION_ORDER, start=1)),
        *PROFILE,
    )

    def start(self, turn: Turn, argument: str = "") -> None:
        """``/start skm_<code>`` (the counter's QR code) goes straight to the questions,
        for the office the service belongs to; else the kecamatan (where one Sigap serves
        several), then the service."""
        turn.begin(self.name, "service")
        if argument:
            try:
                service = skm.service_for_link(turn.session, argument)
            except NotFound:
                turn.say("skm.unknown_service")
            else:
                if service.office_id is not None:
                    office_choice.choose(turn, service.office_id)
                if choose_service(turn, service) is NEXT:
                    self.advance(turn, "q1")
                return
        if office_choice.several_offices(turn):
            turn.begin(self.name, office_choice.KECAMATAN.name)
            self.prompt(turn, office_choice.KECAMATAN.name)
            return
        self.prompt(turn, "service")

    def complete(self, turn: Turn) -> None:
        data = turn.data
        now = _now(turn)
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
