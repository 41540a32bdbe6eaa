"""The registers behind IKU1, IKU3, IKU5 and IKU6 (and the targets and holidays), kept
correctable: create, edit, delete (soft) and import, each authorised by the role matrix
and written to the audit trail with who, when and why.

A register is data (``Register``): its fields, the right it needs, and how a row is
found. The web pages, the imports and the command line all go through the functions
below, so an edit behaves the same wherever it is made.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import extract
from sqlmodel import Session, col, select

from core.domain.access import Permission
from core.domain.performance import IndicatorKind
from core.errors import InvalidInput, NotFound
from core.models import (
    RegisterAudit,
)
from core.services.access.authz import Actor, actor_staff_id, authorize
from core.services.files.fields import (
    FieldKind,
    FieldSpec,
    check_value,
    format_field,
    parse_field,
)
from core.timeutil import utcnow

K = FieldKind
MAX_IMPORT_ERRORS = 50  # named in the refusal; beyond that, "and N more"
MAX_IMPORT_PROBLEMS = 200  # found, the checking stops: a file of bad rows costs no more


@dataclass(frozen=True)
class Register:
    name: str  # in addresses and the audit trail: "kegiatan"
    title: str
    model: type[Any]
    permission: Permission
    fields: tuple[FieldSpec, ...]
    key_of: Callable[[Any], str]
    find: Callable[[Session, str], Any | None]
    year_column: Any  # None: a register not kept by year (the IKU set)
    order: tuple[Any, ...]
    check: Callable[[Session, Any], None] = lambda session, row: None
    # Registers keyed by their values (one SAKIP score per year): creating an existing
    # key is refused, re-creating a deleted one brings it back.
    natural_key: Callable[[dict[str, Any]], str] | None = None
    file_field: str | None = None  # the attribute holding an uploaded file, if any
    kind: IndicatorKind | None = None  # the IKU it feeds, named by the office's number
    defaults: dict[str, Any] = field(default_factory=dict)
    # values left empty that the register completes from what is stored (a target's
    # direction: its indicator's), before they are applied and audited
    complete: Callable[[Session, dict[str, Any]], None] = lambda session, values: None

    def spec(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)


class ImportRefused(InvalidInput):
    """A file with bad rows: nothing stored, every bad row and column named."""

    def __init__(self, problems: list[tuple[int, str, str]]) -> None:
        self.problems = problems
        shown = [f"Baris {row}, kolom {column}: {message}" for row, column, message in problems]
        more = len(problems) - MAX_IMPORT_ERRORS
        stopped = len(problems) >= MAX_IMPORT_PROBLEMS
        rest = "; baris berikutnya tidak diperiksa" if stopped else ""
        tail = [f"… dan {more} masalah lain{rest}."] if more > 0 else []
        lines = shown[:MAX_IMPORT_ERRORS] + tail
        super().__init__("Berkas tidak diimpor, tidak ada yang disimpan:\n" + "\n".join(lines))


# -- reading ----------------------------------------------------------------------------


def read_fields(
    register: Register, raw: dict[str, str], desa: Sequence[str] = ()
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Every field's value from text, and every bad field as (column, message), in one
    pass: a form or an import names all problems at once."""
    values: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for spec in register.fields:
        text = raw.get(spec.column, "") or register.defaults.get(spec.name, "")
        try:
            values[spec.name] = parse_field(spec, text, tuple(desa))
        except InvalidInput as exc:
            problems.append((spec.column, str(exc)))
    return values, problems


def parse_values(
    register: Register, raw: dict[str, str], desa: Sequence[str] = ()
) -> dict[str, Any]:
    """Every field's value from text; raises for the first bad one, naming it."""
    values, problems = read_fields(register, raw, desa)
    if problems:
        raise InvalidInput(problems[0][1])
    return values


def field_problems(
    register: Register, raw: dict[str, str], desa: Sequence[str] = ()
) -> list[tuple[str, str]]:
    return read_fields(register, raw, desa)[1]


