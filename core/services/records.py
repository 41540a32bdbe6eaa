"""The office's other records: staff, activities, documents, SAKIP, indicators, targets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, select

from core.domain.capaian import Direction
from core.domain.people import StaffRole
from core.domain.performance import ActivityStatus, DocumentKind, IkuCode
from core.domain.sakip import InvalidSakipScore, predikat_for_score
from core.errors import InvalidInput, NotFound
from core.models import (
    Activity,
    Document,
    Holiday,
    IkuTarget,
    ProgramIndicator,
    SakipEvaluation,
    Staff,
)
from core.services.accounts import link_staff_account


def add_staff(
    session: Session, name: str, role: StaffRole, accounts: Iterable[tuple[str, str]] = ()
) -> Staff:
    """A staff member, with the chat accounts ((channel, external id)) they already use."""
    if not name.strip():
        raise InvalidInput("Nama petugas kosong.")
    staff = Staff(name=name.strip(), role=role)
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


def deactivate_staff(session: Session, staff_id: int) -> Staff:
    """Staff are deactivated, not deleted: the audit trail keeps pointing at them."""
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.active:
        raise NotFound(f"Petugas #{staff_id} tidak ditemukan.")
    staff.active = False
    session.add(staff)
    return staff


def get_active_staff(session: Session, staff_id: int) -> Staff:
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.active:
        raise NotFound(f"Petugas #{staff_id} tidak ditemukan atau tidak aktif.")
    return staff


def _check_participants(*counts: int | None) -> None:
    if any(c is not None and c < 0 for c in counts):
        raise InvalidInput("Jumlah peserta tidak boleh negatif.")


def add_activity(session: Session, activity: Activity) -> Activity:
    if not activity.name.strip() or not activity.kind.strip():
        raise InvalidInput("Nama dan jenis kegiatan wajib diisi.")
    if activity.planned_date is None and activity.held_date is None:
        raise InvalidInput("Isi tanggal rencana atau tanggal pelaksanaan.")
    if activity.status is ActivityStatus.TERLAKSANA and activity.held_date is None:
        raise InvalidInput("Kegiatan terlaksana perlu tanggal pelaksanaan.")
    _check_participants(activity.participants_male, activity.participants_female)
    session.add(activity)
    session.flush()
    return activity


def list_activities(session: Session, start: date, end: date) -> Sequence[Activity]:
    return session.exec(
        select(Activity)
        .where(col(Activity.planned_date).between(start, end))
        .order_by(col(Activity.planned_date), col(Activity.id))
    ).all()


def add_document(
    session: Session, kind: DocumentKind, title: str, doc_date: date, file_ref: str | None = None
) -> Document:
    if not title.strip():
        raise InvalidInput("Judul dokumen kosong.")
    document = Document(kind=kind, title=title.strip(), doc_date=doc_date, file_ref=file_ref)
    session.add(document)
    session.flush()
    return document


def list_documents(session: Session, start: date, end: date) -> Sequence[Document]:
    return session.exec(
        select(Document)
        .where(col(Document.doc_date).between(start, end))
        .order_by(col(Document.doc_date))
    ).all()


def set_sakip(
    session: Session, year: int, score: Decimal, note: str | None = None
) -> SakipEvaluation:
    try:
        predikat_for_score(score)
    except InvalidSakipScore as exc:
        raise InvalidInput(str(exc)) from None
    evaluation = session.get(SakipEvaluation, year) or SakipEvaluation(year=year, score=score)
    evaluation.score = score
    evaluation.note = note
    session.add(evaluation)
    return evaluation


def add_indicator(
    session: Session,
    year: int,
    name: str,
    target: Decimal,
    unit: str | None = None,
    direction: Direction = Direction.HIGHER_IS_BETTER,
) -> ProgramIndicator:
    if not name.strip():
        raise InvalidInput("Nama indikator kosong.")
    indicator = ProgramIndicator(
        year=year, name=name.strip(), target=target, unit=unit, direction=direction
    )
    session.add(indicator)
    session.flush()
    return indicator


def set_indicator_realisation(
    session: Session, indicator_id: int, realisation: Decimal | None
) -> ProgramIndicator:
    indicator = session.get(ProgramIndicator, indicator_id)
    if indicator is None:
        raise NotFound(f"Indikator #{indicator_id} tidak ditemukan.")
    indicator.realisation = realisation
    session.add(indicator)
    return indicator


def set_target(
    session: Session,
    year: int,
    iku: IkuCode,
    target: Decimal,
    direction: Direction = Direction.HIGHER_IS_BETTER,
) -> IkuTarget:
    if target < 0:
        raise InvalidInput("Target tidak boleh negatif.")
    row = session.get(IkuTarget, (year, iku)) or IkuTarget(year=year, iku=iku, target=target)
    row.target = target
    row.direction = direction
    session.add(row)
    return row


def upsert_holidays(session: Session, holidays: Sequence[tuple[date, str]]) -> int:
    for day, name in holidays:
        row = session.get(Holiday, day) or Holiday(day=day, name=name)
        row.name = name
        session.add(row)
    return len(holidays)
