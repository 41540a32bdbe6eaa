"""When a complaint is due: the working days its category's service level gives, in
the office's calendar (weekends and the holidays register off)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from core.config import Settings
from core.domain.workdays import WorkCalendar
from core.models import Holiday
from core.services.access.offices import office_profile
from core.services.complaints.categories import find_category


def service_level_days(session: Session, settings: Settings, category: str) -> int:
    """Working days to settle a complaint of ``category`` in the session's office: the
    office's own level where it set one (Kantor page, `sigap office set`), else the
    category list's."""
    own = office_profile(session).service_levels.get(category)
    return (
        own
        if own is not None
        else find_category(category, settings.categories_file).service_level_days
    )


def work_calendar(session: Session) -> WorkCalendar:
    return WorkCalendar(
        session.exec(select(col(Holiday.day)).where(col(Holiday.deleted_at).is_(None))).all()
    )
