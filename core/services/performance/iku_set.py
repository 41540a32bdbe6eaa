"""Which IKU an office reports: its set, chosen from the kabupaten's dictionary with its
own numbering and wording. Every figure, page and report walks ``office_set``, so an
office that renumbers, rewords, drops or adds an indicator sees it everywhere at once.

An office without a set of its own (none chosen, or all put aside) reads the default:
the six IKU of Mumbulsari's decree, exactly as before sets existed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from sqlmodel import Session, col, select

from core.domain.access import Permission
from core.domain.capaian import Direction
from core.domain.performance import (
    BUILT_IN_INDICATORS,
    DEFAULT_SET,
    Accumulation,
    Indicator,
    IndicatorKind,
)
from core.errors import InvalidInput
from core.models import DictionaryIndicator, OfficeIku
from core.services.access.authz import OPERATOR, Actor, authorize

# An office's number for an IKU, in addresses as it is: capitals, a digit somewhere (so
# never a word an address already uses, "impor"), and never "Q2-..." (a triwulan's key).
IKU_LABEL = re.compile(r"(?!Q[0-9]-)(?=[A-Z.-]*[0-9])[A-Z][A-Z0-9.-]{0,11}", re.ASCII)
INDICATOR_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,29}", re.ASCII)
BUILT_IN = {i.code: i for i in BUILT_IN_INDICATORS}
_E = TypeVar("_E", bound=StrEnum)


@dataclass(frozen=True)
class ChosenIku:
    """One IKU as the office reports it."""

    label: str  # the office's numbering: "IKU1"
    indicator: Indicator
    name: str  # the office's wording, else the dictionary's

    @property
    def kind(self) -> IndicatorKind:
        return self.indicator.kind

    @property
    def reworded(self) -> bool:
        return self.name != self.indicator.name


DEFAULT_CHOSEN: tuple[ChosenIku, ...] = tuple(
    ChosenIku(label, indicator, indicator.name) for label, indicator in DEFAULT_SET
)


def _from_row(row: DictionaryIndicator) -> Indicator:
    return Indicator(row.code, row.name, row.unit, row.kind, row.direction, row.accumulation)


def dictionary(session: Session) -> list[Indicator]:
    """Sigap's six computed indicators, then the kabupaten's own in code order."""
    rows = session.exec(select(DictionaryIndicator).order_by(col(DictionaryIndicator.code)))
    return [*BUILT_IN_INDICATORS, *(_from_row(r) for r in rows)]


def find_indicator(session: Session, code: str) -> Indicator | None:
    if code in BUILT_IN:
        return BUILT_IN[code]
    row = session.get(DictionaryIndicator, code)
    return _from_row(row) if row is not None else None


def office_set(session: Session) -> list[ChosenIku]:
    """The session's office's IKU in its order; the default set if it chose none."""
    rows = session.exec(
        select(OfficeIku)
        .where(col(OfficeIku.deleted_at).is_(None))
        .order_by(col(OfficeIku.position), col(OfficeIku.label))
    ).all()
    chosen = []
    for row in rows:
        indicator = find_indicator(session, row.indicator_code)
        if indicator is not None:  # a register check keeps codes known; never guessed
            chosen.append(ChosenIku(row.label, indicator, row.name or indicator.name))
    return chosen or list(DEFAULT_CHOSEN)


def chosen_iku(session: Session, label: str) -> ChosenIku | None:
    return next((c for c in office_set(session) if c.label == label), None)


def add_dictionary_indicator(
    session: Session,
    code: str,
    name: str,
    unit: str,
    kind: str = IndicatorKind.ENTERED.value,
    direction: str = Direction.HIGHER_IS_BETTER.value,
    accumulation: str = Accumulation.SNAPSHOT.value,
    actor: Actor = OPERATOR,
) -> Indicator:
    """A new entry of the kabupaten's dictionary; refused whole on any bad part."""
    authorize(actor, Permission.MANAGE_KABUPATEN)
    code, name, unit = code.strip().upper(), name.strip(), unit.strip()
    if not INDICATOR_CODE.fullmatch(code):
        raise InvalidInput(
            "Kode indikator 2–30 huruf besar, angka atau '-' / "
            "indicator code: 2–30 capitals, digits or '-'"
        )
    if find_indicator(session, code) is not None:
        raise InvalidInput(f"Kode indikator {code} sudah ada / already in the dictionary")
    if not name or len(name) > 255:
        raise InvalidInput("Nama indikator 1–255 karakter / indicator name: 1–255 characters")
    if not unit or len(unit) > 40:
        raise InvalidInput("Satuan 1–40 karakter / unit: 1–40 characters")
    row = DictionaryIndicator(
        code=code,
        name=name,
        unit=unit,
        kind=_one_of(IndicatorKind, kind, "Cara hitung / kind"),
        direction=_one_of(Direction, direction, "Arah / direction"),
        accumulation=_one_of(Accumulation, accumulation, "Akumulasi / accumulation"),
    )
    session.add(row)
    session.flush()
    return _from_row(row)


def _one_of(enum: type[_E], text: str, label: str) -> _E:
    try:
        return enum(text.strip().lower())
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise InvalidInput(f"{label}: salah satu dari {allowed}") from None
