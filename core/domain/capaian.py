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


# Permendagri 86/2017's bands for the level of achievement; regions differ, so the office
# may replace them (SIGAP_CAPAIAN_BANDS). Each band: the lowest capaian (%) it starts at.
DEFAULT_BANDS = "91:Sangat Tinggi;76:Tinggi;66:Sedang;51:Rendah;0:Sangat Rendah"


def parse_bands(text: str) -> tuple[tuple[Decimal, str], ...]:
    """'91:Sangat Tinggi;76:Tinggi;...' → ((91, 'Sangat Tinggi'), ...), highest first."""
    bands = []
    for part in text.split(";"):
        floor, sep, label = part.partition(":")
        if not sep or not label.strip():
            raise ValueError(f"band '{part}' harus berbentuk ANGKA:LABEL")
        bands.append((Decimal(floor.strip()), label.strip()))
    if not bands:
        raise ValueError("tidak ada band")
    return tuple(sorted(bands, key=lambda band: band[0], reverse=True))


def capaian_band(value: Decimal, bands: tuple[tuple[Decimal, str], ...]) -> str:
    """The band of a (displayed, rounded) capaian; below every floor, the lowest band."""
    for floor, label in bands:
        if value >= floor:
            return label
    return bands[-1][1]
