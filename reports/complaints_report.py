"""The complaints recap, reconciled the way an auditor re-counts IKU4: received, minus
the excluded, counted, settled by the period's end, and the IKU4 value; every table
says the date its figures are as of."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from core.config import Settings
from core.domain.complaints import ComplaintState
from core.domain.numbers import percentage, round_half_up
from core.domain.periods import Period
from core.services.access.offices import office_profile
from core.services.complaints.stats import (
    NO_DESA,
    SECRET_ROW,
    ComplaintLine,
    ComplaintRecap,
    complaint_recap,
)
from reports.charts import bar_chart
from reports.model import Cell, Report, Table, new_report

OVERDUE_COLUMNS = ["Tiket", "Kategori", "Desa", "Status", "Diterima", "Batas", "Hari terlambat"]
EXCLUDED_TEXT = {
    "duplikat": "Dikurangi: duplikat (dihitung pada laporan aslinya)",
    "ditolak": "Dikurangi: ditolak (bukan pengaduan trantib)",
}
SETTLED_TEXT = {
    "selesai": "selesai",
    "bukan_wewenang": "bukan wewenang (dirujuk ke instansi berwenang)",
}


def overdue_rows(lines: list[ComplaintLine]) -> list[list[Cell]]:
    """One comprehension, no helper call per line: a year's list has ~50,000 lines."""
    return [
        [
            ln.code,
            ln.category,
            ln.desa or NO_DESA,
            ln.state,
            ln.received,
            ln.due_date,
            ln.days_overdue,
        ]
        for ln in lines
    ]


def _day(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def reconciliation(recap: ComplaintRecap) -> list[list[Cell]]:
    """From what came in to the IKU4 value, one step per line."""
    end = _day(recap.period.end)
    settled = sum(recap.settled_by_state.values())
    share = percentage(settled, recap.counted)
    rows: list[list[Cell]] = [["Diterima dalam periode (semua kanal)", recap.received]]
    rows += [[EXCLUDED_TEXT[state], n] for state, n in recap.excluded.items()]
    rows.append(["Dihitung (penyebut IKU4)", recap.counted])
    rows += [
        [f"Tuntas s.d. {end}: {SETTLED_TEXT[state]}", n]
        for state, n in recap.settled_by_state.items()
    ]
    rows.append([f"Tuntas s.d. {end} (pembilang IKU4)", settled])
    rows.append(["IKU4 (%)", None if share is None else round_half_up(share)])
    return rows


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
    report = new_report(
        "complaints", "Rekap Pengaduan Trantib", settings, period, office_profile(session)
    )
    recap = complaint_recap(session, settings, period, today, list_limit)
    received = f"diterima {_day(period.start)} s.d. {_day(period.end)}"
    report.tables.append(
        Table("rekonsiliasi", "Rekonsiliasi IKU4", ["Langkah", "Jumlah"], reconciliation(recap))
    )
    for key, heading, title, counts in (
        ("kategori", "Kategori", f"Menurut kategori ({received})", recap.by_category),
        ("kanal", "Kanal", f"Menurut kanal ({received})", _channel_labels(recap)),
        ("desa", "Desa", f"Menurut desa ({received})", recap.by_desa),
        ("status", "Status", f"Menurut status saat ini (per {_day(today)})", _state_labels(recap)),
    ):
        rows: list[list[Cell]] = [[name, count] for name, count in counts.items()]
        rows.append(["Jumlah", sum(counts.values())])  # = received: an auditor re-counts
        report.tables.append(Table(key, title, [heading, "Jumlah"], rows))
    report.tables.append(
        Table(
            "terlambat",
            f"Pengaduan {received} yang masih terbuka melewati batas waktu (per {_day(today)})",
            OVERDUE_COLUMNS,
            overdue_rows(recap.overdue),
            total=recap.overdue_listable,
        )
    )
    report.summary = _summary(recap, period, today)
    _notes_and_chart(report, recap)
    return report


CHANNEL_LABELS = {
    "telegram": "Telegram",
    "whatsapp": "WhatsApp",
    "lisan": "Lisan (datang langsung)",
    "surat": "Surat",
    "sp4n-lapor": "SP4N-LAPOR!",
    "media-sosial": "Media sosial",
    "kanal-kabupaten": "Kanal pengaduan kabupaten",
}


def _channel_labels(recap: ComplaintRecap) -> dict[str, int]:
    return {CHANNEL_LABELS.get(name, name): n for name, n in recap.by_channel.items()}


def _state_labels(recap: ComplaintRecap) -> dict[str, int]:
    return {ComplaintState(state).label: n for state, n in recap.by_state.items()}


def _summary(recap: ComplaintRecap, period: Period, today: date) -> list[tuple[str, Cell]]:
    end = _day(period.end)
    return [
        ("Diterima", recap.received),
        ("Dihitung untuk IKU4", recap.counted),
        (f"Tuntas s.d. {end}", sum(recap.settled_by_state.values())),
        ("Tuntas dalam batas layanan (%)", recap.within_level_share),
        ("Median jam sampai ditanggapi", recap.median_hours_to_acknowledge),
        ("Median jam sampai tuntas", recap.median_hours_to_resolve),
        (
            f"Terlambat, masih terbuka (per {_day(today)})",
            recap.overdue_listable + recap.overdue_secret,
        ),
    ]


def _notes_and_chart(report: Report, recap: ComplaintRecap) -> None:
    report.notes.append(
        "Aturan hitung IKU4: diterima dalam periode dari semua kanal, dikurangi duplikat dan "
        "ditolak; tuntas = selesai atau bukan wewenang dengan tanggal tuntas paling lambat "
        "akhir periode; laporan yang dibuka kembali belum tuntas sampai dituntaskan lagi."
    )
    if recap.overdue_secret:
        report.notes.append(
            f"{recap.overdue_secret} pengaduan rahasia yang terlambat dihitung, tidak dirinci."
        )
    if SECRET_ROW in recap.by_category:
        report.notes.append(
            "Pengaduan rahasia ikut dihitung pada tabel kategori dan desa sebagai satu baris "
            f"'{SECRET_ROW}', tanpa kategori atau desanya, agar setiap tabel berjumlah sama "
            "dengan jumlah diterima."
        )
    if recap.by_category:
        report.charts.append(
            bar_chart(
                "Pengaduan menurut kategori",
                list(recap.by_category),
                [float(v) for v in recap.by_category.values()],
            )
        )
