"""The IKU report's sections for the LKjIP's Bab III (Akuntabilitas Kinerja): the year by
triwulan, the same period in earlier years, the Renstra end-of-period target and the gap
to it, and the analysis staff wrote (faktor pendorong, penghambat, upaya).

Each section is a `Table` like any other, so XLSX and JSON carry it as a sheet and a
key; HTML, PDF and chat text lay them out in ``lkjip.html.j2`` / ``lkjip.txt.j2``
(the general table loop leaves the keys in ``APART`` to them). Core computes; nothing
here counts or queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from core.config import Settings
from core.domain.periods import Period
from core.services.kabupaten.verification import VerifiedFigure, submission
from core.services.performance.iku import IkuReport, iku_for_period
from core.services.performance.iku_analysis import TEXTS, AnalysisPeriod, analyses_for
from core.services.performance.lkjip import (
    change,
    earlier_reports,
    period_label,
    quarter_course,
    renstra_lines,
    year_targets,
)
from reports.model import Cell, Report, Table

QUARTERS = ("I", "II", "III", "IV")
APART = ("iku_triwulan", "iku_tahunan", "iku_renstra", "iku_analisis")
QUARTER_NOTE = (
    "Realisasi tiap triwulan sama dengan laporan triwulan itu (lihat aturan hitung tiap "
    "IKU). Capaian dinilai terhadap target s.d. triwulan bila ditetapkan, selain itu "
    "terhadap target tahunan.{annual} Triwulan yang belum dimulai dikosongkan."
)
VERIFIED_NOTE = (
    " {quarters}: angka yang diverifikasi kabupaten (dikunci); bila angka hari ini berbeda, "
    "selisihnya ada di tabel Koreksi setelah verifikasi."
)
UNCHANGED_NOTE = "Tidak ada angka triwulan terverifikasi yang berubah sejak diverifikasi."
ANNUAL_NOTE = " {codes} bernilai tahunan (lihat tabel Capaian IKU)."
RENSTRA_NOTE = (
    "Target Renstra diambil dari Renstra yang periodenya mencakup tahun laporan (register "
    "Target akhir periode Renstra). Selisih = realisasi − target Renstra; untuk indikator "
    "yang makin tinggi makin baik, selisih negatif berarti target Renstra belum tercapai."
)
NO_ANALYSIS = (
    "Analisis capaian (faktor pendorong, faktor penghambat, upaya) ditulis per tahun atau "
    "per triwulan di halaman tiap IKU; laporan untuk rentang tanggal bebas tidak memuatnya."
)


@dataclass(frozen=True)
class LkjipSections:
    """What ``lkjip.html.j2`` lays out, in the order of Bab III."""

    quarters: Table
    earlier: Table
    renstra: Table
    analysis: Table | None
    analysis_period: str | None
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def tables(self) -> list[Table]:
        found = [self.quarters, self.earlier, self.renstra, self.analysis]
        return [table for table in found if table is not None]

    @property
    def unwritten(self) -> list[str]:
        """The IKU nobody has written an analysis for yet (named, so someone does)."""
        if self.analysis is None:
            return []
        return [str(row[0]) for row in self.analysis.rows if not any(row[2:])]


def add_lkjip_sections(
    report: Report, session: Session, settings: Settings, period: Period
) -> None:
    """Appends the Bab III sections to an IKU report of ``period``."""
    current = iku_for_period(session, settings, period)
    earlier = earlier_reports(session, settings, period)
    when = AnalysisPeriod.of(period)
    verified = _verified_quarters(session, current.period.end.year)
    sections = LkjipSections(
        quarters=_quarter_table(session, settings, current, report, verified),
        earlier=_earlier_table(current, earlier),
        renstra=_renstra_table(session, current),
        analysis=_analysis_table(session, current, when) if when else None,
        analysis_period=when.label if when else None,
        notes={"iku_triwulan": _quarter_note(current, verified), "iku_renstra": RENSTRA_NOTE},
    )
    report.tables += sections.tables
    if verified:
        changed = _verified_table(session, settings, current, report, verified)
        if changed.rows:
            report.tables.append(changed)
        else:
            report.notes.append(UNCHANGED_NOTE)
    report.extra["lkjip"] = sections
    report.extra["apart"] = APART
    if when is None:
        report.notes.append(NO_ANALYSIS)


def _quarter_note(current: IkuReport, verified: dict[int, dict[str, VerifiedFigure]]) -> str:
    annual = " dan ".join(v.code for v in current.indicators if v.kind.annual)
    note = QUARTER_NOTE.format(annual=ANNUAL_NOTE.format(codes=annual) if annual else "")
    if verified:
        names = ", ".join(f"TW {QUARTERS[q - 1]}" for q in sorted(verified))
        note += VERIFIED_NOTE.format(quarters=names)
    return note


def _verified_quarters(session: Session, year: int) -> dict[int, dict[str, VerifiedFigure]]:
    """The year's triwulan the kabupaten verified: their locked figures by indicator."""
    found = {}
    for quarter in range(1, 5):
        submitted = submission(session, year, quarter)
        figures = submitted.verified() if submitted else {}
        if figures:
            found[quarter] = figures
    return found


