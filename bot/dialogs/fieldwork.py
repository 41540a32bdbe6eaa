"""Registers kept from the field: /kegiatan plans an empowerment activity or marks one
held (date, desa, participants, photos as evidence), /dokumen registers an IKU1 document
by its file. Both write through the same register services, rules and role matrix as
the CLI and the web; the role is checked when the dialog opens and again on saving."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlmodel import col, select

from bot.dialogs.base import END, NEXT, STAY, Ask, Invalid, StaffDialog, Step
from bot.dialogs.steps import answer, desa_step, take_file
from bot.dialogs.turn import Turn
from bot.dialogs.types import Inbound
from core.digits import ascii_int
from core.domain.access import Permission
from core.domain.performance import ActivityStatus, DocumentKind, IndicatorKind
from core.errors import SigapError
from core.models import Activity, ActivityPhoto
from core.services.access.offices import office_profile
from core.services.files.fields import parse_field
from core.services.performance import registers
from core.services.performance.iku_set import office_set
from core.services.performance.register_kinds import ACTIVITIES, DOCUMENTS
from core.services.performance.registers import Register
from core.timeutil import local_date, utcnow

PLAN, HELD_NEW, TODAY, DONE = "@plan", "@held", "@today", "@done"
MAX_PHOTOS = 5
PICK_LIMIT = 8  # planned activities offered as buttons (a WhatsApp list holds 10)


def _field(turn: Turn, register: Register, name: str, raw: str) -> Any:
    """One field's value as the register reads it, its message if not."""
    try:
        return parse_field(register.spec(name), raw, office_profile(turn.session).desa)
    except SigapError as exc:
        raise Invalid(text=str(exc)) from None


def _today(turn: Turn) -> date:
    return local_date(utcnow(), turn.settings.tz)


def _take_date(
    register: Register, name: str, latest_today: bool
) -> Callable[[Turn, Inbound], str | None]:
    def take(turn: Turn, message: Inbound) -> str | None:
        value = answer(message)
        day = _today(turn) if value == TODAY else _field(turn, register, name, message.text)
        if latest_today and day > _today(turn):
            raise Invalid("field.not_in_future")
        turn.data["date"] = day.isoformat()
        return NEXT

    return take


def _ask_date(key: str) -> Callable[[Turn], Ask]:
    def ask(turn: Turn) -> Ask:
        return Ask(turn.t(key), [(turn.t("field.today"), TODAY)])

    return ask


def _text_step(name: str, register: Register, field: str, key: str) -> Step:
    def ask(turn: Turn) -> Ask:
        return Ask(turn.t(key))

    def take(turn: Turn, message: Inbound) -> str | None:
        if message.kind != "text" or not message.text.strip():
            raise Invalid()
        turn.data[name] = _field(turn, register, field, message.text)
        return NEXT

    return Step(name, ask, take)


# -- /kegiatan ---------------------------------------------------------------------------
def _planned(turn: Turn) -> list[Activity]:
    return list(
        turn.session.exec(
            select(Activity)
            .where(
                Activity.status == ActivityStatus.DIRENCANAKAN,
                col(Activity.deleted_at).is_(None),
            )
            .order_by(col(Activity.planned_date), col(Activity.id))
            .limit(PICK_LIMIT)
        ).all()
    )


def _ask_pick(turn: Turn) -> Ask:
    options = [
        (f"{a.name[:40]} · {a.planned_date:%d-%m}" if a.planned_date else a.name[:48], str(a.id))
        for a in _planned(turn)
    ]
    options += [(turn.t("field.plan_new"), PLAN), (turn.t("field.held_new"), HELD_NEW)]
    return Ask(turn.t("field.pick"), options)


def _take_pick(turn: Turn, message: Inbound) -> str | None:
    value = answer(message)
    if value in (PLAN, HELD_NEW):
        turn.data["mode"] = "plan" if value == PLAN else "held"
        return "name"
    activity_id = ascii_int(value, max_digits=11)
    if activity_id is not None:
        activity = turn.session.get(Activity, activity_id)
        if activity is not None and activity.deleted_at is None:
            turn.data.update(mode="held", id=activity.id, name=activity.name)
            return "date"
    raise Invalid()


def _ask_activity_date(turn: Turn) -> Ask:
    key = "field.planned_date" if turn.data.get("mode") == "plan" else "field.held_date"
    return _ask_date(key)(turn)


def _take_activity_date(turn: Turn, message: Inbound) -> str | None:
    held = turn.data.get("mode") != "plan"
    name = "held_date" if held else "planned_date"
    _take_date(ACTIVITIES, name, latest_today=held)(turn, message)
    if held:
        return NEXT
    _save_plan(turn)
    return END


def _ask_evidence(turn: Turn) -> Ask:
    count = len(turn.data.get("photos", []))
    key = "field.more_photos" if count else "field.photos"
    options = [(turn.t("field.done"), DONE)] if count else []
    return Ask(turn.t(key, count=count, max=MAX_PHOTOS), options)


def _take_evidence(turn: Turn, message: Inbound) -> str | None:
    photos: list[list[str | None]] = turn.data.setdefault("photos", [])
    if answer(message) == DONE and photos:
        return NEXT
    if message.kind != "photo" or not message.photo_ref:
        raise Invalid("field.photo_needed")
    photos.append([take_file(turn, message), message.text.strip() or None])
    if len(photos) >= MAX_PHOTOS:
        return NEXT
    again = _ask_evidence(turn)  # "Selesai" under the newest message
    turn.ask("photos", again.text, list(again.options))
    return STAY


