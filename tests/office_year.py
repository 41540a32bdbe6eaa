"""A year of an office for the figure tests: every register filled, complaints across
the triwulan boundaries (one at 00:30 WIB on 1 April, which is 31 March in UTC), a
rahasia one, a rejected one, an indicator without realisation; with or without the
office's own cumulative triwulan targets."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel import Session

from core.config import Settings
from core.domain.complaints import ComplaintState as S
from core.domain.complaints import Privacy
from core.domain.performance import ActivityStatus, DocumentKind, IkuCode
from core.domain.skm import Unsur
from core.models import Activity
from core.services.complaints import lifecycle as svc
from core.services.performance import records
from core.services.survey import skm
from tests import factories as f

YEAR = 2025
WIB_MIDNIGHT_APRIL = datetime(2025, 3, 31, 17, 30, tzinfo=UTC)  # 1 April 00:30 in Jember


def _at(day: date, hour: int = 3) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)  # 10:00 WIB


def fill_office_year(
    session: Session,
    settings: Settings,
    triwulan_targets: bool,
    year: int = YEAR,
    service: str = "ktp",
) -> None:
    """A year of an office: every register, complaints across the triwulan boundaries
    (one at 00:30 WIB on 1 April, which is 31 March in UTC), a rahasia one, a rejected
    one, an indicator without realisation."""
    quarters = {
        IkuCode.IKU1: {1: Decimal(1), 2: Decimal(2), 3: Decimal(3), 4: Decimal(4)},
        IkuCode.IKU3: {1: Decimal(50), 2: Decimal(60), 3: Decimal(70), 4: Decimal(80)},
        IkuCode.IKU4: {1: Decimal(80), 2: Decimal(85), 3: Decimal(88), 4: Decimal(90)},
    }
    for code, target in [
        (IkuCode.IKU1, 4),
        (IkuCode.IKU2, 80),
        (IkuCode.IKU3, 80),
        (IkuCode.IKU4, 90),
        (IkuCode.IKU5, 75),
        (IkuCode.IKU6, 80),
    ]:
        wanted = quarters.get(code) if triwulan_targets else None
        records.set_target(session, year, code, Decimal(target), quarters=wanted)
    for kind, title, day in [
        (DocumentKind.LAKIP, f"LAKIP {year - 1}", date(year, 2, 10)),
        (DocumentKind.SOP_PELAYANAN, "SOP KTP", date(year, 5, 5)),
        (DocumentKind.ANJAB, "Anjab dan ABK", date(year, 8, 20)),
    ]:
        records.add_document(session, kind, title, day)
    rated = skm.add_service(session, service, "KTP-el")
    assert rated.id
    for day, score in [(date(year, 2, 3), 4), (date(year, 2, 4), 3), (date(year, 7, 7), 3)]:
        skm.record_response(session, skm.SkmAnswers(rated.id, day, {u: score for u in Unsur}))
    for planned, held in [
        (date(year, 3, 1), date(year, 3, 2)),
        (date(year, 6, 1), None),
        (date(year, 9, 1), date(year, 9, 3)),
    ]:
        status = ActivityStatus.TERLAKSANA if held else ActivityStatus.DIRENCANAKAN
        activity = Activity(
            name="Pelatihan", kind="pelatihan", planned_date=planned, held_date=held, status=status
        )
        records.add_activity(session, activity)
    _complaints(session, settings, year)
    records.set_sakip(session, year, Decimal("72.5"))
    for name, target, realisation in [
        ("Rapat koordinasi", 12, 12),
        ("Musrenbang kecamatan", 1, 0),
        ("Pelatihan kader", 5, None),
    ]:
        row = records.add_indicator(session, year, name, Decimal(target))
        if realisation is not None:
            assert row.id
            records.set_indicator_realisation(session, row.id, Decimal(realisation))


def _complaints(session: Session, settings: Settings, year: int) -> None:
    officer = f.staff(session)
    settled = f.complaint(session, settings, received_at=_at(date(year, 1, 10)))
    f.advance(session, settled, S.SELESAI, officer, at=_at(date(year, 1, 15)))
    april = f.complaint(session, settings, received_at=WIB_MIDNIGHT_APRIL.replace(year=year))
    f.advance(session, april, S.SELESAI, officer, at=_at(date(year, 4, 3)))
    f.complaint(session, settings, received_at=_at(date(year, 5, 20)))  # still open
    secret = f.complaint(
        session, settings, received_at=_at(date(year, 7, 1)), privacy=Privacy.RAHASIA
    )
    f.advance(session, secret, S.SELESAI, officer, at=_at(date(year, 7, 5)))
    rejected = f.complaint(session, settings, received_at=_at(date(year, 10, 1)))
    svc.transition_complaint(session, rejected, S.DITOLAK, staff=officer, note="bukan trantib")
