"""Steps more than one dialog asks, written once: the resident's report and the staff's
/catat share the category, the description and the desa."""

from __future__ import annotations

from bot.dialogs.base import NEXT, Ask, Invalid, Step
from bot.dialogs.turn import SKIP, Turn
from bot.dialogs.types import Inbound, KeptFile
from core.services.access.offices import office_profile
from core.services.complaints.categories import load_categories
from core.services.complaints.lifecycle import MAX_DESCRIPTION, MIN_DESCRIPTION


def answer(message: Inbound) -> str:
    """A pressed button's value, or the typed text."""
    return message.choice or message.text.strip()


def category_options(turn: Turn) -> list[tuple[str, str]]:
    return [(c.label(turn.lang), c.code) for c in load_categories(turn.settings.categories_file)]


def _ask_category(turn: Turn) -> Ask:
    return Ask(turn.t("report.category"), category_options(turn), columns=2)


def _take_category(turn: Turn, message: Inbound) -> str | None:
    value = answer(message)
    if value not in {code for _, code in category_options(turn)}:
        raise Invalid()
    turn.data["category"] = value
    return NEXT


def _ask_description(turn: Turn) -> Ask:
    return Ask(turn.t("report.description"))


def _take_description(turn: Turn, message: Inbound) -> str | None:
    """The one description rule, core's, checked before anything is stored."""
    text = message.text.strip() if message.kind == "text" else ""
    if len(text) < MIN_DESCRIPTION:
        raise Invalid("report.description_short", min=MIN_DESCRIPTION)
    if len(text) > MAX_DESCRIPTION:
        raise Invalid("nav.too_long", max=MAX_DESCRIPTION)
    turn.data["description"] = text
    return NEXT


PHOTO_TYPES = frozenset({"image/jpeg", "image/png"})
DOCUMENT_TYPES = PHOTO_TYPES | {"application/pdf"}


def take_file(turn: Turn, message: Inbound, *, document: bool = False) -> str:
    """A file the step asked for, refused at once when its declared size or type would not
    be kept; taken files are the only ones the channel downloads (and checks by content)."""
    assert message.photo_ref
    settings = turn.settings
    limit_mb = settings.chat_document_max_mb if document else settings.chat_photo_max_mb
    if message.file_size is not None and message.file_size > limit_mb * 1024 * 1024:
        raise Invalid("nav.file_too_big", max=limit_mb)
    if message.mime and message.mime not in (DOCUMENT_TYPES if document else PHOTO_TYPES):
        raise Invalid("nav.file_wrong_kind")
    turn.kept_files.append(KeptFile(message.photo_ref, document))
    return message.photo_ref


def _desa_options(turn: Turn) -> list[tuple[str, str]]:
    return [(d, d) for d in office_profile(turn.session).desa]


def desa_step(*, optional: bool, then: str | None = NEXT, question: str = "report.desa") -> Step:
    """The desa, from the office's list; ``optional`` adds "skip" (stored as no desa).
    ``question`` is the catalogue key asking it: a complaint's "where it happened" by
    default, an activity's own words in /kegiatan."""

    def ask(turn: Turn) -> Ask:
        return Ask(turn.t(question), _desa_options(turn), columns=2, skip=optional)

    def take(turn: Turn, message: Inbound) -> str | None:
        value = answer(message)
        if optional and value == SKIP:
            turn.data["desa"] = None
        elif value in office_profile(turn.session).desa:
            turn.data["desa"] = value
        else:
            raise Invalid()
        return then

    return Step("desa", ask, take)


CATEGORY = Step("category", _ask_category, _take_category)
DESCRIPTION = Step("description", _ask_description, _take_description)
