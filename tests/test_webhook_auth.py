"""Webhook authentication, tried the way a forger would: every near miss of the real
signature or secret is refused with 403 before the body is handled, and nothing is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from app.service import running
from bot.webhook_auth import meta_challenge_answer, meta_signature_valid, telegram_secret_valid
from core.config import Settings
from core.models import OutboxMessage, ProcessedUpdate, Resident
from tests.conftest import TELEGRAM_WEBHOOK_SECRET as SECRET
from tests.fakes import graph_api as wa
from tests.fakes import telegram_api as api
from tests.fakes.telegram_api import FakeTelegram
from tests.whatsapp_harness import serving, wa_settings


@pytest.fixture
def wa_config(database_url: str, graph: wa.FakeGraph, tmp_path: Path) -> Settings:
    return wa_settings(database_url, graph, tmp_path / "media")


def _nothing_stored(engine: Engine) -> bool:
    with Session(engine) as session:
        return all(
            session.exec(select(func.count()).select_from(table)).one() == 0
            for table in (ProcessedUpdate, OutboxMessage, Resident)
        )


def _whatsapp_near_misses(body: bytes) -> dict[str, str]:
    real = wa.sign(body)
    digest = real.removeprefix("sha256=")
    other_body = json.dumps(wa.text("6281200000099", "/start")).encode()
    sha1 = hmac.new(wa.APP_SECRET.encode(), body, hashlib.sha1).hexdigest()
    return {
        "truncated to 8 hex": f"sha256={digest[:8]}",
        "first half only": f"sha256={digest[:32]}",
        "one hex short": f"sha256={digest[:-1]}",
        "one hex too many": f"sha256={digest}0",
        "bare prefix": "sha256=",
        "no prefix": digest,
        "upper-case hex": f"sha256={digest.upper()}",
        "upper-case algorithm": f"SHA256={digest}",
        "other algorithm": f"sha1={sha1}",
        "over another body": wa.sign(other_body),
        "wrong secret": wa.sign(body, secret="not-the-app-secret"),
        "last hex changed": f"sha256={digest[:-1]}{'0' if digest[-1] != '0' else '1'}",
        "empty": "",
    }


async def test_whatsapp_refuses_every_near_miss_of_the_signature(
    wa_config: Settings, engine: Engine, graph: wa.FakeGraph
) -> None:
    payload = wa.text("6281200000042", "/start")
    body = json.dumps(payload).encode()
    async with running(wa_config, engine) as sigap, serving(sigap.http) as base:
        url = f"{base}/whatsapp/webhook"
        async with httpx.AsyncClient() as client:
            for name, signature in _whatsapp_near_misses(body).items():
                headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
                refused = await client.post(url, content=body, headers=headers)
                assert refused.status_code == 403, name
            unsigned = await client.post(url, content=body)
            assert unsigned.status_code == 403
            assert _nothing_stored(engine)
            signed = {"Content-Type": "application/json", "X-Hub-Signature-256": wa.sign(body)}
            accepted = await client.post(url, content=body, headers=signed)
    assert accepted.status_code == 200  # the genuine signature over the same body works
    with Session(engine) as session:
        assert len(session.exec(select(ProcessedUpdate)).all()) == 1


async def test_whatsapp_verification_echoes_only_for_the_exact_token(
    wa_config: Settings, engine: Engine, graph: wa.FakeGraph
) -> None:
    token = wa.VERIFY_TOKEN
    near = [token[:-1], token + "x", token.upper(), token[:8], "", " " + token]
    async with running(wa_config, engine) as sigap, serving(sigap.http) as base:
        url = f"{base}/whatsapp/webhook"
        async with httpx.AsyncClient() as client:
            for guess in near:
                params = {"hub.mode": "subscribe", "hub.verify_token": guess, "hub.challenge": "7"}
                assert (await client.get(url, params=params)).status_code == 403, guess
            wrong_mode = {
                "hub.mode": "unsubscribe",
                "hub.verify_token": token,
                "hub.challenge": "7",
            }
            assert (await client.get(url, params=wrong_mode)).status_code == 403
            right = {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "7"}
            answer = await client.get(url, params=right)
    assert answer.status_code == 200 and answer.text == "7"


async def test_telegram_refuses_a_secret_that_only_looks_like_it(
    webhook: tuple[FakeTelegram, str], engine: Engine
) -> None:
    fake, url = webhook
    update = api.text(5301, "/start")
    update["update_id"] = 9
    body = json.dumps(update)
    near = [
        SECRET[:-1],
        SECRET + "x",
        SECRET[:8],
        SECRET.upper(),
        SECRET[:-1] + "S",
        "",
    ]
    async with httpx.AsyncClient() as client:
        for guess in near:
            headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": guess}
            refused = await client.post(url, content=body, headers=headers)
            assert refused.status_code == 403, guess
    assert _nothing_stored(engine) and fake.messages_to(5301) == []


# -- the checks themselves, without HTTP (fast enough for every mutant) ------------------
def test_meta_signature_accepts_only_the_exact_hmac() -> None:
    body = json.dumps(wa.text("6281200000042", "/start")).encode()
    secret = wa.APP_SECRET.encode()
    assert meta_signature_valid(secret, body, wa.sign(body))
    for name, header in _whatsapp_near_misses(body).items():
        assert not meta_signature_valid(secret, body, header), name
    assert not meta_signature_valid(secret, body, None)
    assert not meta_signature_valid(secret, body + b" ", wa.sign(body))


def test_meta_challenge_is_echoed_only_for_a_subscribe_with_our_token() -> None:
    token = wa.VERIFY_TOKEN
    assert meta_challenge_answer(token, "subscribe", token, "42") == "42"
    for mode, given, challenge in [
        ("subscribe", token + "x", "42"),
        ("subscribe", token[:-1], "42"),
        ("subscribe", None, "42"),
        ("subscribe", token, None),
        ("unsubscribe", token, "42"),
        (None, token, "42"),
    ]:
        assert meta_challenge_answer(token, mode, given, challenge) is None


def test_telegram_secret_must_match_exactly_and_exist() -> None:
    secret = SECRET
    assert telegram_secret_valid(secret, secret)
    for given in [secret[:-1], secret + "x", secret[:8], secret.upper(), "", None]:
        assert not telegram_secret_valid(secret, given), given
    assert not telegram_secret_valid(None, "")  # no secret configured: nobody gets in
    assert not telegram_secret_valid("", "")
