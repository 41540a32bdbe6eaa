"""Build each report from core's figures. No SQL and no formatting here: core computes,
the renderers format."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session

from core.config import Settings
from core.domain.capaian import capaian_band
from core.domain.performance import IkuCode
from core.domain.periods import Period
from core.services.digest import IkuChange, weekly_digest
from core.services.iku import IkuStatus, IkuValue, iku_for_period
from reports.bulk import gc_paused
from reports.charts import line_chart, year_chart
from reports.complaints_report import OVERDUE_COLUMNS, build_complaints, overdue_rows
from reports.model import Cell, Chart, Report, Table, new_report
from reports.skm_report import build_skm

STATUS_TEXT = {
    IkuStatus.NO_DATA: "tidak ada data",
    IkuStatus.NO_TARGET: "target belum ditetapkan",
    IkuStatus.TARGET_ZERO: "target 0: capaian tidak terdefinisi",
}
MONTHS = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]


def iku_category(value: IkuValue, settings: Settings) -> str:
    if value.status is IkuStatus.OK and value.capaian is not None:
        return capaian_band(value.capaian, settings.bands)
    return STATUS_TEXT.get(value.status, "-")


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
]
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


def _month_ends(period: Period) -> list[date]:
    ends, day = [], period.start
    while day <= period.end:
        next_month = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        ends.append(min(next_month - timedelta(days=1), period.end))
        day = next_month
    return ends


def build_iku(session: Session, settings: Settings, period: Period) -> Report:
    """The six IKU with the counts beneath them and, per indicator, its course through
    the months (cumulative from the period's start, as the annual target reads)."""
    report = new_report("iku", "Laporan Capaian Indikator Kinerja Utama", settings, period)
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
    report.tables.append(Table("iku", "Capaian IKU", columns, rows))
    report.notes += IKU_RULES
    ends = _month_ends(period)
    course = [iku_for_period(session, settings, Period(period.start, end)) for end in ends]
    labels = [f"{MONTHS[end.month - 1]} {end.year % 100:02d}" for end in ends]
    report.tables.append(
        Table(
            "iku_bulanan",
            "Realisasi kumulatif per bulan",
            ["Bulan", *(v.code.value for v in iku.indicators)],
            [
                [label, *(v.value for v in month.indicators)]
                for label, month in zip(labels, course, strict=True)
            ],
        )
    )
    for value in iku.indicators:
        points = [month.get(value.code).value for month in course]
        report.charts.append(_iku_chart(value, labels, points, period))
    achieved = [v for v in iku.indicators if v.capaian is not None and v.capaian >= 100]
    report.summary = [
        ("IKU dengan data", sum(1 for v in iku.indicators if v.value is not None)),
        ("IKU mencapai target", len(achieved)),
    ]
    return report


def _change_row(change: IkuChange) -> list[Cell]:
    value = change.current
    return [value.code.value, value.name, value.value, value.target, value.capaian, change.change]


def build_weekly(
    session: Session, settings: Settings, today: date, week: Period | None = None
) -> Report:
    digest = weekly_digest(session, settings, today, week)
    report = new_report("weekly", "Ringkasan Mingguan IKU", settings, digest.week)
    report.extra["digest"] = digest
    report.tables.append(
        Table(
            "iku",
            f"IKU sampai {digest.year_to_date.end.isoformat()}",
            ["Kode", "Indikator", "Realisasi", "Target", "Capaian (%)", "Perubahan seminggu"],
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
