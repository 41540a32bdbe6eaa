"""The web back office as routes for Sigap's HTTP server. Every page and the right it
needs are listed here, in one table (the role-matrix tests walk it)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from web.context import Office
from web.limits import CloseUnreadBody
from web.login_guard import AttemptLimiter, FormSigner
from web.pages import complaints, dashboard, login, registers, reports, services, staff
from web.security import SecurityHeaders

GET, POST = ["GET"], ["POST"]

PAGES: list[Route] = [
    Route("/", dashboard.dashboard, methods=GET),
    Route("/iku/{code}", dashboard.iku_detail, methods=GET),
    Route("/laporan/{kind}.{fmt}", reports.download, methods=GET),
    Route("/pengaduan", complaints.queue, methods=GET),
    Route("/pengaduan/{code}", complaints.complaint_page, methods=GET),
    Route("/pengaduan/{code}/foto/{photo_id:int}", complaints.photo, methods=GET),
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
    Route("/register/kegiatan/{key}/foto/{photo_id:int}", registers.activity_photo, methods=GET),
    Route("/layanan", services.services, methods=GET),
    Route("/layanan", services.add, methods=POST),
    Route("/layanan/{code}/poster.pdf", services.poster, methods=GET),
    Route("/petugas", staff.staff_list, methods=GET),
    Route("/petugas/undang", staff.invite, methods=POST),
    Route("/petugas/undangan/{invite_id:int}/cabut", staff.revoke, methods=POST),
    Route("/petugas/{staff_id:int}/nonaktif", staff.deactivate, methods=POST),
    Route("/petugas/{staff_id:int}/peran", staff.change_role, methods=POST),
    Route("/keluar", login.logout, methods=POST),
    Route("/bahasa", login.switch_language, methods=POST),
]
PUBLIC: list[BaseRoute] = [
    Route("/masuk", login.login_form, methods=GET),
    Route("/masuk", login.login, methods=POST),
    Mount("/static", StaticFiles(packages=[("web", "static")]), name="static"),
]


def build_web(office: Office) -> Starlette:
    app = Starlette(
        routes=[*PUBLIC, *PAGES],
        middleware=[
            Middleware(CloseUnreadBody),  # a refused upload is not read to its end
            Middleware(SecurityHeaders, tile_url=office.settings.map_tile_url),
        ],
    )
    app.state.office = office
    secret = office.settings.secret_key
    app.state.login_signer = FormSigner.from_secret(secret.get_secret_value() if secret else None)
    app.state.login_limiter = AttemptLimiter(office.settings.login_attempts_per_minute)
    return app


def web_routes(office: Office) -> list[BaseRoute]:
    """Mounted last on Sigap's server: webhooks and /healthz keep their own paths."""
    return [Mount("", app=build_web(office))]
