"""Hostile chat input: a flood from one account gets one polite notice and no work
(everyone else, and the same account once it slows down, is served as usual; redeliveries
are not counted); a name longer than the column is cut, never a failure."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from bot.throttle import ChatThrottle, Verdict
from core.config import Settings
from core.models import DialogState, Resident
from tests.fakes import telegram_api as api
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_harness import Person, RunningBot, bot_settings, until

SLOW_DOWN = "terlalu cepat"


@pytest.fixture
def config(database_url: str, fake: FakeTelegram, tmp_path: Path) -> Settings:
    # one message a minute: no token comes back while the test runs, however slowly
    return bot_settings(database_url, fake, SIGAP_CHAT_RATE_PER_MINUTE=1)


@pytest.fixture
async def bot(config: Settings, engine: Engine) -> AsyncIterator[RunningBot]:
    running = await RunningBot(config, engine).start()
    yield running
    await running.stop()


@pytest.mark.asyncio(loop_scope="function")
async def test_a_flooding_account_gets_one_notice_and_no_work(
    bot: RunningBot, fake: FakeTelegram, engine: Engine
) -> None:
    flood = Person(fake, 5401)
    first = api.text(flood.user_id, "halo")
    fake.push(first, first)  # delivered twice: counted once
    await until(lambda: bot.idle_after(first["update_id"], deliveries=2))
    assert len(flood.inbox) == 1 and "Silakan pilih" in flood.last.text
    notice = await flood.says("/lapor")  # over the rate of one a minute
    assert len(notice) == 1 and SLOW_DOWN in notice[0].text
    assert await flood.says("/lapor", expect=0) == []  # nothing more, and no dialog begun
    assert await flood.says("/survei", expect=0) == []

    neighbour = Person(fake, 5402)  # another account is served as usual
    assert "Silakan pilih" in (await neighbour.says("halo"))[0].text
    with Session(engine) as session:
        residents = session.exec(select(func.count()).select_from(Resident)).one()
        dialogs = session.exec(select(func.count()).select_from(DialogState)).one()
    assert (residents, dialogs) == (2, 0)


def test_the_bucket_refills_at_the_stated_rate_and_notices_once_per_flood() -> None:
    now = [0.0]
    throttle = ChatThrottle(per_minute=6, clock=lambda: now[0])
    verdicts = [throttle.admit("telegram", "1") for _ in range(8)]
    assert verdicts == [Verdict.ADMIT] * 6 + [Verdict.NOTICE, Verdict.DROP]
    assert throttle.admit("telegram", "2") is Verdict.ADMIT  # per account
    assert throttle.admit("whatsapp", "1") is Verdict.ADMIT  # per channel too
    now[0] = 9.9  # 6 per minute: one message back every 10 s
    assert throttle.admit("telegram", "1") is Verdict.DROP
    now[0] = 10.0
    assert throttle.admit("telegram", "1") is Verdict.ADMIT
    assert throttle.admit("telegram", "1") is Verdict.NOTICE  # a new flood: a new notice
    now[0] = 1000.0  # long quiet: the full rate again, never more
    assert [throttle.admit("telegram", "1") for _ in range(7)][-2:] == [
        Verdict.ADMIT,
        Verdict.NOTICE,
    ]


@pytest.mark.asyncio(loop_scope="function")
async def test_a_name_longer_than_the_column_is_served(
    bot: RunningBot, fake: FakeTelegram, engine: Engine
) -> None:
    """Telegram allows a 64-character first and last name; the resident's column holds
    120. PostgreSQL refuses a longer value: the name is cut, the person is served."""
    update = api.text(5403, "halo")
    update["message"]["from"] = {
        **api.user(5403),
        "first_name": "A" * 64,
        "last_name": "B" * 64,
    }
    fake.push(update)
    await until(lambda: bot.idle_after(update["update_id"]))
    assert "Silakan pilih" in Person(fake, 5403).last.text
    with Session(engine) as session:
        names = session.exec(select(Resident.name)).all()
    assert names == ["A" * 64 + " " + "B" * 55]


@pytest.fixture
async def usual_bot(
    database_url: str, fake: FakeTelegram, engine: Engine
) -> AsyncIterator[RunningBot]:
    running = await RunningBot(bot_settings(database_url, fake), engine).start()
    yield running
    await running.stop()


@pytest.mark.asyncio(loop_scope="function")
async def test_control_characters_never_reach_a_row(
    usual_bot: RunningBot, fake: FakeTelegram, engine: Engine
) -> None:
    """PostgreSQL refuses NUL in text: a name or a report with one must still be served
    (the character dropped), not stuck on an apology at every press."""
    update = api.text(5404, "/lapor")
    update["message"]["from"] = {**api.user(5404), "first_name": "Si\x00ti"}
    fake.push(update)
    await until(lambda: usual_bot.idle_after(update["update_id"]))
    siti = Person(fake, 5404)
    await siti.taps("Pedagang kaki lima")
    asked = await siti.says("PKL\x00 menutup trotoar depan pasar\x07 tiap pagi")
    assert "lokasi" in asked[0].text.lower()
    with Session(engine) as session:
        assert session.exec(select(Resident.name)).all() == ["Siti"]
        dialog = session.exec(select(DialogState.data)).one()
    assert "PKL menutup trotoar depan pasar tiap pagi" in dialog
