"""The web back office as routes for Sigap's HTTP server. Every page and the right it
needs are listed here, in one table (the role-matrix tests walk it)."""

from __future__ import annotations

from importlib.resources import files

from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from core.types import INTEGER_MAX
from web.context import Office
from web.limits import CloseUnreadBody
from web.login_guard import AttemptLimiter, FormSigner
from web.pages import (
    analysis,
    complaints,
    dashboard,
    dictionary,
    handoffs,
    kabupaten,
    login,
    registers,
    reports,
    services,
    staff,
    system,
    verification,
)
from web.pages import office as kantor
from web.security import SecurityHeaders

GET, POST = ["GET"], ["POST"]


def digits_up_to(limit: int) -> str:
    """A regular expression for 1..limit written in 0-9 without leading zeros."""
    text = str(limit)
    shorter = [f"[1-9][0-9]{{0,{len(text) - 2}}}"] if len(text) > 1 else []
    same_length = [
        f"{text[:i]}[{1 if i == 0 else 0}-{int(digit) - 1}][0-9]{{{len(text) - i - 1}}}"
        for i, digit in enumerate(text)
        if int(digit) > (1 if i == 0 else 0)
    ]
    return "(?:" + "|".join([*shorter, *same_length, text]) + ")"


class RowId(Convertor[int]):
    """``{name:id}``: a row's key as the database holds it (INTEGER, 1..2^31-1). Any other
    number in its place matches no page, so it is answered 404 before a query is made
    (SQLite overflows past 2^63, PostgreSQL refuses past 2^31-1)."""

    regex = digits_up_to(INTEGER_MAX)

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", RowId())  # before the routes below are compiled

PAGES: list[Route] = [
    Route("/", dashboard.dashboard, methods=GET),
    Route("/kabupaten", kabupaten.rollup, methods=GET),
    Route("/kabupaten/laporan.{fmt}", kabupaten.report, methods=GET),
    Route("/kabupaten/limpahan", handoffs.kabupaten_import_form, methods=GET),
    Route("/kabupaten/limpahan", handoffs.kabupaten_import, methods=POST),
    Route("/kabupaten/rujukan", handoffs.referrals, methods=GET),
    Route("/kabupaten/rujukan.{fmt}", handoffs.referrals_export, methods=GET),
    Route("/kabupaten/verifikasi", verification.kabupaten_states, methods=GET),
    Route("/kabupaten/verifikasi/jendela", verification.set_window, methods=POST),
    Route("/kabupaten/kamus", dictionary.indicators, methods=GET),
    Route("/kabupaten/kamus", dictionary.add_indicator, methods=POST),
    Route("/kabupaten/kamus/target", dictionary.target_template, methods=POST),
    Route("/kabupaten/verifikasi/{code}/{year}/{q}", verification.kabupaten_submission),
    Route("/kabupaten/verifikasi/{code}/{year}/{q}/{iku}", verification.decide, methods=POST),
    Route("/pengajuan", verification.office_submissions, methods=GET),
    Route("/pengajuan", verification.submit, methods=POST),
    Route("/iku/{code}", dashboard.iku_detail, methods=GET),
    Route("/iku/{code}/analisis", analysis.save, methods=POST),
    Route("/laporan/{kind}.{fmt}", reports.download, methods=GET),
    Route("/pengaduan", complaints.queue, methods=GET),
    Route("/pengaduan/limpahan", handoffs.office_import_form, methods=GET),
    Route("/pengaduan/limpahan", handoffs.office_import, methods=POST),
    Route("/pengaduan/{code}", complaints.complaint_page, methods=GET),
    Route("/pengaduan/{code}/foto/{photo_id:id}", complaints.photo, methods=GET),
    Route("/pengaduan/{code}/{action}", complaints.act, methods=POST),
    Route("/register", registers.index, methods=GET),
    Route("/register/libur/nasional", registers.national_holidays, methods=POST),
    Route("/register/{name}", registers.listing, methods=GET),
    Route("/register/{name}", registers.create, methods=POST),
    Route("/register/{name}/ekspor.xlsx", registers.export, methods=GET),
    Route("/register/{name}/templat.xlsx", registers.template, methods=GET),
    Route("/register/{name}/impor", registers.import_file, methods=POST),
    Route("/register/{name}/{key}", registers.show, methods=GET),
    Route("/register/{name}/{key}", registers.update, methods=POST),
    Route("/register/{name}/{key}/hapus", registers.delete, methods=POST),
    Route("/register/{name}/{key}/berkas", registers.upload_file, methods=POST),
    Route("/register/{name}/{key}/berkas", registers.download_file, methods=GET),
    Route("/register/kegiatan/{key:id}/foto/{photo_id:id}", registers.activity_photo, methods=GET),
    Route("/layanan", services.services, methods=GET),
    Route("/layanan", services.add, methods=POST),
    Route("/layanan/{code}/poster.pdf", services.poster, methods=GET),
    Route("/petugas", staff.staff_list, methods=GET),
    Route("/petugas/undang", staff.invite, methods=POST),
    Route("/petugas/undangan/{invite_id:id}/cabut", staff.revoke, methods=POST),
    Route("/petugas/{staff_id:id}/nonaktif", staff.deactivate, methods=POST),
    Route("/petugas/{staff_id:id}/peran", staff.change_role, methods=POST),
    Route("/sistem", system.system, methods=GET),
    Route("/kantor", kantor.office_page, methods=GET),
    Route("/kantor", kantor.save_profile, methods=POST),
    Route("/kantor/logo", kantor.upload_logo, methods=POST),
    Route("/kantor/pengaturan", kantor.save_own_settings, methods=POST),
    Route("/kantor/desa", kantor.add_area, methods=POST),
    Route("/kantor/desa/nonaktif", kantor.deactivate_area, methods=POST),
    Route("/kantor/desa/aktifkan", kantor.reactivate_area, methods=POST),
    Route("/keluar", login.logout, methods=POST),
    Route("/bahasa", login.switch_language, methods=POST),
]


