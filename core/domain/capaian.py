"""Capaian (achievement against target) as the Perjanjian Kinerja reviews use it."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

Number = Fraction | Decimal | int


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"


class UndefinedCapaian(ValueError):
    """A target of 0 leaves the ratio undefined; callers report that instead of a number."""


def capaian(realisasi: Number, target: Number, direction: Direction) -> Fraction:
    """Percentage, unrounded: realisasi/target x 100, or (2 - realisasi/target) x 100."""
    if target == 0:
        raise UndefinedCapaian("target 0: capaian tidak terdefinisi")
    ratio = Fraction(realisasi) / Fraction(target)
    if direction is Direction.LOWER_IS_BETTER:
        ratio = 2 - ratio
    return ratio * 100


def is_achieved(realisasi: Number, target: Number, direction: Direction) -> bool:
    if direction is Direction.LOWER_IS_BETTER:
        return Fraction(realisasi) <= Fraction(target)
    return Fraction(realisasi) >= Fraction(target)
