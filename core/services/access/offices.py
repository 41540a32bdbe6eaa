"""The offices of a deployment: what each is called, its desa, its letterhead and Camat.

A session works for one office (``core.scope``); ``office_profile`` says which, with
what its reports, tickets and desa questions need. The settings that described the one
office before offices were data describe office #1 still (migration 0014 copied them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlmodel import Session, col, func, select

from core.config import parse_staff_chats
from core.digits import ascii_digits
from core.domain.performance import DEFAULT_SET
from core.errors import InvalidInput, NotFound
from core.models import Holiday, Office, OfficeArea, OfficeIku, Resident
from core.scope import across_offices, forget_the_only_office, office_of, writing_across_offices
from core.services.files.fields import clean_text
from core.timeutil import utcnow

OFFICE_CODE = re.compile(r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}$")  # a kecamatan: 35.09.23
TICKET_PREFIX = re.compile(r"^[A-Z]{2,5}$")
_PROFILE = "sigap_office_profile"


@dataclass(frozen=True)
class OfficeProfile:
    id: int
    code: str
    name: str
    ticket_prefix: str
    address: str
    logo_path: str | None
    camat_name: str
    camat_nip: str
    camat_pangkat: str
    desa: tuple[str, ...]
    service_levels: dict[str, int] = field(default_factory=dict)  # category -> days
    staff_chats: dict[str, list[str]] = field(default_factory=dict)  # section -> group ids


def parse_service_levels(value: str) -> dict[str, int]:
    """``pkl=3;miras=2`` as {category: days}; ValueError for anything else. Which
    categories exist is the category list's to say (the complaints area checks)."""
    levels: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in value.split(";"))):
        code, sep, days = (x.strip() for x in part.partition("="))
        if not sep or not code or not ascii_digits(days) or not 1 <= int(days) <= 365:
            raise ValueError("expected category=days;category=days (1-365 days)")
        if code in levels:
            raise ValueError(f"{code} given twice")
        levels[code] = int(days)
    return levels


def office_profile(session: Session) -> OfficeProfile:
    """The session's office, read once per session."""
    cached: OfficeProfile | None = session.info.get(_PROFILE)
    if cached is not None:
        return cached
    profile = profile_of(session, office_of(session))
    session.info[_PROFILE] = profile
    return profile


def profile_of(session: Session, office_id: int) -> OfficeProfile:
    office = session.get(Office, office_id)
    if office is None:
        raise NotFound("Kantor tidak ditemukan / office not found")
    desa = session.exec(
        select(OfficeArea.name)
        .where(OfficeArea.office_id == office_id, col(OfficeArea.active))
        .order_by(col(OfficeArea.name))
    ).all()
    return OfficeProfile(
        id=office_id,
        code=office.code,
        name=office.name,
        ticket_prefix=office.ticket_prefix,
        address=office.address,
        logo_path=office.logo_path,
        service_levels=parse_service_levels(office.service_levels),
        staff_chats=parse_staff_chats(office.staff_chats),
        camat_name=office.camat_name,
        camat_nip=office.camat_nip,
        camat_pangkat=office.camat_pangkat,
        desa=tuple(desa),
    )


def list_offices(session: Session) -> list[Office]:
    return list(session.exec(select(Office).order_by(col(Office.code))).all())


def office_by_code(session: Session, code: str) -> Office:
    office = session.exec(select(Office).where(Office.code == code.strip())).first()
    if office is None:
        raise InvalidInput(f"Kode kantor tidak dikenal: {code.strip()[:20]}")
    return office


def add_office(
    session: Session,
    code: str,
    name: str,
    ticket_prefix: str,
    desa: tuple[str, ...] = (),
) -> Office:
    """A new kantor kecamatan with its desa (names; codes come with an import)."""
    code, name, prefix = code.strip(), name.strip(), ticket_prefix.strip().upper()
    if not OFFICE_CODE.match(code):
        raise InvalidInput("Kode kecamatan seperti 35.09.23 / a kecamatan code like 35.09.23")
    if not TICKET_PREFIX.match(prefix):
        raise InvalidInput("Awalan tiket 2–5 huruf besar / ticket prefix: 2–5 capital letters")
    if not name or len(name) > 200:
        raise InvalidInput("Nama kantor 1–200 karakter / office name: 1–200 characters")
    taken = session.exec(
        select(Office).where((Office.code == code) | (Office.ticket_prefix == prefix))
    ).first()
    if taken is not None:
        raise InvalidInput(f"Kode atau awalan tiket sudah dipakai oleh {taken.name}")
    office = Office(code=code, name=name, ticket_prefix=prefix)
    session.add(office)
    session.flush()
    forget_the_only_office()  # this process's unnamed sessions: refused from now on
    session.add_all(OfficeArea(office_id=office.id or 0, name=d.strip()) for d in desa)
    session.flush()
    furnish_new_office(session, office.id or 0)
    return office


