"""The kabupaten's roll-up as a report (PDF, XLSX, HTML, text): every kecamatan's IKU for
the period, one league table per indicator, the SKM per unsur and the trantib complaints
per kecamatan, under the kabupaten's own kop and signatory."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from core.config import Settings
from core.domain.numbers import round_half_up
from core.domain.periods import Period
from core.domain.skm import Unsur
from core.services.kabupaten.rollup import IndicatorRollup, KabupatenRollup, kabupaten_rollup
from core.timeutil import utcnow
from reports.model import Cell, Report, Table, kabupaten_letterhead
from reports.numbers import number

NOTES = [
    "Tiap angka dihitung dari register kantor kecamatan itu sendiri, dengan aturan hitung "
    "yang sama dengan dasbor dan laporan IKU kantor itu; indikator dibandingkan menurut "
    "kode kamus indikator kabupaten, apa pun nomor dan rumusan IKU tiap kantor.",
    "Peringkat menurut capaian (terhadap target s.d. triwulan bila kantor menetapkannya); "
    "kantor tanpa capaian (belum ada data atau target) tidak diberi peringkat.",
]


def build_kabupaten(session: Session, settings: Settings, period: Period, today: date) -> Report:
    rollup = kabupaten_rollup(session, settings, period, today)
    report = Report(
        kind="kabupaten",
        title="Rekapitulasi Capaian IKU Kecamatan",
        office=settings.kabupaten,
        period=period,
        generated_at=utcnow().astimezone(settings.tz),
        summary=_summary(rollup),
        tables=[],
        letterhead=kabupaten_letterhead(settings),
    )
    report.tables += [_league(n, r) for n, r in enumerate(rollup.indicators, start=1)]
    report.tables += [_unsur(rollup), _trantib(rollup), _without_data(rollup)]
    report.notes += NOTES
    return report


def _summary(rollup: KabupatenRollup) -> list[tuple[str, Cell]]:
    lines: list[tuple[str, Cell]] = [("Kantor kecamatan", len(rollup.offices))]
    for r in rollup.indicators:
        median = f"median capaian {number(r.median)} %; " if r.median is not None else ""
        lines.append(
            (
                r.indicator.name,
                f"{median}{r.meeting_target} dari {len(r.standings)} mencapai target",
            )
        )
    return lines


def _league(n: int, r: IndicatorRollup) -> Table:
    """One indicator's league table; its key (an XLSX sheet name, at most 31 characters)
    numbered, so two long dictionary codes never share one."""
    rows: list[list[Cell]] = [
        [
            s.rank,
            s.office.name,
            f"{s.value.code} · {s.value.name}" if s.value.reworded else s.value.code,
            s.value.value,
            s.value.unit,
            s.value.judged_target,
            s.value.judged_capaian,
            s.value.category,
            s.verified_value if s.verified else None,
            "dikoreksi setelah verifikasi" if s.corrected_since else None,
        ]
        for s in r.standings
        if s.value.value is not None  # the others: "Kecamatan yang belum ada datanya"
    ]
    return Table(
        f"{n:02d}_{r.indicator.code.lower()}"[:31],
        r.indicator.name
        if r.indicator.code in r.indicator.name
        else f"{r.indicator.name} ({r.indicator.code})",
        [
            "Peringkat",
            "Kecamatan",
            "IKU",
            "Realisasi",
            "Satuan",
            "Target",
            "Capaian (%)",
            "Kategori",
            "Terverifikasi",
            "Keterangan",
        ],
        rows,
    )


def _unsur(rollup: KabupatenRollup) -> Table:
    rows: list[list[Cell]] = []
    for o in rollup.offices:
        weakest = o.skm.weakest
        nrr: list[Cell] = [None if n is None else round_half_up(n, 3) for n in o.skm.nrr.values()]
        rows.append(
            [o.name, o.skm.respondents, *nrr, o.skm.nilai, weakest.value if weakest else None]
        )
    columns = ["Kecamatan", "Responden", *(u.value for u in Unsur), "IKM", "Unsur terlemah"]
    return Table("skm_per_unsur", "SKM: nilai rata-rata per unsur (NRR 1–4)", columns, rows)


def _trantib(rollup: KabupatenRollup) -> Table:
    rows: list[list[Cell]] = [
        [
            o.name,
            o.trantib.received,
            o.trantib.counted,
            o.trantib.settled,
            o.trantib.settled_in_time,
            o.trantib.in_time_share,
            o.trantib.overdue_now,
        ]
        for o in rollup.offices
    ]
    columns = [
        "Kecamatan",
        "Diterima",
        "Dihitung",
        "Tuntas",
        "Tuntas tepat waktu",
        "Tepat waktu (%)",
        "Terlambat saat ini",
    ]
    return Table("pengaduan_per_kecamatan", "Pengaduan trantib per kecamatan", columns, rows)


def _lacks(r: IndicatorRollup, code: str) -> bool:
    return any(o.code == code for o in r.without_data)


def _without_data(rollup: KabupatenRollup) -> Table:
    """Which kecamatan have entered nothing yet for an indicator of the period."""
    rows: list[list[Cell]] = [
        [o.name, "; ".join(r.indicator.name for r in rollup.indicators if _lacks(r, o.code))]
        for o in rollup.offices
    ]
    rows = [row for row in rows if row[1]]
    return Table(
        "belum_ada_data", "Kecamatan yang belum ada datanya", ["Kecamatan", "Indikator"], rows
    )
