"""SAKIP predikat of PermenPANRB 88/2021 from the evaluator's 0..100 score."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Predikat:
    code: str
    interpretation: str


# (exclusive lower bound, predikat): a score must be strictly above the bound.
_BANDS: tuple[tuple[Decimal, Predikat], ...] = (
    (Decimal(90), Predikat("AA", "Sangat Memuaskan")),
    (Decimal(80), Predikat("A", "Memuaskan")),
    (Decimal(70), Predikat("BB", "Sangat Baik")),
    (Decimal(60), Predikat("B", "Baik")),
    (Decimal(50), Predikat("CC", "Cukup (Memadai)")),
    (Decimal(30), Predikat("C", "Kurang")),
)
_LOWEST = Predikat("D", "Sangat Kurang")

MIN_SCORE = Decimal(0)
MAX_SCORE = Decimal(100)


class InvalidSakipScore(ValueError):
    pass


def predikat_for_score(score: Decimal) -> Predikat:
    if not MIN_SCORE <= score <= MAX_SCORE:
        raise InvalidSakipScore(f"Nilai SAKIP harus 0..100, bukan {score}")
    for bound, predikat in _BANDS:
        if score > bound:
            return predikat
    return _LOWEST
