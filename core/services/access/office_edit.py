"""The office's own profile as its admin corrects it: the name and address on the kop
surat, the Camat who signs (name, NIP, pangkat/golongan), the logo, and the desa and
kelurahan its residents choose from.

Each change is authorised against the role matrix (``MANAGE_OFFICE``) and written to the
registers' audit trail (``register_name = "kantor"``) with what it was and what it
became. Input is checked as the settings check the same fields (core/config.py); a bad
field refuses the whole change, nothing stored. The office code and the ticket prefix
name tickets and deep links and are not changed here. A desa is never deleted, only
deactivated: complaints name their desa by its name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from core.config import parse_staff_chats
from core.domain.access import CHAT_SECTIONS, Permission
from core.errors import InvalidInput, NotFound
from core.models import Office, OfficeArea, RegisterAudit
from core.scope import office_of
from core.services.access.authz import Actor, actor_staff_id, authorize
from core.services.access.offices import (
    TICKET_PREFIX,
    forget_office_profile,
    parse_service_levels,
)
from core.services.files.fields import clean_text
from core.services.files.file_kinds import HEAD_BYTES, MEDIA_TYPES, sniff

KANTOR = "kantor"  # the trail's register name
LOGO_MAX_BYTES = 2 * 1024 * 1024  # as the reports read a logo (reports/model.py)
LOGO_KINDS = (".png", ".jpg")
AREA_KINDS = ("desa", "kelurahan")
NIP = re.compile(r"^[0-9 ]{0,24}$")  # as SIGAP_CAMAT_NIP
PATH_MAX = 255  # Office.logo_path


@dataclass(frozen=True)
class ProfileForm:
    """The profile's fields as typed."""

    name: str
    address: str
    camat_name: str
    camat_nip: str
    camat_pangkat: str


# (attribute, its column in the trail, its label in a refusal, its longest)
PROFILE_FIELDS = (
    ("name", "nama", "Nama kantor", 200),
    ("address", "alamat", "Alamat kantor", 200),
    ("camat_name", "nama_camat", "Nama Camat", 120),
    ("camat_nip", "nip_camat", "NIP Camat", 24),
    ("camat_pangkat", "pangkat_camat", "Pangkat/golongan Camat", 60),
)


# -- reading ----------------------------------------------------------------------------


def own_office(session: Session) -> Office:
    """The session's office row."""
    office = session.get(Office, office_of(session))
    if office is None:
        raise NotFound("Kantor tidak ditemukan.")
    return office


def office_areas(session: Session) -> list[OfficeArea]:
    """Every desa and kelurahan of the session's office, active first, then by name."""
    return list(
        session.exec(
            select(OfficeArea)
            .where(OfficeArea.office_id == office_of(session))
            .order_by(col(OfficeArea.active).desc(), col(OfficeArea.name))
        ).all()
    )


def office_trail(session: Session, limit: int = 50) -> Sequence[RegisterAudit]:
    """The office's newest changes first."""
    return session.exec(
        select(RegisterAudit)
        .where(RegisterAudit.register_name == KANTOR)
        .order_by(col(RegisterAudit.id).desc())
        .limit(limit)
    ).all()


def read_logo(path: str | None) -> tuple[bytes, str] | None:
    """The logo's bytes and media type, if the file is there and is a logo a report
    prints (PNG or JPEG of at most 2 MB, told by its content)."""
    if not path or not Path(path).is_file():
        return None
    with Path(path).open("rb") as handle:
        content = handle.read(LOGO_MAX_BYTES + 1)
    try:
        kind = check_logo(content)
    except InvalidInput:
        return None
    return content, MEDIA_TYPES[kind]


# -- checking ---------------------------------------------------------------------------


def _line(text: str, label: str, longest: int) -> str:
    """One line of text: spaces and line breaks collapsed, no hidden characters."""
    return clean_text(" ".join(text.split()), label, longest)


def read_profile(form: ProfileForm) -> dict[str, str]:
    """Every field checked, or the first bad one refused in one Indonesian line."""
    values = {
        attribute: _line(getattr(form, attribute), label, longest)
        for attribute, _, label, longest in PROFILE_FIELDS
    }
    if not values["name"]:
        raise InvalidInput("Nama kantor wajib diisi.")
    if not NIP.match(values["camat_nip"]):
        raise InvalidInput("NIP Camat: hanya angka dan spasi, paling banyak 24 karakter.")
    return values