def _save_plan(turn: Turn) -> None:
    data = turn.data
    turn.finish()
    values = {
        "name": data["name"],
        "kind": data["kind"],
        "desa": data.get("desa"),
        "planned_date": date.fromisoformat(data["date"]),
    }
    row = _write(
        turn, lambda staff: registers.create_record(turn.session, ACTIVITIES, values, staff)
    )
    if row is not None:
        day = f"{row.planned_date:%d-%m-%Y}"
        turn.say("field.planned", name=row.name, day=day, iku=_iku(turn, IndicatorKind.ACTIVITIES))


def _write(turn: Turn, action: Any) -> Any:
    """Through the register service, which checks the role once more."""
    if turn.staff is None:  # the account was unlinked while the dialog was open
        turn.say("staff.refused")
        return None
    try:
        return action(turn.staff)
    except SigapError as exc:
        turn.send_text(str(exc))
        return None


class KegiatanDialog(StaffDialog):
    """/kegiatan: plan an activity, or mark a planned (or unplanned) one held."""

    name = "kegiatan"
    permission = Permission.MANAGE_ACTIVITIES
    steps = (
        Step("pick", _ask_pick, _take_pick),
        _text_step("name", ACTIVITIES, "name", "field.name"),
        _text_step("kind", ACTIVITIES, "kind", "field.kind"),
        desa_step(optional=True, question="field.desa"),
        Step("date", _ask_activity_date, _take_activity_date),
        _text_step("participants_male", ACTIVITIES, "participants_male", "field.male"),
        _text_step("participants_female", ACTIVITIES, "participants_female", "field.female"),
        Step("photos", _ask_evidence, _take_evidence),
    )

    def complete(self, turn: Turn) -> None:
        data = turn.data
        turn.finish()
        values: dict[str, Any] = {
            "status": ActivityStatus.TERLAKSANA.value,
            "held_date": date.fromisoformat(data["date"]),
            "participants_male": data["participants_male"],
            "participants_female": data["participants_female"],
        }
        if data.get("id") is not None:
            key = str(data["id"])
            row = _write(
                turn,
                lambda staff: registers.update_record(
                    turn.session, ACTIVITIES, key, values, staff, action="terlaksana"
                ),
            )
        else:
            values.update(name=data["name"], kind=data["kind"], desa=data.get("desa"))
            row = _write(
                turn, lambda staff: registers.create_record(turn.session, ACTIVITIES, values, staff)
            )
        if row is None:
            return
        staff_id = turn.staff.id if turn.staff is not None else None
        for ref, caption in data.get("photos", []):
            photo = ActivityPhoto(activity_id=row.id, file_ref=ref, caption=caption)
            photo.staff_id = staff_id
            turn.session.add(photo)
        turn.say(
            "field.held",
            name=row.name,
            day=f"{row.held_date:%d-%m-%Y}",
            male=row.participants_male,
            female=row.participants_female,
            photos=len(data.get("photos", [])),
            iku=_iku(turn, IndicatorKind.ACTIVITIES),
        )


def _iku(turn: Turn, kind: IndicatorKind) -> str:
    """The office's number for the IKU these records feed, or the register's name."""
    found = next((c.label for c in office_set(turn.session) if c.kind is kind), None)
    return found or turn.t(f"field.register_{kind.value}")


# -- /dokumen ----------------------------------------------------------------------------
def _ask_kind(turn: Turn) -> Ask:
    return Ask(
        turn.t("field.document_kind", iku=_iku(turn, IndicatorKind.DOCUMENTS)),
        [(turn.t(f"field.doc.{k.value}"), k.value) for k in DocumentKind],
    )


def _take_kind(turn: Turn, message: Inbound) -> str | None:
    value = answer(message)
    if value not in {k.value for k in DocumentKind}:
        raise Invalid()
    turn.data["kind"] = value
    return NEXT


def _ask_file(turn: Turn) -> Ask:
    return Ask(turn.t("field.document_file"))


def _take_file(turn: Turn, message: Inbound) -> str | None:
    if message.kind not in ("document", "photo") or not message.photo_ref:
        raise Invalid("field.file_needed")
    turn.data["file"] = take_file(turn, message, document=True)
    return NEXT


class DokumenDialog(StaffDialog):
    """/dokumen: an IKU1 document, registered by sending its file."""

    name = "dokumen"
    permission = Permission.MANAGE_DOCUMENTS
    steps = (
        Step("kind", _ask_kind, _take_kind),
        _text_step("title", DOCUMENTS, "title", "field.document_title"),
        Step("date", _ask_date("field.document_date"), _take_date(DOCUMENTS, "doc_date", True)),
        Step("file", _ask_file, _take_file),
    )

    def complete(self, turn: Turn) -> None:
        data = turn.data
        turn.finish()
        values = {
            "kind": data["kind"],
            "title": data["title"],
            "doc_date": date.fromisoformat(data["date"]),
        }

        def save(staff: Any) -> Any:
            row = registers.create_record(turn.session, DOCUMENTS, values, staff)
            return registers.attach_file(turn.session, DOCUMENTS, str(row.id), data["file"], staff)

        row = _write(turn, save)
        if row is not None:
            day, iku = f"{row.doc_date:%d-%m-%Y}", _iku(turn, IndicatorKind.DOCUMENTS)
            turn.say("field.document_saved", title=row.title, day=day, iku=iku)
