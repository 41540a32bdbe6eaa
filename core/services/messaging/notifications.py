"""What residents are told about, recorded as events in the outbox, never as words.

Core says *what happened* (e.g. ``complaint.state_changed`` with the ticket code, the
new state and the officer's note) in the same transaction as the change; the chat layer
alone turns an event into words and buttons, in the recipient's language, when it sends.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from core.models import Complaint, ComplaintEvent, Resident
from core.services.access.accounts import addresses_of_resident
from core.services.messaging.outbox import enqueue

STATE_CHANGED = "complaint.state_changed"


def notify_reporter(session: Session, complaint: Complaint, **params: str | None) -> None:
    """Queue "your report is now <state>" to each chat account of the reporter.

    Keyed per complaint, state, event count and account, so re-running a handler cannot
    queue the same news twice.
    """
    if complaint.reporter_id is None:
        return
    reporter = session.get(Resident, complaint.reporter_id)
    addresses = addresses_of_resident(session, complaint.reporter_id)
    if reporter is None or not addresses:
        return
    events = session.exec(
        select(func.count())
        .select_from(ComplaintEvent)
        .where(ComplaintEvent.complaint_id == complaint.id)
    ).one()
    state = complaint.state.value
    for number, (channel, external_id) in enumerate(addresses):
        enqueue(
            session,
            channel,
            external_id,
            template=STATE_CHANGED,
            language=reporter.language,
            params={"code": complaint.code, "state": state, **params},
            dedupe_key=f"state:{complaint.id}:{state}:{events}:{number}",
        )
