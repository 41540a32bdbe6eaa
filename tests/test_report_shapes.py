"""Reports in the shape a Camat signs and an auditor re-counts: the complaints recap
reconciles to IKU4, the SKM report follows PermenPANRB 14/2017's chapters and adds up,
the IKU report shows triwulan targets, charts state their base and draw the target."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from openpyxl import load_workbook
from sqlmodel import Session

from core.config import Settings
from core.domain.complaints import ComplaintState as S
from core.domain.performance import IkuCode
from core.domain.periods import Period
from core.domain.skm import Unsur
from core.models import SkmFollowUp
from core.services.complaints import lifecycle as svc
from core.services.performance import records
from core.services.performance.iku import iku_for_period
from core.services.survey import skm
from reports import builders
from reports.render import render, render_text
from tests import factories as f

Q1 = Period.quarter(2026, 1)
LATER = date(2026, 5, 4)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, tzinfo=UTC)


def _complaints_of_q1(session: Session, settings: Settings) -> None:
    officer = f.staff(session)
    made = [f.complaint(session, settings, received_at=_at(date(2026, 2, 2))) for _ in range(7)]
    for item in made[:5]:
        item.desa = "Lengkong"
    made[4].desa = None  # reported by its location only
    f.advance(session, made[0], S.SELESAI, officer, at=_at(date(2026, 2, 5)))
    f.advance(session, made[1], S.SELESAI, officer, at=_at(date(2026, 3, 30)))
    f.advance(session, made[2], S.DIPROSES, officer, at=_at(date(2026, 2, 5)))
    svc.transition_complaint(
        session,
        made[2],
        S.BUKAN_WEWENANG,
        staff=officer,
        note="ke Polsek",
        now=_at(date(2026, 2, 6)),
    )
    f.advance(session, made[3], S.SELESAI, officer, at=_at(date(2026, 4, 2)))  # after Q1
    svc.transition_complaint(session, made[5], S.DUPLIKAT, staff=officer, duplicate_of=made[0])
    svc.transition_complaint(session, made[6], S.DITOLAK, staff=officer, note="bukan trantib")
    session.flush()


def test_the_complaints_recap_reconciles_step_by_step_to_iku4(
    session: Session, settings: Settings
) -> None:
    _complaints_of_q1(session, settings)
    report = builders.build_complaints(session, settings, Q1, LATER)
    steps = {row[0]: row[1] for row in report.tables[0].rows}
    assert report.tables[0].title == "Rekonsiliasi IKU4"
    assert steps["Diterima dalam periode (semua kanal)"] == 7
    assert steps["Dikurangi: duplikat (dihitung pada laporan aslinya)"] == 1
    assert steps["Dikurangi: ditolak (bukan pengaduan trantib)"] == 1
    assert steps["Dihitung (penyebut IKU4)"] == 5
    assert steps["Tuntas s.d. 31-03-2026: selesai"] == 2  # the April one is not
    assert steps["Tuntas s.d. 31-03-2026: bukan wewenang (dirujuk ke instansi berwenang)"] == 1
    assert steps["Tuntas s.d. 31-03-2026 (pembilang IKU4)"] == 3
    iku4 = iku_for_period(session, settings, Q1).get(IkuCode.IKU4)
    assert (iku4.numerator, iku4.denominator) == (3, 5)
    assert steps["IKU4 (%)"] == iku4.value == Decimal("60.00")
    titles = [t.title for t in report.tables]
    assert "Menurut status saat ini (per 04-05-2026)" in titles  # today's state, said so
    assert "Menurut desa (diterima 01-01-2026 s.d. 31-03-2026)" in titles
    desa = next(t for t in report.tables if t.key == "desa")
    assert ["tanpa desa", 3] in desa.rows and all(row[0] != "-" for row in desa.rows)
    text = render_text(report)
    assert "Tuntas s.d. 31-03-2026 (pembilang IKU4) | 3" in text


def _skm_data(session: Session) -> None:
    ktp = skm.add_service(session, "ktp", "KTP elektronik")
    kk = skm.add_service(session, "kk", "Kartu Keluarga")
    assert ktp.id and kk.id
    profiles = [
        skm.RespondentProfile("P", 19, "SD", "swasta"),
        skm.RespondentProfile("L", 45, "D1-D3", "PNS"),
        skm.RespondentProfile("L", 33, "SMA", "wirausaha"),
    ]
    scores = [
        {u: 3 for u in Unsur} | {Unsur.U3: 2},
        {u: 4 for u in Unsur} | {Unsur.U3: 2},
        {u: 3 for u in Unsur} | {Unsur.U9: 4},
    ]
    for service, answers, profile in zip((ktp, kk, ktp), scores, profiles, strict=True):
        skm.record_response(
            session,
            skm.SkmAnswers(service.id, date(2026, 2, 10), answers, profile=profile),  # type: ignore[arg-type]
        )
    session.add(SkmFollowUp(year=2026, unsur="U3", action="Tambah loket KTP pagi hari"))
    session.add(
        SkmFollowUp(year=2026, quarter=2, service_code="kk", action="Bukan untuk triwulan 1")
    )
    session.flush()


def test_the_skm_report_adds_up_and_reads_as_published(
    session: Session, settings: Settings
) -> None:
    _skm_data(session)
    report = builders.build_skm(session, settings, Q1, service_users=40)
    titles = [t.title for t in report.tables]
    assert titles == [
        "I. Periode dan responden",
        "II. Nilai per unsur",
        "III. IKM per jenis layanan",
        "IV. Profil responden",
        "V. Saran dan masukan masyarakat",
        "VI. Rencana tindak lanjut",
        "VII. Jumlah jawaban per unsur (dasar NRR di II)",  # tests/test_lkjip.py
        "VIII. Tren IKM dibanding periode sebelumnya (belum ada periode sebelumnya yang bersurvei)",
    ]
    sample = dict((row[0], row[1]) for row in report.tables[0].rows)
    assert (
        sample["Sampel minimum Krejcie–Morgan untuk N"] == 36
        and sample["Sampel memadai"] == "tidak"
    )
    unsur = report.tables[1].rows
    total = unsur[-1]
    assert total[:2] == ["Jumlah", "IKM (skala 1–4)"]
    assert sum(row[3] for row in unsur[:-1]) == total[3]  # the column adds up to the IKM
    assert (
        total[4] == round(total[3] * 25, 2) == dict(report.summary)["IKM unit pelayanan (25–100)"]
    )
    assert unsur[2][2] == Decimal("2.3333")  # U3 NRR 7/3, 4 decimals as published
    assert dict(report.summary)["Unsur terlemah"] == "U3 Waktu Penyelesaian"
    assert dict(report.summary)["Unsur terkuat"].startswith("U")
    services = [row[0] for row in report.tables[2].rows]
    assert sorted(services) == ["KTP elektronik", "Kartu Keluarga"]  # names, not codes
    profile = [(row[0], row[1]) for row in report.tables[3].rows]
    ages = [value for dimension, value in profile if dimension == "Usia"]
    assert ages == ["20 tahun ke bawah", "31–40 tahun", "41–50 tahun"]  # the natural order
    schooling = [value for dimension, value in profile if dimension == "Pendidikan terakhir"]
    assert schooling == ["SD", "SMA", "D1-D3"]
    assert ("Jenis kelamin", "Laki-laki") in profile and ("Jenis kelamin", "Perempuan") in profile
    plans = report.tables[5].rows
    assert plans == [
        ["Seluruh unit", "U3 Waktu Penyelesaian", "Tambah loket KTP pagi hari", "-", None]
    ]
    text = render_text(report)
    assert "(NRR 2,3333)" in text and "NRR 2.3" not in text
    assert "jenis_kelamin" not in text and "ktp |" not in text


def test_an_iku_triwulan_report_shows_the_triwulan_target_beside_the_year(
    session: Session, settings: Settings
) -> None:
    records.add_document(session, records.DocumentKind.LAKIP, "LAKIP", date(2026, 2, 10))
    target = records.set_target(session, 2026, IkuCode.IKU1, Decimal(4))
    target.target_q1 = Decimal(1)
    records.set_sakip(session, 2026, Decimal(70))
    session.flush()
    report = builders.build_iku(session, settings, Q1)
    table = report.tables[0]
    assert table.columns[-2:] == ["Target s.d. TW 1", "Capaian thd target TW 1 (%)"]
    iku1 = table.rows[0]
    assert iku1[-2:] == [Decimal(1), Decimal("100.00")]
    assert "70,00" in render_text(report)  # a score reads with its two decimals
    assert any(note.startswith("Aturan hitung") for note in report.notes)
    year = builders.build_iku(session, settings, Period.year(2026))
    assert len(year.tables[0].columns) == len(table.columns) - 2


def test_charts_start_at_a_stated_base_and_draw_the_target(
    session: Session, settings: Settings
) -> None:
    records.set_target(session, 2026, IkuCode.IKU4, Decimal(90))
    records.set_sakip(session, 2026, Decimal("72.5"))
    f.complaint(session, settings, received_at=_at(date(2026, 1, 5)))
    session.flush()
    report = builders.build_iku(session, settings, Period.year(2026))
    charts = {chart.title.split()[0]: chart for chart in report.charts}
    assert charts["IKU4"].spec == {"kind": "line", "base": 0.0, "target": Decimal(90), "unit": "%"}
    assert charts["IKU2"].spec["base"] == 25.0  # the IKM scale's floor
    assert charts["IKU5"].spec["kind"] == "year" and charts["IKU5"].spec["value"] == Decimal(
        "72.50"
    )
    assert charts["IKU6"].spec["kind"] == "year"
    assert charts["IKU4"].png.startswith(b"\x89PNG")


def test_the_xlsx_summary_names_the_period_once(session: Session, settings: Settings) -> None:
    _complaints_of_q1(session, settings)
    for kind in ("iku", "skm", "complaints"):
        report = builders.build_report(kind, session, settings, Q1, LATER)
        sheet = load_workbook(io.BytesIO(render(report, "xlsx")))["Ringkasan"]
        labels = [row[0] for row in sheet.iter_rows(values_only=True)]
        assert labels.count("Periode") == 1, (kind, labels)


def test_weekly_change_says_up_down_or_unchanged(session: Session, settings: Settings) -> None:
    today = date(2026, 11, 23)
    records.set_target(session, 2026, IkuCode.IKU1, Decimal(4))
    records.add_document(session, records.DocumentKind.LAKIP, "LAKIP", date(2026, 2, 10))
    f.complaint(session, settings, received_at=_at(today - timedelta(days=3)))
    session.flush()
    text = render_text(builders.build_weekly(session, settings, today))
    assert "IKU1: 1 dokumen · target 4 · capaian 25,00% · tetap dalam seminggu" in text
    assert "seminggu" in text and "· 0,00 seminggu" not in text


def test_report_weekly_honours_the_period_asked_for(database_url: str) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    env = {"DATABASE_URL": database_url}
    asked = ["report", "weekly", "--from", "2026-11-09", "--to", "2026-11-15"]
    result = CliRunner().invoke(app, asked, env=env)
    assert result.exit_code == 0, result.output
    assert "Minggu 09-11-2026 s.d. 15-11-2026" in result.output
    default = CliRunner().invoke(app, ["report", "weekly"], env=env)
    assert default.exit_code == 0 and "Minggu 09-11-2026" not in default.output


def test_triwulan_targets_are_set_from_the_command_line(
    database_url: str, session: Session, settings: Settings
) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    env = {"DATABASE_URL": database_url}
    command = ["target", "set", "IKU1", "4", "--year", "2026", "--tw", "2=2", "--tw", "4=4"]
    result = CliRunner().invoke(app, command, env=env)
    assert result.exit_code == 0 and "s.d. TW2: 2" in result.output, result.output
    wrong = CliRunner().invoke(app, [*command[:6], "--tw", "5=1"], env=env)
    assert wrong.exit_code == 1 and "TRIWULAN=TARGET" in wrong.output
    records.add_document(session, records.DocumentKind.LAKIP, "LAKIP", date(2026, 2, 10))
    session.commit()
    q2 = iku_for_period(session, settings, Period.quarter(2026, 2)).get(IkuCode.IKU1)
    assert (q2.target, q2.quarter_target, q2.quarter_capaian) == (
        Decimal(4),
        Decimal(2),
        Decimal("50.00"),
    )


def test_a_report_over_many_years_shows_the_last_two_years_of_months(
    session: Session, settings: Settings
) -> None:
    """A range of a century (a typo, or a link sent to the Camat) is not a thousand
    monthly IKU computations: the monthly table and charts keep their last 24 months."""
    report = builders.build_iku(session, settings, Period(date(2000, 1, 1), date(2100, 12, 31)))
    monthly = next(t for t in report.tables if t.key == "iku_bulanan")
    assert len(monthly.rows) == builders.COURSE_MONTHS
    assert monthly.rows[0][0] == "Jan 99" and monthly.rows[-1][0] == "Des 00"
    assert "24 bulan terakhir" in monthly.title
    assert len(report.charts[0].png) > 0
    year = builders.build_iku(session, settings, Period.year(2025))
    assert "bulan terakhir" not in next(t for t in year.tables if t.key == "iku_bulanan").title
