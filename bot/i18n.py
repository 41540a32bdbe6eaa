"""The message catalogue: every word a resident reads lives in locales/*.toml."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from typing import Any

DEFAULT_LANGUAGE = "id"
LANGUAGES = ("id", "en")


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


@cache
def _catalogue(language: str) -> dict[str, Any]:
    text = (files("bot") / "locales" / f"{language}.toml").read_text("utf-8")
    return tomllib.loads(text)


def _lookup(language: str, key: str) -> Any:
    node: Any = _catalogue(language)
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def entry(language: str, key: str) -> Any:
    """The raw catalogue entry, falling back to Indonesian; a missing key is a bug."""
    value = _lookup(language if language in LANGUAGES else DEFAULT_LANGUAGE, key)
    if value is None:
        value = _lookup(DEFAULT_LANGUAGE, key)
    if value is None:
        raise KeyError(f"message catalogue has no {key!r}")
    return value


def t(language: str, key: str, *, channel: str | None = None, **params: Any) -> str:
    """Render a message; absent placeholders render empty rather than crash a reply.

    With ``channel``, a wording under that channel's section (``[terminal.report]
    location``) wins over the common one: only where a channel's gestures differ."""
    if channel is not None:
        own = _lookup(language, f"{channel}.{key}") or _lookup(DEFAULT_LANGUAGE, f"{channel}.{key}")
        if isinstance(own, str):
            return own.format_map(_Blank(params))
    return str(entry(language, key)).format_map(_Blank(params))


def labels(language: str, key: str) -> list[str]:
    return [str(item) for item in entry(language, key)]
