"""The six IKU for a period, each against figures worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlmodel import Session

from core.config import Settings
from core.domain.capaian import Direction
from core.domain.complaints import ComplaintState as S
from core.domain.performance import ActivityStatus, DocumentKind, IkuCode
from core.domain.periods import Period
from core.domain.skm import Unsur
from core.models import Activity
from core.services.complaints import lifecycle as svc
from core.services.performance import records
from core.services.performance.iku import IkuStatus, iku_for_period
from core.services.survey import skm
from tests import factories as f

Q1 = Period.quarter(2025, 1)


def test_empty_database_reports_no_data_for_all_six(session: Session, settings: Settings) -> None:
    report = iku_for_period(session, settings, Period.year(2025))
    assert [i.code for i in report.indicators] == list(IkuCode)
    for indicator in report.indicators:
        assert indicator.value is None
        assert indicator.capaian is None
        assert indicator.status is IkuStatus.NO_DATA


def _fill(session: Session, settings: Settings) -> None:
    officer = f.staff(session)
    # IKU1: two documents in Q1, one in Q2.
    records.add_document(session, DocumentKind.LAKIP, "LAKIP 2024", date(2025, 2, 10))
    records.add_document(session, DocumentKind.SOP_PELAYANAN, "SOP KTP", date(2025, 3, 31))
    records.add_document(session, DocumentKind.LAPORAN_SKM, "SKM TW1", date(2025, 4, 1))
    # IKU2: 3 respondents in Q1: U1..U9 answers 4,4,3 -> NRR 11/3 -> 91.67.
    service = skm.add_service(session, "ktp", "KTP-el")
    assert service.id
    for value in (4, 4, 3):
        skm.record_response(
            session, skm.SkmAnswers(service.id, date(2025, 1, 15), {u: value for u in Unsur})
        )
    skm.record_response(
        session, skm.SkmAnswers(service.id, date(2025, 4, 15), {u: 1 for u in Unsur})
    )  # Q2: not counted
    # IKU3: 4 planned in Q1: 3 held, 1 cancelled; one in Q2.
    for status in (ActivityStatus.TERLAKSANA,) * 3 + (ActivityStatus.BATAL,):
        records.add_activity(
            session,
            Activity(
                name="Pelatihan",
                kind="pelatihan",
                planned_date=date(2025, 2, 1),
                status=status,
                held_date=date(2025, 2, 2) if status is ActivityStatus.TERLAKSANA else None,
            ),
        )
    records.add_activity(
        session, Activity(name="Musrenbang", kind="musrenbang", planned_date=date(2025, 5, 1))
    )
    # IKU4: received in Q1: 5 counted (2 settled in Q1, 1 settled only in April, 2 open),
    # plus one rejected and one duplicate that leave the denominator.
    t = datetime(2025, 1, 10, 2, tzinfo=UTC)
    made = [f.complaint(session, settings, received_at=t) for _ in range(7)]
    f.advance(session, made[0], S.SELESAI, officer, at=t + timedelta(days=3))
    f.advance(session, made[1], S.DIPROSES, officer, at=t + timedelta(days=3))
    svc.transition_complaint(
        session,
        made[1],
        S.BUKAN_WEWENANG,
        staff=officer,
        note="dirujuk ke Polsek",
        now=t + timedelta(days=4),
    )
    f.advance(session, made[2], S.SELESAI, officer, at=datetime(2025, 4, 2, tzinfo=UTC))
    f.advance(session, made[3], S.DIVERIFIKASI, officer, at=t)
    svc.transition_complaint(session, made[5], S.DITOLAK, staff=officer, note="bukan trantib")
    svc.transition_complaint(session, made[6], S.DUPLIKAT, staff=officer, duplicate_of=made[0])
    # A complaint at 23:00 WIB on 31 March (16:00 UTC) belongs to Q1 ...
    f.complaint(session, settings, received_at=datetime(2025, 3, 31, 16, tzinfo=UTC))
    # ... one at 00:30 WIB on 1 April (17:30 UTC on 31 March) does not.
    f.complaint(session, settings, received_at=datetime(2025, 3, 31, 17, 30, tzinfo=UTC))
    # IKU5 and IKU6.
    records.set_sakip(session, 2025, Decimal("72.35"))
    a = records.add_indicator(session, 2025, "Cakupan A", Decimal(80))
    b = records.add_indicator(
        session, 2025, "Waktu layanan (hari)", Decimal(3), direction=Direction.LOWER_IS_BETTER
    )
    records.add_indicator(session, 2025, "Belum diukur", Decimal(10))
    assert a.id and b.id
    records.set_indicator_realisation(session, a.id, Decimal(85))
    records.set_indicator_realisation(session, b.id, Decimal(4))
    # Targets.
    records.set_target(session, 2025, IkuCode.IKU1, Decimal(4))
    records.set_target(session, 2025, IkuCode.IKU2, Decimal(80))
    records.set_target(session, 2025, IkuCode.IKU3, Decimal(0))
    records.set_target(session, 2025, IkuCode.IKU4, Decimal(80))
    records.set_target(session, 2025, IkuCode.IKU6, Decimal(50), Direction.HIGHER_IS_BETTER)
    session.commit()


def test_quarter_figures(session: Session, settings: Settings) -> None:
    _fill(session, settings)
    report = iku_for_period(session, settings, Q1)
    iku1, iku2, iku3, iku4, iku5, iku6 = report.indicators

    assert (iku1.value, iku1.target, iku1.capaian) == (Decimal(2), Decimal(4), Decimal("50.00"))
    assert iku2.value == Decimal("91.67") and iku2.numerator == 3
    assert iku2.capaian == Decimal("114.59")  # 91.67 / 80
    assert (iku3.numerator, iku3.denominator, iku3.value) == (3, 4, Decimal("75.00"))
    assert iku3.status is IkuStatus.TARGET_ZERO and iku3.capaian is None
    assert (iku4.numerator, iku4.denominator) == (2, 6)
    assert iku4.value == Decimal("33.33") and iku4.capaian == Decimal("41.66")
    assert iku5.value == Decimal("72.35") and iku5.status is IkuStatus.NO_TARGET
    assert iku5.note is not None and "BB" in iku5.note
    assert (iku6.numerator, iku6.denominator, iku6.value) == (1, 3, Decimal("33.33"))
    assert iku6.note == "1 indikator belum ada realisasi: Belum diukur"  # named (issue 23)


def test_year_figures_include_later_settlement(session: Session, settings: Settings) -> None:
    _fill(session, settings)
    iku4 = iku_for_period(session, settings, Period.year(2025)).get(IkuCode.IKU4)
    assert (iku4.numerator, iku4.denominator) == (3, 7)
    assert iku4.value == Decimal("42.86")


def test_reopened_complaint_is_no_longer_settled(session: Session, settings: Settings) -> None:
    officer, reporter = f.staff(session), f.resident(session)
    t = datetime(2025, 1, 10, tzinfo=UTC)
    item = f.complaint(session, settings, reporter=reporter, received_at=t)
    f.advance(session, item, S.SELESAI, officer, at=t + timedelta(days=1))
    assert iku_for_period(session, settings, Q1).get(IkuCode.IKU4).value == Decimal("100.00")
    svc.reopen_complaint(session, settings, item, reporter, "belum beres", now=t + timedelta(2))
    assert iku_for_period(session, settings, Q1).get(IkuCode.IKU4).value == Decimal("0.00")


def test_lower_is_better_target(session: Session, settings: Settings) -> None:
    records.add_document(session, DocumentKind.LAKIP, "LAKIP", date(2025, 1, 5))
    records.set_target(session, 2025, IkuCode.IKU1, Decimal(4), Direction.LOWER_IS_BETTER)
    iku1 = iku_for_period(session, settings, Period.year(2025)).get(IkuCode.IKU1)
    assert iku1.capaian == Decimal("175.00")  # (2 - 1/4) x 100


def test_a_triwulan_counts_documents_year_to_date_beside_its_own_target(
    session: Session, settings: Settings
) -> None:
    """domain.md section 8: a triwulan review compares cumulative realisation with the
    annual target; a triwulan target the office set is shown beside it."""
    _fill(session, settings)  # documents: two in Q1, one on 1 April
    records.add_document(session, DocumentKind.ANJAB, "Anjab dan ABK", date(2025, 12, 1))
    target = records.set_target(session, 2025, IkuCode.IKU1, Decimal(4))
    target.target_q2 = Decimal(3)
    session.add(target)
    q2 = iku_for_period(session, settings, Period.quarter(2025, 2)).get(IkuCode.IKU1)
    assert (q2.value, q2.target, q2.capaian) == (Decimal(3), Decimal(4), Decimal("75.00"))
    assert (q2.quarter_target, q2.quarter_capaian) == (Decimal(3), Decimal("100.00"))
    assert q2.note == "kumulatif 01-01-2025 s.d. 30-06-2025"
    q1 = iku_for_period(session, settings, Q1).get(IkuCode.IKU1)
    assert q1.quarter_target is None and q1.quarter_capaian is None  # none set for Q1
    year = iku_for_period(session, settings, Period.year(2025)).get(IkuCode.IKU1)
    assert (year.value, year.note, year.quarter_target) == (Decimal(4), None, None)


def test_an_activity_held_after_the_period_does_not_count_for_it(
    session: Session, settings: Settings
) -> None:
    """Planned for March, held in May: not held as of Q1's end, held for the year."""
    records.add_activity(
        session,
        Activity(
            name="Posyandu lansia",
            kind="kesehatan",
            planned_date=date(2025, 3, 20),
            held_date=date(2025, 5, 2),
            status=ActivityStatus.TERLAKSANA,
        ),
    )
    q1 = iku_for_period(session, settings, Q1).get(IkuCode.IKU3)
    assert (q1.numerator, q1.denominator, q1.value) == (0, 1, Decimal("0.00"))
    year = iku_for_period(session, settings, Period.year(2025)).get(IkuCode.IKU3)
    assert (year.numerator, year.denominator, year.value) == (1, 1, Decimal("100.00"))
