"""Text that a spreadsheet would run as a formula, and how every export keeps it text.

A resident's SKM suggestion such as ``=HYPERLINK("http://evil","klik")`` is only text
to Sigap, but a spreadsheet opening an export runs a cell that starts with ``=``, ``+``,
``-`` or ``@`` (and, in some, after a leading tab or carriage return) as a formula: a
link that sends the sheet's data away, or worse through DDE. Every export therefore
marks such text cells with Excel's own text marker, a leading apostrophe, in the one
way defined here:

* CSV (core/services/survey/skm_csv.py): the cell is written as ``'`` + text;
* XLSX (reports/render.py): the cell is already a string cell (never a formula), and is
  given Excel's quote-prefix format so that editing it does not turn it into one.

Only text cells: a number (a score, an age, a negative change) is written as a number.
`restore` undoes `neutralise` exactly, so an exported CSV imports back unchanged.
"""

from __future__ import annotations

# The starts OWASP lists for CSV injection, and their full-width forms (which some
# spreadsheets' East Asian input modes also take for operators).
FORMULA_STARTS = frozenset("=+-@\t\r" + "＝＋－＠")
QUOTE = "'"


def starts_like_formula(text: str) -> bool:
    """True if a spreadsheet could read ``text`` as a formula, or if ``text`` already
    starts with the marker in front of one (so that `restore` can tell the two apart)."""
    return text.lstrip(QUOTE)[:1] in FORMULA_STARTS


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet shows it and never runs it."""
    return QUOTE + text if starts_like_formula(text) else text


def restore(text: str) -> str:
    """The text `neutralise` was given: one marker off, only where it put one. A cell
    typed by hand as ``'=1`` (Excel's own way of writing text) also reads as ``=1``."""
    if text.startswith(QUOTE) and starts_like_formula(text[1:]):
        return text[1:]
    return text
