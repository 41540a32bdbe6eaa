"""Complaint figures as a reader checks them (issue 23): a past week's report is that
week as it stood at its end, a triwulan recap's late list holds only its own complaints,
every breakdown adds up to what was received (rahasia ones as a row of their own), and
the IKU report gives IKU5/IKU6 once and names the indicators IKU6 counts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel import Session

from core.config import Settings
from core.domain.complaints import ComplaintState as S
from core.domain.complaints import Privacy
from core.domain.performance import IkuCode
from core.domain.periods import Period
from core.models import Complaint
from core.services.complaints import lifecycle as svc
from core.services.complaints.stats import SECRET_ROW
from core.services.performance import records
from core.services.performance.digest import weekly_digest
from reports import builders
from reports.complaints_report import build_complaints
from reports.render import render_text
from tests import factories as f

JUNE_WEEK = Period(date(2025, 6, 9), date(2025, 6, 15))  # Monday to Sunday
LONG_AFTER = date(2025, 11, 24)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, tzinfo=UTC)  # 10:00 WIB


def _complaint(
    session: Session, settings: Settings, received: date, due: date, **kw: object
) -> Complaint:
    item = f.complaint(session, settings, received_at=_at(received), **kw)  # type: ignore[arg-type]
    item.due_date = due
    session.add(item)
    return item


def test_a_past_week_is_reported_as_it_stood_at_its_end(
    session: Session, settings: Settings
) -> None:
    """Printed in November, the June week still says what was open and overdue on the
    evening of 15 June, though most of it has been settled (or reopened) since."""
    officer, siti = f.staff(session), f.resident(session)
    still_open = _complaint(session, settings, date(2025, 5, 1), date(2025, 5, 10))
    settled_later = _complaint(session, settings, date(2025, 5, 2), date(2025, 5, 12))
    f.advance(session, settled_later, S.SELESAI, officer, at=_at(date(2025, 7, 1)))
    in_week = _complaint(session, settings, date(2025, 6, 10), date(2025, 6, 20))
    f.advance(session, in_week, S.SELESAI, officer, at=_at(date(2025, 8, 1)))
    reopened = _complaint(session, settings, date(2025, 6, 3), date(2025, 6, 20), reporter=siti)
    f.advance(session, reopened, S.SELESAI, officer, at=_at(date(2025, 6, 12)))
    svc.reopen_complaint(
        session, settings, reopened, siti, "belum beres", now=_at(date(2025, 6, 20))
    )
    _complaint(session, settings, date(2025, 6, 16), date(2025, 6, 25))  # after the week
    rejected = _complaint(session, settings, date(2025, 5, 5), date(2025, 5, 15))
    svc.transition_complaint(
        session, rejected, S.DITOLAK, staff=officer, note="bukan trantib", now=_at(date(2025, 5, 6))
    )
    session.flush()

    digest = weekly_digest(session, settings, LONG_AFTER, JUNE_WEEK)
    # received in the week: in_week; settled in it: reopened (settled 12 June, reopened
    # only on the 20th); open at its end: still_open, settled_later, in_week; of those
    # due by 15 June: still_open and settled_later
    assert digest.complaints == {"received": 1, "resolved": 1, "open": 3, "overdue": 2}
    assert digest.overdue_total == 2
    lines = {line.code: line for line in digest.oldest_overdue}
    assert set(lines) == {still_open.code, settled_later.code}
    assert lines[settled_later.code].state == "diterima"  # its state then, not "selesai"
    assert lines[still_open.code].days_overdue == 37  # due 10 May, counted on 16 June
    text = render_text(builders.build_weekly(session, settings, LONG_AFTER, JUNE_WEEK))
    assert "Diterima 1 · selesai 1 · terbuka 3 · terlambat 2" in text


def test_a_triwulan_recap_lists_as_late_only_its_own_complaints(
    session: Session, settings: Settings
) -> None:
    q1 = Period.quarter(2025, 1)
    own = _complaint(session, settings, date(2025, 2, 3), date(2025, 2, 10))
    _complaint(session, settings, date(2025, 5, 3), date(2025, 5, 10))  # received in TW 2
    _complaint(session, settings, date(2025, 3, 3), date(2025, 3, 10), privacy=Privacy.RAHASIA)
    session.flush()
    report = build_complaints(session, settings, q1, LONG_AFTER)
    late = next(t for t in report.tables if t.key == "terlambat")
    assert [row[0] for row in late.rows] == [own.code]
    summary = dict(report.summary)
    assert summary[f"Terlambat, masih terbuka (per {LONG_AFTER:%d-%m-%Y})"] == 2  # + rahasia
    assert "diterima 01-01-2025 s.d. 31-03-2025" in late.title


def test_every_breakdown_adds_up_to_what_was_received(session: Session, settings: Settings) -> None:
    """Forty received, two of them rahasia: each table says 40, the rahasia ones as one
    row without their category or desa."""
    for n in range(38):
        item = f.complaint(session, settings, received_at=_at(date(2025, 4, 1 + n % 20)))
        item.desa = ("Mumbulsari", "Suco", None)[n % 3]
        session.add(item)
    for _ in range(2):
        secret = f.complaint(
            session,
            settings,
            received_at=_at(date(2025, 4, 2)),
            category="miras",
            privacy=Privacy.RAHASIA,
        )
        secret.desa = "Lengkong"
        session.add(secret)
    session.flush()
    report = build_complaints(session, settings, Period.quarter(2025, 2), LONG_AFTER)
    for key in ("kategori", "kanal", "desa", "status"):
        table = next(t for t in report.tables if t.key == key)
        *rows, total = table.rows
        assert total == ["Jumlah", 40] and sum(int(str(row[1])) for row in rows) == 40, key
    desa = next(t for t in report.tables if t.key == "desa")
    assert [SECRET_ROW, 2] in desa.rows and all(row[0] != "Lengkong" for row in desa.rows)
    category = next(t for t in report.tables if t.key == "kategori")
    assert [SECRET_ROW, 2] in category.rows
    assert not any("miras" in str(row[0]).lower() for row in category.rows)
    assert dict(report.summary)["Diterima"] == 40


def test_the_iku_report_gives_annual_figures_once_and_names_the_indicators(
    session: Session, settings: Settings
) -> None:
    records.set_sakip(session, 2025, Decimal("72.5"))
    records.set_target(session, 2025, IkuCode.IKU6, Decimal(80))
    measured = records.add_indicator(session, 2025, "Rapat koordinasi", Decimal(12))
    assert measured.id
    records.set_indicator_realisation(session, measured.id, Decimal(12))
    records.add_indicator(session, 2025, "Pelatihan kader", Decimal(5))
    session.flush()
    report = builders.build_iku(session, settings, Period.year(2025))
    monthly = next(t for t in report.tables if t.key == "iku_bulanan")
    assert monthly.columns == ["Bulan", "IKU1", "IKU2", "IKU3", "IKU4"]
    assert "IKU5 dan IKU6 tahunan" in monthly.title and len(monthly.rows) == 12
    iku6 = next(row for row in report.tables[0].rows if row[0] == "IKU6")
    assert iku6[-1] == "1 indikator belum ada realisasi: Pelatihan kader"
    listed = next(t for t in report.tables if t.key == "iku6_indikator")
    assert [(row[0], row[-1]) for row in listed.rows] == [
        ("Rapat koordinasi", "tercapai"),
        ("Pelatihan kader", "belum ada realisasi"),
    ]
    summary = dict(report.summary)
    assert summary["IKU mencapai target"] == 0  # IKU6 50 % of 80; IKU5 has no target
    assert summary["IKU perlu perhatian"] == (  # each with its reason, as on the dashboard
        "IKU5 (belum ada target); IKU6 (Rendah, capaian 62,50 %)"
    )
