"""The web back office as the composition root builds it: given the report renderer,
which the back office itself may not import."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session

from core.config import Settings
from core.domain.periods import Period
from core.models import Staff
from core.services.access.web_access import has_any_staff, issue_login_link, login_url
from core.timeutil import local_date, utcnow
from web.context import Office, PosterMaker, ReportMaker


def report_maker(settings: Settings) -> ReportMaker:
    def make(session: Session, kind: str, period: Period, fmt: str) -> bytes:
        from reports.builders import build_report  # WeasyPrint and matplotlib: on demand
        from reports.render import render

        today = local_date(utcnow(), settings.tz)
        return render(build_report(kind, session, settings, period, today), fmt)

    return make


def poster_maker(settings: Settings) -> PosterMaker:
    def make(session: Session, service_code: str) -> bytes:
        from reports.poster import render_poster

        return render_poster(session, settings, service_code)

    return make


def build_office(settings: Settings, engine: Engine) -> Office:
    from app.channels import channel_setups

    return Office(
        settings,
        engine,
        reports=report_maker(settings),
        poster=poster_maker(settings),
        channels=channel_setups(settings),
    )


def first_login_link(settings: Settings, engine: Engine) -> str | None:
    """On a fresh install (no active staff at all): an admin to start with, and a login
    link for them. None once anyone works here; later links come from /masuk or
    `sigap web masuk`."""
    from core.domain.people import StaffRole
    from core.scope import for_office
    from core.services.access.offices import FIRST_OFFICE
    from core.services.performance.records import add_staff

    with Session(engine, expire_on_commit=False) as session:
        if has_any_staff(session):  # in any office
            return None
        for_office(session, FIRST_OFFICE)  # admins of other offices: `sigap --office X staff add`
        admin: Staff = add_staff(session, "Admin", StaffRole.ADMIN)
        token = issue_login_link(session, admin)
        session.commit()
    return login_url(settings, token)