def as_text(register: Register, row: Any) -> dict[str, str]:
    return {spec.column: format_field(getattr(row, spec.name)) for spec in register.fields}


def list_records(
    session: Session, register: Register, year: int | None = None, include_deleted: bool = False
) -> Sequence[Any]:
    model = register.model
    query = select(model).order_by(*register.order)
    if not include_deleted:
        query = query.where(col(model.deleted_at).is_(None))
    if year is not None and register.year_column is not None:
        column = register.year_column
        if column.type.python_type is int:
            query = query.where(column == year)
        else:
            query = query.where(extract("year", column) == year)
    return session.exec(query).all()


def get_record(session: Session, register: Register, key: str) -> Any:
    row = register.find(session, key)
    if row is None:
        raise NotFound(f"{register.title}: data {key} tidak ditemukan.")
    return row


def history(session: Session, register: Register, key: str) -> Sequence[RegisterAudit]:
    return session.exec(
        select(RegisterAudit)
        .where(RegisterAudit.register_name == register.name, RegisterAudit.record_key == key)
        .order_by(col(RegisterAudit.at), col(RegisterAudit.id))
    ).all()


# -- writing ----------------------------------------------------------------------------


def _audit(
    session: Session,
    register: Register,
    row: Any,
    action: str,
    actor: Actor,
    changes: dict[str, list[str]],
    reason: str | None = None,
) -> None:
    session.add(
        RegisterAudit(
            register_name=register.name,
            record_key=register.key_of(row),
            action=action,
            staff_id=actor_staff_id(actor),
            reason=reason,
            changes=json.dumps(changes, ensure_ascii=False),
        )
    )


def _apply(register: Register, row: Any, values: dict[str, Any]) -> dict[str, list[str]]:
    changes: dict[str, list[str]] = {}
    for name, given in values.items():
        value = check_value(register.spec(name), given)
        if isinstance(value, str) and register.spec(name).kind is K.CHOICE:
            value = _enum_of(register.model, name, value)
        before = format_field(getattr(row, name))
        setattr(row, name, value)
        after = format_field(getattr(row, name))
        if before != after:
            changes[register.spec(name).column] = [before, after]
    return changes


def _enum_of(model: type[Any], name: str, value: str) -> Any:
    """A choice as the model's enum (e.g. ActivityStatus), so comparisons hold at once."""
    annotation = model.model_fields[name].annotation
    for candidate in getattr(annotation, "__args__", (annotation,)):
        if isinstance(candidate, type) and issubclass(candidate, StrEnum):
            return candidate(value)
    return value


def _store(session: Session, register: Register, row: Any) -> None:
    with session.no_autoflush:  # the check reads; the row is written once it passes
        register.check(session, row)
    session.add(row)
    session.flush()


def create_record(
    session: Session,
    register: Register,
    values: dict[str, Any],
    actor: Actor,
    action: str = "buat",
    reason: str | None = None,
) -> Any:
    authorize(actor, register.permission)
    register.complete(session, values)
    if register.natural_key is not None:
        existing = register.find(session, register.natural_key(values))
        if existing is not None and existing.deleted_at is None:
            raise InvalidInput(
                f"{register.title}: {register.natural_key(values)} sudah ada; ubah saja."
            )
        if existing is not None:
            existing.deleted_at = None
            changes = _apply(register, existing, values)
            _store(session, register, existing)
            _audit(session, register, existing, action, actor, changes, reason)
            return existing
    row = register.model()
    changes = _apply(register, row, values)
    _store(session, register, row)
    _audit(session, register, row, action, actor, changes, reason)
    return row


def update_record(
    session: Session,
    register: Register,
    key: str,
    values: dict[str, Any],
    actor: Actor,
    reason: str | None = None,
    action: str = "ubah",
) -> Any:
    authorize(actor, register.permission)
    row = get_record(session, register, key)
    if row.deleted_at is not None:
        raise InvalidInput("Data ini sudah dihapus.")
    if register.natural_key is not None and register.natural_key(values) != key:
        raise InvalidInput("Tahun, IKU atau tanggal tidak bisa diubah; hapus lalu buat baru.")
    register.complete(session, values)
    changes = _apply(register, row, values)
    _store(session, register, row)
    if changes:
        _audit(session, register, row, action, actor, changes, reason)
    return row


