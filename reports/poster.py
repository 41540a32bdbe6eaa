"""A printable A4 poster per service: a QR code per chat channel, each labelled, that
opens the SKM for that service (Telegram's deep link; WhatsApp's wa.me link with the
``skm_<code>`` text prefilled)."""

from __future__ import annotations

import io
from urllib.parse import quote

import segno
from markupsafe import Markup
from sqlmodel import Session

from core.config import Settings
from core.errors import InvalidInput
from core.services.access.offices import office_profile
from core.services.survey.skm import get_service
from reports.assets import Assets
from reports.render import html_environment

NO_CHANNEL = (
    "Isi TELEGRAM_BOT_USERNAME dan/atau WHATSAPP_DISPLAY_PHONE di .env untuk membuat "
    "tautan / set one or both in .env"
)


def survey_links(settings: Settings, service_code: str) -> list[tuple[str, str]]:
    """(channel label, link) for each channel the office has set up."""
    links = []
    if settings.telegram_bot_username:
        links.append(
            ("Telegram", f"https://t.me/{settings.telegram_bot_username}?start=skm_{service_code}")
        )
    if settings.whatsapp_display_phone:
        text = quote(f"skm_{service_code}")
        links.append(("WhatsApp", f"https://wa.me/{settings.whatsapp_display_phone}?text={text}"))
    return links


def _qr_svg(link: str) -> Markup:
    """The QR code as inline SVG, the one piece of a poster marked safe: segno draws it
    from the link as a single path of coordinates, with no text, title or XML
    declaration in it; the link itself is printed beside it as escaped text."""
    svg = io.BytesIO()
    segno.make(link, error="m").save(svg, kind="svg", scale=10, border=2, xmldecl=False)
    return Markup(svg.getvalue().decode("utf-8"))


def poster_html(session: Session, settings: Settings, service_code: str) -> str:
    """The poster as HTML: the office and the service's name escaped like any text."""
    service = get_service(session, service_code)  # an unknown service is said first
    links = survey_links(settings, service.code)
    if not links:
        raise InvalidInput(NO_CHANNEL)
    return (
        html_environment()
        .get_template("poster.html.j2")
        .render(
            office=f"{office_profile(session).name}, {settings.kabupaten}",
            service=service.name,
            codes=[(label, link, _qr_svg(link)) for label, link in links],
        )
    )


def render_poster(session: Session, settings: Settings, service_code: str) -> bytes:
    from reports.pdf import write_pdf  # imported when needed: WeasyPrint loads Pango

    return write_pdf(poster_html(session, settings, service_code), Assets())
