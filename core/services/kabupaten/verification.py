"""An office submits a triwulan's IKU; the kabupaten verifies or returns each IKU.

Submitting freezes a snapshot (``snapshot_of``) as a new version. The kabupaten's
verifiers, in turn (SIGAP_VERIFICATION_STAGES: Bagian Organisasi, then Inspektorat),
decide each IKU of that version: verified, or returned with a reason; an IKU is verified
once the last of them verified it, returned as soon as any returns it. The chain is
written into the snapshot, so a later change of the setting never relocks or unlocks a
submission already made. An office submits only while the triwulan's window is open
(``windows``). A triwulan with a returned IKU waits for the office
to correct its registers (their audit trail shows what changed) and submit again; one
whose every IKU is verified is locked: its snapshot never changes, and is what the
kabupaten reports for that triwulan, live figures beside it. Every step is kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from core.config import Settings
from core.domain.access import Permission, roles_with
from core.domain.people import StaffRole
from core.domain.periods import Period
from core.errors import InvalidInput, NotAllowed, NotFound
from core.models import IkuSubmission, SubmissionStep
from core.scope import office_of
from core.services.access.authz import Actor, Operator, actor_staff_id, authorize
from core.services.access.offices import office_profile
from core.services.files.fields import clean_text
from core.services.kabupaten.snapshot import snapshot_of
from core.services.kabupaten.windows import window_of
from core.services.messaging.outbox import enqueue
from core.services.messaging.recipients import kabupaten_recipients, submitter_recipients

SUBMITTED, VERIFIED, RETURNED = "diajukan", "diverifikasi", "dikembalikan"
# chat events (their words are the chat catalogue's)
SUBMITTED_EVENT, RETURNED_EVENT = "verification.submitted", "verification.returned"
MAX_REASON = 1000
VERIFIER_NAMES = {
    StaffRole.KABUPATEN_ADMIN: "Bagian Organisasi",
    StaffRole.INSPEKTORAT: "Inspektorat",
}


class SubmissionState(StrEnum):
    NOT_SUBMITTED = "belum diajukan"
    SUBMITTED = "diajukan"  # waiting for the kabupaten
    REVISED = "diajukan ulang"  # a returned triwulan, corrected and submitted again
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
    decisions: dict[str, list[SubmissionStep]]  # by IKU number: this version's, in turn

    @property
    def codes(self) -> list[str]:
        return [i["code"] for i in self.snapshot["indicators"]]

    @property
    def verifiers(self) -> tuple[StaffRole, ...]:
        """Who verifies, in turn; empty (a submission made before turns): any verifier,
        once."""
        return tuple(StaffRole(role) for role in self.snapshot.get("verifiers", ()))

    @property
    def stages(self) -> int:
        return max(1, len(self.verifiers))

    @property
    def verdicts(self) -> dict[str, SubmissionStep]:
        """Each decided IKU's latest decision."""
        return {code: steps[-1] for code, steps in self.decisions.items() if steps}

    def iku_state(self, code: str) -> SubmissionState:
        steps = self.decisions.get(code, [])
        if any(step.action == RETURNED for step in steps):
            return SubmissionState.RETURNED
        if sum(step.action == VERIFIED for step in steps) >= self.stages:
            return SubmissionState.VERIFIED
        return SubmissionState.REVISED if self.version > 1 else SubmissionState.SUBMITTED

    def next_stage(self, code: str) -> int | None:
        """The turn that decides ``code`` next (1 is the first); None once decided."""
        if self.iku_state(code) in (SubmissionState.RETURNED, SubmissionState.VERIFIED):
            return None
        return len(self.decisions.get(code, [])) + 1

    def verifier_of(self, stage: int) -> StaffRole | None:
        return self.verifiers[stage - 1] if stage <= len(self.verifiers) else None

    @property
    def state(self) -> SubmissionState:
        states = [self.iku_state(code) for code in self.codes]
        if SubmissionState.RETURNED in states:
            return SubmissionState.RETURNED
        if states and all(state is SubmissionState.VERIFIED for state in states):
            return SubmissionState.VERIFIED
        return SubmissionState.REVISED if self.version > 1 else SubmissionState.SUBMITTED

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
        .order_by(col(SubmissionStep.stage), col(SubmissionStep.id))
    ).all()
    decisions: dict[str, list[SubmissionStep]] = {}
    for step in steps:
        decisions.setdefault(step.iku or "", []).append(step)
    return Submission(year, quarter, row.version, json.loads(row.snapshot), decisions)


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
    refusal = window_of(session, settings, year, quarter).refusal(today)
    if refusal:
        raise InvalidInput(refusal)
    state = state_of(session, year, quarter)
    if state in (SubmissionState.SUBMITTED, SubmissionState.REVISED):
        raise InvalidInput(f"TW {quarter} {year} sudah diajukan dan menunggu verifikasi kabupaten.")
    if state is SubmissionState.VERIFIED:
        raise InvalidInput(f"TW {quarter} {year} sudah diverifikasi dan dikunci.")
    frozen = snapshot_of(session, settings, period)
    frozen["verifiers"] = [role.value for role in settings.verifier_roles]
    snapshot = json.dumps(frozen, ensure_ascii=False)
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
    _tell_verifiers(session, found)
    return found


