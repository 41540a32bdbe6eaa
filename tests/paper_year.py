"""A plausible office year for looking at the paper reports: complaints in several
states across the months and desa, SKM answers over three services, activities,
documents, targets with triwulan targets, the SAKIP score and programme indicators."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlmodel import Session

from core.config import Settings
from core.domain.complaints import ComplaintState, Privacy
from core.domain.performance import ActivityStatus, DocumentKind, IkuCode
from core.domain.skm import Unsur
from core.models import Activity
from core.services.performance import records
from core.services.survey import skm
from tests import factories as f

DESA = ["Karang Kedawung", "Lampeji", "Mumbulsari", "Suco", "Lengkong", "Tamansari"]
CATEGORIES = ["pkl", "parkir", "sampah", "kebisingan", "bangunan", "miras"]
TARGETS = {
    IkuCode.IKU1: (Decimal(6), {1: Decimal(1), 2: Decimal(3), 3: Decimal(4), 4: Decimal(6)}),
    IkuCode.IKU2: (Decimal("82.50"), {}),
    IkuCode.IKU3: (Decimal(90), {}),
    IkuCode.IKU4: (Decimal(85), {}),
    IkuCode.IKU5: (Decimal(70), {}),
    IkuCode.IKU6: (Decimal(80), {}),
}


def fill_year(session: Session, settings: Settings, year: int, last_month: int = 11) -> None:
    """Data for ``year`` from January through ``last_month``."""
    rng = random.Random(year)
    for code, (target, quarters) in TARGETS.items():
        records.set_target(session, year, code, target, quarters=quarters)
    records.set_sakip(session, year, Decimal("68.41"))
    for name, target, real in (
        ("Persentase desa yang tertib administrasi kependudukan", Decimal(80), Decimal(85)),
        ("Jumlah pelaku usaha mikro yang dibina", Decimal(40), Decimal(36)),
        ("Persentase rekomendasi izin terbit tepat waktu", Decimal(95), None),
    ):
        row = records.add_indicator(session, year, name, target, unit="%")
        if real is not None and row.id is not None:
            records.set_indicator_realisation(session, row.id, real)
    for month, kind in ((2, DocumentKind.LAKIP), (5, DocumentKind.SOP_PELAYANAN)):
        records.add_document(session, kind, f"Dokumen {kind.value} {year}", date(year, month, 10))
    services = [
        skm.add_service(session, f"{code}-{year}", name).id
        for code, name in (
            ("ktp", "Rekomendasi KTP-el"),
            ("iumk", "Izin Usaha Mikro"),
            ("sk", "Surat Keterangan"),
        )
    ]
    officer = f.staff(session, name=f"Petugas {year}")
    for month in range(1, last_month + 1):
        _month(session, settings, rng, year, month, [s for s in services if s], officer)


def _month(
    session: Session,
    settings: Settings,
    rng: random.Random,
    year: int,
    month: int,
    services: list[int],
    officer: object,
) -> None:
    for day in (3, 17):
        held = rng.random() < 0.8
        records.add_activity(
            session,
            Activity(
                name=f"Sosialisasi ketertiban {month}/{day}",
                kind="sosialisasi",
                desa=rng.choice(DESA),
                planned_date=date(year, month, day),
                held_date=date(year, month, day) if held else None,
                status=ActivityStatus.TERLAKSANA if held else ActivityStatus.DIRENCANAKAN,
            ),
        )
    for _ in range(12):
        answered = date(year, month, rng.randint(1, 28))
        scores = {u: rng.choices((2, 3, 4), (1, 6, 4))[0] for u in Unsur}
        skm.record_response(session, skm.SkmAnswers(rng.choice(services), answered, scores))
    for _ in range(rng.randint(2, 5)):
        received = datetime(year, month, rng.randint(1, 27), rng.randint(1, 10), tzinfo=UTC)
        secret = rng.random() < 0.1
        item = f.complaint(
            session,
            settings,
            category=rng.choice(CATEGORIES),
            received_at=received,
            privacy=Privacy.RAHASIA if secret else Privacy.HIDDEN,
        )
        item.desa = rng.choice(DESA)
        session.add(item)
        state = rng.choices(
            (ComplaintState.SELESAI, ComplaintState.DIPROSES, ComplaintState.DITERIMA), (7, 2, 1)
        )[0]
        f.advance(session, item, state, officer, at=received + timedelta(days=rng.randint(1, 9)))  # type: ignore[arg-type]
    session.flush()
