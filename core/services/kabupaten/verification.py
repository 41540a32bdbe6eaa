"""An office submits a triwulan's IKU; the kabupaten verifies or returns each IKU.

Submitting freezes a snapshot (``snapshot_of``) as a new version. The kabupaten's
verifier (Bagian Organisasi or Inspektorat, in turn) decides each IKU of that version:
verified, or returned with a reason. A triwulan with a returned IKU waits for the office
to correct its registers (their audit trail shows what changed) and submit again; one
whose every IKU is verified is locked: its snapshot never changes, and is what the
kabupaten reports for that triwulan, live figures beside it. Every step is kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.config import Settings
from core.domain.access import Permission
from core.domain.periods import Period
from core.errors import InvalidInput, NotFound
from core.models import IkuSubmission, SubmissionStep
from core.scope import office_of
from core.services.access.authz import Actor, actor_staff_id, authorize
from core.services.files.fields import clean_text
from core.services.kabupaten.snapshot import snapshot_of

SUBMITTED, VERIFIED, RETURNED = "diajukan", "diverifikasi", "dikembalikan"
MAX_REASON = 1000


class SubmissionState(StrEnum):
    NOT_SUBMITTED = "belum diajukan"
    SUBMITTED = "diajukan"  # waiting for the kabupaten
    RETURNED = "dikembalikan"  # an IKU returned: the office corrects and submits again
    VERIFIED = "diverifikasi"  # every IKU verified: locked


@dataclass(frozen=True)
class VerifiedFigure:
    value: Decimal | None
    capaian: Decimal | None


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


@dataclass(frozen=True)
class Submission:
    """A triwulan's latest submission as the pages show it."""

    year: int
    quarter: int
    version: int
    snapshot: dict[str, Any]
    verdicts: dict[str, SubmissionStep]  # by IKU number, this version's decisions

    @property
    def codes(self) -> list[str]:
        return [i["code"] for i in self.snapshot["indicators"]]

    @property
    def state(self) -> SubmissionState:
        actions = [self.verdicts[c].action if c in self.verdicts else None for c in self.codes]
        if RETURNED in actions:
            return SubmissionState.RETURNED
        if actions and all(a == VERIFIED for a in actions):
            return SubmissionState.VERIFIED
        return SubmissionState.SUBMITTED

    def verified(self) -> dict[str, VerifiedFigure]:
        """Once locked, each indicator's verified figure, by its dictionary code (the
        office may renumber its IKU later; the indicator stays what was verified)."""
        if self.state is not SubmissionState.VERIFIED:
            return {}
        return {
            i["indicator"]: VerifiedFigure(_decimal(i["value"]), _decimal(i["judged_capaian"]))
            for i in self.snapshot["indicators"]
        }


def submission(session: Session, year: int, quarter: int) -> Submission | None:
    row = session.get(IkuSubmission, (office_of(session), year, quarter))
    if row is None:
        return None
    steps = session.exec(
        select(SubmissionStep)
        .where(
            SubmissionStep.year == year,
            SubmissionStep.quarter == quarter,
            SubmissionStep.version == row.version,
            col(SubmissionStep.iku).is_not(None),
        )
        .order_by(col(SubmissionStep.id))
    ).all()
    verdicts = {step.iku: step for step in steps if step.iku is not None}
    return Submission(year, quarter, row.version, json.loads(row.snapshot), verdicts)


def state_of(session: Session, year: int, quarter: int) -> SubmissionState:
    found = submission(session, year, quarter)
    return found.state if found else SubmissionState.NOT_SUBMITTED


def submit_quarter(
    session: Session, settings: Settings, year: int, quarter: int, actor: Actor, today: date
) -> Submission:
    """The office's triwulan as it stands, frozen and sent to the kabupaten."""
    authorize(actor, Permission.SUBMIT_IKU)
    if quarter not in (1, 2, 3, 4) or not 2000 <= year <= 2100:
        raise InvalidInput("Triwulan 1–4 dan tahun 2000–2100.")
    period = Period.quarter(year, quarter)
    if today <= period.end:
        raise InvalidInput(
            f"TW {quarter} {year} belum berakhir; ajukan setelah {period.end:%d-%m-%Y}."
        )
    state = state_of(session, year, quarter)
    if state is SubmissionState.SUBMITTED:
        raise InvalidInput(f"TW {quarter} {year} sudah diajukan dan menunggu verifikasi kabupaten.")
    if state is SubmissionState.VERIFIED:
        raise InvalidInput(f"TW {quarter} {year} sudah diverifikasi dan dikunci.")
    snapshot = json.dumps(snapshot_of(session, settings, period), ensure_ascii=False)
    row = session.get(IkuSubmission, (office_of(session), year, quarter))
    if row is None:
        row = IkuSubmission(year=year, quarter=quarter, version=1, snapshot=snapshot)
    else:
        row.version, row.snapshot = row.version + 1, snapshot
    row.submitted_by = actor_staff_id(actor)
    step = SubmissionStep(
        year=year,
        quarter=quarter,
        version=row.version,
        action=SUBMITTED,
        snapshot=snapshot,
        staff_id=actor_staff_id(actor),
    )
    _store_once(session, [row, step], f"TW {quarter} {year} baru saja diajukan oleh orang lain.")
    found = submission(session, year, quarter)
    assert found is not None
    return found


def decide(
    session: Session,
    year: int,
    quarter: int,
    code: str,
    verified: bool,
    reason: str | None,
    actor: Actor,
    version: int | None = None,
) -> Submission:
    """The kabupaten's decision on one IKU of the office's latest submission; ``version``,
    the one the verifier read (a page left open while the office resubmitted is refused)."""
    authorize(actor, Permission.VERIFY_IKU)
    found = submission(session, year, quarter)
    if found is None or code not in found.codes:
        raise NotFound(f"Pengajuan TW {quarter} {year} untuk {code} tidak ditemukan.")
    if version is not None and version != found.version:
        raise InvalidInput(
            f"Kantor sudah mengajukan versi {found.version}; buka lagi halamannya dan periksa "
            "versi itu."
        )
    if code in found.verdicts:
        raise InvalidInput(f"{code} TW {quarter} {year} sudah diputuskan untuk versi ini.")
    text = clean_text(reason or "", "Alasan", MAX_REASON) or None
    if not verified and text is None:
        raise InvalidInput("Tuliskan alasan pengembalian, agar kantor tahu apa yang dibetulkan.")
    step = SubmissionStep(
        year=year,
        quarter=quarter,
        version=found.version,
        iku=code,
        action=VERIFIED if verified else RETURNED,
        reason=text,
        staff_id=actor_staff_id(actor),
    )
    _store_once(session, [step], f"{code} TW {quarter} {year} baru saja diputuskan orang lain.")
    decided = submission(session, year, quarter)
    assert decided is not None
    return decided


def _store_once(session: Session, rows: list[object], taken: str) -> None:
    """Written in a savepoint: a second writer at the same moment finds its step taken
    (the database's unique keys) and is told so; nothing else of the request is lost."""
    try:
        with session.begin_nested():
            session.add_all(rows)
    except IntegrityError:
        raise InvalidInput(taken) from None


def steps_of(session: Session, year: int, quarter: int) -> list[SubmissionStep]:
    """The triwulan's whole history, oldest first."""
    return list(
        session.exec(
            select(SubmissionStep)
            .where(SubmissionStep.year == year, SubmissionStep.quarter == quarter)
            .order_by(col(SubmissionStep.id))
        ).all()
    )
