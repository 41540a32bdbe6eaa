"""Lapor gangguan: category, description, location (or desa), photos, privacy, confirm."""

from __future__ import annotations

from bot.dialogs import office_choice
from bot.dialogs.base import NEXT, STAY, Ask, Dialog, Invalid, Step
from bot.dialogs.staff_alerts import announce_new_complaint
from bot.dialogs.steps import CATEGORY, DESCRIPTION, desa_step, take_file
from bot.dialogs.turn import SKIP, Turn
from bot.dialogs.types import Inbound, channel_of
from core.domain.complaints import Privacy
from core.services.complaints.categories import find_category
from core.services.complaints.lifecycle import MAX_PHOTOS, NewComplaint, register_complaint
from core.services.complaints.queue import reports_in_last_hour

DONE, DESA, SEND = "@done", "@desa", "@send"
PRIVACY_VALUES = (Privacy.HIDDEN.value, Privacy.OPEN.value)


def _ask_location(turn: Turn) -> Ask:
    return Ask(
        turn.t("report.location"),
        [(turn.t("report.pick_desa"), DESA)],
        skip=True,
        ask_location=True,
    )


def _take_location(turn: Turn, message: Inbound) -> str | None:
    if message.kind == "location" and message.latitude is not None:
        turn.data.update(latitude=message.latitude, longitude=message.longitude)
        return "photos"
    if message.choice == DESA:
        return "desa"
    if message.choice == SKIP:
        return "photos"
    raise Invalid()


def _ask_photos(turn: Turn) -> Ask:
    return Ask(turn.t("report.photos", max=MAX_PHOTOS), [(turn.t("report.next"), DONE)], skip=True)


def _take_photo(turn: Turn, message: Inbound) -> str | None:
    photos: list[str] = turn.data.setdefault("photos", [])
    if message.choice in (DONE, SKIP):
        return NEXT
    if message.kind != "photo" or not message.photo_ref:
        raise Invalid()
    if len(photos) >= MAX_PHOTOS:
        raise Invalid("report.photo_limit", max=MAX_PHOTOS)
    photos.append(take_file(turn, message))
    turn.data.setdefault("captions", []).append(message.text.strip() or None)
    if len(photos) == MAX_PHOTOS:
        return NEXT
    # asked again, so "Lanjut" is at hand under the newest message, not scrolled away
    added = turn.t("report.photo_added", count=len(photos), max=MAX_PHOTOS)
    turn.ask("photos", added, [(turn.t("report.next"), DONE)])
    return STAY


def _ask_privacy(turn: Turn) -> Ask:
    return Ask(
        turn.t("report.privacy"),
        [
            (turn.t("report.privacy_hidden"), Privacy.HIDDEN.value),
            (turn.t("report.privacy_open"), Privacy.OPEN.value),
        ],
    )


def _take_privacy(turn: Turn, message: Inbound) -> str | None:
    if message.choice not in PRIVACY_VALUES:
        raise Invalid()
    turn.data["privacy"] = message.choice
    return NEXT


def _summary(turn: Turn) -> str:
    data = turn.data
    category = find_category(str(data["category"]), turn.settings.categories_file)
    if data.get("latitude") is not None:
        location = turn.t("report.location_point")
    else:
        location = str(data.get("desa") or turn.t("report.location_none"))
    hidden = data.get("privacy", Privacy.HIDDEN.value) == Privacy.HIDDEN.value
    return turn.t(
        "report.summary",
        category=category.label(turn.lang),
        description=data["description"],
        location=location,
        photos=len(data.get("photos", [])),
        privacy=turn.t("report.privacy_hidden_short" if hidden else "report.privacy_open_short"),
    )


def _ask_confirm(turn: Turn) -> Ask:
    return Ask(_summary(turn), [(turn.t("report.send"), SEND)])


def _take_confirm(turn: Turn, message: Inbound) -> str | None:
    if message.choice != SEND:
        raise Invalid()
    return NEXT


class ReportDialog(Dialog):
    name = "lapor"
    steps = (
        office_choice.KECAMATAN,  # asked only where one Sigap serves several kecamatan
        CATEGORY,
        DESCRIPTION,
        Step("location", _ask_location, _take_location),
        desa_step(optional=False, then="photos"),
        Step("photos", _ask_photos, _take_photo),
        Step("privacy", _ask_privacy, _take_privacy),
        Step("confirm", _ask_confirm, _take_confirm),
    )

    def start(self, turn: Turn, argument: str = "") -> None:
        if self._over_limit(turn):
            return
        if not office_choice.several_offices(turn):
            turn.begin(self.name, CATEGORY.name)
            self.prompt(turn, CATEGORY.name)
            return
        linked = office_choice.office_from_link(turn, argument) if argument else None
        if linked is None:
            super().start(turn, argument)  # which kecamatan, first
            return
        turn.begin(self.name, CATEGORY.name, {"office": linked})
        office_choice.choose(turn, linked)
        self.prompt(turn, CATEGORY.name)

    @staticmethod
    def _over_limit(turn: Turn) -> bool:
        """A resident who has just sent several reports is asked to wait (a flood or a
        script, not a neighbourhood in trouble, sends more than a few in an hour)."""
        limit = turn.settings.reports_per_hour
        if limit and reports_in_last_hour(turn.session, turn.resident) >= limit:
            turn.finish()
            turn.say("report.rate_limited", limit=limit)
            return True
        return False

    def complete(self, turn: Turn) -> None:
        if self._over_limit(turn):
            return
        data = turn.data
        complaint = register_complaint(
            turn.session,
            turn.settings,
            NewComplaint(
                channel=channel_of(turn.user),
                category=data["category"],
                description=data["description"],
                desa=data.get("desa"),
                latitude=data.get("latitude"),
                longitude=data.get("longitude"),
                privacy=Privacy(data["privacy"]),
                photos=tuple(data.get("photos", [])),
                captions=tuple(data.get("captions", [])),
            ),
            reporter=turn.resident,
        )
        office_choice.remember(turn)
        turn.finish()
        turn.say("report.saved", code=complaint.code, due=complaint.due_date.strftime("%d-%m-%Y"))
        announce_new_complaint(turn, complaint)
