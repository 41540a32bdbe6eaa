"""Exact rounding for figures that get signed: fractions in, half-up decimals out."""

from __future__ import annotations

import math
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
