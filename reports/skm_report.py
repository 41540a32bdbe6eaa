"""The SKM report in the chapters units publish under PermenPANRB 14/2017: the period and
the respondents against the Krejcie–Morgan minimum, NRR and weighted NRR per unsur with
their total (the IKM on 1–4, beside 25–100), mutu and kinerja, the weakest and strongest
unsur, the residents' suggestions, and the office's rencana tindak lanjut."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from sqlmodel import Session

from core.config import Settings
from core.domain.numbers import apportion, round_half_up
from core.domain.periods import Period
from core.domain.skm import IkmResult, Unsur, krejcie_morgan_sample, unsur_category
from core.models import SkmFollowUp
from core.services.access.offices import office_profile
from core.services.survey.follow_up import follow_ups_for
from core.services.survey.skm import (
    JENIS_KELAMIN,
    PEKERJAAN,
    PENDIDIKAN,
    PROFILE_DIMENSIONS,
    USIA_BANDS,
    list_services,
    saran_in_period,
    skm_summary,
)
from reports.charts import bar_chart
from reports.lkjip_skm import add_skm_sections
from reports.model import Cell, Report, Table, new_report
from reports.numbers import number

PLACES = 4  # NRR and weighted NRR, as published reports print them
DIMENSION_LABELS = {
    "jenis_kelamin": "Jenis kelamin",
    "usia": "Usia",
    "pendidikan": "Pendidikan terakhir",
    "pekerjaan": "Pekerjaan utama",
}
VALUE_ORDER: dict[str, tuple[str, ...]] = {
    "jenis_kelamin": JENIS_KELAMIN,
    "usia": tuple(label for _, _, label in USIA_BANDS),
    "pendidikan": PENDIDIKAN,
    "pekerjaan": PEKERJAAN,
}
VALUE_LABELS = {
    "L": "Laki-laki",
    "P": "Perempuan",
    "<=20": "20 tahun ke bawah",
    "21-30": "21–30 tahun",
    "31-40": "31–40 tahun",
    "41-50": "41–50 tahun",
    ">50": "di atas 50 tahun",
    "swasta": "Pegawai swasta",
    "wirausaha": "Wirausaha",
    "lainnya": "Lainnya",
}


def unsur_rows(result: IkmResult) -> list[list[Cell]]:
    """NRR and weighted NRR per unsur, then their total: the weighted column is rounded
    so that it adds up to the IKM (1–4) printed beneath it."""
    answered = [u for u in Unsur if result.nrr.get(u) is not None]
    weight = Fraction(1, len(answered)) if answered else Fraction(0)
    weighted = dict(
        zip(answered, apportion([result.nrr[u] * weight for u in answered], PLACES), strict=True)  # type: ignore[operator]
    )
    rows: list[list[Cell]] = []
    for unsur in Unsur:
        nrr = result.nrr.get(unsur)
        rows.append(
            [
                unsur.name,
                unsur.title,
                None if nrr is None else round_half_up(nrr, PLACES),
                weighted.get(unsur),
                None if nrr is None else round_half_up(nrr * 25),
                unsur_category(nrr).value if nrr is not None else "tidak dijawab",
            ]
        )
    ikm = None if result.ikm is None else round_half_up(result.ikm, PLACES)
    mutu = result.mutu.value if result.mutu else "-"
    rows.append(["Jumlah", "IKM (skala 1–4)", None, ikm, result.nilai, mutu])
    return rows


def profile_rows(profile: dict[str, dict[str, int]]) -> list[list[Cell]]:
    """Each dimension in the questionnaire's order, with its share of those who said."""
    rows: list[list[Cell]] = []
    for dimension in PROFILE_DIMENSIONS:
        counts = profile.get(dimension, {})
        order = VALUE_ORDER[dimension]
        values = sorted(counts, key=lambda v: (order.index(v) if v in order else len(order), v))
        said = sum(counts.values())
        for value in values:
            share = round_half_up(Fraction(counts[value] * 100, said)) if said else None
            label = VALUE_LABELS.get(value, value)
            rows.append([DIMENSION_LABELS[dimension], label, counts[value], share])
    return rows


def _sample_rows(respondents: int, service_users: int | None) -> list[list[Cell]]:
    if service_users is None:
        return [
            ["Responden", respondents],
            ["Jumlah pengguna layanan (N)", "belum diisi: sampel minimum tidak dihitung"],
        ]
    minimum = krejcie_morgan_sample(service_users)
    return [
        ["Responden", respondents],
        ["Jumlah pengguna layanan (N)", service_users],
        ["Sampel minimum Krejcie–Morgan untuk N", minimum],
        ["Sampel memadai", "ya" if respondents >= minimum else "tidak"],
    ]


