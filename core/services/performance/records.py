"""The office's other records: staff, activities, documents, SAKIP, indicators, targets."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from core.domain.access import Permission
from core.domain.capaian import Direction
from core.domain.people import StaffRole
from core.domain.performance import DocumentKind
from core.errors import InvalidInput, NotFound
from core.models import (
    Activity,
    ActivityPhoto,
    Document,
    IkuEntry,
    IkuTarget,
    OfficeIku,
    ProgramIndicator,
    SakipEvaluation,
    Staff,
)
from core.scope import across_offices, for_office, writing_across_offices
from core.services.access.accounts import link_staff_account
from core.services.access.authz import OPERATOR, Actor, authorize
from core.services.access.invites import KABUPATEN_ROLE_APART
from core.services.access.staff_audit import active_admins, record_staff_change
from core.services.access.web_access import revoke_sessions_of
from core.services.performance.register_kinds import (
    ACTIVITIES,
    DOCUMENTS,
    ENTRIES,
    HOLIDAYS,
    IKU_SET,
    INDICATORS,
    SAKIP,
    TARGETS,
)
from core.services.performance.registers import Register, create_record, save_record, update_record

log = logging.getLogger(__name__)


def add_staff(
    session: Session, name: str, role: StaffRole, accounts: Iterable[tuple[str, str]] = ()
) -> Staff:
    """A staff member, with the chat accounts ((channel, external id)) they already use."""
    if not name.strip():
        raise InvalidInput("Nama petugas kosong.")
    staff = Staff(name=name.strip(), role=role)
    if role.kabupaten:  # the kabupaten's: of no office, whichever office the session is for
        with writing_across_offices(session):
            session.add(staff)
    else:
        session.add(staff)
    session.flush()
    for channel, external_id in accounts:
        link_staff_account(session, staff, channel, external_id)
    return staff


def list_staff(session: Session, include_inactive: bool = False) -> Sequence[Staff]:
    query = select(Staff).order_by(col(Staff.id))
    if not include_inactive:
        query = query.where(Staff.active == True)  # noqa: E712
    return session.exec(query).all()


def deactivate_staff(session: Session, staff_id: int, actor: Actor = OPERATOR) -> Staff:
    """Staff are deactivated, not deleted: the audit trail keeps pointing at them."""
    authorize(actor, Permission.MANAGE_STAFF)
    kabupaten = _kabupaten_account(session, staff_id, actor)
    if kabupaten is not None:
        with writing_across_offices(session):  # a row of no office
            kabupaten.active = False
        revoke_sessions_of(session, staff_id)
        log.info("kabupaten account #%s deactivated", staff_id)
        return kabupaten
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.active:
        raise NotFound(f"Petugas #{staff_id} tidak ditemukan.")
    _keep_an_admin(session, staff, None)
    staff.active = False
    session.add(staff)
    revoke_sessions_of(session, staff_id)
    record_staff_change(session, actor, staff_id, "nonaktif", {"aktif": [True, False]})
    return staff


def _keep_an_admin(session: Session, staff: Staff, new_role: StaffRole | None) -> None:
    """Nobody may leave the office without an active admin (who else would invite or
    repair roles?): the last one cannot be deactivated or given another role."""
    losing = staff.role is StaffRole.ADMIN and new_role is not StaffRole.ADMIN
    if losing and active_admins(session, lock=True) <= 1:
        raise InvalidInput(
            "Ini admin aktif terakhir: angkat admin lain dulu sebelum mengubah peran "
            "atau menonaktifkan akun ini."
        )


def get_active_staff(session: Session, staff_id: int) -> Staff:
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.active:
        raise NotFound(f"Petugas #{staff_id} tidak ditemukan atau tidak aktif.")
    return staff


def _kabupaten_account(session: Session, staff_id: int, actor: Actor) -> Staff | None:
    """An active account of the kabupaten, for the server's operator alone (an office's
    admin never reaches one: it is no office's staff). Its changes are logged by the
    server (an office's trail is that office's)."""
    if actor is not OPERATOR:
        return None
    query = select(Staff).where(Staff.id == staff_id, col(Staff.office_id).is_(None))
    found = session.exec(across_offices(query.where(col(Staff.active)))).first()
    return found if found is not None and found.role.kabupaten else None


def staff_to_log_in(session: Session, staff_id: int) -> Staff:
    """The staff member a login link is for, whichever office (or the kabupaten) they
    belong to; the session then works for their office, if they have one."""
    staff = session.exec(across_offices(select(Staff).where(Staff.id == staff_id))).first()
    if staff is None or not staff.active:
        raise NotFound(f"Petugas #{staff_id} tidak ditemukan atau tidak aktif.")
    if staff.office_id is not None:
        for_office(session, staff.office_id)
    return staff


def kabupaten_staff(session: Session, include_inactive: bool = False) -> Sequence[Staff]:
    """The kabupaten's accounts (of no office)."""
    query = select(Staff).where(col(Staff.office_id).is_(None)).order_by(col(Staff.id))
    if not include_inactive:
        query = query.where(Staff.active == True)  # noqa: E712
    return session.exec(across_offices(query)).all()


