"""Exact rounding for figures that get signed: fractions in, half-up decimals out."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction


def round_half_up(value: Fraction | Decimal | int, places: int = 2) -> Decimal:
    exact = Fraction(value)
    scale = 10**places
    sign = -1 if exact < 0 else 1
    units = sign * math.floor(abs(exact) * scale + Fraction(1, 2))
    return Decimal(units).scaleb(-places)


def percentage(numerator: int, denominator: int) -> Fraction | None:
    return None if denominator == 0 else Fraction(numerator * 100, denominator)


def apportion(values: Sequence[Fraction], places: int) -> list[Decimal]:
    """Round each value to ``places`` so that the rounded parts add up exactly to the
    rounded whole (largest remainder): a table's column then sums to its printed total,
    as an auditor adding it up expects. Each part is off its own rounding by at most one
    unit in the last place."""
    scale = 10**places
    whole = math.floor(sum(values, Fraction(0)) * scale + Fraction(1, 2))
    floors = [math.floor(v * scale) for v in values]
    remainders = sorted(
        range(len(values)), key=lambda i: (values[i] * scale - floors[i], -i), reverse=True
    )
    for i in remainders[: whole - sum(floors)]:
        floors[i] += 1
    return [Decimal(units).scaleb(-places) for units in floors]
