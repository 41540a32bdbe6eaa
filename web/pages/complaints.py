"""The complaint queue and a complaint's page, with the same actions as the chat buttons,
through the same core rules (the reporter is notified in their chat as from the chat)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlmodel import Session, col, select
from starlette.responses import HTMLResponse, Response

from core.digits import ascii_int
from core.domain.access import Permission, may_see_reporter
from core.domain.complaints import (
    OPEN_STATES,
    STATE_LABELS,
    TRANSITIONS,
    Channel,
    ComplaintState,
    IllegalTransition,
    Privacy,
    ReferralKind,
)
from core.errors import InvalidInput, NotFound
from core.models import Complaint, ComplaintPhoto, Resident
from core.scope import office_of
from core.services.access.offices import office_profile
from core.services.complaints import lifecycle as svc
from core.services.complaints import queue as queue_svc
from core.services.complaints import referrals, reporter_identity
from core.services.complaints.categories import load_categories
from core.services.complaints.confidential import may_list_rahasia
from core.services.complaints.referrals import Destination
from core.services.files.fields import clean_text
from core.services.performance.iku_stamp import iku_inputs_stamp
from core.services.performance.records import names_of_staff
from core.timeutil import local_date, utcnow
from web.files import IMAGES, private_file, read_upload, stored_path, upload_given
from web.views import Ctx, page
from web.words import Words

PAGE_SIZE = 25
S = ComplaintState
# action in the address -> the state it moves to (None: not a state change)
ACTIONS: dict[str, ComplaintState | None] = {
    "klaim": None,
    "diverifikasi": S.DIVERIFIKASI,
    "diproses": S.DIPROSES,
    "ditolak": S.DITOLAK,
    "bukan_wewenang": S.BUKAN_WEWENANG,
    "duplikat": S.DUPLIKAT,
    "catatan": None,
    "selesai": S.SELESAI,
}


FILTERS = ("kode", "status", "kategori", "desa", "kanal", "lewat", "saya")


class Row(NamedTuple):
    """A complaint as a list shows it, formatted once (the list is the busiest page):
    words, not codes, and the day it was received in the office's time zone."""

    code: str
    received: str
    category: str
    channel: str
    desa: str
    state: str
    due: str
    overdue: bool


def complaint_row(
    complaint: Complaint | queue_svc.QueueLine,
    today: date,
    words: Words | None = None,
    tz: ZoneInfo | None = None,
    channel: str | None = None,
) -> Row:
    """``words`` and ``tz`` given: words and the office's day (without them, as stored:
    codes and the UTC day). ``channel`` for a queue line, which does not carry it."""
    state = ComplaintState(complaint.state)
    received = _aware(complaint.received_at)
    shown = channel if channel is not None else str(getattr(complaint, "channel", ""))
    return Row(
        complaint.code,
        (local_date(received, tz) if tz else received.date()).isoformat(),
        words.category(complaint.category) if words else complaint.category,
        words.channel(shown) if words else shown,
        complaint.desa or (words.t("no_desa") if words else "tanpa desa"),
        words.state(state) if words else state.label,
        complaint.due_date.isoformat(),
        state in OPEN_STATES and complaint.due_date < today,
    )


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def overdue_first(
    db: Session, wanted: queue_svc.QueueFilter, offset: int, limit: int
) -> list[queue_svc.QueueLine]:
    """A page of the queue: open complaints first, the earliest due first (so the
    overdue lead), then, when the filter asks for closed ones too, those by due date.
    (Sorted by due date alone, a settled complaint due last month would stand above an
    open one due tomorrow.)"""
    states = set(wanted.states or ComplaintState)
    open_part, closed_part = states & OPEN_STATES, states - OPEN_STATES
    if not open_part or not closed_part or wanted.overdue_on is not None:
        return queue_svc.search_complaints(db, wanted, offset, limit)
    first = replace(wanted, states=tuple(sorted(open_part)))
    rows = queue_svc.search_complaints(db, first, offset, limit)
    if len(rows) == limit:
        return rows
    # how many open ones there are: known from this page, else counted up to the offset
    opened = offset + len(rows) if rows else len(queue_svc.search_complaints(db, first, 0, offset))
    rest = replace(wanted, states=tuple(sorted(closed_part)))
    return rows + queue_svc.search_complaints(db, rest, max(offset - opened, 0), limit - len(rows))


def _channels(db: Session, rows: Sequence[queue_svc.QueueLine]) -> dict[int, str]:
    """The channel of each complaint on the page (one read of at most a page of keys)."""
    if not rows:
        return {}
    found = db.exec(
        select(Complaint.id, Complaint.channel).where(col(Complaint.id).in_([r.id for r in rows]))
    ).all()
    return {key: str(channel) for key, channel in found if key is not None}


def _words(ctx: Ctx) -> Words:
    settings = ctx.office.settings
    return Words(
        ctx.t,
        ctx.web_session.language,
        settings.categories_file,
        kabupaten_channel=settings.kabupaten_channel_name,
    )