def _follow_up_rows(plans: list[SkmFollowUp], names: dict[str, str]) -> list[list[Cell]]:
    return [
        [
            names.get(p.service_code, p.service_code) if p.service_code else "Seluruh unit",
            _unsur_name(p.unsur),
            p.action,
            p.responsible or "-",
            p.due_date,
        ]
        for p in plans
    ]


def _unsur_name(code: str | None) -> str:
    if not code:
        return "-"
    unsur = Unsur[code]
    return f"{unsur.name} {unsur.title}"


def build_skm(
    session: Session, settings: Settings, period: Period, service_users: int | None = None
) -> Report:
    report = new_report(
        "skm", "Laporan Survei Kepuasan Masyarakat", settings, period, office_profile(session)
    )
    summary = skm_summary(session, period)
    result = summary.result
    names = {s.code: s.name for s in list_services(session, active_only=False)}
    report.tables += [
        Table(
            "responden",
            "I. Periode dan responden",
            ["Uraian", "Nilai"],
            _sample_rows(result.respondents, service_users),
        ),
        Table(
            "unsur",
            "II. Nilai per unsur",
            ["Unsur", "Nama", "NRR", "NRR tertimbang", "Nilai (25–100)", "Mutu"],
            unsur_rows(result),
        ),
        Table(
            "layanan",
            "III. IKM per jenis layanan",
            ["Layanan", "Responden", "IKM (1–4)", "IKM (25–100)", "Mutu", "Kinerja"],
            [_service_row(names.get(code, code), r) for code, r in summary.per_service.items()],
        ),
        Table(
            "profil",
            "IV. Profil responden",
            ["Karakteristik", "Kelompok", "Responden", "Persentase (%)"],
            profile_rows(summary.profile),
        ),
        Table(
            "saran",
            "V. Saran dan masukan masyarakat",
            ["Tanggal", "Layanan", "Saran"],
            [
                [s.tanggal, names.get(s.service, s.service), s.text]
                for s in saran_in_period(session, period)
            ],
        ),
        Table(
            "rtl",
            "VI. Rencana tindak lanjut",
            ["Layanan", "Unsur sasaran", "Rencana", "Penanggung jawab", "Target waktu"],
            _follow_up_rows(list(follow_ups_for(session, period)), names),
        ),
    ]
    _summary(report, result)
    _notes_and_chart(report, result)
    add_skm_sections(report, session, summary, names, service_users)  # reports/lkjip_skm.py
    return report


def _service_row(name: str, r: IkmResult) -> list[Cell]:
    return [
        name,
        r.respondents,
        _ikm4(r),
        r.nilai,
        r.mutu.value if r.mutu else "-",
        r.kinerja or "-",
    ]


def _ikm4(result: IkmResult) -> Decimal | None:
    return None if result.ikm is None else round_half_up(result.ikm, PLACES)


def _summary(report: Report, result: IkmResult) -> None:
    weakest, strongest = result.weakest, result.strongest
    report.summary = [
        ("Responden", result.respondents),
        ("IKM (skala 1–4)", _ikm4(result)),
        ("IKM unit pelayanan (25–100)", result.nilai),
        ("Mutu pelayanan", result.mutu.value if result.mutu else "-"),
        ("Kinerja unit pelayanan", result.kinerja or "-"),
        ("Unsur terlemah", _unsur_name(weakest.name) if weakest else "-"),
        ("Unsur terkuat", _unsur_name(strongest.name) if strongest else "-"),
    ]


def _notes_and_chart(report: Report, result: IkmResult) -> None:
    report.notes.append(
        "IKM = jumlah NRR tertimbang (NRR × 1/9 bila kesembilan unsur dijawab); "
        "IKM unit pelayanan = IKM × 25. Perhitungan memakai nilai eksak; NRR tertimbang "
        f"dibulatkan {PLACES} desimal sehingga jumlah kolomnya sama dengan IKM yang tercetak."
    )
    unanswered = [u.name for u in Unsur if result.nrr.get(u) is None]
    if unanswered and result.ikm is not None:
        report.notes.append(
            f"Unsur tanpa jawaban ({', '.join(unanswered)}) tidak ikut dirata-rata."
        )
    weakest = result.weakest
    if weakest is not None:
        nrr = round_half_up(result.nrr[weakest], PLACES)  # type: ignore[arg-type]
        report.notes.append(
            f"Rencana tindak lanjut diarahkan pada unsur terlemah: {_unsur_name(weakest.name)} "
            f"(NRR {number(nrr)})."
        )
    answered = [u for u in Unsur if result.nrr.get(u) is not None]
    if answered:
        report.charts.append(
            bar_chart(
                "NRR per unsur (skala 1–4)",
                [u.name for u in answered],
                [float(result.nrr[u] or 0) for u in answered],
            )
        )