def _tell_verifiers(session: Session, found: Submission) -> None:
    """The first verifier in turn (any verifier, without turns) hears of a submission."""
    turn = found.verifier_of(1)
    roles = frozenset({turn}) if turn else roles_with(Permission.VERIFY_IKU)
    office = office_profile(session)
    params = {"office": office.name, "year": found.year, "quarter": found.quarter}
    params["version"] = found.version
    key = f"verifikasi:{office.id}:{found.year}:{found.quarter}:{found.version}"
    for number, (channel, chat) in enumerate(kabupaten_recipients(session, roles)):
        enqueue(
            session,
            channel,
            chat,
            template=SUBMITTED_EVENT,
            params=params,
            dedupe_key=f"{key}:{number}",
        )


def _tell_office(session: Session, found: Submission, code: str, reason: str) -> None:
    """Whoever may submit hears at once that an IKU came back, and why."""
    params = {"code": code, "year": found.year, "quarter": found.quarter, "reason": reason}
    key = f"dikembalikan:{office_of(session)}:{found.year}:{found.quarter}:{found.version}"
    for number, (channel, chat) in enumerate(submitter_recipients(session)):
        enqueue(
            session,
            channel,
            chat,
            template=RETURNED_EVENT,
            params=params,
            dedupe_key=f"{key}:{code}:{number}",
        )


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
    stage = found.next_stage(code)
    if stage is None:
        raise InvalidInput(f"{code} TW {quarter} {year} sudah diputuskan untuk versi ini.")
    turn = found.verifier_of(stage)
    if turn is not None and (isinstance(actor, Operator) or actor.role != turn):
        who = VERIFIER_NAMES[turn]
        raise NotAllowed(f"{code} TW {quarter} {year} kini menunggu verifikasi {who}.")
    earlier = {step.staff_id for step in found.decisions.get(code, [])}
    if actor_staff_id(actor) is not None and actor_staff_id(actor) in earlier:
        raise NotAllowed(f"{code} sudah Anda verifikasi; tahap berikutnya oleh orang lain.")
    text = clean_text(reason or "", "Alasan", MAX_REASON) or None
    if not verified and text is None:
        raise InvalidInput("Tuliskan alasan pengembalian, agar kantor tahu apa yang dibetulkan.")
    step = SubmissionStep(
        year=year,
        quarter=quarter,
        version=found.version,
        iku=code,
        stage=stage,
        action=VERIFIED if verified else RETURNED,
        reason=text,
        staff_id=actor_staff_id(actor),
    )
    _store_once(session, [step], f"{code} TW {quarter} {year} baru saja diputuskan orang lain.")
    decided = submission(session, year, quarter)
    assert decided is not None
    if not verified:
        _tell_office(session, decided, code, text or "")
    return decided


def _store_once(session: Session, rows: list[object], taken: str) -> None:
    """Written in a savepoint: a second writer at the same moment finds its step taken
    (the database's unique keys) and is told so; nothing else of the request is lost."""
    try:
        with session.begin_nested():
            session.add_all(rows)
    except IntegrityError:
        raise InvalidInput(taken) from None


def first_submitted(session: Session, year: int, quarter: int) -> datetime | None:
    """When the office first submitted the triwulan (what a deadline is held to)."""
    return session.exec(
        select(func.min(SubmissionStep.at)).where(
            SubmissionStep.year == year,
            SubmissionStep.quarter == quarter,
            SubmissionStep.action == SUBMITTED,
        )
    ).one()


def steps_of(session: Session, year: int, quarter: int) -> list[SubmissionStep]:
    """The triwulan's whole history, oldest first."""
    return list(
        session.exec(
            select(SubmissionStep)
            .where(SubmissionStep.year == year, SubmissionStep.quarter == quarter)
            .order_by(col(SubmissionStep.id))
        ).all()
    )