def _filter(ctx: Ctx) -> queue_svc.QueueFilter:
    query = ctx.request.query_params
    state = query.get("status", "")
    states: tuple[ComplaintState, ...] = tuple(OPEN_STATES)
    if state == "semua":
        states = ()
    elif state in S.__members__.values():
        states = (S(state),)
    channel = query.get("kanal", "")
    return queue_svc.QueueFilter(
        states=states,
        category=query.get("kategori") or None,
        desa=query.get("desa") or None,
        channel=Channel(channel) if channel in Channel.__members__.values() else None,
        overdue_on=local_date(utcnow(), ctx.office.settings.tz) if query.get("lewat") else None,
        assigned_to=ctx.staff.id if query.get("saya") else None,
        code=(query.get("kode") or "")[:40] or None,
        include_rahasia=may_list_rahasia(ctx.staff),
    )


@page(Permission.VIEW_COMPLAINTS)
def queue(ctx: Ctx) -> Response:
    number = max(ascii_int(ctx.request.query_params.get("hal", "1"), max_digits=5) or 1, 1)
    query = {k: v for k, v in ctx.request.query_params.items() if k != "hal"}
    table = _queue_table(ctx, _filter(ctx), number, query)
    if ctx.request.headers.get("hx-request"):
        return HTMLResponse(table)
    return ctx.render(
        "queue.html",
        table_html=table,
        chosen={name: query.get(name, "") for name in FILTERS},
        states=STATE_LABELS,
        categories=load_categories(ctx.office.settings.categories_file),
        desa=office_profile(ctx.db).desa,
        channels=list(Channel),
        w=_words(ctx),
    )


def _queue_table(
    ctx: Ctx, wanted: queue_svc.QueueFilter, number: int, query: dict[str, str]
) -> Markup:
    """One page of the queue as HTML, rendered once per state of the complaints (every
    change to one writes an event, which moves the stamp) and per day (overdue flags)."""
    today = local_date(utcnow(), ctx.office.settings.tz)
    stamp = iku_inputs_stamp(ctx.db)
    role = ctx.staff.role  # what a role may see differs (rahasia)
    language = ctx.web_session.language
    key = ("queue", wanted, number, today, stamp, role, language, tuple(query.items()))

    def render() -> Markup:
        rows = overdue_first(ctx.db, wanted, (number - 1) * PAGE_SIZE, PAGE_SIZE + 1)
        shown = rows[:PAGE_SIZE]
        channels = _channels(ctx.db, shown)
        words, tz = _words(ctx), ctx.office.settings.tz
        html = ctx.office.templates.get_template("queue_table.html").render(
            t=ctx.t,
            rows=[complaint_row(c, today, words, tz, channels.get(c.id, "")) for c in shown],
            withheld=queue_svc.withheld_from_queue(ctx.db, wanted),
            number=number,
            has_next=len(rows) > PAGE_SIZE,
            query=query,
        )
        return Markup(html)

    return ctx.office.figures.get(office_of(ctx.db), key, render)  # type: ignore[no-any-return]


def _complaint(ctx: Ctx) -> Complaint:
    complaint = svc.get_complaint(ctx.db, ctx.request.path_params["code"])
    if complaint.privacy is Privacy.RAHASIA and not may_list_rahasia(ctx.staff):
        raise NotFound(f"Laporan dengan kode {complaint.code} tidak ditemukan.")
    return complaint


@page(Permission.VIEW_COMPLAINTS)
def complaint_page(ctx: Ctx) -> Response:
    return _show(ctx, _complaint(ctx))


def _reporter(ctx: Ctx, complaint: Complaint, revealed: bool) -> tuple[Resident | None, bool]:
    """Who reported, if this viewer may see it now: an open reporter at once, a hidden
    one only after the audited "show identity" (``revealed``)."""
    open_reporter = complaint.privacy is Privacy.OPEN
    may_reveal = complaint.reporter_id is not None and may_see_reporter(
        ctx.staff.role, ctx.staff.active, open_reporter
    )
    if not may_reveal or not (open_reporter or revealed):
        return None, may_reveal
    if revealed:
        return reporter_identity.reveal_reporter(ctx.db, complaint, ctx.staff), may_reveal
    return ctx.db.get(Resident, complaint.reporter_id), may_reveal