def _verified_table(
    session: Session,
    settings: Settings,
    current: IkuReport,
    report: Report,
    verified: dict[int, dict[str, VerifiedFigure]],
) -> Table:
    """Each verified triwulan's locked figure beside today's: a correction made after
    verification shows here as a difference, never silently."""
    year = current.period.end.year
    today = report.generated_at.date()
    course = {f.quarter: f for f in quarter_course(session, settings, year, today)}
    rows: list[list[Cell]] = []
    for quarter, figures in sorted(verified.items()):
        for iku in current.indicators:
            locked = figures.get(iku.indicator)
            if locked is None or iku.kind.annual:  # annual ones have no triwulan figure
                continue
            live = course[quarter].value(iku.code) if quarter in course else None
            now = live.value if live else None
            if now == locked.value:
                continue  # unchanged since it was verified
            gap = now - locked.value if now is not None and locked.value is not None else None
            rows.append([iku.code, f"TW {QUARTERS[quarter - 1]}", locked.value, now, gap])
    columns = ["Kode", "Triwulan", "Realisasi terverifikasi", "Realisasi hari ini", "Selisih"]
    title = "Koreksi setelah verifikasi: angka terverifikasi dan angka hari ini"
    return Table("iku_terverifikasi", title, columns, rows)


def _quarter_table(
    session: Session,
    settings: Settings,
    current: IkuReport,
    report: Report,
    verified: dict[int, dict[str, VerifiedFigure]],
) -> Table:
    """Per IKU: the annual target, then per triwulan its target, realisation, capaian."""
    year = current.period.end.year
    targets = year_targets(session, year)
    course = quarter_course(session, settings, year, report.generated_at.date())
    columns = ["Kode", "Target tahun"]
    for name in QUARTERS:
        columns += [f"Target s.d. TW {name}", f"Realisasi TW {name}", f"Capaian TW {name} (%)"]
    rows: list[list[Cell]] = []
    for code in (v.code for v in current.indicators):
        target = targets.get(code)
        row: list[Cell] = [code, target.target if target else None]
        for figures in course:
            value = figures.value(code)
            locked = verified.get(figures.quarter, {}).get(value.indicator) if value else None
            row += [
                target.quarter_target(figures.quarter) if target else None,
                locked.value if locked else value.value if value else None,
                locked.capaian if locked else value.judged_capaian if value else None,
            ]
        rows.append(row)
    return Table("iku_triwulan", f"Target dan capaian per triwulan tahun {year}", columns, rows)


def _earlier_table(current: IkuReport, earlier: list[IkuReport]) -> Table:
    """Realisation and capaian of the same period in the years Sigap holds, and the
    change against the year before."""
    reports = [*earlier, current]
    labels = [period_label(r.period) for r in reports]
    columns = ["Kode", "Satuan"]
    for label in labels:
        columns += [f"Realisasi {label}", f"Capaian {label} (%)"]
    if earlier:
        columns.append(f"Perubahan realisasi thd {labels[-2]}")
    rows: list[list[Cell]] = []
    for value in current.indicators:
        row: list[Cell] = [value.code, value.unit]
        for r in reports:
            then = r.find(value.code)
            row += [then.value if then else None, then.judged_capaian if then else None]
        if earlier:
            before = earlier[-1].find(value.code)
            row.append(change(value.value, before.value if before else None))
        rows.append(row)
    title = "Perbandingan dengan periode yang sama tahun-tahun sebelumnya"
    if not earlier:
        title += " (Sigap belum menyimpan data tahun sebelumnya)"
    return Table("iku_tahunan", title, columns, rows)


def _renstra_word(reached: bool | None, has_target: bool) -> str:
    if not has_target:
        return "belum ada target Renstra"
    if reached is None:
        return "belum ada data"
    return "target Renstra sudah tercapai" if reached else "target Renstra belum tercapai"


def _renstra_table(session: Session, current: IkuReport) -> Table:
    label = period_label(current.period)
    columns = [
        "Kode",
        "Satuan",
        "Periode Renstra",
        "Target akhir Renstra",
        f"Realisasi {label}",
        "Selisih (realisasi − target)",
        "Capaian thd target Renstra (%)",
        "Keterangan",
    ]
    rows: list[list[Cell]] = [
        [
            line.value.code,
            line.value.unit,
            f"s.d. {line.renstra.end_year}" if line.renstra else None,
            line.renstra.target if line.renstra else None,
            line.value.value,
            line.gap,
            line.capaian,
            _renstra_word(line.reached, line.renstra is not None),
        ]
        for line in renstra_lines(session, current)
    ]
    return Table("iku_renstra", "Target akhir periode Renstra dan selisihnya", columns, rows)


def _analysis_table(session: Session, current: IkuReport, when: AnalysisPeriod) -> Table:
    """Every IKU of the office, the unwritten ones with empty texts (an XLSX row to fill in)."""
    written = analyses_for(session, current.period)
    rows: list[list[Cell]] = []
    for value in current.indicators:
        analysis = written.get(value.code)
        texts: list[Cell] = [getattr(analysis, name) if analysis else None for name in TEXTS]
        rows.append([value.code, value.name, *texts])
    columns = [
        "Kode",
        "Indikator",
        "Faktor pendorong",
        "Faktor penghambat",
        "Upaya / rencana tindak lanjut",
    ]
    return Table("iku_analisis", f"Analisis capaian kinerja {when.label}", columns, rows)