def save_record(
    session: Session,
    register: Register,
    values: dict[str, Any],
    actor: Actor,
    imported: bool = False,
    reason: str | None = None,
) -> Any:
    """For registers keyed by their values (one SAKIP score a year): update the row
    that has the key, or create it (bringing back a deleted one)."""
    assert register.natural_key is not None
    key = register.natural_key(values)
    existing = register.find(session, key)
    if existing is not None and existing.deleted_at is None:
        action = "impor" if imported else "ubah"
        return update_record(session, register, key, values, actor, reason, action)
    return create_record(session, register, values, actor, "impor" if imported else "buat", reason)


def attach_file(session: Session, register: Register, key: str, file_ref: str, actor: Actor) -> Any:
    authorize(actor, register.permission)
    if register.file_field is None:
        raise InvalidInput(f"{register.title} tidak menyimpan berkas.")
    row = get_record(session, register, key)
    if row.deleted_at is not None:
        raise InvalidInput("Data ini sudah dihapus.")
    before = getattr(row, register.file_field) or ""
    setattr(row, register.file_field, file_ref)
    session.add(row)
    _audit(session, register, row, "berkas", actor, {"berkas": [before, file_ref]})
    return row


def delete_record(session: Session, register: Register, key: str, actor: Actor, reason: str) -> Any:
    """Soft: the row leaves every list and every IKU, and stays for the audit trail."""
    authorize(actor, register.permission)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Tuliskan alasan penghapusan.")
    if len(reason) > 500:
        raise InvalidInput("Alasan paling banyak 500 karakter.")
    row = get_record(session, register, key)
    if row.deleted_at is not None:
        raise InvalidInput("Data ini sudah dihapus.")
    row.deleted_at = utcnow()
    session.add(row)
    _audit(session, register, row, "hapus", actor, {}, reason)
    return row


def import_records(
    session: Session,
    register: Register,
    rows: Iterable[tuple[int, dict[str, str]]],
    actor: Actor,
    desa: Sequence[str] = (),
) -> int:
    """All or nothing: every row is checked first, each field and then the rules across
    fields; one bad row means none is stored, and the refusal names every bad row and
    column. The caller's transaction is the unit: a row refused while writing (the same
    document twice in one file) raises, and the caller rolls everything back."""
    authorize(actor, register.permission)
    parsed: list[tuple[int, dict[str, Any]]] = []
    problems: list[tuple[int, str, str]] = []
    for line, raw in rows:
        if len(problems) >= MAX_IMPORT_PROBLEMS:
            break
        if not any(v.strip() for v in raw.values()):
            continue
        values, found = read_fields(register, raw, desa)
        problems.extend((line, column, message) for column, message in found)
        if found:
            continue
        try:
            _check_row(session, register, values)
        except InvalidInput as exc:
            problems.append((line, "-", str(exc)))
            continue
        parsed.append((line, values))
    if problems:
        raise ImportRefused(problems)
    if not parsed:
        raise InvalidInput("Berkas tidak berisi data.")
    for line, values in parsed:
        try:
            _import_one(session, register, values, actor)
        except InvalidInput as exc:
            raise ImportRefused([(line, "-", str(exc))]) from None
    return len(parsed)


def _check_row(session: Session, register: Register, values: dict[str, Any]) -> None:
    """The rules across fields, on a row that is never added to the session."""
    row = register.model()
    _apply(register, row, values)
    register.check(session, row)


def _import_one(session: Session, register: Register, values: dict[str, Any], actor: Actor) -> None:
    if register.natural_key is not None:
        save_record(session, register, values, actor, imported=True)
    else:
        create_record(session, register, values, actor, action="impor")