def _show(
    ctx: Ctx,
    complaint: Complaint,
    error: str | None = None,
    revealed: bool = False,
    error_status: int = 400,
) -> Response:
    reporter, may_reveal = _reporter(ctx, complaint, revealed)
    events = svc.events_of(ctx.db, complaint)  # after a reveal: the look is listed too
    names = names_of_staff(
        ctx.db, [e.actor_staff_id for e in events] + [complaint.assigned_staff_id]
    )
    photos = [
        (p, stored_path(ctx.db, ctx.office.settings, p.file_ref) is not None)
        for p in queue_svc.photos_of(ctx.db, complaint)
    ]
    actions = _available_actions(complaint) if ctx.may(Permission.HANDLE_COMPLAINTS) else []
    return ctx.render_with_notice(
        "complaint.html",
        error,
        ctx.t("saved") if ctx.request.query_params.get("ok") else None,
        error_status,
        c=complaint,
        events=events,
        names=names,
        reporter=reporter,
        may_reveal=may_reveal and reporter is None,
        photos=photos,
        actions=actions,
        tiles=ctx.office.settings.map_tile_url,
        w=_words(ctx),
        overdue=svc.is_overdue(complaint, local_date(utcnow(), ctx.office.settings.tz)),
        opd_suggestions=referrals.opd_suggestions(ctx.db) if "bukan_wewenang" in actions else [],
        referral=referrals.referral_of(ctx.db, complaint)
        if complaint.state is S.BUKAN_WEWENANG
        else None,
        kabupaten_channel=ctx.office.settings.kabupaten_channel_name,
    )


def _available_actions(complaint: Complaint) -> list[str]:
    allowed = TRANSITIONS.get(complaint.state, frozenset())
    if complaint.state is S.SELESAI:
        allowed = allowed - {S.DIPROSES}  # only the reporter reopens a settled complaint
    shown = [a for a, target in ACTIONS.items() if target is not None and target in allowed]
    if complaint.state in OPEN_STATES:
        shown = ["klaim", *shown, "catatan"]
    return shown


@page(Permission.HANDLE_COMPLAINTS, upload=True)  # "selesai" may bring a photo
def act(ctx: Ctx) -> Response:
    action = ctx.request.path_params["action"]
    if action == "identitas":  # an audited look at a hidden reporter: shown, not redirected
        return _show(ctx, _complaint(ctx), revealed=True)
    if action not in ACTIONS:
        raise NotFound(ctx.t("not_found"))
    complaint = _complaint(ctx)
    try:
        note, photo = _form_of(ctx)  # the form's own faults first
        if action not in _available_actions(complaint):
            return _stale(ctx, complaint)
        _act(ctx, complaint, action, note, photo)
    except IllegalTransition:  # moved on between the check above and the change
        ctx.db.rollback()
        return _stale(ctx, svc.get_complaint(ctx.db, complaint.code))
    except InvalidInput as exc:
        return _show(ctx, complaint, str(exc))  # rolled back: status 400
    return ctx.redirect(f"/pengaduan/{complaint.code}", ok="1")


def _stale(ctx: Ctx, complaint: Complaint) -> Response:
    """A button from a page drawn before the complaint moved on (another officer, the
    chat, a second tab): 409, its current state, and the actions it has now."""
    message = ctx.t("stale_action", code=complaint.code, state=_words(ctx).state(complaint.state))
    return _show(ctx, complaint, message, error_status=409)


def _form_of(ctx: Ctx) -> tuple[str, tuple[str, bytes] | None]:
    """The note and the photo (checked by its content, not yet saved)."""
    note = clean_text(ctx.field("catatan"), "Catatan", svc.MAX_DESCRIPTION)
    upload = upload_given(ctx.form.get("foto") if ctx.form else None)
    return note, read_upload(upload, ctx.office.settings, IMAGES) if upload else None


def _act(
    ctx: Ctx, complaint: Complaint, action: str, note: str, photo: tuple[str, bytes] | None
) -> None:
    if action == "klaim":
        svc.claim_complaint(ctx.db, complaint, ctx.staff)
    elif action == "catatan":
        svc.add_progress_note(ctx.db, complaint, ctx.staff, note)
    else:
        original = None
        if action == "duplikat":
            original = svc.get_complaint(ctx.db, ctx.field("asli") or "-")
        target = ACTIONS[action]
        assert target is not None
        destination = None
        if target is S.BUKAN_WEWENANG:  # where it goes: a named OPD or the kabupaten
            chosen = ctx.field("tujuan") or ReferralKind.OPD.value
            destination = Destination.chosen(ctx.office.settings, chosen, ctx.field("opd"))
        svc.transition_complaint(
            ctx.db,
            complaint,
            target,
            staff=ctx.staff,
            note=note or None,
            duplicate_of=original,
            destination=destination,
        )
        if photo is not None:  # saved last: every check above has passed
            svc.attach_photo(ctx.db, complaint, ctx.store(*photo), note or None)


@page(Permission.VIEW_COMPLAINTS)
def photo(ctx: Ctx) -> Response:
    complaint = _complaint(ctx)
    row = ctx.db.get(ComplaintPhoto, ctx.request.path_params["photo_id"])
    mine = row is not None and row.complaint_id == complaint.id
    found = stored_path(ctx.db, ctx.office.settings, row.file_ref) if row and mine else None
    if found is None:
        raise NotFound(ctx.t("not_found"))
    path, media_type = found
    return private_file(path, media_type)
