"""Capaian (domain.md §6) and SAKIP predikat (§3)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.capaian import Direction, UndefinedCapaian, capaian, is_achieved
from core.domain.numbers import round_half_up
from core.domain.sakip import InvalidSakipScore, predikat_for_score


def test_higher_is_better() -> None:
    assert capaian(Decimal(90), Decimal(80), Direction.HIGHER_IS_BETTER) == Fraction(225, 2)


def test_lower_is_better() -> None:
    # realisasi 6 against a ceiling of 8: (2 - 0.75) x 100 = 125%
    assert capaian(Decimal(6), Decimal(8), Direction.LOWER_IS_BETTER) == 125
    assert capaian(Decimal(10), Decimal(8), Direction.LOWER_IS_BETTER) == 75


@pytest.mark.parametrize("direction", list(Direction))
def test_target_zero_is_undefined_not_a_division(direction: Direction) -> None:
    with pytest.raises(UndefinedCapaian):
        capaian(Decimal(5), Decimal(0), direction)


positive = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10**6), places=2)


@given(positive, positive)
def test_meeting_the_target_exactly_is_100_percent_either_way(value: Decimal, _: Decimal) -> None:
    for direction in Direction:
        assert capaian(value, value, direction) == 100
        assert is_achieved(value, value, direction)


@given(positive, positive)
def test_directions_mirror_each_other_around_100(realisasi: Decimal, target: Decimal) -> None:
    higher = capaian(realisasi, target, Direction.HIGHER_IS_BETTER)
    lower = capaian(realisasi, target, Direction.LOWER_IS_BETTER)
    assert higher + lower == 200
    assert is_achieved(realisasi, target, Direction.HIGHER_IS_BETTER) == (higher >= 100)
    assert is_achieved(realisasi, target, Direction.LOWER_IS_BETTER) == (lower >= 100)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(1, 200), "0.01"),
        (Fraction(7665, 100) + Fraction(1, 200), "76.66"),
        (Fraction(-1, 200), "-0.01"),
        (Fraction(2, 3), "0.67"),
        (Fraction(1, 3), "0.33"),
    ],
)
def test_round_half_up_is_exact(value: Fraction, expected: str) -> None:
    assert round_half_up(value) == Decimal(expected)


@pytest.mark.parametrize(
    ("score", "code"),
    [
        ("100", "AA"),
        ("90.01", "AA"),
        ("90", "A"),
        ("80.01", "A"),
        ("80", "BB"),
        ("70", "B"),
        ("60.5", "B"),
        ("60", "CC"),
        ("50.01", "CC"),
        ("50", "C"),
        ("30.01", "C"),
        ("30", "D"),
        ("0", "D"),
    ],
)
def test_sakip_predikat_bands(score: str, code: str) -> None:
    assert predikat_for_score(Decimal(score)).code == code


@pytest.mark.parametrize("score", ["-0.01", "100.01"])
def test_sakip_score_outside_0_100_is_refused(score: str) -> None:
    with pytest.raises(InvalidSakipScore):
        predikat_for_score(Decimal(score))
