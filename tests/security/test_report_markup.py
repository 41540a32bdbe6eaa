"""A resident's (or an office field's) words never become markup in a report.

Every report kind and the SKM poster are rendered with hostile text in every free-text
field that can reach them; the HTML must hold no element of the attacker's making (no
tag with their id, no image or link to their address, no script), and the same words
must be there as text, in the HTML and in the PDF, so the test cannot pass by the value
simply not reaching the report. Fields that no report prints today (descriptions,
notes, document, activity and indicator names) carry hostile text too: the day one of
them is printed, the no-markup check covers it.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pdfminer.high_level import extract_text
from sqlalchemy import Engine
from sqlmodel import Session

from core.config import Settings, load_settings
from core.domain.complaints import Channel
from core.domain.complaints import ComplaintState as S
from core.domain.performance import DocumentKind, IkuCode
from core.domain.periods import Period
from core.domain.skm import Unsur
from core.models import Activity, SkmFollowUp
from core.services.complaints import lifecycle as svc
from core.services.performance import records
from core.services.survey import skm
from reports import builders
from reports.builders import KINDS
from reports.charts import bar_chart
from reports.poster import poster_html, render_poster
from reports.render import ZERO_WIDTH_SPACE, render
from tests import factories as f
from web.context import Office

TODAY = date(2026, 12, 1)  # the weekly report covers 23..29 November


def full(tag: str) -> str:
    """Every trick of the review: a tag with an id, an image and an attachment link to
    addresses of the attacker's choosing, and a script."""
    return (
        f'<b id="{tag}">{tag}</b><img src="http://127.0.0.1:9/{tag}">'
        f'<a rel="attachment" href="file:///proc/self/environ">{tag}</a><script>{tag}</script>'
    )


def medium(tag: str) -> str:
    """For fields of 60 to 120 characters."""
    return f'<b id="{tag}">{tag}</b><script>{tag}</script>'


def short(tag: str) -> str:
    """For a category code (40 characters)."""
    return f'<b id="{tag}">{tag}</b>'


OFFICE = {
    "SIGAP_OFFICE_NAME": full("xoffice"),
    "SIGAP_KABUPATEN": full("xkab"),
    "SIGAP_OFFICE_ADDRESS": full("xaddr"),
    "SIGAP_CAMAT_NAME": medium("xcamat"),
    "SIGAP_SIGNATURE_PLACE": medium("xplace"),
    "TELEGRAM_BOT_USERNAME": medium("xbot"),
}
CATEGORY, CATEGORY_NAME, DESA = short("xcat"), full("xcatname"), medium("xdesa")
SERVICE, SARAN, RTL, RESPONSIBLE = medium("xsvc"), full("xsaran"), full("xrtl"), medium("xpj")
# What each report prints of the hostile values: each must show as the text it is.
PRINTED_BY_ALL = [OFFICE[k] for k in ("SIGAP_OFFICE_NAME", "SIGAP_OFFICE_ADDRESS")] + [
    OFFICE["SIGAP_CAMAT_NAME"],
    OFFICE["SIGAP_SIGNATURE_PLACE"],
]
PRINTED = {
    "iku": PRINTED_BY_ALL,
    "skm": [*PRINTED_BY_ALL, SERVICE, SARAN, RTL, RESPONSIBLE],
    "complaints": [*PRINTED_BY_ALL, CATEGORY_NAME, DESA],
    "weekly": [*PRINTED_BY_ALL, CATEGORY_NAME, DESA],
    "kabupaten": [OFFICE["SIGAP_OFFICE_NAME"]],  # under the kabupaten's own kop
}
ATTACKER_IDS = re.compile(r"^x[a-z]+$", re.IGNORECASE)  # the ids of the payloads above


@pytest.fixture
def hostile_office(database_url: str, tmp_path: Path) -> Settings:
    categories = tmp_path / "kategori.toml"
    categories.write_text(
        f"[[category]]\ncode = '{CATEGORY}'\nname = '{CATEGORY_NAME}'\n"
        "chapter = 'Perda'\nservice_level_days = 3\n",
        encoding="utf-8",
    )
    settings = load_settings(
        _env_file=None,
        DATABASE_URL=database_url,
        SIGAP_CATEGORIES_FILE=str(categories),
        SIGAP_DESA=f"Mumbulsari,{DESA}",
        **OFFICE,
    )
    return f.office_as_configured(database_url, settings)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, tzinfo=UTC)


def _complaints(session: Session, settings: Settings) -> None:
    """One complaint still open since March (overdue in every list), one settled."""
    officer = f.staff(session)
    for description, received in ((full("xdesc"), date(2026, 3, 2)), ("x" * 12, TODAY)):
        data = svc.NewComplaint(
            channel=Channel.TELEGRAM, category=CATEGORY, description=description, desa=DESA
        )
        item = svc.register_complaint(session, settings, data, received_at=_at(received))
        svc.transition_complaint(
            session, item, S.DIVERIFIKASI, staff=officer, note=full("xnote"), now=_at(received)
        )
        svc.add_progress_note(session, item, officer, full("xprogress"), now=_at(received))
    svc.transition_complaint(session, item, S.DIPROSES, staff=officer, now=_at(TODAY))
    svc.transition_complaint(
        session, item, S.SELESAI, staff=officer, note=full("xresolved"), now=_at(TODAY)
    )