def furnish_new_office(session: Session, office_id: int) -> None:
    """What a new office starts with: the holidays to come and the decree's IKU set."""
    _holidays_to_come(session, office_id)
    with writing_across_offices(session):
        session.add_all(
            OfficeIku(office_id=office_id, label=label, indicator_code=i.code, position=n)
            for n, (label, i) in enumerate(DEFAULT_SET, start=1)
        )


def _holidays_to_come(session: Session, office_id: int) -> None:
    """A new office starts with the national holidays and cuti bersama still to come
    (the days the kabupaten added for every office), not another office's own days."""
    rows = session.exec(
        across_offices(
            select(col(Holiday.day), col(Holiday.name)).where(
                col(Holiday.national),
                Holiday.day >= utcnow().date(),
                col(Holiday.deleted_at).is_(None),
                Holiday.office_id != office_id,
            )
        )
    ).all()
    with writing_across_offices(session):
        session.add_all(
            Holiday(office_id=office_id, day=day, name=name, national=True)
            for day, name in sorted(dict(rows).items())
        )


FIRST_OFFICE = 1  # the office a single-office install has been all along (migration 0014)


def active_offices(session: Session) -> list[Office]:
    """The offices at work (a scheduled duty runs for each; residents choose among them)."""
    return [office for office in list_offices(session) if office.active]


def active_office_ids(session: Session) -> list[int]:
    """Every office a scheduled duty runs for, oldest first."""
    ids = session.exec(select(Office.id).where(col(Office.active)).order_by(col(Office.id)))
    return [i for i in ids if i is not None]


def office_run_key(key: str, office: Office | OfficeProfile) -> str:
    """A scheduled duty's run key for one office: the first office keeps the key it has
    always had (a run made before offices is not made again after the upgrade)."""
    return key if office.id == FIRST_OFFICE else f"{key}@{office.code}"


def serves_several_offices(session: Session) -> bool:
    """More than one active office (a resident is asked which): one small read."""
    ids = session.exec(select(Office.id).where(col(Office.active)).limit(2)).all()
    return len(ids) > 1


def greeting_office(session: Session, last_office_id: int | None) -> str | None:
    """The name a resident is greeted with: the one active office, or the office of their
    last report; None before any report where several serve (on every greeting, so two
    small reads, not the list of offices)."""
    first_two = session.exec(
        select(Office.name).where(col(Office.active)).order_by(col(Office.id)).limit(2)
    ).all()
    if len(first_two) == 1:
        return first_two[0]
    last = session.get(Office, last_office_id) if last_office_id is not None else None
    return last.name if last is not None and last.active else None


def offices_to_choose(session: Session, first: int | None = None) -> list[Office]:
    """The active offices as a resident picks one: ``first`` (their last) leading, the
    rest by name."""
    found = sorted(active_offices(session), key=lambda o: o.name.casefold())
    return sorted(found, key=lambda o: o.id != first)


def offices_named(session: Session, typed: str) -> list[Office]:
    """Active offices whose name holds what was typed ("jomb" finds Kecamatan Jombang)."""
    wanted = " ".join(typed.casefold().replace("kecamatan", " ").split())
    if not wanted:
        return []
    return [o for o in offices_to_choose(session) if wanted in o.name.casefold()]


def remember_office(session: Session, resident_id: int, office_id: int) -> None:
    """The office a resident reported to, offered first on their next report."""
    resident = session.get(Resident, resident_id)
    if resident is not None and resident.last_office_id != office_id:
        resident.last_office_id = office_id
        session.add(resident)


def forget_office_profile(session: Session) -> None:
    """After the office's row changed in this session: read it afresh next time."""
    session.info.pop(_PROFILE, None)


def desa_names(typed: str) -> tuple[str, ...]:
    """A comma list of desa names as ``add_office`` takes them: each 1–80 characters,
    none twice (ignoring case and spacing)."""
    names: list[str] = []
    for part in typed.split(","):
        name = clean_text(" ".join(part.split()), "Nama desa/kelurahan", 80)
        if not name:
            continue
        if name.casefold() in (n.casefold() for n in names):
            raise InvalidInput(f"Desa {name} disebut dua kali / desa named twice")
        names.append(name)
    return tuple(names)


def area_counts(session: Session) -> dict[tuple[int, str], int]:
    """How many active desa and kelurahan each office has: {(office id, kind): n}."""
    rows = session.exec(
        select(OfficeArea.office_id, OfficeArea.kind, func.count())
        .where(col(OfficeArea.active))
        .group_by(col(OfficeArea.office_id), col(OfficeArea.kind))
    )
    return {(office_id, kind): count for office_id, kind, count in rows}
