"""The back office's words: Indonesian first, English when the staff member picks it.

Kept in ``web/locales/<lang>.toml`` (flat ``key = "text"``); a key missing in English
falls back to Indonesian, so a page never shows a raw key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from functools import cache
from importlib.resources import files

LANGUAGES = ("id", "en")
DEFAULT = "id"


@cache
def _catalogue(language: str) -> dict[str, str]:
    text = (files("web") / "locales" / f"{language}.toml").read_text(encoding="utf-8")
    return {str(k): str(v) for k, v in tomllib.loads(text).items()}


def translator(language: str) -> Callable[..., str]:
    chosen = _catalogue(language if language in LANGUAGES else DEFAULT)
    fallback = _catalogue(DEFAULT)

    def t(key: str, **params: object) -> str:
        text = chosen.get(key) or fallback.get(key) or key
        return text.format(**params) if params else text

    return t
