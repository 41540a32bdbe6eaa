"""The practice database of `sigap chat`: its own file, so trials never reach the
office's figures, with the office's staff and services so the dialogs behave as in the
real one."""

from __future__ import annotations

from sqlmodel import Session, SQLModel, select

from core.models import Service, Staff

REFERENCE: tuple[type[SQLModel], ...] = (Staff, Service)


def copy_reference_data(source: Session, practice: Session) -> int:
    """Staff and services the practice database lacks, copied with their ids (so
    `--staff 3` is the same officer there); how many rows were copied."""
    copied = 0
    for model in REFERENCE:
        for row in source.exec(select(model)).all():
            key = row.id  # type: ignore[attr-defined]
            if practice.get(model, key) is None:
                practice.add(model.model_validate(row.model_dump()))
                copied += 1
    return copied
