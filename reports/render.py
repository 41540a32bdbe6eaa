"""Render a report to chat text, HTML, PDF, XLSX or JSON.

HTML and chat text come from the Jinja2 templates beside this module; the PDF is that
same HTML laid out by WeasyPrint, so the two never disagree.

Escaping is by construction, not by file name: the HTML environment escapes every value
(``autoescape=True``) and loads only ``*.html.j2``; the chat-text environment, which
does not escape (chat text is plain text, sent without any parse mode), loads only
``*.txt.j2``, so no HTML template can ever be rendered unescaped. Nothing in a template
is marked safe except markup built by code (the poster's QR codes, reports/poster.py).
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound

from reports.assets import Assets
from reports.bulk import gc_paused
from reports.model import Cell, Report, as_json, long_date
from reports.numbers import movement, number, signed

FORMATS = ("text", "html", "pdf", "xlsx", "json")
# How many rows of one table a reader gets in chat text and in HTML/PDF; XLSX and JSON
# always hold every row (a year's overdue list at kabupaten scale runs to tens of
# thousands, which nobody reads on paper and WeasyPrint would take minutes to lay out).
TEXT_TABLE_ROWS = 15
DOCUMENT_TABLE_ROWS = 100
ROWS_SHOWN = {"text": TEXT_TABLE_ROWS, "html": DOCUMENT_TABLE_ROWS, "pdf": DOCUMENT_TABLE_ROWS}


LONG_TOKEN = 20  # characters without a space: more, and the cell may break it anywhere
BREAK_EVERY = 16  # a long token gets a break opportunity this often (breakable)
ZERO_WIDTH_SPACE = "\u200b"
CELL_CHARS = 600  # a table cell on paper shows this much of a text; XLSX and JSON all of it
CLIPPED = " … (selengkapnya di berkas XLSX)"
LONG_RUN = re.compile(rf"\S{{{LONG_TOKEN + 1},}}")


def data_as_of(report: Report) -> date | None:
    """The office-local day the figures stand at while the report's period runs (a year or
    triwulan not yet over, its last day included: complaints still arrive that afternoon):
    its figures are provisional and every format says "data per <date>". None once the
    period's last day has passed. ``generated_at`` is already in the office's time zone
    (`reports.model.new_report`), so 00:30 WIB on 1 January is the new year."""
    today = report.generated_at.date()
    return today if report.period.end >= today else None


def cell_class(cell: Cell) -> str:
    """A table cell's class in HTML/PDF: ``n`` numbers (right, never wrapped), ``d`` dates
    (never wrapped), ``none`` no value (its "-" centred), ``long`` a text holding a token
    longer than any column is wide (a pasted address), the only text allowed to break
    mid-word."""
    if cell is None:
        return "none"
    if isinstance(cell, int | Decimal):
        return "n"
    if isinstance(cell, date):
        return "d"
    if isinstance(cell, str) and any(len(word) > LONG_TOKEN for word in cell.split()):
        return "long"
    return ""


def clipped(text: str) -> str:
    """A table cell's text cut at CELL_CHARS on paper and screen: a page of one
    resident's suggestion helps no reader, and the full text is in the XLSX."""
    if not isinstance(text, str) or len(text) <= CELL_CHARS:
        return text
    return text[:CELL_CHARS].rstrip() + CLIPPED


def breakable(text: str) -> str:
    """A token longer than LONG_TOKEN (a pasted address, a resident's 2,000 letters
    without a space) given a zero-width space every BREAK_EVERY characters, never
    inside a letter and its combining marks. The browser and WeasyPrint then wrap it
    as they wrap words; left to ``overflow-wrap: anywhere`` in a table, WeasyPrint
    spent seconds per such cell sizing the columns (a report stalled by a survey)."""
    if not isinstance(text, str) or len(text) <= LONG_TOKEN:
        return text
    return LONG_RUN.sub(lambda run: _cut(run.group()), text)


def _cut(token: str) -> str:
    pieces, since = [], 0
    for char in token:
        if since >= BREAK_EVERY and _starts_a_letter(char):
            pieces.append(ZERO_WIDTH_SPACE)
            since = 0
        pieces.append(char)
        since += 1
    return "".join(pieces)


