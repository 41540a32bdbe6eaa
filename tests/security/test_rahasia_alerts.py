"""A rahasia complaint's card never goes to a staff group chat (whose members need not be
complaint handlers): when its reporter reopens it, handlers hear it in private."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from core.domain.complaints import ComplaintState, Privacy
from core.services.complaints import lifecycle as svc
from tests import factories
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_harness import Person, RunningBot, bot_settings, until
from tests.test_telegram_e2e import file_report, join_as_staff

pytestmark = pytest.mark.asyncio(loop_scope="function")
GROUP = -100555


async def test_a_reopened_rahasia_complaint_reaches_handlers_in_private_only(
    database_url: str, fake: FakeTelegram, engine: Engine
) -> None:
    settings = bot_settings(database_url, fake, TELEGRAM_STAFF_CHATS=f"trantib={GROUP}")
    running = await RunningBot(settings, engine).start()
    try:
        officer = await join_as_staff(fake, engine, 7501)
        group = Person(fake, 7501, chat_id=GROUP)
        siti = Person(fake, 5501)
        code = await file_report(siti, "Ada yang mengancam saya karena melapor judi")
        await until(lambda: any(code in m.text for m in group.inbox))
        with Session(engine) as session:  # staff judge it rahasia, then settle it
            complaint = svc.get_complaint(session, code)
            complaint.privacy = Privacy.RAHASIA
            factories.advance(
                session, complaint, ComplaintState.SELESAI, by=factories.staff(session)
            )
            session.commit()
        await until(lambda: any("diselesaikan" in m.text for m in siti.inbox))
        in_group = len(group.inbox)
        await siti.taps("Belum beres")
        await siti.says("Masih ada ancaman setiap malam di depan rumah")
        await until(lambda: any("ancaman setiap malam" in m.text for m in officer.inbox))
        assert len(group.inbox) == in_group  # nothing of it in the group
    finally:
        await running.stop()
