"""Build each report from core's figures. No SQL and no formatting here: core computes,
the renderers format."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import Session

from core.config import Settings
from core.domain.performance import IkuCode
from core.domain.periods import Period
from core.services.access.offices import office_profile
from core.services.performance.digest import IkuChange, weekly_digest
from core.services.performance.iku import IkuValue, IndicatorLine, iku_for_period, indicator_lines
from core.services.performance.iku_course import month_ends, monthly_course
from reports.bulk import gc_paused
from reports.charts import line_chart, year_chart
from reports.complaints_report import OVERDUE_COLUMNS, build_complaints, overdue_rows
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
        value.code.value,
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


IKU_RULES = [
    "Aturan hitung: IKU1 setahun = dokumen bertanggal tahun itu; untuk triwulan atau "
    "periode lain = kumulatif sejak 1 Januari terhadap target tahunan (target triwulan, "
    "bila ditetapkan, di sampingnya).",
    "IKU3 = kegiatan direncanakan dalam periode (ditambah yang terlaksana tanpa rencana) "
    "yang terlaksana paling lambat akhir periode; kegiatan ditunda/batal tetap di penyebut.",
    "IKU4 = pengaduan tuntas (selesai atau bukan wewenang) paling lambat akhir periode / "
    "pengaduan diterima dalam periode, tanpa duplikat dan ditolak.",
    "IKU2 menurut PermenPANRB 14/2017; unsur tanpa jawaban tidak ikut dirata-rata. "
    "IKU5 dan IKU6 nilai tahunan. Capaian dihitung dari nilai yang ditampilkan.",
    "IKU6 = indikator program tercapai / seluruh indikator program tahun itu; indikator "
    "yang belum ada realisasinya dihitung belum tercapai dan disebut namanya.",
]
QUARTER_RULE = (
    "Kategori dan 'IKU mencapai target' pada triwulan ini dinilai terhadap target "
    "s.d. TW {q} (kumulatif) bila kantor menetapkannya, selain itu terhadap target tahunan."
)
MONTHLY = (IkuCode.IKU1, IkuCode.IKU2, IkuCode.IKU3, IkuCode.IKU4)  # IKU5/6: once a year
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


ANNUAL = (IkuCode.IKU5, IkuCode.IKU6)  # one value a year: a bar for the year
SCALES = {IkuCode.IKU2: (25.0, 100.0), IkuCode.IKU1: (0.0, None)}  # (base, ceiling)


def _iku_chart(
    value: IkuValue, labels: list[str], points: list[Decimal | None], period: Period
) -> Chart:
    title = f"{value.code.value} {value.name}"
    if value.code in ANNUAL:
        return year_chart(title, period.end.year, value.value, value.target, value.unit)
    base, ceiling = SCALES.get(value.code, (0.0, 100.0))
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
    report.notes += IKU_RULES
    course = [month for _, month in monthly_course(session, settings, period, last=COURSE_MONTHS)]
    labels = [f"{MONTHS[m.period.end.month - 1]} {m.period.end.year % 100:02d}" for m in course]
    latest = f", {COURSE_MONTHS} bulan terakhir" if len(month_ends(period)) > COURSE_MONTHS else ""
    report.tables.append(
        Table(
            "iku_bulanan",
            "Realisasi kumulatif sejak awal periode, per akhir bulan "
            f"(IKU5 dan IKU6 tahunan{latest})",
            ["Bulan", *(code.value for code in MONTHLY)],
            [
                [label, *(month.get(code).value for code in MONTHLY)]
                for label, month in zip(labels, course, strict=True)
            ],
        )
    )
    report.tables.append(_indicator_table(indicator_lines(session, period.end.year), period))
    for value in iku.indicators:
        points = [month.get(value.code).value for month in course]
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
        return f"{value.code.value} ({value.category})"
    return f"{value.code.value} ({value.category}, capaian {number(value.judged_capaian)} %)"


def _indicator_table(lines: list[IndicatorLine], period: Period) -> Table:
    """IKU6 counted out: every programme indicator of the year, whether it was achieved,
    and which have no realisation yet."""
    words = {True: "tercapai", False: "belum tercapai", None: "belum ada realisasi"}
    return Table(
        "iku6_indikator",
        f"Indikator program tahun {period.end.year} (IKU6)",
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
        value.code.value,
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


KINDS = ("weekly", "iku", "skm", "complaints")


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
    raise ValueError(f"report kind must be one of {', '.join(KINDS)}")
