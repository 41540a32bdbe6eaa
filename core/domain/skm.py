"""SKM / IKM arithmetic of PermenPANRB 14/2017, computed with exact fractions.

The regulation's weight is 1/9 per unsur. Public spreadsheets that multiply by a rounded
0.111 report a different index, enough to cross a category boundary, so every step here
stays a ``Fraction`` and only the final 25..100 value is rounded (half up, 2 decimals).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from core.domain.numbers import round_half_up


class Unsur(StrEnum):
    """The nine unsur in the regulation's order (not the sample questionnaire's)."""

    U1 = "U1"
    U2 = "U2"
    U3 = "U3"
    U4 = "U4"
    U5 = "U5"
    U6 = "U6"
    U7 = "U7"
    U8 = "U8"
    U9 = "U9"

    @property
    def title(self) -> str:  # type: ignore[override]
        return UNSUR_NAMES[self]

    @property
    def field(self) -> str:
        """Column name that stores the answer to this unsur."""
        return self.value.lower()


# Each unsur with its column name, for loops that run per stored answer: an enum
# property costs a descriptor call each time (9 per answer, 9 million in a large import).
UNSUR_FIELDS: tuple[tuple[Unsur, str], ...] = tuple((u, u.value.lower()) for u in Unsur)

UNSUR_NAMES: dict[Unsur, str] = {
    Unsur.U1: "Persyaratan",
    Unsur.U2: "Sistem, Mekanisme, dan Prosedur",
    Unsur.U3: "Waktu Penyelesaian",
    Unsur.U4: "Biaya/Tarif",
    Unsur.U5: "Produk Spesifikasi Jenis Pelayanan",
    Unsur.U6: "Kompetensi Pelaksana",
    Unsur.U7: "Perilaku Pelaksana",
    Unsur.U8: "Penanganan Pengaduan, Saran dan Masukan",
    Unsur.U9: "Sarana dan Prasarana",
}

MIN_SCORE = 1
MAX_SCORE = 4


class Mutu(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"


KINERJA: dict[Mutu, str] = {
    Mutu.A: "Sangat Baik",
    Mutu.B: "Baik",
    Mutu.C: "Kurang Baik",
    Mutu.D: "Tidak Baik",
}

# Lower bounds of the converted (25..100) value, applied after rounding to 2 decimals.
_MUTU_FLOORS: tuple[tuple[Decimal, Mutu], ...] = (
    (Decimal("88.31"), Mutu.A),
    (Decimal("76.61"), Mutu.B),
    (Decimal("65.00"), Mutu.C),
)


def is_valid_score(value: int) -> bool:
    return MIN_SCORE <= value <= MAX_SCORE


@dataclass(frozen=True)
class UnsurTally:
    """Sum and count of the answers to one unsur; the only input NRR needs."""

    total: int = 0
    answers: int = 0

    def __add__(self, other: UnsurTally) -> UnsurTally:
        return UnsurTally(self.total + other.total, self.answers + other.answers)

    @property
    def nrr(self) -> Fraction | None:
        return Fraction(self.total, self.answers) if self.answers else None


def round_nilai(value: Fraction) -> Decimal:
    """Round a 25..100 value half up to 2 decimals, exactly (no float on the way)."""
    return round_half_up(value, 2)  # pragma: no mutate (2 is also the default places)


def mutu_for_nilai(nilai: Decimal) -> Mutu:
    """Category of a converted value already rounded to 2 decimals."""
    for floor, mutu in _MUTU_FLOORS:
        if nilai >= floor:
            return mutu
    return Mutu.D


@dataclass(frozen=True)
class IkmResult:
    respondents: int
    nrr: dict[Unsur, Fraction | None]
    ikm: Fraction | None

    @property
    def nilai(self) -> Decimal | None:
        """IKM unit pelayanan on the 25..100 scale, rounded to 2 decimals."""
        return None if self.ikm is None else round_nilai(self.ikm * 25)

    @property
    def mutu(self) -> Mutu | None:
        nilai = self.nilai
        return None if nilai is None else mutu_for_nilai(nilai)

    @property
    def kinerja(self) -> str | None:
        mutu = self.mutu
        return None if mutu is None else KINERJA[mutu]

    @property
    def strongest(self) -> Unsur | None:
        """The unsur with the highest NRR: what the office keeps doing."""
        answered = [(nrr, u) for u, nrr in self.nrr.items() if nrr is not None]
        if not answered:
            return None
        highest = max(nrr for nrr, _ in answered)
        return next(u for nrr, u in answered if nrr == highest)

    @property
    def weakest(self) -> Unsur | None:
        """The unsur with the lowest NRR: where the rencana tindak lanjut should aim."""
        answered = [(nrr, u) for u, nrr in self.nrr.items() if nrr is not None]
        if not answered:
            return None
        lowest = min(nrr for nrr, _ in answered)
        return next(u for nrr, u in answered if nrr == lowest)


def ikm_from_tallies(tallies: Mapping[Unsur, UnsurTally], respondents: int) -> IkmResult:
    """IKM = sum of NRR x 1/k over the k unsur that received answers (k = 9 normally).

    An unsur nobody answered is left out rather than counted as 0: a zero would drag the
    index below the scale's floor of 1, which no respondent said.
    """
    nrr = {u: tallies.get(u, UnsurTally()).nrr for u in Unsur}
    answered = [value for value in nrr.values() if value is not None]
    ikm = sum(answered, Fraction(0)) / len(answered) if answered else None
    return IkmResult(respondents=respondents, nrr=nrr, ikm=ikm)


def tally_answers(
    responses: Iterable[Mapping[Unsur, int | None]],
) -> tuple[dict[Unsur, UnsurTally], int]:
    """Tally raw answers per unsur; returns the tallies and the number of respondents."""
    totals = {u: UnsurTally() for u in Unsur}
    count = 0
    for response in responses:
        count += 1
        for unsur, score in response.items():
            if score is not None:
                totals[unsur] = totals[unsur] + UnsurTally(score, 1)
    return totals, count


def unsur_category(nrr: Fraction) -> Mutu:
    """The same rule applied to one unsur, NRR x 25."""
    return mutu_for_nilai(round_nilai(nrr * 25))


def krejcie_morgan_sample(population: int) -> int:
    """Minimum respondents for a population of service users (chi-square 3.841, P .5, d .05).

    Rounded to the nearest whole respondent: that reproduces every row of Krejcie &
    Morgan's published table (50 -> 44.34 -> 44, 2000 -> 322.35 -> 322), which a
    ceiling would not.
    """
    if population <= 0:  # pragma: no mutate (< 0 is equivalent: the formula gives 0 too)
        return 0
    chi = Fraction("3.841")
    n = Fraction(population)
    size = chi * n * Fraction(1, 4) / (Fraction("0.0025") * (n - 1) + chi * Fraction(1, 4))
    return math.floor(size + Fraction(1, 2))
