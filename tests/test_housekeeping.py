"""The daily prune: only what grows without bound and is no longer needed goes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from core.config import Settings, SettingsError, load_settings
from core.models import OutboxMessage, ProcessedUpdate
from core.services.outbox import PENDING, SENT, enqueue
from core.services.upsert import first_delivery
from core.timeutil import utcnow
from reports.schedule import Duties


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
        assert keys == {"recent-1"}
        assert left == {("old-pending", PENDING)}  # never delete what is still to be sent
        assert not first_delivery(session, "telegram", "recent-1")  # dedupe still holds


def test_keeping_less_than_a_month_is_refused() -> None:
    with pytest.raises(SettingsError, match="SIGAP_KEEP_DAYS"):
        load_settings(_env_file=None, SIGAP_KEEP_DAYS="7")
