"""Who may call Sigap's webhooks: the checks both channels run before reading a body.

Kept apart and small because a silent weakening here lets anyone post as Meta or
Telegram: `make mutation` requires every mutant of this module to be caught.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_PREFIX = "sha256="


def meta_signature_valid(app_secret: bytes, body: bytes, header: str | None) -> bool:
    """``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the app
    secret>``, compared in constant time; anything else is refused."""
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    expected = hmac.new(app_secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header.removeprefix(SIGNATURE_PREFIX), expected)


def meta_challenge_answer(
    verify_token: str, mode: str | None, token: str | None, challenge: str | None
) -> str | None:
    """The GET verification: echo the challenge only for a subscribe with our token."""
    if mode != "subscribe" or token is None or challenge is None:
        return None
    return challenge if hmac.compare_digest(token, verify_token) else None


def telegram_secret_valid(expected: str | None, given: str | None) -> bool:
    """``X-Telegram-Bot-Api-Secret-Token`` equals the secret set with setWebhook."""
    if not expected or given is None:
        return False
    return hmac.compare_digest(given, expected)
