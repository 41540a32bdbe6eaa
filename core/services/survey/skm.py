"""SKM service: services rated, responses recorded, and the IKM of any period.

Each response also adds to per-day totals in the same transaction; summaries read the
totals, so a year of a kabupaten's responses is summarised from a few thousand rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import islice
from typing import Any

from sqlalchemy import func, literal_column
from sqlmodel import Session, col, select

from core.domain.periods import Period
from core.domain.skm import (
    MAX_SCORE,
    MIN_SCORE,
    UNSUR_FIELDS,
    IkmResult,
    Unsur,
    UnsurTally,
    ikm_from_tallies,
    krejcie_morgan_sample,
)
from core.errors import InvalidInput, NotFound
from core.models import Resident, Service, SkmDailyProfile, SkmDailyTotal, SkmResponse
from core.scope import across_offices, office_of
from core.services.files.fields import EARLIEST_DATE, LATEST_DATE, clean_text
from core.services.files.upsert import insert_rows
from core.services.survey.daily_totals import add_to_daily_totals, table_of
from core.timeutil import utcnow

SERVICE_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
MAX_SARAN = 2000
BATCH_ROWS = 5000

JENIS_KELAMIN = ("L", "P")
PENDIDIKAN = ("SD", "SMP", "SMA", "D1-D3", "D4/S1", "S2", "S3")
PEKERJAAN = ("PNS", "TNI", "POLRI", "swasta", "wirausaha", "lainnya")
USIA_BANDS: tuple[tuple[int, int, str], ...] = (
    (0, 20, "<=20"),
    (21, 30, "21-30"),
    (31, 40, "31-40"),
    (41, 50, "41-50"),
    (51, 200, ">50"),
)
PROFILE_DIMENSIONS = ("jenis_kelamin", "usia", "pendidikan", "pekerjaan")
USIA_MIN, USIA_MAX = 10, 120


class AlreadyRated(InvalidInput):
    """One response per person per service per day."""


@dataclass(frozen=True)
class RespondentProfile:
    jenis_kelamin: str | None = None
    usia: int | None = None
    pendidikan: str | None = None
    pekerjaan: str | None = None

    def validate(self) -> None:
        if self.jenis_kelamin is not None and self.jenis_kelamin not in JENIS_KELAMIN:
            raise InvalidInput("Jenis kelamin: L atau P.")
        if self.usia is not None and not USIA_MIN <= self.usia <= USIA_MAX:
            raise InvalidInput(f"Usia harus {USIA_MIN}..{USIA_MAX} tahun.")
        if self.pendidikan is not None and self.pendidikan not in PENDIDIKAN:
            raise InvalidInput(f"Pendidikan: salah satu dari {', '.join(PENDIDIKAN)}.")
        if self.pekerjaan is not None and self.pekerjaan not in PEKERJAAN:
            raise InvalidInput(f"Pekerjaan: salah satu dari {', '.join(PEKERJAAN)}.")

    def buckets(self) -> dict[str, str]:
        """The profile as the breakdown counts it (age in bands)."""
        values = {
            "jenis_kelamin": self.jenis_kelamin,
            "usia": usia_band(self.usia) if self.usia is not None else None,
            "pendidikan": self.pendidikan,
            "pekerjaan": self.pekerjaan,
        }
        return {k: v for k, v in values.items() if v is not None}


def usia_band(age: int) -> str:
    return next(label for low, high, label in USIA_BANDS if low <= age <= high)


@dataclass(frozen=True)
class SkmAnswers:
    """A response before it is stored; ``scores`` is keyed by unsur, never by position."""

    service_id: int
    tanggal: date
    scores: Mapping[Unsur, int | None]
    jam: time | None = None
    profile: RespondentProfile = field(default_factory=RespondentProfile)
    saran: str | None = None

    def validate(self) -> None:
        answered = 0
        for unsur, score in self.scores.items():  # runs per imported row: kept plain
            if score is None:
                continue
            if not MIN_SCORE <= score <= MAX_SCORE:
                raise InvalidInput(f"Jawaban {unsur.value} harus 1..4, bukan {score}.")
            answered += 1
        if not answered:
            raise InvalidInput("Belum ada jawaban survei.")
        if self.saran is not None and len(self.saran) > MAX_SARAN:
            raise InvalidInput(f"Saran terlalu panjang (maksimal {MAX_SARAN} karakter).")
        if self.saran is not None:
            clean_text(self.saran, "Saran", MAX_SARAN)  # no NUL or direction overrides
        if not EARLIEST_DATE <= self.tanggal <= LATEST_DATE:
            raise InvalidInput("Tanggal survei di luar 2000–2100.")
        self.profile.validate()


def add_service(session: Session, code: str, name: str) -> Service:
    code = code.strip().lower()
    if not SERVICE_CODE.fullmatch(code):
        raise InvalidInput("Kode layanan: huruf kecil, angka dan '-', maksimal 32 karakter.")
    if not name.strip():
        raise InvalidInput("Nama layanan kosong.")
    if session.exec(across_offices(select(Service).where(Service.code == code))).first():
        raise InvalidInput(f"Kode layanan '{code}' sudah dipakai.")  # codes name QR links
    service = Service(code=code, name=name.strip())
    session.add(service)
    session.flush()
    return service


def get_service(session: Session, code: str) -> Service:
    service = session.exec(select(Service).where(Service.code == code.strip().lower())).first()
    if service is None:
        raise NotFound(f"Layanan '{code}' tidak dikenal.")
    return service


def service_for_link(session: Session, code: str) -> Service:
    """The service a counter's QR code names, whichever office it belongs to (codes are
    unique across the deployment); the caller then works for that office."""
    wanted = select(Service).where(Service.code == code.strip().lower())
    service = session.exec(across_offices(wanted)).first()
    if service is None:
        raise NotFound(f"Layanan '{code}' tidak dikenal.")
    return service


def list_services(session: Session, active_only: bool = True) -> Sequence[Service]:
    query = select(Service).order_by(col(Service.name))
    if active_only:
        query = query.where(Service.active == True)  # noqa: E712
    return session.exec(query).all()


def has_rated_today(session: Session, resident: Resident, service_id: int, day: date) -> bool:
    return (
        session.exec(
            select(SkmResponse.id).where(
                SkmResponse.resident_id == resident.id,
                SkmResponse.service_id == service_id,
                SkmResponse.tanggal == day,
            )
        ).first()
        is not None
    )


def _response_row(answers: SkmAnswers, resident_id: int | None, source: str) -> SkmResponse:
    return SkmResponse.model_validate(_response_values(answers, source, resident_id))


def record_response(
    session: Session, answers: SkmAnswers, resident: Resident | None = None, source: str = "chat"
) -> SkmResponse:
    answers.validate()
    if resident is not None and has_rated_today(
        session, resident, answers.service_id, answers.tanggal
    ):
        raise AlreadyRated("Terima kasih, Anda sudah mengisi survei layanan ini hari ini.")
    row = _response_row(answers, resident.id if resident else None, source)
    session.add(row)
    add_to_daily_totals(session, [answers])
    return row


def record_responses(
    session: Session,
    batch: Iterable[SkmAnswers],
    source: str,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Store answers (an import) in the caller's transaction, which makes it all or
    nothing, reading ``batch`` a chunk at a time: a million-row file streams through
    in constant memory. ``progress`` hears how many rows are written so far, after each
    chunk (a long import shows it is alive, and a test can tell it is mid-write)."""
    written = 0
    office = office_of(session)
    answers_left = iter(batch)
    while chunk := list(islice(answers_left, BATCH_ROWS)):
        for answers in chunk:
            answers.validate()
        now = utcnow()
        rows = [_response_values(a, source, None, now, office) for a in chunk]
        insert_rows(session, table_of(SkmResponse), rows)
        add_to_daily_totals(session, chunk)
        written += len(chunk)
        if progress is not None:
            progress(written)
    return written


