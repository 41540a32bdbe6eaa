"""The office's complaint queue: filters, the earliest due first across states, paging;
and the stamp that tells the dashboard its figures are stale."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session

from core.config import Settings
from core.domain.complaints import ComplaintState, Privacy
from core.domain.people import StaffRole
from core.domain.skm import Unsur
from core.models import Activity, Complaint
from core.services.complaints import lifecycle as svc
from core.services.complaints.queue import QueueFilter, search_complaints
from core.services.performance import records
from core.services.performance.iku_stamp import iku_inputs_stamp
from core.services.survey.skm import RespondentProfile, SkmAnswers, add_service, record_response
from tests import factories


def _filed(session: Session, settings: Settings, due: date, **extra: object) -> Complaint:
    complaint = factories.complaint(session, settings, **extra)  # type: ignore[arg-type]
    complaint.due_date = due
    session.add(complaint)
    session.flush()
    return complaint


def test_the_queue_pages_open_complaints_earliest_due_first(
    session: Session, settings: Settings
) -> None:
    officer = factories.staff(session)
    today = date(2026, 6, 15)
    filed = [_filed(session, settings, today + timedelta(days=d)) for d in (5, -3, 0, -10, 2)]
    svc.transition_complaint(session, filed[0], ComplaintState.DIVERIFIKASI, staff=officer)
    svc.transition_complaint(session, filed[1], ComplaintState.DITOLAK, staff=officer, note="x")
    secret = _filed(session, settings, today - timedelta(days=20), privacy=Privacy.RAHASIA)

    page_one = search_complaints(session, QueueFilter(), 0, 2)
    page_two = search_complaints(session, QueueFilter(), 2, 2)
    assert [c.id for c in page_one + page_two] == [
        filed[3].id,
        filed[2].id,
        filed[4].id,
        filed[0].id,
    ]
    overdue = search_complaints(session, QueueFilter(overdue_on=today))
    assert [c.id for c in overdue] == [filed[3].id]
    every = search_complaints(session, QueueFilter(states=(), include_rahasia=True), 0, 10)
    assert every[0].id == secret.id and len(every) == 6
    by_code = search_complaints(
        session, QueueFilter(states=(), code=filed[4].code.lower().replace("-", " "))
    )
    assert [c.id for c in by_code] == [filed[4].id]
    svc.claim_complaint(session, filed[2], officer)
    mine = search_complaints(session, QueueFilter(assigned_to=officer.id))
    assert [c.id for c in mine] == [filed[2].id]


def test_every_change_to_an_iku_input_moves_the_stamp(session: Session, settings: Settings) -> None:
    seen = [iku_inputs_stamp(session)]

    def moved() -> bool:
        seen.append(iku_inputs_stamp(session))
        return seen[-1] != seen[-2]

    complaint = factories.complaint(session, settings)
    assert moved()
    officer = factories.staff(session, StaffRole.TRANTIB)
    svc.transition_complaint(session, complaint, ComplaintState.DIVERIFIKASI, staff=officer)
    assert moved()
    assert not moved()
    records.add_activity(
        session, Activity(name="Posyandu", kind="posyandu", planned_date=date(2026, 1, 5))
    )
    assert moved()
    records.set_sakip(session, 2026, Decimal("71.5"))
    assert moved()
    service = add_service(session, "ktp", "KTP")
    answers = SkmAnswers(
        service_id=service.id,  # type: ignore[arg-type]
        tanggal=date(2026, 1, 5),
        jam=None,
        scores={u: 3 for u in Unsur},
        profile=RespondentProfile(),
        saran=None,
    )
    record_response(session, answers, None)
    assert moved()