def _values(register: Register, row: Any) -> dict[str, Any]:
    return {spec.name: getattr(row, spec.name) for spec in register.fields}


def add_activity(session: Session, activity: Activity, actor: Actor = OPERATOR) -> Activity:
    row: Activity = create_record(session, ACTIVITIES, _values(ACTIVITIES, activity), actor)
    if activity.evidence_ref:
        row.evidence_ref = activity.evidence_ref
    return row


def list_activities(session: Session, start: date, end: date) -> Sequence[Activity]:
    """Planned in the period, or held in it when never planned (as IKU3 counts them);
    by the date that puts it in the period, so both databases list them alike (SQLite
    sorts a missing planned date first, PostgreSQL last)."""
    return session.exec(
        select(Activity)
        .where(_activity_in(start, end), col(Activity.deleted_at).is_(None))
        .order_by(
            func.coalesce(col(Activity.planned_date), col(Activity.held_date)),
            col(Activity.id),
        )
    ).all()


def _activity_in(start: date, end: date) -> Any:
    return or_(
        col(Activity.planned_date).between(start, end),
        and_(col(Activity.planned_date).is_(None), col(Activity.held_date).between(start, end)),
    )


def add_document(
    session: Session,
    kind: DocumentKind,
    title: str,
    doc_date: date,
    file_ref: str | None = None,
    actor: Actor = OPERATOR,
) -> Document:
    values = {"kind": kind, "title": title, "doc_date": doc_date}
    document: Document = create_record(session, DOCUMENTS, values, actor)
    document.file_ref = file_ref
    return document


def list_documents(session: Session, start: date, end: date) -> Sequence[Document]:
    return session.exec(
        select(Document)
        .where(col(Document.doc_date).between(start, end), col(Document.deleted_at).is_(None))
        .order_by(col(Document.doc_date), col(Document.id))
    ).all()


def set_sakip(
    session: Session, year: int, score: Decimal, note: str | None = None, actor: Actor = OPERATOR
) -> SakipEvaluation:
    values = {"year": year, "score": score, "note": note}
    row: SakipEvaluation = save_record(session, SAKIP, values, actor)
    return row


def add_indicator(
    session: Session,
    year: int,
    name: str,
    target: Decimal,
    unit: str | None = None,
    direction: Direction = Direction.HIGHER_IS_BETTER,
    actor: Actor = OPERATOR,
) -> ProgramIndicator:
    values = {
        "year": year,
        "name": name,
        "unit": unit,
        "target": target,
        "realisation": None,
        "direction": direction,
    }
    row: ProgramIndicator = create_record(session, INDICATORS, values, actor)
    return row


def set_indicator_realisation(
    session: Session, indicator_id: int, realisation: Decimal | None, actor: Actor = OPERATOR
) -> ProgramIndicator:
    indicator = session.get(ProgramIndicator, indicator_id)
    if indicator is None or indicator.deleted_at is not None:
        raise NotFound(f"Indikator #{indicator_id} tidak ditemukan.")
    values = _values(INDICATORS, indicator) | {"realisation": realisation}
    row: ProgramIndicator = update_record(session, INDICATORS, str(indicator_id), values, actor)
    return row