def check_logo(content: bytes) -> str:
    """A logo the reports will print: PNG or JPEG by its content, at most 2 MB. Its
    kind (``.png``/``.jpg``)."""
    if not content:
        raise InvalidInput("Berkas logo kosong.")
    if len(content) > LOGO_MAX_BYTES:
        raise InvalidInput("Logo terlalu besar: paling besar 2 MB.")
    kind = sniff(content[:HEAD_BYTES])
    if kind not in LOGO_KINDS:
        raise InvalidInput("Logo harus berupa gambar PNG atau JPEG.")
    return kind


def _area_name(name: str) -> str:
    cleaned = _line(name, "Nama desa/kelurahan", 80)
    if not cleaned:
        raise InvalidInput("Nama desa/kelurahan wajib diisi.")
    return cleaned


# -- writing ----------------------------------------------------------------------------


def _audit(
    session: Session, actor: Actor, key: str, action: str, changes: dict[str, list[Any]]
) -> None:
    session.add(
        RegisterAudit(
            register_name=KANTOR,
            record_key=key,
            action=action,
            staff_id=actor_staff_id(actor),
            changes=json.dumps(changes, ensure_ascii=False),
        )
    )


def _changed(
    session: Session, actor: Actor, key: str, action: str, changes: dict[str, list[Any]]
) -> None:
    """The change in the trail, flushed, and the office read afresh by the next report."""
    _audit(session, actor, key, action, changes)
    session.flush()
    forget_office_profile(session)


def update_profile(session: Session, actor: Actor, form: ProfileForm) -> dict[str, list[str]]:
    """The office's name, address and Camat; the fields that changed, as the trail
    records them ({column: [before, after]})."""
    authorize(actor, Permission.MANAGE_OFFICE)
    values = read_profile(form)
    office = own_office(session)
    changes: dict[str, list[str]] = {}
    for attribute, column, _, _ in PROFILE_FIELDS:
        before = getattr(office, attribute)
        if before != values[attribute]:
            changes[column] = [before, values[attribute]]
            setattr(office, attribute, values[attribute])
    if changes:
        session.add(office)
        _changed(session, actor, office.code, "ubah", changes)
    return changes


def set_logo(session: Session, actor: Actor, path: Path) -> None:
    """The logo the reports print, from a file already kept (``path``, absolute, so a
    report made from another directory finds it)."""
    authorize(actor, Permission.MANAGE_OFFICE)
    if not path.is_absolute() or len(str(path)) > PATH_MAX:
        raise InvalidInput(f"Letak berkas logo harus lengkap, paling panjang {PATH_MAX}.")
    if not path.is_file():
        raise InvalidInput("Berkas logo tidak ditemukan.")
    with path.open("rb") as handle:
        check_logo(handle.read(LOGO_MAX_BYTES + 1))
    office = own_office(session)
    before, office.logo_path = office.logo_path, str(path)
    session.add(office)
    _changed(session, actor, office.code, "ubah", {"logo": [before, office.logo_path]})


def add_area(session: Session, actor: Actor, name: str, kind: str = "desa") -> OfficeArea:
    """A desa or kelurahan by its name (its official code comes with an import)."""
    authorize(actor, Permission.MANAGE_OFFICE)
    name = _area_name(name)
    if kind not in AREA_KINDS:
        raise InvalidInput("Jenis wilayah harus desa atau kelurahan.")
    same = next((a for a in office_areas(session) if a.name.casefold() == name.casefold()), None)
    if same is not None:
        hint = "" if same.active else " (nonaktif): aktifkan kembali"
        raise InvalidInput(f"{same.name} sudah ada{hint}.")
    area = OfficeArea(office_id=office_of(session), name=name, kind=kind)
    session.add(area)
    session.flush()
    _changed(session, actor, area_key(area), "buat", {"nama": [None, name], "jenis": [None, kind]})
    return area


