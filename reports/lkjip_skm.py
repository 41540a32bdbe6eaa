"""What the SKM report adds for the LKjIP and the published SKM report: the number of
answers to each unsur (the basis of its NRR, so an auditor can re-count it), a short
method paragraph (period, services, respondents, sample adequacy and the N it used),
and the IKM against the earlier periods.

The tables follow the report's six chapters as VII and VIII (the chapters' numbers stay
as offices cite them); the paragraph is printed by ``metode.html.j2`` / ``.txt.j2``.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from sqlmodel import Session

from core.domain.numbers import round_half_up
from core.domain.periods import Period
from core.domain.skm import IkmResult, krejcie_morgan_sample
from core.services.performance.lkjip import period_label, skm_trend, unsur_tallies
from core.services.survey.skm import SkmSummary
from reports.model import Cell, Report, Table
from reports.numbers import number

PLACES = 4  # NRR, as the report's table II prints it
SEX = {"L": "laki-laki", "P": "perempuan"}


def add_skm_sections(
    report: Report,
    session: Session,
    summary: SkmSummary,
    names: dict[str, str],
    service_users: int | None,
) -> None:
    """Adds the answers per unsur, the trend and the method paragraph to an SKM report
    built from ``summary`` (``names``: service code to name)."""
    period = summary.period
    report.tables += [
        _answers_table(session, period, summary.result.respondents),
        _trend_table(session, period),
    ]
    report.extra["metode"] = method_paragraph(summary, names, service_users)


def _answers_table(session: Session, period: Period, respondents: int) -> Table:
    rows: list[list[Cell]] = []
    for unsur, tally in unsur_tallies(session, period).items():
        nrr = round_half_up(Fraction(tally.total, tally.answers), PLACES) if tally.answers else None
        rows.append(
            [unsur.name, unsur.title, tally.answers, respondents - tally.answers, tally.total, nrr]
        )
    return Table(
        "jawaban_unsur",
        "VII. Jumlah jawaban per unsur (dasar NRR di II)",
        ["Unsur", "Nama", "Jawaban", "Tidak menjawab", "Jumlah nilai", "NRR = nilai / jawaban"],
        rows,
    )


def _trend_table(session: Session, period: Period) -> Table:
    trend = skm_trend(session, period)
    rows: list[list[Cell]] = []
    before: Decimal | None = None
    for earlier, result in trend:
        now = result.nilai
        moved = now - before if now is not None and before is not None else None
        label = period_label(earlier)  # a year reads "Tahun 2025": a label, not a number
        label = f"Tahun {label}" if earlier.is_whole_year else label
        rows.append([label, result.respondents, now, _mutu(result), moved])
        before = now
    title = "VIII. Tren IKM dibanding periode sebelumnya"
    if len(trend) == 1:
        title += " (belum ada periode sebelumnya yang bersurvei)"
    columns = ["Periode", "Responden", "IKM (25–100)", "Mutu", "Perubahan (poin)"]
    return Table("tren", title, columns, rows)


def _mutu(result: IkmResult) -> str:
    return f"{result.mutu.value} ({result.kinerja})" if result.mutu else "-"


def method_paragraph(
    summary: SkmSummary, names: dict[str, str], service_users: int | None
) -> list[str]:
    """The method in a few sentences, as the published SKM report opens with it."""
    period, result = summary.period, summary.result
    services = [names.get(code, code) for code in summary.per_service]
    sentences = [
        f"Survei Kepuasan Masyarakat periode {number(period.start)} s.d. "
        f"{number(period.end)} memakai kuesioner sembilan unsur PermenPANRB 14/2017 "
        "(U1–U9) dengan skala jawaban 1–4; jawaban disimpan per unsur.",
        f"Layanan yang dinilai: {len(services)} jenis ({'; '.join(services)})."
        if services
        else "Belum ada layanan yang dinilai dalam periode ini.",
        f"Responden: {number(result.respondents)} orang{_by_sex(summary)}.",
        _sample_sentence(result.respondents, service_users),
        "Unsur yang tidak dijawab seorang responden tidak dihitung dalam NRR unsur itu "
        "(lihat jumlah jawaban per unsur).",
    ]
    return sentences


def _by_sex(summary: SkmSummary) -> str:
    counts = summary.profile.get("jenis_kelamin", {})
    said = [f"{SEX[k]} {number(counts[k])}" for k in SEX if counts.get(k)]
    unsaid = summary.result.respondents - sum(counts.values())
    if unsaid > 0 and said:
        said.append(f"tidak menyebutkan {number(unsaid)}")
    return f" ({', '.join(said)})" if said else ""


def _sample_sentence(respondents: int, service_users: int | None) -> str:
    if service_users is None:
        return (
            "Jumlah pengguna layanan (N) periode ini belum diisi, sehingga kecukupan "
            "sampel belum dinilai."
        )
    minimum = krejcie_morgan_sample(service_users)
    verdict = (
        "memadai"
        if respondents >= minimum
        else f"belum memadai (kurang {number(minimum - respondents)})"
    )
    return (
        f"Sampel minimum menurut rumus Krejcie–Morgan (tingkat kepercayaan 95%, galat 5%) "
        f"untuk N = {number(service_users)} pengguna layanan adalah {number(minimum)} "
        f"responden, sehingga jumlah responden {verdict}."
    )
