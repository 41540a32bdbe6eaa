"""IKM arithmetic of PermenPANRB 14/2017 (shared/domain.md §2)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.numbers import apportion, round_half_up
from core.domain.skm import (
    KINERJA,
    Mutu,
    Unsur,
    UnsurTally,
    ikm_from_tallies,
    krejcie_morgan_sample,
    mutu_for_nilai,
    tally_answers,
    unsur_category,
)


def same_tally_for_all(total: int, answers: int) -> dict[Unsur, UnsurTally]:
    return {u: UnsurTally(total, answers) for u in Unsur}


def reference_nilai(responses: list[dict[Unsur, int | None]]) -> Decimal | None:
    """Independent reference: 50-digit Decimal division, half-up quantize."""
    nrrs = []
    for unsur in Unsur:
        scores = [r[unsur] for r in responses if r.get(unsur) is not None]
        if scores:
            nrrs.append(Fraction(sum(s for s in scores if s is not None), len(scores)))
    if not nrrs:
        return None
    exact = sum(nrrs, Fraction(0)) / len(nrrs) * 25
    with localcontext() as ctx:
        ctx.prec = 50
        value = Decimal(exact.numerator) / Decimal(exact.denominator)
        return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def reference_mutu(nilai: Decimal) -> str:
    if nilai >= Decimal("88.31"):
        return "A"
    if nilai >= Decimal("76.61"):
        return "B"
    if nilai >= Decimal("65.00"):
        return "C"
    return "D"


answer = st.one_of(st.none(), st.integers(min_value=1, max_value=4))
response = st.fixed_dictionaries({u: answer for u in Unsur})


@given(st.lists(response, min_size=1, max_size=60))
def test_ikm_matches_exact_fraction_reference(responses: list[dict[Unsur, int | None]]) -> None:
    tallies, count = tally_answers(responses)
    result = ikm_from_tallies(tallies, count)
    expected = reference_nilai(responses)
    assert result.respondents == len(responses)
    assert result.nilai == expected
    if expected is not None:
        assert result.mutu is not None and result.mutu.value == reference_mutu(expected)
        assert Decimal(25) <= expected <= Decimal(100)


def test_exact_weight_differs_from_rounded_weight_across_a_boundary() -> None:
    # Every unsur NRR = 3.534: exact IKM 3.534 -> 88.35 (A). A spreadsheet weighting by
    # 0.111 gets 9 x 3.534 x 0.111 x 25 = 88.26 (B): a different category.
    result = ikm_from_tallies(same_tally_for_all(1767, 500), 500)
    assert result.ikm == Fraction("3.534")
    assert result.nilai == Decimal("88.35")
    assert result.mutu is Mutu.A
    rounded_weight = sum(Decimal("3.534") * Decimal("0.111") for _ in Unsur) * 25
    assert mutu_for_nilai(rounded_weight.quantize(Decimal("0.01"))) is Mutu.B


@pytest.mark.parametrize(
    ("total", "answers", "nilai", "mutu"),
    [
        (25996, 10000, "64.99", Mutu.D),
        (26, 10, "65.00", Mutu.C),
        (3064, 1000, "76.60", Mutu.C),
        (30644, 10000, "76.61", Mutu.B),
        (30642, 10000, "76.61", Mutu.B),  # 76.605 rounds half up into B
        (3532, 1000, "88.30", Mutu.B),
        (35324, 10000, "88.31", Mutu.A),
        (4, 4, "25.00", Mutu.D),
        (16, 4, "100.00", Mutu.A),
    ],
)
def test_category_boundaries(total: int, answers: int, nilai: str, mutu: Mutu) -> None:
    result = ikm_from_tallies(same_tally_for_all(total, answers), answers)
    assert result.nilai == Decimal(nilai)
    assert result.mutu is mutu
    assert result.kinerja == KINERJA[mutu]


def test_unanswered_unsur_is_left_out_not_counted_as_zero() -> None:
    tallies = {u: UnsurTally(3, 1) for u in Unsur}
    tallies[Unsur.U4] = UnsurTally(0, 0)  # nobody answered Biaya/Tarif
    result = ikm_from_tallies(tallies, 1)
    assert result.nrr[Unsur.U4] is None
    assert result.ikm == Fraction(3)
    assert result.nilai == Decimal("75.00")


def test_unanswered_items_only_reduce_that_unsurs_count() -> None:
    responses: list[dict[Unsur, int | None]] = [
        {u: 4 for u in Unsur},
        {**{u: 2 for u in Unsur}, Unsur.U9: None},
    ]
    tallies, count = tally_answers(responses)
    result = ikm_from_tallies(tallies, count)
    assert count == 2
    assert result.nrr[Unsur.U1] == Fraction(3)
    assert result.nrr[Unsur.U9] == Fraction(4)
    assert result.ikm == (8 * Fraction(3) + 4) / 9


def test_no_answers_is_no_data() -> None:
    result = ikm_from_tallies({}, 0)
    assert result.ikm is None and result.nilai is None and result.mutu is None
    assert result.weakest is None


def test_weakest_unsur_is_lowest_nrr_first_in_order_on_ties() -> None:
    tallies = {u: UnsurTally(35, 10) for u in Unsur}
    tallies[Unsur.U8] = UnsurTally(28, 10)
    tallies[Unsur.U3] = UnsurTally(28, 10)
    assert ikm_from_tallies(tallies, 10).weakest is Unsur.U3


def test_unsur_category_uses_nrr_times_25() -> None:
    assert unsur_category(Fraction("3.5324")) is Mutu.A
    assert unsur_category(Fraction("3.532")) is Mutu.B


@pytest.mark.parametrize(
    ("population", "sample"),
    [
        (10, 10),
        (50, 44),
        (100, 80),
        (200, 132),
        (300, 169),
        (500, 217),
        (1000, 278),
        (2000, 322),
        (5000, 357),
        (10000, 370),
        (100000, 383),
    ],
)
def test_krejcie_morgan_rows(population: int, sample: int) -> None:
    assert krejcie_morgan_sample(population) == sample


@given(st.integers(min_value=1, max_value=10**7))
def test_krejcie_morgan_never_exceeds_population_and_grows(population: int) -> None:
    sample = krejcie_morgan_sample(population)
    assert 1 <= sample <= population
    assert krejcie_morgan_sample(population + 1) >= sample


@given(
    st.lists(st.fractions(min_value=0, max_value=4, max_denominator=10_000), max_size=9),
    st.integers(min_value=0, max_value=5),
)
def test_apportioned_parts_add_up_to_the_rounded_whole(values: list[Fraction], places: int) -> None:
    """The weighted NRR column of the SKM report sums to the IKM (1-4) printed under it."""
    parts = apportion(values, places)
    assert sum(parts, Decimal(0)) == round_half_up(sum(values, Fraction(0)), places)
    unit = Fraction(1, 10**places)
    assert all(abs(Fraction(p) - v) < unit for p, v in zip(parts, values, strict=True))


def test_apportioning_fixes_what_rounding_each_row_breaks() -> None:
    thirds = [Fraction(1, 3)] * 3  # each 0.33 on its own: the column would add to 0.99
    assert apportion(thirds, 2) == [Decimal("0.34"), Decimal("0.33"), Decimal("0.33")]
