"""Numbers people type into forms, addresses and chats, read only when written 0-9.

``str.isdigit()`` also says yes to "²", "①" and Arabic-Indic "٤": ``int()`` then fails on
the first two (a crash where a refusal was due) and quietly reads the third. Every number
taken from a person goes through here instead of ``isdigit()`` + ``int()``.
"""

from __future__ import annotations


def ascii_digits(text: str) -> bool:
    """True for a non-empty run of 0-9 and nothing else."""
    return text.isascii() and text.isdigit()


def ascii_int(text: str, max_digits: int = 18) -> int | None:
    """The number ``text`` writes with 0-9 only (at most ``max_digits`` of them), or None.

    The length cap keeps ``int()`` cheap and the value inside a 64-bit database column."""
    if not ascii_digits(text) or len(text) > max_digits:
        return None
    return int(text)
