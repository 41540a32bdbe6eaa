"""A printable A4 poster per service: the QR code that opens the SKM for it in the chat."""

from __future__ import annotations

import io

import segno
from sqlmodel import Session

from core.config import Settings
from core.services.skm import get_service
from reports.render import environment


def survey_link(settings: Settings, service_code: str) -> str:
    return f"https://t.me/{settings.telegram_bot_username}?start=skm_{service_code}"


def render_poster(session: Session, settings: Settings, service_code: str) -> bytes:
    from weasyprint import HTML

    service = get_service(session, service_code)
    link = survey_link(settings, service.code)
    svg = io.BytesIO()
    segno.make(link, error="m").save(svg, kind="svg", scale=10, border=2)
    html = (
        environment(True)
        .get_template("poster.html.j2")
        .render(
            office=f"{settings.office_name}, {settings.kabupaten}",
            service=service.name,
            link=link,
            qr_svg=svg.getvalue().decode("utf-8"),
        )
    )
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
