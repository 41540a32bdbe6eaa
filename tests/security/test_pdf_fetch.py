"""The PDF renderer fetches nothing it was not given and embeds no file.

A server on 127.0.0.1 records every request it gets; reports whose text names it and
``file:///etc/passwd`` are rendered, and so — to test the fetcher itself, whatever the
escaping — is HTML that names them in every way WeasyPrint would follow (image,
stylesheet, CSS url(), @import, @font-face, attachment links, an SVG data URI nobody
made). WeasyPrint fetches while it renders, so once rendering has returned the
server's list is final: no waiting.
"""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pypdf
import pytest
from PIL import Image
from sqlmodel import Session

from core.config import Settings
from core.domain.periods import Period
from core.domain.skm import Unsur
from core.models import SkmFollowUp
from core.services.survey import skm
from reports import builders
from reports.assets import Assets
from reports.pdf import write_pdf
from reports.poster import render_poster
from reports.render import render
from tests.factories import set_office

SECRET_FILE = "file:///etc/passwd"


class Recorder:
    """An HTTP server that answers anything with a small PNG and notes each request."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder.requests.append(self.path)  # before answering: final on return
                body = _png()
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def embedded_files(pdf: bytes) -> list[str]:
    """Files a PDF carries: the document's embedded files and file-attachment notes."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    found = list(reader.attachments)
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            if annotation.get_object().get("/Subtype") == "/FileAttachment":
                found.append("annotation")
    return found


def _images(pdf: bytes) -> int:
    return sum(len(page.images) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _naming(url: str) -> str:
    """Text that names both addresses, plainly and as markup."""
    return (
        f"Lihat {url}/teks dan {SECRET_FILE} "
        f'<img src="{url}/img"><a rel="attachment" href="{SECRET_FILE}">z</a>'
        f'<link rel="attachment" href="{url}/link">'
    )


@pytest.mark.parametrize("kind", ["skm", "complaints", "iku", "weekly"])
def test_reports_naming_addresses_fetch_nothing_and_embed_nothing(
    kind: str, recorder: Recorder, session: Session, settings: Settings
) -> None:
    url = recorder.url  # the office's columns hold 200 characters: the markup split over two
    set_office(
        session,
        name=f'Kecamatan <img src="{url}/img"><link rel="attachment" href="{url}/link">',
        address=f'Lihat {url}/teks, {SECRET_FILE} <a rel="attachment" href="{SECRET_FILE}">z</a>',
    )
    _skm_naming(session, recorder.url)
    report = builders.build_report(
        kind, session, settings, Period.year(2026), date(2026, 12, 1), service_users=50
    )
    pdf = render(report, "pdf")
    assert recorder.requests == []
    assert embedded_files(pdf) == []
    assert "root:" not in _text(pdf)  # /etc/passwd's first line starts so


def _skm_naming(session: Session, url: str) -> None:
    service = skm.add_service(session, "ktp", f"KTP {url}/layanan")
    assert service.id
    answers = skm.SkmAnswers(
        service.id, date(2026, 6, 1), {u: 3 for u in Unsur}, saran=_naming(url)
    )
    skm.record_response(session, answers)
    session.add(SkmFollowUp(year=2026, unsur="U3", action=_naming(url)))
    session.flush()


def test_the_poster_naming_addresses_fetches_nothing(
    recorder: Recorder, session: Session, settings: Settings
) -> None:
    office = settings.model_copy(update={"telegram_bot_username": "sigap_bot"})
    set_office(session, name=f'Kecamatan <img src="{recorder.url}/img">')
    skm.add_service(session, "ktp", f"KTP {recorder.url}/poster")
    pdf = render_poster(session, office, "ktp")
    assert recorder.requests == []
    assert embedded_files(pdf) == []


def _hostile_html(url: str, made: str) -> str:
    """Markup as if escaping had failed: every way WeasyPrint would reach out."""
    svg = base64.b64encode(
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        f'<image href="{url}/svg-image" width="8" height="8"/></svg>'.encode()
    ).decode()
    foreign_png = base64.b64encode(_png()).decode()
    return f"""<!doctype html><html><head>
<link rel="stylesheet" href="{url}/style.css">
<link rel="attachment" href="{SECRET_FILE}">
<link rel="attachment" href="{url}/link-attachment">
<link rel="attachment" href="{made}">
<style>
  @import url({url}/import.css);
  @font-face {{ font-family: Evil; src: url({url}/font.woff); }}
  body {{ font-family: Evil, sans-serif; background: url({url}/background.png); }}
  p {{ list-style-image: url({SECRET_FILE}); }}
</style></head><body>
<p>Made here: <img src="{made}"></p>
<img src="{url}/img.png"><img src="{SECRET_FILE}"><img src="file:///proc/self/environ">
<img src="data:image/svg+xml;base64,{svg}">
<img src="data:image/png;base64,{foreign_png}">
<object data="{url}/object"></object><embed src="{url}/embed">
<a rel="attachment" href="{SECRET_FILE}">passwd</a>
<a rel="attachment" href="file:///proc/self/environ">environ</a>
<a rel="attachment" href="{url}/a-attachment">remote</a>
<a rel="attachment" href="{made}">even one of ours is not attached</a>
</body></html>"""


def test_the_renderer_serves_only_the_images_the_code_made(recorder: Recorder) -> None:
    """The renderer on its own: of all the addresses above, only the data URI made in
    the document's ``Assets`` is drawn; no request, no foreign data URI, and no
    attachment, not even of an image the fetcher would serve."""
    assets = Assets()
    made = assets.data_uri(_png(), "image/png")
    pdf = write_pdf(_hostile_html(recorder.url, made), assets)
    assert recorder.requests == []
    assert embedded_files(pdf) == []
    assert _images(pdf) == 1  # ours; not the foreign PNG, SVG, file or remote ones
    assert "root:" not in _text(pdf)


def test_the_recorder_would_see_a_fetch(recorder: Recorder) -> None:
    """The checks above can fail: WeasyPrint's own fetcher does reach the server."""
    from weasyprint import HTML

    HTML(string=f'<img src="{recorder.url}/img.png">').write_pdf()
    assert recorder.requests == ["/img.png"]


def test_assets_make_only_image_data_uris() -> None:
    with pytest.raises(ValueError):
        Assets().data_uri(b"<svg/>", "image/svg+xml")


def test_a_logo_path_that_is_no_image_puts_nothing_of_the_file_in_a_report(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    """The office logo is read by its content: a path set to another file (here a
    stand-in for ``/proc/self/environ``) adds no logo and none of its bytes."""
    secret = tmp_path / "environ.png"
    secret.write_bytes(b"TELEGRAM_BOT_TOKEN=123:secret\x00DATABASE_URL=postgresql://x\x00")
    set_office(session, logo_path=str(secret))
    report = builders.build_report("iku", session, settings, Period.year(2026), date(2026, 12, 1))
    html = render(report, "html").decode()
    assert base64.b64encode(secret.read_bytes()[:30]).decode()[:40] not in html
    assert 'alt="Logo"' not in html  # and so none in the PDF, laid out from this HTML
