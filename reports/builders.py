"""Build each report from core's figures. No SQL and no formatting here: core computes,
the renderers format."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session

from core.config import Settings
from core.domain.capaian import capaian_band
from core.domain.numbers import round_half_up
from core.domain.periods import Period
from core.domain.skm import Unsur, krejcie_morgan_sample, unsur_category
from core.services.complaint_stats import ComplaintLine, complaint_recap
from core.services.digest import IkuChange, weekly_digest
from core.services.iku import IkuStatus, IkuValue, iku_for_period
from core.services.skm import saran_in_period, skm_summary
from core.timeutil import utcnow
from reports.bulk import gc_paused
from reports.charts import bar_chart, line_chart
from reports.model import Cell, Report, Table

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


def _month_ends(period: Period) -> list[date]:
    ends, day = [], period.start
    while day <= period.end:
        next_month = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        ends.append(min(next_month - timedelta(days=1), period.end))
        day = next_month
    return ends


def _new(kind: str, title: str, settings: Settings, period: Period) -> Report:
    return Report(
        kind=kind,
        title=title,
        office=f"{settings.office_name}, {settings.kabupaten}",
        period=period,
        generated_at=utcnow().astimezone(settings.tz),
        summary=[],
        tables=[],
    )


def build_iku(session: Session, settings: Settings, period: Period) -> Report:
    """The six IKU with the counts beneath them and, per indicator, its course through
    the months (cumulative from the period's start, as the annual target reads)."""
    report = _new("iku", "Laporan Capaian Indikator Kinerja Utama", settings, period)
    iku = iku_for_period(session, settings, period)
    report.tables.append(
        Table("iku", "Capaian IKU", IKU_COLUMNS, [_iku_row(v, settings) for v in iku.indicators])
    )
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
        report.charts.append(line_chart(f"{value.code.value} {value.name}", labels, points))
    achieved = [v for v in iku.indicators if v.capaian is not None and v.capaian >= 100]
    report.summary = [
        ("Periode", str(period)),
        ("IKU dengan data", sum(1 for v in iku.indicators if v.value is not None)),
        ("IKU mencapai target", len(achieved)),
    ]
    return report


def _nrr(value: object) -> Decimal | None:
    return None if value is None else round_half_up(value, 3)  # type: ignore[arg-type]


def build_skm(
    session: Session, settings: Settings, period: Period, service_users: int | None = None
) -> Report:
    """In the layout units publish under PermenPANRB 14/2017."""
    report = _new("skm", "Laporan Survei Kepuasan Masyarakat", settings, period)
    summary = skm_summary(session, period)
    result = summary.result
    answered = [u for u in Unsur if result.nrr.get(u) is not None]
    unsur_rows: list[list[Cell]] = []
    for unsur in Unsur:
        nrr = result.nrr.get(unsur)
        unsur_rows.append(
            [
                unsur.name,
                unsur.title,
                _nrr(nrr),
                _nrr(nrr / len(answered)) if nrr is not None else None,
                round_half_up(nrr * 25) if nrr is not None else None,
                unsur_category(nrr).value if nrr is not None else "-",
            ]
        )
    report.tables.append(
        Table(
            "unsur",
            "Nilai per unsur",
            ["Unsur", "Nama", "NRR", "NRR tertimbang", "Nilai (25-100)", "Mutu"],
            unsur_rows,
        )
    )
    report.tables.append(
        Table(
            "layanan",
            "IKM per jenis layanan",
            ["Layanan", "Responden", "IKM (25-100)", "Mutu", "Kinerja"],
            [
                [code, r.respondents, r.nilai, r.mutu.value if r.mutu else "-", r.kinerja or "-"]
                for code, r in summary.per_service.items()
            ],
        )
    )
    report.tables.append(
        Table(
            "profil",
            "Profil responden",
            ["Dimensi", "Nilai", "Responden"],
            [
                [dimension, value, count]
                for dimension, values in summary.profile.items()
                for value, count in sorted(values.items())
            ],
        )
    )
    saran = saran_in_period(session, period)
    report.tables.append(
        Table(
            "saran",
            "Saran dan masukan",
            ["Tanggal", "Layanan", "Saran"],
            [[s.tanggal, s.service, s.text] for s in saran],
        )
    )
    weakest = result.weakest
    report.summary = [
        ("Periode", str(period)),
        ("Responden", result.respondents),
        ("IKM (25-100)", result.nilai),
        ("Mutu", result.mutu.value if result.mutu else "-"),
        ("Kinerja unit", result.kinerja or "-"),
        ("Unsur terlemah", f"{weakest.name} {weakest.title}" if weakest else "-"),
    ]
    if service_users is not None:
        minimum = krejcie_morgan_sample(service_users)
        report.summary += [
            ("Pengguna layanan", service_users),
            ("Sampel minimum (Krejcie-Morgan)", minimum),
            ("Sampel memadai", "ya" if result.respondents >= minimum else "tidak"),
        ]
    if weakest is not None:
        report.notes.append(
            f"Rencana tindak lanjut diarahkan pada unsur terlemah: {weakest.name} "
            f"{weakest.title} (NRR {_nrr(result.nrr[weakest])})."
        )
    if answered:
        report.charts.append(
            bar_chart(
                "NRR per unsur",
                [u.name for u in answered],
                [float(result.nrr[u] or 0) for u in answered],
            )
        )
    return report


def _overdue_rows(lines: list[ComplaintLine]) -> list[list[Cell]]:
    """One comprehension, no helper call per line: a year's list has ~50,000 lines."""
    return [
        [ln.code, ln.category, ln.desa or "-", ln.state, ln.received, ln.due_date, ln.days_overdue]
        for ln in lines
    ]


OVERDUE_COLUMNS = ["Tiket", "Kategori", "Desa", "Status", "Diterima", "Batas", "Hari terlambat"]


def build_complaints(
    session: Session,
    settings: Settings,
    period: Period,
    today: date,
    list_limit: int | None = None,
) -> Report:
    """Reporter identities never appear; rahasia complaints only in the counts. With
    ``list_limit``, the overdue list holds only its oldest entries (and its full count):
    what a printed page shows, without loading tens of thousands of rows."""
    report = _new("complaints", "Rekap Pengaduan Trantib", settings, period)
    recap = complaint_recap(session, settings, period, today, list_limit)
    for key, title, counts in (
        ("kategori", "Menurut kategori", recap.by_category),
        ("kanal", "Menurut kanal", recap.by_channel),
        ("desa", "Menurut desa", recap.by_desa),
        ("status", "Menurut status", recap.by_state),
    ):
        rows: list[list[Cell]] = [[name, count] for name, count in counts.items()]
        report.tables.append(Table(key, title, [title.split()[-1].title(), "Jumlah"], rows))
    report.tables.append(
        Table(
            "terlambat",
            "Pengaduan melewati batas waktu",
            OVERDUE_COLUMNS,
            _overdue_rows(recap.overdue),
            total=recap.overdue_listable,
        )
    )
    report.summary = [
        ("Periode", str(period)),
        ("Diterima", recap.received),
        ("Selesai", recap.resolved),
        ("Selesai dalam batas layanan (%)", recap.within_level_share),
        ("Median jam sampai ditanggapi", recap.median_hours_to_acknowledge),
        ("Median jam sampai selesai", recap.median_hours_to_resolve),
        ("Terlambat (terbuka)", recap.overdue_listable + recap.overdue_secret),
    ]
    if recap.overdue_secret:
        report.notes.append(
            f"{recap.overdue_secret} pengaduan rahasia yang terlambat dihitung, tidak dirinci."
        )
    if recap.by_category:
        report.charts.append(
            bar_chart(
                "Pengaduan menurut kategori",
                list(recap.by_category),
                [float(v) for v in recap.by_category.values()],
            )
        )
    return report


def _change_row(change: IkuChange) -> list[Cell]:
    value = change.current
    return [value.code.value, value.name, value.value, value.target, value.capaian, change.change]


def build_weekly(session: Session, settings: Settings, today: date) -> Report:
    digest = weekly_digest(session, settings, today)
    report = _new("weekly", "Ringkasan Mingguan IKU", settings, digest.week)
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
            _overdue_rows(digest.oldest_overdue),
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
) -> Report:
    """Any report by name; the weekly one covers the week before ``today``, whatever
    ``period`` says. ``list_limit``: see `build_complaints`."""
    with gc_paused():
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
    if kind == "weekly":
        return build_weekly(session, settings, today)
    raise ValueError(f"report kind must be one of {', '.join(KINDS)}")