def set_area_active(session: Session, actor: Actor, area_id: int, active: bool) -> OfficeArea:
    """Deactivate a desa (no longer offered to residents; its complaints keep its name)
    or bring it back. Another office's desa is not found."""
    authorize(actor, Permission.MANAGE_OFFICE)
    area = session.get(OfficeArea, area_id)
    if area is None or area.office_id != office_of(session):
        raise NotFound("Desa/kelurahan tidak ditemukan.")
    if area.active != active:
        area.active = active
        session.add(area)
        changes: dict[str, list[Any]] = {
            "nama": [area.name, area.name],
            "aktif": [not active, active],
        }
        _changed(session, actor, area_key(area), "aktif" if active else "nonaktif", changes)
    return area


def area_key(area: OfficeArea) -> str:
    """A desa's key in the trail."""
    return f"desa:{area.id}"


def set_ticket_prefix(session: Session, actor: Actor, prefix: str) -> str:
    """The office's ticket prefix (2–5 capitals, unique across the deployment); tickets
    already given keep theirs. Returns the prefix it had; the change is in the trail."""
    authorize(actor, Permission.MANAGE_OFFICE)
    prefix = prefix.strip().upper()
    if not TICKET_PREFIX.match(prefix):
        raise InvalidInput("Awalan tiket 2–5 huruf besar / ticket prefix: 2–5 capital letters")
    office = own_office(session)
    before = office.ticket_prefix
    if before == prefix:
        return before
    taken = session.exec(select(Office).where(Office.ticket_prefix == prefix)).first()
    if taken is not None:
        raise InvalidInput(f"Awalan tiket {prefix} sudah dipakai oleh {taken.name}")
    office.ticket_prefix = prefix
    session.add(office)
    _changed(session, actor, office.code, "ubah", {"awalan_tiket": [before, prefix]})
    return before


TEXT_LIMITS = {"service_levels": 500, "staff_chats": 1000}  # the columns' lengths (0015)


def set_service_levels(
    session: Session, actor: Actor, text: str, categories: Collection[str]
) -> str:
    """The office's own service levels (``pkl=3;miras=2``, working days), over the
    category list's; empty: the list's for every category. ``categories``: the codes
    the list knows (the complaints area holds the list). The levels as kept."""
    authorize(actor, Permission.MANAGE_OFFICE)
    try:
        levels = parse_service_levels(text)
    except ValueError:
        raise InvalidInput(
            "Tingkat layanan ditulis kategori=hari;kategori=hari (1–365 hari kerja, tiap "
            "kategori sekali), mis. pkl=3;miras=2 / write category=days;category=days"
        ) from None
    _only_known(levels, categories, "Kategori tidak dikenal / unknown category")
    kept = ";".join(f"{code}={days}" for code, days in levels.items())
    return _set_text(session, actor, "service_levels", "tingkat_layanan", kept)


def set_staff_chats(session: Session, actor: Actor, text: str) -> str:
    """The office's section group chats on Telegram (``trantib=-1001,-1002;pmks=-1003``);
    empty: each section's handlers on their own chats. The chats as kept."""
    authorize(actor, Permission.MANAGE_OFFICE)
    try:
        chats = parse_staff_chats(text)
    except ValueError:
        raise InvalidInput(
            "Grup staf ditulis seksi=id_grup,id_grup;seksi=id_grup (tiap seksi sekali), mis. "
            "trantib=-1001234 / write section=chat_id,chat_id;section=chat_id"
        ) from None
    _only_known(chats, CHAT_SECTIONS, "Seksi tidak dikenal / unknown section")
    kept = ";".join(f"{section}={','.join(ids)}" for section, ids in chats.items())
    return _set_text(session, actor, "staff_chats", "grup_staf", kept)


def _only_known(given: Collection[str], known: Collection[str], unknown_words: str) -> None:
    """A name outside the known ones (a typo) would be kept and quietly do nothing."""
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise InvalidInput(
            f"{unknown_words}: {', '.join(unknown)} (pilihan / known: {', '.join(known)})"
        )


def _set_text(session: Session, actor: Actor, attribute: str, column: str, value: str) -> str:
    office = own_office(session)
    before = getattr(office, attribute)
    if len(value) > TEXT_LIMITS[attribute]:
        raise InvalidInput(f"Paling panjang {TEXT_LIMITS[attribute]} huruf / too long")
    if before != value:
        setattr(office, attribute, value)
        session.add(office)
        _changed(session, actor, office.code, "ubah", {column: [before, value]})
    return value