def set_target(
    session: Session,
    year: int,
    iku: str,
    target: Decimal,
    direction: Direction | None = None,
    actor: Actor = OPERATOR,
    quarters: dict[int, Decimal] | None = None,
    reason: str | None = None,
) -> IkuTarget:
    """The year's target; ``quarters`` the cumulative triwulan targets (1..4) where set;
    without a ``direction``, the indicator's."""
    values: dict[str, object] = {"year": year, "iku": iku, "target": target}
    values["direction"] = direction
    values.update({f"target_q{q}": value for q, value in (quarters or {}).items()})
    row: IkuTarget = save_record(session, TARGETS, values, actor, reason=reason)
    return row


def choose_iku(
    session: Session,
    label: str,
    indicator_code: str,
    name: str | None = None,
    position: int | None = None,
    actor: Actor = OPERATOR,
) -> OfficeIku:
    """One IKU of the office's set: number ``label`` measures the dictionary's
    ``indicator_code``, in the office's own words if ``name`` is given."""
    values: dict[str, object] = {"label": label.strip().upper(), "indicator_code": indicator_code}
    values["name"] = name
    if position is not None:  # else kept, or last for a new one
        values["position"] = position
    row: OfficeIku = save_record(session, IKU_SET, values, actor)
    return row


def enter_iku_value(
    session: Session,
    label: str,
    year: int,
    quarter: int,
    value: Decimal,
    evidence: str,
    actor: Actor = OPERATOR,
) -> IkuEntry:
    """A triwulan's realisation of an entered IKU, with what proves it."""
    values: dict[str, object] = {"year": year, "quarter": quarter, "iku": label.strip().upper()}
    values |= {"value": value, "evidence": evidence}
    row: IkuEntry = save_record(session, ENTRIES, values, actor)
    return row


def upsert_holidays(
    session: Session,
    holidays: Sequence[tuple[date, str]],
    actor: Actor = OPERATOR,
    national: bool = False,
) -> int:
    """The days kept (a day already there gets the name given); how many were new.
    ``national``: the kabupaten's days for every office, which a new office inherits."""
    new = 0
    for day, name in holidays:
        kept = HOLIDAYS.find(session, day.isoformat())
        new += kept is None or kept.deleted_at is not None
        row = save_record(session, HOLIDAYS, {"day": day, "name": name}, actor)
        if national and not row.national:
            row.national = True
            session.add(row)
    return new


def change_role(session: Session, staff_id: int, role: StaffRole, actor: Actor = OPERATOR) -> Staff:
    """Takes effect on the staff member's next click or chat message (rights are re-read)."""
    authorize(actor, Permission.MANAGE_STAFF)
    staff = _kabupaten_account(session, staff_id, actor) or get_active_staff(session, staff_id)
    if staff.role is role:
        return staff
    if role.kabupaten != staff.role.kabupaten:  # an office's staff stays an office's
        raise InvalidInput(KABUPATEN_ROLE_APART)
    if staff.role.kabupaten:  # the kabupaten's account: its change is the server's log's
        log.info("kabupaten account #%s: role %s -> %s", staff_id, staff.role.value, role.value)
        with writing_across_offices(session):  # a row of no office
            staff.role = role
        return staff
    _keep_an_admin(session, staff, role)
    record_staff_change(
        session, actor, staff_id, "peran", {"peran": [staff.role.value, role.value]}
    )
    staff.role = role
    session.add(staff)
    return staff


def names_of_staff(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Who acted, by name, for a history or an audit trail (inactive staff included)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.exec(select(Staff).where(col(Staff.id).in_(wanted))).all()
    return {s.id: s.name for s in rows if s.id is not None}


def activity_photos(session: Session, activity_id: int) -> Sequence[ActivityPhoto]:
    """The evidence staff sent from the field for one activity, oldest first."""
    return session.exec(
        select(ActivityPhoto)
        .where(ActivityPhoto.activity_id == activity_id)
        .order_by(col(ActivityPhoto.id))
    ).all()