async def _favicon(request: Request) -> FileResponse:
    """Browsers ask for /favicon.ico on their own (a PDF or an image opened in a tab, a
    bookmark): the site's icon, not a 404 page."""
    return FileResponse(
        str(files("web") / "static" / "favicon.png"),
        media_type="image/png",
        headers={"Cache-Control": "public, max-age=86400"},
    )


PUBLIC: list[BaseRoute] = [
    Route("/favicon.ico", _favicon, methods=GET),
    Route("/masuk", login.login_form, methods=GET),
    Route("/masuk", login.login, methods=POST),
    Mount("/static", StaticFiles(packages=[("web", "static")]), name="static"),
]


async def _not_found(request: Request, exc: Exception) -> HTMLResponse:
    """An address no page answers (or a key past the database's): a sentence, not text."""
    office: Office = request.app.state.office
    html = office.templates.get_template("message.html").render(
        t=office.translator("id"), message=office.translator("id")("not_found"), staff=None, path=""
    )
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    return HTMLResponse(html, status_code=status)


def build_web(office: Office) -> Starlette:
    app = Starlette(
        routes=[*PUBLIC, *PAGES],
        exception_handlers={404: _not_found},
        middleware=[
            Middleware(CloseUnreadBody),  # a refused upload is not read to its end
            Middleware(SecurityHeaders, tile_url=office.settings.map_tile_url),
        ],
    )
    app.state.office = office
    analysis.install(office)  # the IKU page's analysis panel reads through it
    secret = office.settings.secret_key
    app.state.login_signer = FormSigner.from_secret(secret.get_secret_value() if secret else None)
    app.state.login_limiter = AttemptLimiter(office.settings.login_attempts_per_minute)
    return app


def web_routes(office: Office) -> list[BaseRoute]:
    """Mounted last on Sigap's server: webhooks and /healthz keep their own paths."""
    return [Mount("", app=build_web(office))]
