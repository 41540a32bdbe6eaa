"""Complaint lifecycle: every legal and illegal transition, the audit trail, privacy of
the reporter, duplicates and the reporter's reopen window."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session

from core.config import Settings
from core.domain.complaints import (
    TRANSITIONS,
    ComplaintState,
    IllegalTransition,
    check_transition,
    new_ticket_code,
)
from core.domain.people import StaffRole
from core.errors import InvalidInput, NotAllowed, NotFound
from core.services.complaints import lifecycle as svc
from tests import factories as f

S = ComplaintState
LEGAL = {
    (S.DITERIMA, S.DIVERIFIKASI),
    (S.DITERIMA, S.DITOLAK),
    (S.DITERIMA, S.BUKAN_WEWENANG),
    (S.DITERIMA, S.DUPLIKAT),
    (S.DIVERIFIKASI, S.DIPROSES),
    (S.DIVERIFIKASI, S.DITOLAK),
    (S.DIVERIFIKASI, S.BUKAN_WEWENANG),
    (S.DIVERIFIKASI, S.DUPLIKAT),
    (S.DIPROSES, S.SELESAI),
    (S.DIPROSES, S.BUKAN_WEWENANG),
    (S.SELESAI, S.DIPROSES),
}
ALL_PAIRS = list(itertools.product(S, S))


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_transition_table(current: S, target: S) -> None:
    if (current, target) in LEGAL:
        check_transition(current, target)
    else:
        with pytest.raises(IllegalTransition, match="tidak bisa diubah"):
            check_transition(current, target)


def test_table_has_exactly_the_documented_transitions() -> None:
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == LEGAL


def test_ticket_codes_are_readable_and_not_sequential() -> None:
    codes = {new_ticket_code("MBS") for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 13 and c.startswith("MBS-") for c in codes)
    assert not any(ch in c[4:] for c in codes for ch in "01OILU")


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL - {(S.SELESAI, S.DIPROSES)}))
def test_legal_staff_transitions_are_stored_with_audit_event(
    session: Session, settings: Settings, current: S, target: S
) -> None:
    officer = f.staff(session)
    item = f.advance(session, f.complaint(session, settings), current, officer)
    original = f.complaint(session, settings) if target is S.DUPLIKAT else None
    svc.transition_complaint(
        session, item, target, staff=officer, note="alasan jelas", duplicate_of=original
    )
    session.commit()
    stored = svc.get_complaint(session, item.code)
    assert stored.state is target
    last = svc.events_of(session, stored)[-1]
    assert (last.from_state, last.to_state, last.actor_staff_id) == (current, target, officer.id)
    assert stored.acknowledged_at is not None


ILLEGAL_FROM_REACHABLE = [(c, t) for c, t in ALL_PAIRS if c in f.PATH_TO and (c, t) not in LEGAL]


@pytest.mark.parametrize(("current", "target"), ILLEGAL_FROM_REACHABLE)
def test_illegal_transitions_are_refused_and_change_nothing(
    session: Session, settings: Settings, current: S, target: S
) -> None:
    officer = f.staff(session)
    item = f.advance(session, f.complaint(session, settings), current, officer)
    session.commit()
    events_before = len(svc.events_of(session, item))
    with pytest.raises((IllegalTransition, NotAllowed)):
        svc.transition_complaint(session, item, target, staff=officer, note="x")
    session.rollback()
    stored = svc.get_complaint(session, item.code)
    assert stored.state is current
    assert len(svc.events_of(session, stored)) == events_before


@pytest.mark.parametrize("closed", [S.DITOLAK, S.BUKAN_WEWENANG, S.DUPLIKAT])
def test_closed_states_accept_nothing(session: Session, settings: Settings, closed: S) -> None:
    officer = f.staff(session)
    item = f.complaint(session, settings)
    original = f.complaint(session, settings)
    svc.transition_complaint(session, item, closed, staff=officer, note="x", duplicate_of=original)
    for target in S:
        with pytest.raises(IllegalTransition):
            svc.transition_complaint(
                session, item, target, staff=officer, note="x", duplicate_of=original
            )


def test_timestamps_follow_the_lifecycle(session: Session, settings: Settings) -> None:
    officer = f.staff(session)
    t0 = datetime(2025, 3, 3, 1, 0, tzinfo=svc.utcnow().tzinfo)
    item = f.complaint(session, settings, received_at=t0)
    svc.claim_complaint(session, item, officer, now=t0 + timedelta(minutes=30))
    svc.transition_complaint(
        session, item, S.DIVERIFIKASI, staff=officer, now=t0 + timedelta(hours=2)
    )
    svc.transition_complaint(session, item, S.DIPROSES, staff=officer, now=t0 + timedelta(hours=3))
    svc.transition_complaint(
        session, item, S.SELESAI, staff=officer, note="PKL ditertibkan", now=t0 + timedelta(days=1)
    )
    session.commit()
    stored = svc.get_complaint(session, item.code)
    assert stored.acknowledged_at == t0 + timedelta(minutes=30)
    assert stored.verified_at == t0 + timedelta(hours=2)
    assert stored.resolved_at == t0 + timedelta(days=1)
    assert stored.resolution_note == "PKL ditertibkan"
    actions = [e.action for e in svc.events_of(session, stored)]
    assert actions == ["diterima", "klaim", "diverifikasi", "diproses", "selesai"]


@pytest.mark.parametrize("target", [S.DITOLAK, S.BUKAN_WEWENANG, S.SELESAI])
def test_closing_without_a_reason_is_refused(
    session: Session, settings: Settings, target: S
) -> None:
    officer = f.staff(session)
    start = S.DIPROSES if target is S.SELESAI else S.DITERIMA
    item = f.advance(session, f.complaint(session, settings), start, officer)
    with pytest.raises(InvalidInput, match="Perlu"):
        svc.transition_complaint(session, item, target, staff=officer, note="   ")
    assert item.state is start


@pytest.mark.parametrize("role", [StaffRole.PMKS, StaffRole.PELAYANAN])
def test_staff_without_complaint_role_cannot_act(
    session: Session, settings: Settings, role: StaffRole
) -> None:
    item = f.complaint(session, settings)
    outsider = f.staff(session, role, name="Orang lain")
    with pytest.raises(NotAllowed):
        svc.transition_complaint(session, item, S.DIVERIFIKASI, staff=outsider)
    with pytest.raises(NotAllowed):
        svc.claim_complaint(session, item, outsider)
    assert item.state is S.DITERIMA and item.assigned_staff_id is None


def test_deactivated_staff_cannot_act(session: Session, settings: Settings) -> None:
    officer = f.staff(session)
    officer.active = False
    item = f.complaint(session, settings)
    with pytest.raises(NotAllowed):
        svc.transition_complaint(session, item, S.DIVERIFIKASI, staff=officer)


def test_duplicate_links_to_the_root_original(session: Session, settings: Settings) -> None:
    officer = f.staff(session)
    first, second, third = (f.complaint(session, settings) for _ in range(3))
    svc.transition_complaint(session, second, S.DUPLIKAT, staff=officer, duplicate_of=first)
    svc.transition_complaint(session, third, S.DUPLIKAT, staff=officer, duplicate_of=second)
    assert third.duplicate_of_id == first.id
    with pytest.raises(InvalidInput):
        svc.transition_complaint(session, first, S.DUPLIKAT, staff=officer, duplicate_of=third)


def test_reporter_reopens_within_window_only(session: Session, settings: Settings) -> None:
    officer, reporter = f.staff(session), f.resident(session)
    item = f.advance(session, f.complaint(session, settings, reporter=reporter), S.SELESAI, officer)
    assert item.resolved_at is not None
    too_late = item.resolved_at + timedelta(days=settings.reopen_days, seconds=1)
    with pytest.raises(InvalidInput, match="sudah lewat"):
        svc.reopen_complaint(session, settings, item, reporter, "masih ada", now=too_late)
    in_time = item.resolved_at + timedelta(days=settings.reopen_days)
    svc.reopen_complaint(session, settings, item, reporter, "PKL kembali lagi", now=in_time)
    assert item.state is S.DIPROSES and item.resolved_at is None
    assert svc.events_of(session, item)[-1].actor_kind == "reporter"


def test_staff_cannot_reopen_on_reporters_behalf(session: Session, settings: Settings) -> None:
    officer = f.staff(session)
    item = f.advance(session, f.complaint(session, settings), S.SELESAI, officer)
    with pytest.raises(NotAllowed):
        svc.transition_complaint(session, item, S.DIPROSES, staff=officer)


def test_someone_elses_ticket_reveals_nothing(session: Session, settings: Settings) -> None:
    officer, owner, other = f.staff(session), f.resident(session), f.resident(session, "2002")
    item = f.advance(session, f.complaint(session, settings, reporter=owner), S.SELESAI, officer)
    with pytest.raises(NotFound):
        svc.reopen_complaint(session, settings, item, other, "bukan punya saya")
    with pytest.raises(NotFound):
        svc.confirm_resolution(session, item, other)
    svc.confirm_resolution(session, item, owner)
    assert item.confirmed_at is not None


def test_ticket_lookup_forgives_case_spaces_and_dashes(
    session: Session, settings: Settings
) -> None:
    item = f.complaint(session, settings)
    typed = item.code.lower().replace("-", " ")
    assert svc.get_complaint(session, typed).id == item.id
    with pytest.raises(NotFound):
        svc.get_complaint(session, "MBS-2222-2222")


@pytest.mark.parametrize(
    ("description", "message"),
    [("pendek", "terlalu pendek"), ("x" * 4001, "terlalu panjang")],
)
def test_bad_description_is_refused(
    session: Session, settings: Settings, description: str, message: str
) -> None:
    data = svc.NewComplaint(channel=f.Channel.TELEGRAM, category="pkl", description=description)
    with pytest.raises(InvalidInput, match=message):
        svc.register_complaint(session, settings, data)


def test_unknown_category_is_refused(session: Session, settings: Settings) -> None:
    data = svc.NewComplaint(
        channel=f.Channel.TELEGRAM, category="narkoba", description="laporan yang cukup panjang"
    )
    with pytest.raises(InvalidInput, match="tidak dikenal"):
        svc.register_complaint(session, settings, data)
