"""A webhook's JSON body, accepted only as the shape platforms send: one object, shallow.

``json.loads`` raises RecursionError (not ValueError) on a few thousand nested brackets,
and returns lists, strings or numbers as readily as objects; either reached the handlers
as a crash (HTTP 500) instead of a refusal. Meta's and Telegram's payloads nest about
ten levels; anything past MAX_DEPTH is not theirs.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32


def _depth_within(value: object, limit: int) -> bool:
    """Walks the decoded value without recursion; stops at the first level too deep."""
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
    return True


def json_object(body: bytes) -> dict[str, Any] | None:
    """The body as a JSON object nested at most MAX_DEPTH deep, or None."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # malformed, not UTF-8, or nested past Python
        return None
    if not isinstance(payload, dict) or not _depth_within(payload, MAX_DEPTH):
        return None
    return payload
