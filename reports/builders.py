"""Build each report from core's figures. No SQL and no formatting here: core computes,
the renderers format."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import Session

from core.config import Settings
from core.domain.performance import IndicatorKind
from core.domain.periods import Period
from core.services.access.offices import office_profile
from core.services.performance.digest import IkuChange, weekly_digest
from core.services.performance.iku import (
    IkuReport,
    IkuValue,
    IndicatorLine,
    iku_for_period,
    indicator_lines,
)
from core.services.performance.iku_course import month_ends, monthly_course
from reports.bulk import gc_paused
from reports.charts import line_chart, year_chart
from reports.complaints_report import OVERDUE_COLUMNS, build_complaints, overdue_rows
from reports.kabupaten_report import build_kabupaten
from reports.lkjip import add_lkjip_sections
from reports.model import Cell, Chart, Report, Table, new_report
from reports.numbers import number
from reports.skm_report import build_skm

MONTHS = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]

COURSE_MONTHS = 24  # a range of years shows its last two years of months, as the dashboard


def iku_category(value: IkuValue, settings: Settings) -> str:
    """Core decides the category (`IkuValue.category`), so every surface prints one."""
    return value.category


def _quarter_cells(value: IkuValue) -> list[Cell]:
    return [value.quarter_target, value.quarter_capaian]


def _iku_row(value: IkuValue, settings: Settings) -> list[Cell]:
    return [
        value.code,
        value.name,
        value.unit,
        value.target,
        value.value,
        value.capaian,
        iku_category(value, settings),
        value.numerator,
        value.denominator,
        value.note,
    ]


# How each kind is counted, said with the office's own number for it ({code}).
RULES = {
    IndicatorKind.DOCUMENTS: "{code} setahun = dokumen bertanggal tahun itu; untuk triwulan "
    "atau periode lain = kumulatif sejak 1 Januari terhadap target tahunan (target triwulan, "
    "bila ditetapkan, di sampingnya).",
    IndicatorKind.ACTIVITIES: "{code} = kegiatan direncanakan dalam periode (ditambah yang "
    "terlaksana tanpa rencana) yang terlaksana paling lambat akhir periode; kegiatan "
    "ditunda/batal tetap di penyebut.",
    IndicatorKind.TRANTIB: "{code} = pengaduan tuntas (selesai atau bukan wewenang) paling "
    "lambat akhir periode / pengaduan diterima dalam periode, tanpa duplikat dan ditolak.",
    IndicatorKind.IKM: "{code} menurut PermenPANRB 14/2017; unsur tanpa jawaban tidak ikut "
    "dirata-rata.",
    IndicatorKind.SAKIP: "{code} = nilai SAKIP tahun itu (nilai tahunan).",
    IndicatorKind.PROGRAMS: "{code} = indikator program tercapai / seluruh indikator program "
    "tahun itu (nilai tahunan); indikator yang belum ada realisasinya dihitung belum "
    "tercapai dan disebut namanya.",
    IndicatorKind.ENTERED: "{code} = realisasi yang diisi kantor per triwulan beserta buktinya, "
    "dinilai pada triwulan terakhir periode; triwulan yang belum diisi tidak dianggap nol.",
}
RULES_CLOSING = "Capaian dihitung dari nilai yang ditampilkan."


def iku_rules(iku: IkuReport) -> list[str]:
    """The counting rules of the IKU the office reports, each under its own number."""
    rules = [RULES[v.kind].format(code=v.code) for v in iku.indicators]
    return ["Aturan hitung: " + rules[0], *rules[1:], RULES_CLOSING] if rules else []


QUARTER_RULE = (
    "Kategori dan 'IKU mencapai target' pada triwulan ini dinilai terhadap target "
    "s.d. TW {q} (kumulatif) bila kantor menetapkannya, selain itu terhadap target tahunan."
)
IKU_COLUMNS = [
    "Kode",
    "Indikator",
    "Satuan",
    "Target",
    "Realisasi",
    "Capaian (%)",
    "Kategori",
    "Pembilang",
    "Penyebut",
    "Keterangan",
]


# (base, ceiling) of a chart's scale; a share runs 0..100
SCALES = {IndicatorKind.IKM: (25.0, 100.0), IndicatorKind.DOCUMENTS: (0.0, None)}


def _iku_chart(
    value: IkuValue, labels: list[str], points: list[Decimal | None], period: Period
) -> Chart:
    title = f"{value.code} {value.name}"
    if value.kind.annual:
        return year_chart(title, period.end.year, value.value, value.target, value.unit)
    unbounded = value.kind is IndicatorKind.ENTERED and value.unit != "%"
    base, ceiling = SCALES.get(value.kind, (0.0, None if unbounded else 100.0))
    return line_chart(
        title, labels, points, target=value.target, base=base, unit=value.unit, ceiling=ceiling
    )


def build_iku(session: Session, settings: Settings, period: Period) -> Report:
    """The six IKU with the counts beneath them and, per indicator, its course through
    the months (cumulative from the period's start, as the annual target reads)."""
    report = new_report(
        "iku", "Laporan Capaian Indikator Kinerja Utama", settings, period, office_profile(session)
    )
    iku = iku_for_period(session, settings, period)
    rows = [_iku_row(v, settings) for v in iku.indicators]
    columns = IKU_COLUMNS
    quarter = period.quarter_number
    if quarter is not None and any(v.quarter_target is not None for v in iku.indicators):
        columns = [
            *IKU_COLUMNS,
            f"Target s.d. TW {quarter}",
            f"Capaian thd target TW {quarter} (%)",
        ]
        rows = [row + _quarter_cells(v) for row, v in zip(rows, iku.indicators, strict=True)]
        report.notes.append(QUARTER_RULE.format(q=quarter))
    report.tables.append(Table("iku", "Capaian IKU", columns, rows))
    report.notes += iku_rules(iku)
    course = [month for _, month in monthly_course(session, settings, period, last=COURSE_MONTHS)]
    labels = [f"{MONTHS[m.period.end.month - 1]} {m.period.end.year % 100:02d}" for m in course]
    latest = f", {COURSE_MONTHS} bulan terakhir" if len(month_ends(period)) > COURSE_MONTHS else ""
    monthly = [v.code for v in iku.indicators if not v.kind.annual]
    annual = " dan ".join(v.code for v in iku.indicators if v.kind.annual)
    report.tables.append(
        Table(
            "iku_bulanan",
            "Realisasi kumulatif sejak awal periode, per akhir bulan "
            f"({annual + ' tahunan' if annual else 'semua IKU'}{latest})",
            ["Bulan", *monthly],
            [
                [label, *(_value_at(month, code) for code in monthly)]
                for label, month in zip(labels, course, strict=True)
            ],
        )
    )
    programs = iku.of_kind(IndicatorKind.PROGRAMS)
    if programs is not None:
        lines = indicator_lines(session, period.end.year)
        report.tables.append(_indicator_table(lines, period, programs.code))
    for value in iku.indicators:
        points = [_value_at(month, value.code) for month in course]
        report.charts.append(_iku_chart(value, labels, points, period))
    report.summary = [
        ("IKU dengan data", sum(1 for v in iku.indicators if v.value is not None)),
        ("IKU mencapai target", len(iku.meeting_target)),
        ("IKU perlu perhatian", "; ".join(map(_attention, iku.needing_attention)) or "-"),
    ]
    add_lkjip_sections(report, session, settings, period)  # Bab III: reports/lkjip.py
    return report


def _attention(value: IkuValue) -> str:
    """Why an IKU needs attention, as the dashboard's headline says it: its band and
    capaian, or that it has no target to be judged against."""
    if value.judged_capaian is None:
        return f"{value.code} ({value.category})"
    return f"{value.code} ({value.category}, capaian {number(value.judged_capaian)} %)"


def _value_at(month: IkuReport, code: str) -> Decimal | None:
    found = month.find(code)
    return found.value if found else None


def _indicator_table(lines: list[IndicatorLine], period: Period, code: str) -> Table:
    """The programme-indicator IKU counted out: every programme indicator of the year,
    whether it was achieved, and which have no realisation yet."""
    words = {True: "tercapai", False: "belum tercapai", None: "belum ada realisasi"}
    return Table(
        "iku6_indikator",
        f"Indikator program tahun {period.end.year} ({code})",
        ["Indikator", "Satuan", "Target", "Realisasi", "Capaian (%)", "Keterangan"],
        [
            [
                line.indicator.name,
                line.indicator.unit,
                line.indicator.target,
                line.indicator.realisation,
                line.capaian,
                words[line.achieved],
            ]
            for line in lines
        ],
    )


def _change_row(change: IkuChange) -> list[Cell]:
    value = change.current
    return [
        value.code,
        value.name,
        value.value,
        value.target,
        value.capaian,
        value.category,
        change.change,
    ]


def build_weekly(
    session: Session, settings: Settings, today: date, week: Period | None = None
) -> Report:
    digest = weekly_digest(session, settings, today, week)
    report = new_report(
        "weekly", "Ringkasan Mingguan IKU", settings, digest.week, office_profile(session)
    )
    report.extra["digest"] = digest
    report.tables.append(
        Table(
            "iku",
            f"IKU sampai {digest.year_to_date.end.isoformat()}",
            [
                "Kode",
                "Indikator",
                "Realisasi",
                "Target",
                "Capaian (%)",
                "Kategori",
                "Perubahan seminggu",
            ],
            [_change_row(c) for c in digest.iku],
        )
    )
    report.tables.append(
        Table(
            "terlambat",
            "Pengaduan terlambat terlama",
            OVERDUE_COLUMNS,
            overdue_rows(digest.oldest_overdue),
        )
    )
    weakest = digest.skm.weakest
    report.summary = [
        ("Minggu", str(digest.week)),
        ("Pengaduan diterima", digest.complaints["received"]),
        ("Pengaduan selesai", digest.complaints["resolved"]),
        ("Pengaduan terbuka", digest.complaints["open"]),
        ("Pengaduan terlambat", digest.overdue_total),
        ("Responden SKM tahun ini", digest.skm.respondents),
        ("IKM tahun ini (25-100)", digest.skm.nilai),
        ("Unsur terlemah", f"{weakest.name} {weakest.title}" if weakest else "-"),
        ("Kegiatan terlaksana", digest.activities_held),
        ("Kegiatan direncanakan", digest.activities_planned),
    ]
    return report


KINDS = ("weekly", "iku", "skm", "complaints", "kabupaten")


def build_report(
    kind: str,
    session: Session,
    settings: Settings,
    period: Period,
    today: date,
    service_users: int | None = None,
    list_limit: int | None = None,
    week: Period | None = None,
) -> Report:
    """Any report by name; the weekly one covers ``week``, by default the week before
    ``today``. ``list_limit``: see `build_complaints`."""
    with gc_paused():
        if kind == "weekly":
            return build_weekly(session, settings, today, week)
        return _build_report(kind, session, settings, period, today, service_users, list_limit)


def _build_report(
    kind: str,
    session: Session,
    settings: Settings,
    period: Period,
    today: date,
    service_users: int | None,
    list_limit: int | None,
) -> Report:
    if kind == "iku":
        return build_iku(session, settings, period)
    if kind == "skm":
        return build_skm(session, settings, period, service_users)
    if kind == "complaints":
        return build_complaints(session, settings, period, today, list_limit)
    if kind == "kabupaten":
        return build_kabupaten(session, settings, period, today)
    raise ValueError(f"report kind must be one of {', '.join(KINDS)}")
