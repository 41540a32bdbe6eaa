"""The daily prune: only what grows without bound and is no longer needed goes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from core.config import Settings, SettingsError, load_settings
from core.domain.people import StaffRole
from core.domain.skm import Unsur
from core.models import (
    ChatAccount,
    ChatWindow,
    DialogState,
    OutboxMessage,
    ProcessedUpdate,
    Resident,
)
from core.services.access.accounts import link_staff_account
from core.services.files.upsert import delivery_key, first_delivery
from core.services.messaging.chat_window import note_inbound
from core.services.messaging.outbox import PENDING, SENT, enqueue
from core.services.performance.records import add_staff
from core.services.survey.skm import SkmAnswers, add_service, record_response
from core.timeutil import utcnow
from reports.schedule import Duties
from tests import factories


def _age(session: Session, model: type, column: str, days: int) -> None:
    session.execute(
        update(model).values({column: utcnow() - timedelta(days=days)})  # type: ignore[arg-type]
    )


def test_old_update_ids_and_delivered_messages_go_pending_ones_stay(
    engine: Engine, settings: Settings
) -> None:
    with Session(engine) as session:
        assert first_delivery(session, "telegram", "old-1")
        enqueue(session, "telegram", "42", text="sudah terkirim", dedupe_key="old-sent")
        enqueue(session, "telegram", "42", text="menunggu", dedupe_key="old-pending")
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.dedupe_key) == "old-sent")
            .values(status=SENT)
        )
        _age(session, ProcessedUpdate, "processed_at", 120)
        _age(session, OutboxMessage, "created_at", 120)
        assert first_delivery(session, "telegram", "recent-1")
        session.commit()

    Duties(settings.model_copy(update={"keep_days": 90}), engine).prune()

    with Session(engine) as session:
        keys = {u.update_key for u in session.exec(select(ProcessedUpdate))}
        left = {(m.dedupe_key, m.status) for m in session.exec(select(OutboxMessage))}
        assert keys == {delivery_key("recent-1")}
        assert left == {("old-pending", PENDING)}  # never delete what is still to be sent
        assert not first_delivery(session, "telegram", "recent-1")  # dedupe still holds


def test_keeping_less_than_a_month_is_refused() -> None:
    with pytest.raises(SettingsError, match="SIGAP_KEEP_DAYS"):
        load_settings(_env_file=None, SIGAP_KEEP_DAYS="7")


def _account(session: Session, channel: str, external_id: str, days_old: int) -> Resident:
    """A resident who wrote from this account ``days_old`` days ago and never since."""
    person = Resident(name=f"Orang {external_id}", phone="081200000000")
    session.add(person)
    session.flush()
    at = utcnow() - timedelta(days=days_old)
    person.created_at = at
    session.add(ChatAccount(channel=channel, external_id=external_id, resident_id=person.id))
    session.flush()
    session.execute(
        update(ChatAccount).where(col(ChatAccount.external_id) == external_id).values(created_at=at)
    )
    return person


def _trace(session: Session, channel: str, external_id: str, days_old: int) -> None:
    """What a conversation leaves: a dialog position and a reply in the outbox."""
    at = utcnow() - timedelta(days=days_old)
    session.add(DialogState(channel=channel, user_key=external_id, dialog="lapor", step="x"))
    enqueue(session, channel, external_id, text="balasan", dedupe_key=f"reply-{external_id}")
    session.flush()
    session.execute(
        update(DialogState).where(col(DialogState.user_key) == external_id).values(updated_at=at)
    )
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.recipient) == external_id)
        .values(created_at=at, status=SENT)
    )


def test_idle_strangers_go_reporters_raters_staff_and_recent_people_stay(
    session: Session, engine: Engine, settings: Settings
) -> None:
    idle = _account(session, "telegram", "2001", 200)
    _trace(session, "telegram", "2001", 200)
    idle_wa = _account(session, "whatsapp", "6281200002002", 200)
    note_inbound(session, "whatsapp", "6281200002002", utcnow() - timedelta(days=200))
    reporter = _account(session, "telegram", "2003", 400)
    _trace(session, "telegram", "2003", 300)
    factories.complaint(session, settings, reporter=reporter)
    rater = _account(session, "telegram", "2004", 400)
    service = add_service(session, "ktp", "KTP elektronik")
    assert service.id is not None
    answers = SkmAnswers(service.id, utcnow().date(), {Unsur.U1: 4})
    record_response(session, answers, rater)
    officer = _account(session, "telegram", "2005", 400)
    link_staff_account(session, add_staff(session, "Budi", StaffRole.TRANTIB), "telegram", "2005")
    answered = _account(session, "telegram", "2006", 400)  # was answered 10 days ago
    _trace(session, "telegram", "2006", 10)
    wrote = _account(session, "whatsapp", "6281200002007", 400)  # wrote 2 days ago
    note_inbound(session, "whatsapp", "6281200002007", utcnow() - timedelta(days=2))
    newcomer = _account(session, "telegram", "2008", 3)
    session.commit()
    stayed = {r.id for r in (reporter, rater, officer, answered, wrote, newcomer)}
    gone = {idle.id, idle_wa.id}

    update_ = {"keep_days": 365, "idle_account_days": 180}  # old outbox rows survive the rest
    Duties(settings.model_copy(update=update_), engine).prune()

    session.expire_all()
    kept = {r.id for r in session.exec(select(Resident))}
    assert kept == stayed and not kept & gone
    accounts = {a.external_id for a in session.exec(select(ChatAccount))}
    assert accounts == {"2003", "2004", "2005", "2006", "6281200002007", "2008"}
    # their traces went with them; everyone else's stayed, however old
    assert {d.user_key for d in session.exec(select(DialogState))} == {"2003", "2006"}
    assert {m.recipient for m in session.exec(select(OutboxMessage))} == {"2003", "2006"}
    assert {w.chat_id for w in session.exec(select(ChatWindow))} == {"6281200002007"}


def test_an_idle_limit_under_a_month_is_refused() -> None:
    with pytest.raises(SettingsError, match="SIGAP_IDLE_ACCOUNT_DAYS"):
        load_settings(_env_file=None, SIGAP_IDLE_ACCOUNT_DAYS="7")
