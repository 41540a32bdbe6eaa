"""Edges of the domain arithmetic that a silent change would move: band floors, the
quarter calendar, rounding at zero, and the words of a refusal. Values by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from core.domain.capaian import (
    DEFAULT_BANDS,
    Direction,
    UndefinedCapaian,
    capaian,
    capaian_band,
    parse_bands,
)
from core.domain.complaints import ComplaintState as S
from core.domain.complaints import IllegalTransition, check_transition
from core.domain.numbers import round_half_up
from core.domain.periods import InvalidPeriod, Period

BANDS = parse_bands(DEFAULT_BANDS)


@pytest.mark.parametrize(
    ("value", "band"),
    [
        ("91", "Sangat Tinggi"),  # exactly on a floor: that band
        ("90.99", "Tinggi"),
        ("76", "Tinggi"),
        ("75.99", "Sedang"),
        ("66", "Sedang"),
        ("51", "Rendah"),
        ("50.99", "Sangat Rendah"),
        ("0", "Sangat Rendah"),
        ("-5", "Sangat Rendah"),  # below every floor: the lowest band
    ],
)
def test_capaian_bands_start_at_their_floor(value: str, band: str) -> None:
    assert capaian_band(Decimal(value), BANDS) == band


def test_a_zero_target_is_named_not_computed() -> None:
    with pytest.raises(UndefinedCapaian, match="target 0"):
        capaian(5, 0, Direction.HIGHER_IS_BETTER)


@pytest.mark.parametrize(
    ("quarter", "start", "end"),
    [
        (1, date(2025, 1, 1), date(2025, 3, 31)),
        (2, date(2025, 4, 1), date(2025, 6, 30)),
        (3, date(2025, 7, 1), date(2025, 9, 30)),
        (4, date(2025, 10, 1), date(2025, 12, 31)),
    ],
)
def test_quarters_of_the_year(quarter: int, start: date, end: date) -> None:
    assert Period.quarter(2025, quarter) == Period(start, end)


@pytest.mark.parametrize("quarter", [0, 5, -1])
def test_there_are_four_quarters(quarter: int) -> None:
    with pytest.raises(InvalidPeriod, match=r"1\.\.4"):
        Period.quarter(2025, quarter)


@pytest.mark.parametrize("text", ["2025-Q3", "2025-q3", "2025Q3", " 2025q3 "])
def test_quarter_as_typed(text: str) -> None:
    assert Period.parse_quarter(text) == Period(date(2025, 7, 1), date(2025, 9, 30))


@pytest.mark.parametrize("text", ["2025-Q5", "2025-K3", "25-Q3", "2025-Q"])
def test_quarter_typed_wrong(text: str) -> None:
    with pytest.raises(InvalidPeriod, match="format triwulan"):
        Period.parse_quarter(text)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Fraction(0), "0.00"),  # never "-0.00" on a report
        (Fraction(-1, 1000), "0.00"),  # a tiny negative rounds to plain zero
        (Fraction(-5, 1000), "-0.01"),  # half away from zero
        (Fraction(5, 1000), "0.01"),
        (Fraction(2, 3), "0.67"),
    ],
)
def test_rounding_half_up_as_printed(value: Fraction, shown: str) -> None:
    assert str(round_half_up(value, 2)) == shown


def test_an_illegal_move_says_what_is_allowed() -> None:
    with pytest.raises(IllegalTransition) as refused:
        check_transition(S.DIPROSES, S.DITERIMA)
    assert str(refused.value) == (
        "Status 'diproses' tidak bisa diubah ke 'diterima' (yang boleh: bukan_wewenang, selesai)"
    )
    assert (refused.value.current, refused.value.target) == (S.DIPROSES, S.DITERIMA)
    with pytest.raises(IllegalTransition) as closed:
        check_transition(S.DITOLAK, S.DIPROSES)
    assert str(closed.value).endswith("(yang boleh: tidak ada)")


def test_bands_as_an_office_writes_them() -> None:
    """Any order in the setting; highest floor first after parsing; a label may hold ':'."""
    bands = parse_bands("51:Rendah;91:Sangat Tinggi;0:Kurang: perlu pembinaan;76:Tinggi")
    assert bands == (
        (Decimal(91), "Sangat Tinggi"),
        (Decimal(76), "Tinggi"),
        (Decimal(51), "Rendah"),
        (Decimal(0), "Kurang: perlu pembinaan"),
    )
    assert parse_bands("100:A;9:B") == ((Decimal(100), "A"), (Decimal(9), "B"))  # as numbers
    for bad in ("91", "91:", "91: ", "91:A;;50:B"):
        with pytest.raises(ValueError, match="ANGKA:LABEL"):
            parse_bands(bad)


def test_the_zero_target_message_is_the_one_reports_show() -> None:
    with pytest.raises(UndefinedCapaian) as undefined:
        capaian(1, 0, Direction.LOWER_IS_BETTER)
    assert str(undefined.value) == "target 0: capaian tidak terdefinisi"