def _response_values(
    answers: SkmAnswers,
    source: str,
    resident_id: int | None,
    now: datetime | None = None,
    office: int | None = None,
) -> dict[str, Any]:
    """Column values of a stored response (batches insert them with a Core executemany,
    about 10x faster than ORM objects)."""
    profile = answers.profile
    scores = answers.scores
    return {
        "office_id": office,
        "service_id": answers.service_id,
        "tanggal": answers.tanggal,
        "jam": answers.jam,
        **{column: scores.get(unsur) for unsur, column in UNSUR_FIELDS},
        "jenis_kelamin": profile.jenis_kelamin,
        "usia": profile.usia,
        "pendidikan": profile.pendidikan,
        "pekerjaan": profile.pekerjaan,
        "saran": (answers.saran or "").strip() or None,
        "resident_id": resident_id,
        "source": source,
        "created_at": now or utcnow(),
    }


@dataclass(frozen=True)
class SkmSummary:
    period: Period
    service: Service | None
    result: IkmResult
    profile: dict[str, dict[str, int]]
    per_service: dict[str, IkmResult]

    def sample_adequacy(self, service_users: int) -> tuple[int, bool]:
        """The Krejcie–Morgan minimum for that many users, and whether it was reached."""
        minimum = krejcie_morgan_sample(service_users)
        return minimum, self.result.respondents >= minimum


