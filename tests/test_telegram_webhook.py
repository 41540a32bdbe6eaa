"""Webhook mode: Telegram's calls are accepted only with the secret token header."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, select

from core.models import ProcessedUpdate
from tests.conftest import TELEGRAM_WEBHOOK_SECRET as SECRET
from tests.fakes import telegram_api as api
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_harness import Person, until


def _processed(engine: Engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(ProcessedUpdate)).all())


async def test_webhook_needs_the_secret_token(
    webhook: tuple[FakeTelegram, str], engine: Engine
) -> None:
    fake, url = webhook
    assert fake.webhook is not None and fake.webhook["secret_token"] == SECRET
    update = api.text(5201, "/start")
    update["update_id"] = 1
    body = json.dumps(update)
    async with httpx.AsyncClient() as client:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            refused = await client.post(
                url, content=body, headers={"Content-Type": "application/json", **headers}
            )
            assert refused.status_code == 403
        assert _processed(engine) == 0 and fake.messages_to(5201) == []
        accepted = await client.post(
            url,
            content=body,
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        assert accepted.status_code == 200
    resident = Person(fake, 5201)
    await until(lambda: len(resident.inbox) == 1)
    assert "Silakan pilih" in resident.last.text
