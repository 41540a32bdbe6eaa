"""A kabupaten-scale year: 1,000,000 SKM responses over 20 services, 200,000 complaints.

SKM responses go through the service layer's batch path (so the daily totals are
maintained exactly as in production); complaints are bulk-inserted with realistic states.
Each fill works for one office when given ``office`` (its sessions scoped to it, as the
application's are: bench/offices.py spreads the year over a kabupaten's kecamatan), for
the only office of a single-office database otherwise.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert
from sqlmodel import Session

from core.db import session_scope
from core.domain.complaints import ComplaintState, new_ticket_code
from core.domain.performance import ActivityStatus, DocumentKind, IkuCode
from core.domain.skm import Unsur
from core.models import Activity, Complaint, Document, Office
from core.scope import for_office
from core.services.performance import records
from core.services.survey import skm

YEAR = 2025
SERVICES = 20
BATCH = 50_000
STATES = [
    (ComplaintState.SELESAI, 60),
    (ComplaintState.DIPROSES, 12),
    (ComplaintState.DIVERIFIKASI, 6),
    (ComplaintState.DITERIMA, 6),
    (ComplaintState.BUKAN_WEWENANG, 8),
    (ComplaintState.DITOLAK, 5),
    (ComplaintState.DUPLIKAT, 3),
]


def _day(rng: random.Random) -> date:
    return date(YEAR, 1, 1) + timedelta(days=rng.randrange(365))


def _answers(rng: random.Random, service_ids: list[int]) -> skm.SkmAnswers:
    scores = {
        u: (None if rng.random() < 0.02 else rng.choices((1, 2, 3, 4), (2, 8, 50, 40))[0])
        for u in Unsur
    }
    scores[Unsur.U1] = scores[Unsur.U1] or 3
    profile = skm.RespondentProfile(
        jenis_kelamin=rng.choice(skm.JENIS_KELAMIN),
        usia=rng.randint(17, 80),
        pendidikan=rng.choice(skm.PENDIDIKAN),
        pekerjaan=rng.choice(skm.PEKERJAAN),
    )
    return skm.SkmAnswers(rng.choice(service_ids), _day(rng), scores, profile=profile)


@contextmanager
def _scoped(engine: Engine, office: int | None) -> Iterator[Session]:
    """A unit of work for ``office``, or for the only office when none is named."""
    with session_scope(engine) as session:
        if office is not None:
            for_office(session, office)
        yield session


def _service_code(i: int, office: int | None) -> str:
    """Codes are unique across the deployment: each office's carry its number."""
    return f"layanan-{i:02d}" if office is None else f"layanan-{office:02d}-{i:02d}"


def fill_skm(engine: Engine, responses: int, seed: int = 1, office: int | None = None) -> None:
    rng = random.Random(seed)
    with _scoped(engine, office) as session:
        ids = [
            skm.add_service(session, _service_code(i, office), f"Layanan {i}").id
            for i in range(SERVICES)
        ]
    service_ids = [i for i in ids if i is not None]
    done = 0
    while done < responses:
        size = min(BATCH, responses - done)
        with _scoped(engine, office) as session:
            skm.record_responses(
                session, [_answers(rng, service_ids) for _ in range(size)], source="bench"
            )
        done += size


def _complaint_row(rng: random.Random, used: set[str], prefix: str = "BEN") -> dict[str, Any]:
    received = datetime(YEAR, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(365 * 86400))
    state = rng.choices([s for s, _ in STATES], [w for _, w in STATES])[0]
    settled = state in (ComplaintState.SELESAI, ComplaintState.BUKAN_WEWENANG)
    code = new_ticket_code(prefix)
    while code in used:
        code = new_ticket_code(prefix)
    used.add(code)
    return {
        "code": code,
        "channel": "telegram",
        "category": "pkl",
        "privacy": "hidden",
        "description": "Laporan uji beban",
        "state": state.value,
        "received_at": received,
        "due_date": (received + timedelta(days=7)).date(),
        "acknowledged_at": received + timedelta(hours=2),
        "resolved_at": received + timedelta(days=rng.randint(1, 20)) if settled else None,
    }


def fill_complaints(engine: Engine, count: int, seed: int = 2, office: int | None = None) -> None:
    """Codes carry the office's own ticket prefix when ``office`` is named (codes are
    unique across the deployment), "BEN" otherwise."""
    rng = random.Random(seed)
    used: set[str] = set()
    with _scoped(engine, office) as session:
        prefix = "BEN"
        if office is not None:
            prefix = session.get_one(Office, office).ticket_prefix
        for start in range(0, count, BATCH):
            rows = [_complaint_row(rng, used, prefix) for _ in range(min(BATCH, count - start))]
            session.execute(insert(Complaint), rows)


def fill_registers(session: Session) -> None:
    rng = random.Random(3)
    for i in range(120):
        held = rng.random() < 0.8
        session.add(
            Activity(
                name=f"Kegiatan {i}",
                kind="pelatihan",
                planned_date=_day(rng),
                status=ActivityStatus.TERLAKSANA if held else ActivityStatus.BATAL,
            )
        )
    for i in range(40):
        session.add(
            Document(kind=rng.choice(list(DocumentKind)), title=f"Dokumen {i}", doc_date=_day(rng))
        )
    from decimal import Decimal

    records.set_sakip(session, YEAR, Decimal("71.20"))
    for i in range(30):
        ind = records.add_indicator(session, YEAR, f"Indikator {i}", Decimal(100))
        assert ind.id is not None
        records.set_indicator_realisation(session, ind.id, Decimal(rng.randint(70, 120)))
    for code in IkuCode:
        records.set_target(session, YEAR, code, Decimal(80))
