"""Every PDF report is readable on paper: no text box outside the page's margins, long
values included; the kop surat and the signature block come from the settings. A PNG of
every page of each report is kept under build/report-pages/ for review."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTTextContainer, LTTextLine
from sqlmodel import Session

from core.config import Settings, load_settings
from core.domain.performance import DocumentKind, IkuCode
from core.domain.periods import Period
from core.domain.skm import Unsur
from core.models import SkmFollowUp
from core.services.performance import records
from core.services.survey import skm
from reports import builders
from reports.render import render
from tests import factories as f

MM = 72 / 25.4
MARGIN_X, MARGIN_Y = 15 * MM, 18 * MM  # the @page margins of report.html.j2
FOOTER_EDGE = 5 * MM  # the page number sits in the bottom margin, inside a printer's reach
PAGES = Path(__file__).resolve().parent.parent / "build" / "report-pages"
LONG_WORD = "Pelayanan" * 40  # 360 letters without a space: must wrap inside its cell
KINDS = ("iku", "skm", "complaints", "weekly")
NIP = "19700101 199003 1 001"


@pytest.fixture
def office(database_url: str, tmp_path: Path) -> Settings:
    logo = tmp_path / "logo.png"
    logo.write_bytes(_png_logo())
    settings = load_settings(
        _env_file=None,
        DATABASE_URL=database_url,
        SIGAP_OFFICE_ADDRESS="Jl. Raya Mumbulsari No. 1, Mumbulsari, Jember 68174",
        SIGAP_OFFICE_LOGO=str(logo),
        SIGAP_CAMAT_NAME="Drs. Ahmad Fauzi, M.Si.",
        SIGAP_CAMAT_NIP=NIP,
    )
    return f.office_as_configured(database_url, settings)


def _png_logo() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (60, 70), "darkgreen").save(buffer, format="PNG")
    return buffer.getvalue()


def _long_values(session: Session, settings: Settings) -> None:
    """A year whose every table has a long value in it."""
    service = skm.add_service(session, "ktp", "Pelayanan " + "Kartu Tanda Penduduk " * 5)
    assert service.id
    skm.record_response(
        session,
        skm.SkmAnswers(service.id, date(2026, 3, 2), {u: 3 for u in Unsur}, saran=LONG_WORD),
    )
    records.add_document(session, DocumentKind.LAKIP, "Laporan " * 24, date(2026, 2, 2))
    records.set_target(session, 2026, IkuCode.IKU1, Decimal(4))
    records.set_sakip(session, 2026, Decimal("72.35"))
    records.add_indicator(session, 2026, "Indikator " * 20, Decimal(80))
    session.add(SkmFollowUp(year=2026, unsur="U3", action=LONG_WORD, responsible="Sekcam"))
    late = f.complaint(session, settings, received_at=datetime(2026, 1, 5, 3, tzinfo=UTC))
    late.desa = "Karang Kedawung"
    session.add(late)
    session.flush()


def _lines_outside(pdf: bytes, title: str) -> list[tuple[int, str]]:
    """Text lines outside the page's margins; the running heads (the title from page 2
    on, the provisional mark, the page number) sit in the margins, within FOOTER_EDGE."""
    heads = (title, "Laporan sementara", "Halaman")
    bad = []
    for number, page in enumerate(extract_pages(io.BytesIO(pdf)), 1):
        for box in page:
            if not isinstance(box, LTTextContainer):
                continue
            for line in box:
                text = line.get_text().strip() if isinstance(line, LTTextLine) else ""
                if text and not _inside(line, page.width, page.height, text.startswith(heads)):
                    bad.append((number, text[:50]))
    return bad


def _inside(line: LTTextLine, width: float, height: float, head: bool) -> bool:
    tolerance = 0.5
    if head:
        x, y = FOOTER_EDGE, FOOTER_EDGE
    else:
        x, y = MARGIN_X - tolerance, MARGIN_Y - tolerance
    return line.x0 >= x and line.x1 <= width - x and line.y0 >= y and line.y1 <= height - y


def _keep_pages(kind: str, pdf: bytes) -> None:
    PAGES.mkdir(parents=True, exist_ok=True)
    document = pdfium.PdfDocument(pdf)
    try:
        for old in PAGES.glob(f"{kind}-*.png"):
            old.unlink()
        for index in range(len(document)):
            image = document[index].render(scale=1.3).to_pil()
            image.save(PAGES / f"{kind}-{index + 1}.png")
    finally:
        document.close()


@pytest.mark.parametrize("kind", KINDS)
def test_every_report_stays_inside_the_margins_and_is_signed(
    kind: str, session: Session, office: Settings
) -> None:
    _long_values(session, office)
    report = builders.build_report(
        kind, session, office, Period.year(2026), date(2026, 12, 1), service_users=500
    )
    pdf = render(report, "pdf")
    _keep_pages(kind, pdf)
    assert _lines_outside(pdf, report.title) == []
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "PEMERINTAH KABUPATEN JEMBER" in text and "Jl. Raya Mumbulsari No. 1" in text
    assert "Drs. Ahmad Fauzi, M.Si." in text and f"NIP. {NIP}" in text
    assert "Camat Mumbulsari" in text and f"Mumbulsari, {report.generated_at.day} " in text
    assert reader.pages[0].images, "the office logo heads the first page"