def _total_columns() -> list[Any]:
    columns: list[Any] = [func.coalesce(func.sum(SkmDailyTotal.respondents), 0)]
    for unsur in Unsur:
        for kind in ("sum", "n"):
            columns.append(
                func.coalesce(func.sum(getattr(SkmDailyTotal, f"{unsur.field}_{kind}")), 0)
            )
    return columns


def _result_from_row(row: Sequence[int]) -> IkmResult:
    tallies = {
        unsur: UnsurTally(int(row[1 + 2 * i]), int(row[2 + 2 * i])) for i, unsur in enumerate(Unsur)
    }
    return ikm_from_tallies(tallies, int(row[0]))


def ikm_for_period(session: Session, period: Period, service_id: int | None = None) -> IkmResult:
    query = select(*_total_columns()).where(
        col(SkmDailyTotal.tanggal).between(period.start, period.end)
    )
    if service_id is not None:
        query = query.where(SkmDailyTotal.service_id == service_id)
    return _result_from_row(session.execute(query).one())


def _per_service(session: Session, period: Period) -> dict[str, IkmResult]:
    query = (
        select(Service.code, *_total_columns())
        .join(Service, col(Service.id) == SkmDailyTotal.service_id)
        .where(col(SkmDailyTotal.tanggal).between(period.start, period.end))
        .group_by(Service.code)
        .order_by(Service.code)
    )
    return {row[0]: _result_from_row(row[1:]) for row in session.execute(query).all()}


def _profile(session: Session, period: Period, service_id: int | None) -> dict[str, dict[str, int]]:
    query = (
        select(
            SkmDailyProfile.dimension, SkmDailyProfile.value, func.sum(SkmDailyProfile.respondents)
        )
        .where(col(SkmDailyProfile.tanggal).between(period.start, period.end))
        .group_by(SkmDailyProfile.dimension, SkmDailyProfile.value)
    )
    if service_id is not None:
        query = query.where(SkmDailyProfile.service_id == service_id)
    breakdown: dict[str, dict[str, int]] = {d: {} for d in PROFILE_DIMENSIONS}
    for dimension, value, count in session.execute(query).all():
        breakdown.setdefault(dimension, {})[value] = int(count)
    return breakdown


def skm_summary(session: Session, period: Period, service_code: str | None = None) -> SkmSummary:
    service = get_service(session, service_code) if service_code else None
    service_id = service.id if service else None
    return SkmSummary(
        period=period,
        service=service,
        result=ikm_for_period(session, period, service_id),
        profile=_profile(session, period, service_id),
        per_service={} if service else _per_service(session, period),
    )


def responses_in_period(session: Session, period: Period) -> Iterable[tuple[SkmResponse, str]]:
    """Responses with their service code, oldest first, streamed for export."""
    query = (
        select(SkmResponse, Service.code)
        .join(Service, col(Service.id) == SkmResponse.service_id)
        .where(col(SkmResponse.tanggal).between(period.start, period.end))
        .order_by(col(SkmResponse.tanggal), col(SkmResponse.id))
        .execution_options(yield_per=5000)
    )
    yield from session.execute(query)


@dataclass(frozen=True)
class Saran:
    tanggal: date
    service: str
    text: str


def saran_in_period(session: Session, period: Period, limit: int = 200) -> list[Saran]:
    """The suggestions respondents wrote, newest first; the SKM report publishes them
    (without any respondent identity) as input for the rencana tindak lanjut."""
    rows = session.execute(
        select(col(SkmResponse.tanggal), col(Service.code), col(SkmResponse.saran))
        .join(Service, col(Service.id) == SkmResponse.service_id)
        .where(
            col(SkmResponse.tanggal).between(period.start, period.end),
            col(SkmResponse.saran).is_not(None),
            col(SkmResponse.saran) != literal_column("''"),  # as ix_skmresponse_saran says
        )
        .order_by(col(SkmResponse.tanggal).desc(), col(SkmResponse.id).desc())
        .limit(limit)
    ).all()
    return [Saran(tanggal, code, text) for tanggal, code, text in rows]
