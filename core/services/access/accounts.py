"""Chat accounts: who is behind a (channel, external id), and where to reach a person.

Core treats a channel as a name and an external id as an opaque string; what they look
like is each channel's business (``bot/<channel>/``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from core.errors import InvalidInput
from core.models import ChatAccount, DialogState, Resident, Staff
from core.scope import across_offices
from core.services.files.fields import clean_text
from core.timeutil import utcnow

ACCOUNTS: Table = ChatAccount.__table__  # type: ignore[attr-defined]
RESIDENTS: Table = Resident.__table__  # type: ignore[attr-defined]
DIALOGS: Table = DialogState.__table__  # type: ignore[attr-defined]

# Built once and run on the session's connection: this lookup runs for every chat update,
# and most turns need only the resident's id and language, not an ORM object.
_KEY = (ACCOUNTS.c.channel == bindparam("channel")) & (
    ACCOUNTS.c.external_id == bindparam("external_id")
)
# ...and with it, in the same round trip, where the person stands in a dialog
RESIDENT_AND_DIALOG = (
    core_select(
        ACCOUNTS.c.id,
        RESIDENTS.c.id.label("resident_id"),
        RESIDENTS.c.language,
        DIALOGS.c.dialog,
        DIALOGS.c.step,
        DIALOGS.c.data,
    )
    .select_from(
        ACCOUNTS.outerjoin(RESIDENTS, ACCOUNTS.c.resident_id == RESIDENTS.c.id).outerjoin(
            DIALOGS,
            (DIALOGS.c.channel == ACCOUNTS.c.channel)
            & (DIALOGS.c.user_key == ACCOUNTS.c.external_id),
        )
    )
    .where(_KEY)
)
NEW_ACCOUNT = insert(ACCOUNTS).values(
    channel=bindparam("channel"),
    external_id=bindparam("external_id"),
    resident_id=bindparam("resident_id"),
    created_at=bindparam("at"),
)
LINK_RESIDENT = (
    update(ACCOUNTS)
    .where(ACCOUNTS.c.id == bindparam("account_id"))
    .values(resident_id=bindparam("rid"))
)
MAX_NAME, MAX_PHONE = 120, 32  # Resident's columns
NEW_RESIDENT = insert(RESIDENTS).values(
    name=bindparam("name"), phone=bindparam("phone"), language="id", created_at=bindparam("at")
)


@dataclass(frozen=True)
class ResidentRef:
    """Who is writing, as far as most turns need to know."""

    id: int
    language: str


class Address(NamedTuple):
    """Where a message for a person goes: a channel and the account's id on it."""

    channel: str
    external_id: str


@dataclass(frozen=True)
class ChatContext:
    """Who is writing and, if a dialog is under way, its (dialog, step, data)."""

    resident: ResidentRef
    dialog: tuple[str, str, str] | None


def chat_context(
    session: Session, channel: str, external_id: str, name: str | None, phone: str | None
) -> ChatContext:
    """The resident behind a chat account, registered on their first message (an account
    made for staff beforehand gets its resident then too), and their dialog: one query
    for what every chat update needs first."""
    connection = session.connection()
    key = {"channel": channel, "external_id": external_id}
    row = connection.execute(RESIDENT_AND_DIALOG, key).first()
    dialog = (row.dialog, row.step, row.data) if row is not None and row.dialog else None
    if row is not None and row.resident_id is not None:
        return ChatContext(ResidentRef(row.resident_id, row.language), dialog)
    now = utcnow()
    # a platform's display name may run longer than the column (Telegram: 64 + 64)
    given = {
        "name": name[:MAX_NAME] if name else name,
        "phone": phone[:MAX_PHONE] if phone else phone,
    }
    created = connection.execute(NEW_RESIDENT, {**given, "at": now})
    resident_id = int(created.inserted_primary_key[0])  # type: ignore[index]
    if row is None:
        connection.execute(NEW_ACCOUNT, {**key, "resident_id": resident_id, "at": now})
    else:
        connection.execute(LINK_RESIDENT, {"account_id": row.id, "rid": resident_id})
    return ChatContext(ResidentRef(resident_id, "id"), dialog)


def staff_for_account(
    session: Session, channel: str, external_id: str, *, active_only: bool = True
) -> Staff | None:
    """The staff member using this account, if any (only an active one, unless asked:
    an invite redeemed on a deactivated officer's account brings them back)."""
    query = (
        select(Staff)
        .join(ChatAccount, col(ChatAccount.staff_id) == col(Staff.id))
        .where(col(ChatAccount.channel) == channel, col(ChatAccount.external_id) == external_id)
    )
    if active_only:
        query = query.where(col(Staff.active) == True)  # noqa: E712
    return session.exec(across_offices(query)).first()  # who it is, before their office


def link_staff_account(session: Session, staff: Staff, channel: str, external_id: str) -> None:
    """Give a staff member this chat account; one account serves one staff member."""
    external_id = external_id.strip()
    if not channel or not external_id:
        raise InvalidInput("Akun chat perlu kanal dan ID.")
    account = session.exec(
        select(ChatAccount).where(
            col(ChatAccount.channel) == channel, col(ChatAccount.external_id) == external_id
        )
    ).first()
    if account is None:
        account = ChatAccount(channel=channel, external_id=external_id)
    elif account.staff_id not in (None, staff.id):
        raise InvalidInput(f"Akun {channel} {external_id} sudah terdaftar sebagai petugas lain.")
    account.staff_id = staff.id
    session.add(account)
    session.flush()


def addresses_of_staff(session: Session, staff_ids: Iterable[int]) -> list[Address]:
    """Every chat account of these staff members, in the order they were given."""
    ids = list(staff_ids)
    if not ids:
        return []
    rows = session.exec(
        select(ChatAccount.staff_id, ChatAccount.channel, ChatAccount.external_id)
        .where(col(ChatAccount.staff_id).in_(ids))
        .order_by(col(ChatAccount.id))
    ).all()
    order = {staff_id: n for n, staff_id in enumerate(ids)}
    ordered = sorted(rows, key=lambda row: order[row[0] or 0])
    return [Address(channel, external) for _, channel, external in ordered]


def addresses_of_resident(session: Session, resident_id: int) -> list[Address]:
    rows = session.exec(
        select(ChatAccount.channel, ChatAccount.external_id)
        .where(col(ChatAccount.resident_id) == resident_id)
        .order_by(col(ChatAccount.id))
    ).all()
    return [Address(channel, external) for channel, external in rows]


PHONE = re.compile(r"\+?[0-9][0-9 -]{2,24}")


def walk_in_reporter(session: Session, name: str | None, phone: str | None) -> Resident | None:
    """A reporter who came without a chat account (counter, letter): name and phone
    checked before they are stored, and never echoed in an error."""
    name = clean_text(name or "", "Nama pelapor", 120) or None
    phone = clean_text(phone or "", "Telepon pelapor", 32) or None
    if phone is not None and not PHONE.fullmatch(phone):
        raise InvalidInput("Telepon pelapor: hanya angka, spasi, '+' dan '-' (3–25 angka).")
    if name is None and phone is None:
        return None
    reporter = Resident(name=name, phone=phone)
    session.add(reporter)
    session.flush()
    return reporter