def _starts_a_letter(char: str) -> bool:
    """Not a combining mark, a joiner or a variation selector: a break before it would
    tear a letter (an accent, a conjunct, an emoji sequence) in two."""
    return not (
        unicodedata.combining(char)
        or unicodedata.category(char) in ("Mn", "Mc", "Me", "Cf")
        or "\ufe00" <= char <= "\ufe0f"
    )


def rows_shown(fmt: str) -> int | None:
    """How much of a long list a format shows; None: all of it (XLSX, JSON)."""
    return ROWS_SHOWN.get(fmt)


SUFFIX = {"text": "txt", "html": "html", "pdf": "pdf", "xlsx": "xlsx", "json": "json"}


HTML_TEMPLATES, TEXT_TEMPLATES = ".html.j2", ".txt.j2"


class _TemplatesEndingIn(PackageLoader):
    """The package's templates of one kind only: the escaping HTML environment never
    loads a chat template, and the plain-text one never loads an HTML template."""

    def __init__(self, suffix: str) -> None:
        super().__init__("reports", "templates")
        self.suffix = suffix

    def get_source(self, environment: Environment, template: str) -> Any:
        if not template.endswith(self.suffix):
            raise TemplateNotFound(template)
        return super().get_source(environment, template)

    def list_templates(self) -> list[str]:
        return [name for name in super().list_templates() if name.endswith(self.suffix)]


def _environment(suffix: str, autoescape: bool) -> Environment:
    env = Environment(
        loader=_TemplatesEndingIn(suffix),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = number
    env.filters["signed"] = signed
    env.filters["movement"] = movement
    env.filters["long_date"] = long_date
    env.filters["cell_class"] = cell_class
    env.filters["breakable"] = breakable
    env.filters["clipped"] = clipped
    return env


@lru_cache(maxsize=1)
def html_environment() -> Environment:
    """Reports and posters as HTML (and so PDF): every value escaped, whatever the
    template's name."""
    return _environment(HTML_TEMPLATES, autoescape=True)


@lru_cache(maxsize=1)
def text_environment() -> Environment:
    """Chat text: plain, unescaped, for messages sent without a parse mode; never HTML."""
    return _environment(TEXT_TEMPLATES, autoescape=False)


def render_text(report: Report) -> str:
    name = "weekly.txt.j2" if report.kind == "weekly" else "report.txt.j2"
    template = text_environment().get_template(name)
    rendered = template.render(report=report, row_limit=TEXT_TABLE_ROWS, as_of=data_as_of(report))
    return rendered.strip() + "\n"


def render_html(report: Report, assets: Assets | None = None) -> str:
    """The report as HTML; its images (logo, charts) are data URIs made in ``assets``,
    the registry the PDF renderer's fetcher serves from."""
    template = html_environment().get_template("report.html.j2")
    return template.render(
        report=report,
        row_limit=DOCUMENT_TABLE_ROWS,
        assets=assets or Assets(),
        as_of=data_as_of(report),
    )


def render_pdf(report: Report) -> bytes:
    from reports.pdf import write_pdf  # imported when needed: WeasyPrint loads Pango

    assets = Assets()
    return write_pdf(render_html(report, assets), assets)


def render_xlsx(report: Report) -> bytes:
    """The workbook (reports/xlsx.py), marked provisional while the period runs."""
    from reports.xlsx import render_xlsx as workbook

    return workbook(report, data_as_of(report))


def _json_default(value: object) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value)}")


def render(report: Report, fmt: str) -> bytes:
    shown = rows_shown(fmt)
    for table in report.tables:
        if table.row_count > len(table.rows) and (shown is None or len(table.rows) < shown):
            raise ValueError(f"table {table.key} was built cut short for {fmt}")
    if fmt == "text":
        return render_text(report).encode("utf-8")
    if fmt == "html":
        return render_html(report).encode("utf-8")
    if fmt == "pdf":
        return render_pdf(report)
    if fmt == "xlsx":
        with gc_paused():
            return render_xlsx(report)
    if fmt == "json":
        return json.dumps(
            as_json(report), ensure_ascii=False, indent=2, default=_json_default
        ).encode()
    raise ValueError(f"format must be one of {', '.join(FORMATS)}")
