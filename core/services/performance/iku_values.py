"""What an IKU figure is: its value, target, capaian and band, or why it has none; and
an office's IKU for one period. Decided in ``core.services.performance.iku``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from core.domain.capaian import Direction
from core.domain.performance import IndicatorKind
from core.domain.periods import Period


class IkuStatus(StrEnum):
    OK = "ok"  # value and capaian
    NO_DATA = "no_data"  # nothing recorded for the period
    NO_TARGET = "no_target"  # a value, but no target set for the year
    TARGET_ZERO = "target_zero"  # target 0: capaian undefined, said so


# The category of an indicator that has no capaian, in the words every Indonesian
# surface prints (the web's English catalogue translates the status itself).
STATUS_WORDS = {
    IkuStatus.NO_DATA: "belum ada data",
    IkuStatus.NO_TARGET: "belum ada target",
    IkuStatus.TARGET_ZERO: "target 0: capaian tidak terdefinisi",
}


@dataclass(frozen=True)
class IkuValue:
    """One IKU's figure. ``code`` is the office's numbering ("IKU1"), ``kind`` how the
    value was found, ``indicator`` the kabupaten dictionary's code."""

    kind: IndicatorKind
    value: Decimal | None
    unit: str
    numerator: int | None = None
    denominator: int | None = None
    note: str | None = None
    target: Decimal | None = None
    direction: Direction = Direction.HIGHER_IS_BETTER
    capaian: Decimal | None = None
    status: IkuStatus = IkuStatus.NO_DATA
    quarter_target: Decimal | None = None  # a triwulan report: the office's own, if set
    quarter_capaian: Decimal | None = None
    band: str | None = None  # the capaian band (settings) of ``judged_capaian``
    grade: str | None = None  # SKM mutu / SAKIP predikat: a quality label, not a band
    unmeasured: tuple[str, ...] = ()  # IKU6: the indicators with no realisation yet
    code: str = ""  # set from the office's set (``as_chosen``)
    name: str = ""
    indicator: str = ""
    reworded: bool = False  # the office words it otherwise than the dictionary

    @property
    def judged_on_quarter(self) -> bool:
        """A triwulan with the office's own (cumulative) triwulan target is judged
        against that target, as the triwulan review of the Perjanjian Kinerja is; the
        annual target and the capaian against it are shown beside it."""
        return self.quarter_capaian is not None

    @property
    def judged_target(self) -> Decimal | None:
        return self.quarter_target if self.judged_on_quarter else self.target

    @property
    def judged_capaian(self) -> Decimal | None:
        return self.quarter_capaian if self.judged_on_quarter else self.capaian

    @property
    def meets_target(self) -> bool:
        judged = self.judged_capaian
        return judged is not None and judged >= 100

    @property
    def category(self) -> str:
        """The band in words, or why there is none."""
        return self.band or STATUS_WORDS.get(self.status, "-")


@dataclass(frozen=True)
class IkuReport:
    period: Period
    indicators: list[IkuValue]

    def find(self, code: str) -> IkuValue | None:
        """The office's IKU so numbered, if it reports one."""
        return next((i for i in self.indicators if i.code == code), None)

    def get(self, code: str) -> IkuValue:
        """The office's IKU so numbered, which the caller knows it reports."""
        found = self.find(code)
        if found is None:
            raise LookupError(f"{code} is not in this office's IKU set")
        return found

    def of_kind(self, kind: IndicatorKind) -> IkuValue | None:
        """The first IKU found that way (an office reports each computed kind once)."""
        return next((i for i in self.indicators if i.kind is kind), None)

    @property
    def meeting_target(self) -> list[IkuValue]:
        return [v for v in self.indicators if v.meets_target]

    @property
    def needing_attention(self) -> list[IkuValue]:
        """A value short of its target, or one that cannot be judged for want of a
        target: what the dashboard's headline and the report's summary both name."""
        return [v for v in self.indicators if v.value is not None and not v.meets_target]

    @property
    def without_data(self) -> list[IkuValue]:
        return [v for v in self.indicators if v.value is None]
