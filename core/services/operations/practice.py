"""The practice database of `sigap chat`: its own file, so trials never reach the
office's figures, with the office's staff and services so the dialogs behave as in the
real one."""

from __future__ import annotations

from sqlmodel import Session, SQLModel, select

from core.models import Office, OfficeArea, OfficeIku, Service, Staff
from core.scope import across_offices, writing_across_offices

# Offices first: every other row names one. A deployment's every office is copied, so a
# staff member of any of them practises in their own office.
REFERENCE: tuple[type[SQLModel], ...] = (Office, OfficeArea, OfficeIku, Staff, Service)


def copy_reference_data(source: Session, practice: Session) -> int:
    """Staff and services the practice database lacks, copied with their ids (so
    `--staff 3` is the same officer there); how many rows were copied."""
    copied = 0
    with writing_across_offices(practice):
        for model in REFERENCE:
            kept = {_key(model, r) for r in practice.exec(across_offices(select(model))).all()}
            for row in source.exec(across_offices(select(model))).all():
                if _key(model, row) not in kept:
                    practice.add(model.model_validate(row.model_dump()))
                    copied += 1
            practice.flush()
    return copied


def _key(model: type[SQLModel], row: SQLModel) -> object:
    """The row's primary key as ``Session.get`` takes it (one value, or a tuple)."""
    names = [c.name for c in model.__table__.primary_key.columns]  # type: ignore[attr-defined]
    values = tuple(getattr(row, name) for name in names)
    return values[0] if len(values) == 1 else values
