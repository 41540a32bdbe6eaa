"""Numbers as Indonesian readers write them: 1.234,56 — in every Indonesian output."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from reports.model import Cell


def number(value: Cell | float, places: int = 2) -> str:
    """Indonesian notation: 1.234,56; no value is '-', never 0. A Decimal keeps the
    decimals it was built with when it has more than ``places`` (a weighted NRR to 4),
    and a whole Decimal is a count; so a score meant to read "70,00" is built that way."""
    if value is None:
        return "-"
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, Decimal):
        exponent = int(value.as_tuple().exponent)
        if exponent >= 0:  # a count
            return f"{int(value):,}".replace(",", ".")
        places = max(places, -exponent)
    quantised = Decimal(value).quantize(Decimal(1).scaleb(-places))
    text = f"{quantised:,.{places}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def movement(value: Decimal | None) -> str:
    """A week's change in words a reader need not decode: naik +1,20 / turun −0,50 / tetap."""
    if value is None:
        return "-"
    if value == 0:
        return "tetap"
    word = "naik" if value > 0 else "turun"
    return f"{word} {'+' if value > 0 else '−'}{number(abs(value))}"


def signed(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return ("+" if value > 0 else "") + number(value)
