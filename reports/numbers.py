"""Numbers as Indonesian readers write them: 1.234,56 — in every Indonesian output."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, localcontext

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
    exact = Decimal(value)
    with localcontext() as context:  # a 40-digit figure typed into a register still prints
        context.prec = max(context.prec, len(exact.as_tuple().digits) + places + 2)
        quantised = exact.quantize(Decimal(1).scaleb(-places))
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


def trimmed(value: float | Decimal, places: int = 2) -> str:
    """Indonesian notation without trailing zeros (82,5 · 100 · 3,3182), for a chart's
    axis ticks and value labels, where "20,00" beside "40,00" is noise, not precision."""
    text = number(value, places)
    return text.rstrip("0").rstrip(",") if "," in text else text
