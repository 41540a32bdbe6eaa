"""Lapor gangguan: category, description, location, photos, privacy, confirm."""

from __future__ import annotations

from bot.dialogs.base import Dialog
from bot.dialogs.staff_alerts import announce_new_complaint
from bot.dialogs.turn import SKIP, Turn
from bot.dialogs.types import Inbound, channel_of
from core.domain.complaints import Privacy
from core.services.categories import find_category, load_categories
from core.services.complaints import MAX_PHOTOS, MIN_DESCRIPTION, NewComplaint, register_complaint

MAX_DESCRIPTION = 1000
DONE, DESA, SEND = "@done", "@desa", "@send"


def category_options(turn: Turn) -> list[tuple[str, str]]:
    return [(c.name, c.code) for c in load_categories(turn.settings.categories_file)]


def desa_options(turn: Turn) -> list[tuple[str, str]]:
    return [(d, d) for d in turn.settings.desa_list]


class ReportDialog(Dialog):
    name = "lapor"
    first_step = "category"

    def prompt(self, turn: Turn, step: str) -> None:
        data = turn.data
        if step == "category":
            turn.ask(step, turn.t("report.category"), category_options(turn), columns=2)
        elif step == "description":
            turn.ask(step, turn.t("report.description"))
        elif step == "location":
            turn.ask(
                step,
                turn.t("report.location"),
                [(turn.t("report.pick_desa"), DESA)],
                skip=True,
                ask_location=True,
            )
        elif step == "desa":
            turn.ask(step, turn.t("report.desa"), desa_options(turn), columns=2)
        elif step == "photos":
            turn.ask(
                step,
                turn.t("report.photos", max=MAX_PHOTOS),
                [(turn.t("report.next"), DONE)],
                skip=True,
            )
        elif step == "privacy":
            turn.ask(
                step,
                turn.t("report.privacy"),
                [
                    (turn.t("report.privacy_hidden"), Privacy.HIDDEN.value),
                    (turn.t("report.privacy_open"), Privacy.OPEN.value),
                ],
            )
        elif step == "confirm":
            turn.ask(step, self._summary(turn, data), [(turn.t("report.send"), SEND)])

    def _summary(self, turn: Turn, data: dict[str, object]) -> str:
        category = find_category(str(data["category"]), turn.settings.categories_file)
        if data.get("latitude") is not None:
            location = turn.t("report.location_point")
        else:
            location = str(data.get("desa") or turn.t("report.location_none"))
        hidden = data.get("privacy", Privacy.HIDDEN.value) == Privacy.HIDDEN.value
        return turn.t(
            "report.summary",
            category=category.name,
            description=data["description"],
            location=location,
            photos=len(data.get("photos", [])),  # type: ignore[arg-type]
            privacy=turn.t(
                "report.privacy_hidden_short" if hidden else "report.privacy_open_short"
            ),
        )

    def receive(self, turn: Turn, step: str, message: Inbound) -> None:
        handler = getattr(self, f"_on_{step}")
        handler(turn, message)

    def _on_category(self, turn: Turn, message: Inbound) -> None:
        if message.choice not in {code for _, code in category_options(turn)}:
            self.reprompt(turn, "nav.unknown")
            return
        turn.data["category"] = message.choice
        self.advance(turn, "description")

    def _on_description(self, turn: Turn, message: Inbound) -> None:
        text = message.text.strip() if message.kind == "text" else ""
        if len(text) < MIN_DESCRIPTION:
            self.reprompt(turn, "report.description_short", min=MIN_DESCRIPTION)
        elif len(text) > MAX_DESCRIPTION:
            self.reprompt(turn, "nav.too_long", max=MAX_DESCRIPTION)
        else:
            turn.data["description"] = text
            self.advance(turn, "location")

    def _on_location(self, turn: Turn, message: Inbound) -> None:
        if message.kind == "location" and message.latitude is not None:
            turn.data.update(latitude=message.latitude, longitude=message.longitude)
            self.advance(turn, "photos")
        elif message.choice == DESA:
            self.advance(turn, "desa")
        elif message.choice == SKIP:
            self.advance(turn, "photos")
        else:
            self.reprompt(turn, "nav.unknown")

    def _on_desa(self, turn: Turn, message: Inbound) -> None:
        if message.choice not in turn.settings.desa_list:
            self.reprompt(turn, "nav.unknown")
            return
        turn.data["desa"] = message.choice
        self.advance(turn, "photos")

    def _on_photos(self, turn: Turn, message: Inbound) -> None:
        photos: list[str] = turn.data.setdefault("photos", [])
        if message.kind == "photo" and message.photo_ref:
            if len(photos) >= MAX_PHOTOS:
                self.reprompt(turn, "report.photo_limit", max=MAX_PHOTOS)
                return
            photos.append(message.photo_ref)
            turn.say("report.photo_added", count=len(photos), max=MAX_PHOTOS)
            if len(photos) == MAX_PHOTOS:
                self.advance(turn, "privacy")
        elif message.choice in (DONE, SKIP):
            self.advance(turn, "privacy")
        else:
            self.reprompt(turn, "nav.unknown")

    def _on_privacy(self, turn: Turn, message: Inbound) -> None:
        if message.choice not in (Privacy.HIDDEN.value, Privacy.OPEN.value):
            self.reprompt(turn, "nav.unknown")
            return
        turn.data["privacy"] = message.choice
        self.advance(turn, "confirm")

    def _on_confirm(self, turn: Turn, message: Inbound) -> None:
        if message.choice != SEND:
            self.reprompt(turn, "nav.unknown")
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
            ),
            reporter=turn.resident,
        )
        turn.finish()
        turn.say("report.saved", code=complaint.code, due=complaint.due_date.strftime("%d-%m-%Y"))
        announce_new_complaint(turn, complaint)
