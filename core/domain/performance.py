"""Vocabulary of the IKU: the indicators Sigap computes, the registers behind them, and
the six IKU of Mumbulsari's decree, which is the set an office reads until it chooses
its own from the kabupaten's dictionary."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.domain.capaian import Direction


class ActivityStatus(StrEnum):
    DIRENCANAKAN = "direncanakan"
    TERLAKSANA = "terlaksana"
    DITUNDA = "ditunda"
    BATAL = "batal"


class DocumentKind(StrEnum):
    """The IKU1 document kinds named by the decree."""

    LAKIP = "lakip"
    ANJAB = "anjab"
    ABK = "abk"
    PETA_JABATAN = "peta-jabatan"
    EVALUASI_KELEMBAGAAN = "evaluasi-kelembagaan"
    LAPORAN_SISTEM_KERJA = "laporan-sistem-kerja"
    STANDAR_PELAYANAN = "standar-pelayanan"
    SOP_PELAYANAN = "sop-pelayanan"
    LAPORAN_SKM = "laporan-skm"
    LAPORAN_FKP = "laporan-fkp"
    PETA_PROSES_BISNIS = "peta-proses-bisnis"


class IndicatorKind(StrEnum):
    """How an indicator's value is found: one of the registers Sigap computes from, or
    a value the office enters per triwulan with its evidence."""

    DOCUMENTS = "dokumen"  # documents counted (the year to date)
    IKM = "ikm"  # the SKM's IKM
    ACTIVITIES = "kegiatan"  # activities held / planned, %
    TRANTIB = "trantib"  # trantib complaints settled / received, %
    SAKIP = "sakip"  # the year's SAKIP score
    PROGRAMS = "program"  # programme indicators achieved, %
    ENTERED = "isian"  # entered per triwulan, with evidence

    @property
    def annual(self) -> bool:
        """One value for the year, never a triwulan's own."""
        return self in (IndicatorKind.SAKIP, IndicatorKind.PROGRAMS)

    @property
    def share(self) -> bool:
        """A percentage of counted rows: its detail page lists what was counted."""
        return self in (IndicatorKind.ACTIVITIES, IndicatorKind.TRANTIB, IndicatorKind.PROGRAMS)


class Accumulation(StrEnum):
    """Cumulative: a triwulan's value adds to the year's (what was done so far).
    Snapshot: the latest value stands for the year (a score, a rate)."""

    CUMULATIVE = "kumulatif"
    SNAPSHOT = "sesaat"


@dataclass(frozen=True)
class Indicator:
    """An entry of the kabupaten's dictionary of indicators."""

    code: str  # the dictionary's own key: "TRANTIB-SELESAI"
    name: str
    unit: str
    kind: IndicatorKind
    direction: Direction = Direction.HIGHER_IS_BETTER
    accumulation: Accumulation = Accumulation.SNAPSHOT


class IkuCode(StrEnum):
    """The numbering of the default set (Mumbulsari's decree). An office's own set may
    number its IKU otherwise; code keys them by that label as a plain string."""

    IKU1 = "IKU1"
    IKU2 = "IKU2"
    IKU3 = "IKU3"
    IKU4 = "IKU4"
    IKU5 = "IKU5"
    IKU6 = "IKU6"


# Sigap's computed kinds, as the dictionary always holds them.
BUILT_IN_INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "DOKUMEN-ORTALA",
        "Jumlah dokumen penataan organisasi dan tata laksana",
        "dokumen",
        IndicatorKind.DOCUMENTS,
        accumulation=Accumulation.CUMULATIVE,
    ),
    Indicator("IKM", "Indeks Kepuasan Masyarakat (IKM)", "nilai IKM (25-100)", IndicatorKind.IKM),
    Indicator(
        "FASILITASI-KESRA",
        "Persentase fasilitasi kesejahteraan masyarakat",
        "%",
        IndicatorKind.ACTIVITIES,
    ),
    Indicator(
        "TRANTIB-SELESAI",
        "Persentase penyelesaian laporan pelanggaran trantib",
        "%",
        IndicatorKind.TRANTIB,
    ),
    Indicator("NILAI-SAKIP", "Nilai SAKIP OPD", "nilai SAKIP", IndicatorKind.SAKIP),
    Indicator(
        "INDIKATOR-PROGRAM",
        "Persentase indikator program yang tercapai",
        "%",
        IndicatorKind.PROGRAMS,
    ),
)

# The default set: Mumbulsari's decree, IKU1..IKU6 in that order.
DEFAULT_SET: tuple[tuple[str, Indicator], ...] = tuple(
    (code.value, indicator) for code, indicator in zip(IkuCode, BUILT_IN_INDICATORS, strict=True)
)
IKU_NAMES: dict[str, str] = {label: indicator.name for label, indicator in DEFAULT_SET}
