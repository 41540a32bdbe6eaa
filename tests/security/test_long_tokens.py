"""A resident's 2,000 letters without a space (in any script) reach the SKM report's
suggestion table. On paper such a token gets a break point every few letters, never
inside a letter and its marks, and a cell shows at most CELL_CHARS of it: WeasyPrint,
left to break it anywhere in a table, took seconds per cell, and a few answers stalled
the report and the scheduler that sends it."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from reports.render import (
    BREAK_EVERY,
    CELL_CHARS,
    CLIPPED,
    LONG_TOKEN,
    ZERO_WIDTH_SPACE,
    breakable,
    clipped,
)

HOSTILE = {
    "latin": "W" * 2000,
    "thai": "\u0e01" * 2000,
    "devanagari conjuncts": "\u0915\u094d" * 1000,
    "combining accents": "a\u0301" * 1000,
    "emoji with selectors": "\u2764\ufe0f" * 1000,
}


def test_every_hostile_token_gets_break_points_and_loses_nothing() -> None:
    for name, token in HOSTILE.items():
        cut = breakable(token)
        pieces = cut.split(ZERO_WIDTH_SPACE)
        assert len(pieces) > len(token) // (2 * BREAK_EVERY), name
        assert "".join(pieces) == token, name
        for piece in pieces[1:]:  # no piece starts with a mark torn from its letter
            assert unicodedata.category(piece[0]) not in ("Mn", "Mc", "Me", "Cf"), name
            assert not "\ufe00" <= piece[0] <= "\ufe0f", name


@given(st.text(max_size=300))
def test_break_points_only_in_long_tokens_and_the_text_is_kept(text: str) -> None:
    cut = breakable(text.replace(ZERO_WIDTH_SPACE, ""))
    assert cut.replace(ZERO_WIDTH_SPACE, "") == text.replace(ZERO_WIDTH_SPACE, "")
    for word in cut.split():
        if len(word.replace(ZERO_WIDTH_SPACE, "")) <= LONG_TOKEN:
            assert ZERO_WIDTH_SPACE not in word


def test_ordinary_words_are_left_alone() -> None:
    line = "Pelayanan KTP cepat, petugas ramah; antre 10 menit saja."
    assert breakable(line) == line and clipped(line) == line


def test_a_long_cell_is_cut_on_paper_with_a_pointer_to_the_xlsx() -> None:
    text = "kata " * 400
    shown = clipped(text)
    assert shown.endswith(CLIPPED) and len(shown) <= CELL_CHARS + len(CLIPPED)
    assert text.startswith(shown.removesuffix(CLIPPED))
