"""When the kabupaten takes a triwulan's submissions, and which offices are late.

A triwulan is open from the day after it ends, due a number of working days later
(SIGAP_SUBMISSION_DEADLINE_WORKDAYS), until the kabupaten closes it. The Bagian
Organisasi may set another opening day or deadline, close the window (no office submits
any more, a returned one included, until it is opened again) and reopen it. The deadline
never refuses a submission: a late office is listed as overdue and reminded in its chat.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from core.config import Settings
from core.domain.access import Permission
from core.domain.periods import Period
from core.domain.workdays import WorkCalendar
from core.errors import InvalidInput
from core.models import Holiday, Office, SubmissionWindow
from core.scope import for_all_offices
from core.services.access.authz import Actor, actor_staff_id, authorize
from core.timeutil import utcnow

log = logging.getLogger(__name__)
A_YEAR = timedelta(days=366)  # the farthest a window's dates may reach


@dataclass(frozen=True)
class Window:
    year: int
    quarter: int
    opens_on: date
    deadline: date
    closed: bool
    set_by_kabupaten: bool  # False: the default, nobody set it

    def refusal(self, today: date) -> str | None:
        """Why an office cannot submit today, in its words; None when it can."""
        name = f"TW {self.quarter} {self.year}"
        if self.closed:
            return (
                f"Pengajuan {name} sudah ditutup kabupaten. Hubungi Bagian Organisasi bila "
                "perlu dibuka lagi."
            )
        if today < self.opens_on:
            return f"Pengajuan {name} dibuka mulai {self.opens_on:%d-%m-%Y}."
        return None

    def working_days_left(self, calendar: WorkCalendar, today: date) -> int:
        """Working days from today to the deadline; negative once it passed."""
        if today <= self.deadline:
            return calendar.working_days_between(today, self.deadline)
        return -calendar.working_days_between(self.deadline, today)


def kabupaten_calendar(session: Session) -> WorkCalendar:
    """Weekends and the holidays every active office keeps (the national ones and the
    cuti bersama): one deadline for the whole kabupaten, whichever office reads it."""
    with for_all_offices(Session(session.get_bind())) as every:
        offices = every.exec(select(col(Office.id)).where(Office.active == True)).all()  # noqa: E712
        days = every.exec(
            select(col(Holiday.office_id), col(Holiday.day)).where(
                col(Holiday.deleted_at).is_(None)
            )
        ).all()
    kept: dict[date, set[int | None]] = {}
    for office_id, day in days:
        kept.setdefault(day, set()).add(office_id)
    return WorkCalendar(day for day, by in kept.items() if by >= set(offices))


def default_deadline(session: Session, settings: Settings, year: int, quarter: int) -> date:
    end = Period.quarter(year, quarter).end
    return kabupaten_calendar(session).add_working_days(end, settings.submission_deadline_workdays)


def window_of(session: Session, settings: Settings, year: int, quarter: int) -> Window:
    row = session.get(SubmissionWindow, (year, quarter))
    if row is not None:
        return Window(year, quarter, row.opens_on, row.deadline, row.closed_at is not None, True)
    opens_on = Period.quarter(year, quarter).end + timedelta(days=1)
    deadline = default_deadline(session, settings, year, quarter)
    return Window(year, quarter, opens_on, deadline, False, False)


def _row(session: Session, settings: Settings, year: int, quarter: int) -> SubmissionWindow:
    row = session.get(SubmissionWindow, (year, quarter))
    if row is None:
        now = window_of(session, settings, year, quarter)
        row = SubmissionWindow(
            year=year, quarter=quarter, opens_on=now.opens_on, deadline=now.deadline
        )
    return row


def _check_quarter(year: int, quarter: int) -> None:
    if quarter not in (1, 2, 3, 4) or not 2000 <= year <= 2100:
        raise InvalidInput("Triwulan 1–4 dan tahun 2000–2100.")


def set_window(
    session: Session,
    settings: Settings,
    actor: Actor,
    year: int,
    quarter: int,
    opens_on: date,
    deadline: date,
) -> Window:
    """Open the triwulan's window (again) from ``opens_on``, due by ``deadline``."""
    authorize(actor, Permission.MANAGE_KABUPATEN)
    _check_quarter(year, quarter)
    period = Period.quarter(year, quarter)
    if not period.start < opens_on <= period.end + A_YEAR:
        raise InvalidInput(
            f"Tanggal buka antara {period.start + timedelta(days=1):%d-%m-%Y} dan "
            f"{period.end + A_YEAR:%d-%m-%Y}."
        )
    if not opens_on <= deadline <= opens_on + A_YEAR:
        raise InvalidInput("Tenggat paling cepat tanggal buka, paling lambat setahun sesudahnya.")
    row = _row(session, settings, year, quarter)
    row.opens_on, row.deadline, row.closed_at = opens_on, deadline, None
    _changed(session, row, actor, "opened")
    return window_of(session, settings, year, quarter)


def close_window(
    session: Session, settings: Settings, actor: Actor, year: int, quarter: int
) -> Window:
    """No office submits this triwulan any more, until the window is opened again."""
    authorize(actor, Permission.MANAGE_KABUPATEN)
    _check_quarter(year, quarter)
    row = _row(session, settings, year, quarter)
    if row.closed_at is None:
        row.closed_at = utcnow()
        _changed(session, row, actor, "closed")
    return window_of(session, settings, year, quarter)


def _changed(session: Session, row: SubmissionWindow, actor: Actor, what: str) -> None:
    """Kept on the row and in the server log: the window is the kabupaten's, not an
    office's, so no office's audit trail holds it."""
    row.changed_by, row.changed_at = actor_staff_id(actor), utcnow()
    session.add(row)
    session.flush()
    log.info(
        "submission window TW %s %s %s by staff %s", row.quarter, row.year, what, row.changed_by
    )
