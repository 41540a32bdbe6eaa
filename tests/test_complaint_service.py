"""The complaint service as staff and residents meet it: who a claim assigns, what the
audit trail records, the order of the queue and of "Laporan saya", and the sentences a
refusal says. Values and orders written out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session

from core.config import Settings
from core.domain.complaints import ComplaintState as S
from core.errors import InvalidInput, NotFound
from core.models import Complaint
from core.services.complaints import lifecycle as svc
from core.services.complaints.own import complaints_of_resident
from tests import factories as f

AT = datetime(2026, 3, 2, 3, tzinfo=UTC)  # Monday 10:00 WIB


def _event(session: Session, complaint: Complaint) -> tuple[object, ...]:
    last = svc.events_of(session, complaint)[-1]
    return (last.action, last.from_state, last.to_state, last.actor_kind, last.actor_staff_id)


def test_a_claim_assigns_the_officer_and_is_recorded(session: Session, settings: Settings) -> None:
    budi = f.staff(session)
    item = f.complaint(session, settings, received_at=AT)
    svc.claim_complaint(session, item, budi, now=AT + timedelta(hours=1))
    assert item.assigned_staff_id == budi.id
    assert item.acknowledged_at == AT + timedelta(hours=1)
    assert _event(session, item) == ("klaim", S.DITERIMA, S.DITERIMA, "staff", budi.id)


def test_a_closed_complaint_cannot_be_claimed(session: Session, settings: Settings) -> None:
    budi = f.staff(session)
    item = f.complaint(session, settings, received_at=AT)
    svc.transition_complaint(session, item, S.DITOLAK, staff=budi, note="bukan trantib")
    with pytest.raises(InvalidInput) as refused:
        svc.claim_complaint(session, item, budi)
    assert str(refused.value) == f"Laporan {item.code} sudah ditutup (Ditolak)."
    assert item.assigned_staff_id is None


def test_confirming_a_fix_is_the_reporters_and_recorded(
    session: Session, settings: Settings
) -> None:
    budi, siti = f.staff(session), f.resident(session)
    item = f.complaint(session, settings, reporter=siti, received_at=AT)
    with pytest.raises(InvalidInput, match=r"^Laporan belum selesai\.$"):
        svc.confirm_resolution(session, item, siti)
    f.advance(session, item, S.SELESAI, budi, at=AT)
    svc.confirm_resolution(session, item, siti, now=AT + timedelta(days=1))
    assert item.confirmed_at == AT + timedelta(days=1) and item.state is S.SELESAI
    assert _event(session, item) == ("dikonfirmasi", S.SELESAI, S.SELESAI, "reporter", None)
    stranger = f.resident(session, user_id="2002")
    with pytest.raises(NotFound, match=r"^Laporan tidak ditemukan\.$"):
        svc.confirm_resolution(session, item, stranger)


def test_reopening_needs_a_settled_complaint_and_is_recorded(
    session: Session, settings: Settings
) -> None:
    budi, siti = f.staff(session), f.resident(session)
    item = f.complaint(session, settings, reporter=siti, received_at=AT)
    f.advance(session, item, S.DIPROSES, budi, at=AT)
    with pytest.raises(InvalidInput, match=r"^Hanya laporan yang sudah selesai"):
        svc.reopen_complaint(session, settings, item, siti, "masih ada")
    svc.transition_complaint(session, item, S.SELESAI, staff=budi, note="beres", now=AT)
    item.resolved_at = None  # a settled complaint must carry when it was settled
    with pytest.raises(InvalidInput, match=r"^Hanya laporan yang sudah selesai"):
        svc.reopen_complaint(session, settings, item, siti, "masih ada")
    item.resolved_at = AT
    svc.reopen_complaint(session, settings, item, siti, "masih ada", now=AT + timedelta(days=1))
    assert item.state is S.DIPROSES and item.resolved_at is None
    assert _event(session, item) == ("dibuka_kembali", S.SELESAI, S.DIPROSES, "reporter", None)


def test_a_complaint_is_not_its_own_duplicate(session: Session, settings: Settings) -> None:
    budi = f.staff(session)
    item = f.complaint(session, settings, received_at=AT)
    with pytest.raises(InvalidInput) as refused:
        svc.transition_complaint(session, item, S.DUPLIKAT, staff=budi, duplicate_of=item)
    assert str(refused.value) == "Laporan tidak bisa menjadi duplikat dirinya sendiri."
    assert item.state is S.DITERIMA


def test_the_queue_puts_the_earliest_due_first_then_the_earliest_received(
    session: Session, settings: Settings
) -> None:
    late = f.complaint(session, settings, category="pkl", received_at=AT)  # 5 days
    noisy = f.complaint(session, settings, category="kebisingan", received_at=AT)  # 2 days
    same_due_later = f.complaint(
        session, settings, category="kebisingan", received_at=AT + timedelta(hours=2)
    )
    same_due_earlier = f.complaint(
        session, settings, category="kebisingan", received_at=AT - timedelta(hours=2)
    )
    assert [c.code for c in svc.open_queue(session)] == [
        same_due_earlier.code,
        noisy.code,
        same_due_later.code,
        late.code,
    ]
    assert len(svc.open_queue(session, limit=2)) == 2


def test_laporan_saya_lists_the_newest_first_up_to_the_limit(
    session: Session, settings: Settings
) -> None:
    siti = f.resident(session)
    codes = [
        f.complaint(session, settings, reporter=siti, received_at=AT + timedelta(days=n)).code
        for n in (3, 0, 7, 1)
    ]
    listed = [c.code for c in complaints_of_resident(session, siti)]
    assert listed == [codes[2], codes[0], codes[3], codes[1]]
    assert [c.code for c in complaints_of_resident(session, siti, limit=2)] == listed[:2]
    for n in range(8):
        f.complaint(session, settings, reporter=siti, received_at=AT - timedelta(days=n + 1))
    assert len(complaints_of_resident(session, siti)) == 10  # the default page


def test_the_audit_trail_reads_in_time_order(session: Session, settings: Settings) -> None:
    budi = f.staff(session)
    item = f.complaint(session, settings, received_at=AT)
    svc.add_progress_note(session, item, budi, "cek lokasi", now=AT + timedelta(hours=5))
    svc.claim_complaint(session, item, budi, now=AT + timedelta(hours=1))  # written later
    actions = [e.action for e in svc.events_of(session, item)]
    assert actions == ["diterima", "klaim", "catatan"]


def test_ticket_codes_too_short_to_be_ours_are_not_found(
    session: Session, settings: Settings
) -> None:
    item = f.complaint(session, settings, received_at=AT)
    body = item.code.replace("-", "")[-8:]
    for typed in (body, body[:7], "MBS"):  # no prefix, or too short: never a lookup
        with pytest.raises(NotFound) as missing:
            svc.get_complaint(session, typed)
        assert str(missing.value) == f"Laporan dengan kode {typed} tidak ditemukan."
    assert svc.get_complaint(session, item.code.lower()).id == item.id


def test_overdue_means_open_and_past_the_due_date(session: Session, settings: Settings) -> None:
    budi = f.staff(session)
    item = f.complaint(session, settings, received_at=AT)
    assert not svc.is_overdue(item, item.due_date)  # due today: not yet late
    assert svc.is_overdue(item, item.due_date + timedelta(days=1))
    svc.transition_complaint(session, item, S.DITOLAK, staff=budi, note="bukan trantib")
    assert not svc.is_overdue(item, date(2030, 1, 1))  # closed: never late