def _registers(session: Session) -> None:
    records.add_document(session, DocumentKind.LAKIP, full("xdoc"), date(2026, 2, 10))
    records.set_target(session, 2026, IkuCode.IKU1, Decimal(4))
    records.set_sakip(session, 2026, Decimal("72.35"), note=full("xsakip"))
    records.add_indicator(session, 2026, full("xind"), Decimal(80), unit=short("xunit"))
    records.add_activity(
        session,
        Activity(
            name=full("xact"),
            kind=short("xkind"),
            planned_date=date(2026, 11, 24),
            target_group=medium("xgroup"),
            partner=medium("xpartner"),
        ),
    )


def _skm(session: Session) -> None:
    service = skm.add_service(session, "ktp", SERVICE)
    assert service.id
    for value, saran in ((4, SARAN), (2, None)):
        answers = skm.SkmAnswers(
            service.id, date(2026, 6, 1), {u: value for u in Unsur}, saran=saran
        )
        skm.record_response(session, answers)
    session.add(
        SkmFollowUp(year=2026, service_code="ktp", unsur="U3", action=RTL, responsible=RESPONSIBLE)
    )


def _hostile_year(session: Session, settings: Settings) -> None:
    _complaints(session, settings)
    _registers(session)
    _skm(session)
    session.flush()


@dataclass
class _Elements(HTMLParser):
    """Every element of a page (tag, attributes) and all its text, entities decoded."""

    tags: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Elements:
    page = _Elements()
    page.feed(html)
    page.close()
    return page


def _attacker_elements(page: _Elements) -> list[tuple[str, dict[str, str]]]:
    """Elements of the attacker's making: their ids, their addresses, an attachment or
    an inline script (the pages' own scripts are files under /static/)."""
    return [
        (tag, attrs)
        for tag, attrs in page.tags
        if ATTACKER_IDS.match(attrs.get("id", ""))
        or "127.0.0.1" in attrs.get("src", "") + attrs.get("href", "")
        or "file:" in attrs.get("src", "") + attrs.get("href", "")
        or "attachment" in attrs.get("rel", "")
        or (tag == "script" and not attrs.get("src", "").startswith("/static/"))
    ]


def _assert_shown_as_text(html: str, printed: list[str]) -> None:
    page = _parse(html)
    assert _attacker_elements(page) == []
    # the break points a long token gets (reports.render.breakable) are not the text
    text = "".join(page.text).replace(ZERO_WIDTH_SPACE, "")
    missing = [value for value in printed if value not in text]
    assert missing == [], "hostile values must be printed as the text they are"


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pdf_text(pdf: bytes) -> str:
    return _squeezed(extract_text(io.BytesIO(pdf)))


@pytest.mark.parametrize("kind", KINDS)
def test_every_report_prints_hostile_text_as_text(
    kind: str, session: Session, hostile_office: Settings
) -> None:
    _hostile_year(session, hostile_office)
    report = builders.build_report(
        kind, session, hostile_office, Period.year(2026), TODAY, service_users=500
    )
    _assert_shown_as_text(render(report, "html").decode(), PRINTED[kind])
    text = _pdf_text(render(report, "pdf"))
    missing = [value for value in PRINTED[kind] if _squeezed(value) not in text]
    assert missing == [], "the PDF shows each hostile value as its literal text"


def test_the_poster_prints_hostile_names_as_text(
    session: Session, hostile_office: Settings
) -> None:
    _skm(session)
    printed = [OFFICE["SIGAP_OFFICE_NAME"], OFFICE["SIGAP_KABUPATEN"], SERVICE]
    html = poster_html(session, hostile_office, "ktp")
    _assert_shown_as_text(html, [*printed, OFFICE["TELEGRAM_BOT_USERNAME"]])
    svg = [tag for tag, _ in _parse(html).tags if tag == "svg"]
    assert svg == ["svg"]  # the QR code, the one piece of markup made by code
    text = _pdf_text(render_poster(session, hostile_office, "ktp"))
    assert [value for value in printed if _squeezed(value) not in text] == []


def test_chart_labels_are_drawn_as_written() -> None:
    """A pair of ``$`` in a label (a category code from the office's list) is text, not
    matplotlib mathtext, which fails the whole report on an unknown command."""
    chart = bar_chart("Pengaduan $\\x$", ["$\\foo$ <b>", "biasa"], [2.0, 1.0])
    assert chart.png.startswith(b"\x89PNG")


def test_every_back_office_template_escapes(settings: Settings, engine: Engine) -> None:
    """The web's templates escape whatever their file is called: a hostile message in
    the page every refusal uses comes out as text."""
    office = Office(settings, engine)
    env = office.templates
    names = env.list_templates()
    assert names and all(_escapes(env.autoescape, name) for name in names)
    html = env.get_template("message.html").render(t=str, message=full("xmsg"))
    _assert_shown_as_text(html, [full("xmsg")])


def _escapes(rule: object, name: str) -> bool:
    return bool(rule(name)) if callable(rule) else bool(rule)
