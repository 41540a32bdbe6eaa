"""Each office's standing against a triwulan's deadline: for the kabupaten's overdue list
and for the reminders in the office staff's chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session, col, func, select

from core.config import Settings
from core.domain.access import Permission, roles_with
from core.domain.people import StaffRole
from core.domain.workdays import WorkCalendar
from core.models import Office, Staff
from core.scope import for_all_offices, for_office
from core.services.access.offices import active_offices
from core.services.kabupaten.verification import SubmissionState, first_submitted, submission
from core.services.kabupaten.windows import Window, kabupaten_calendar, window_of
from core.timeutil import local_date

REMIND_FROM = 3  # working days before the deadline; then every working day until it is in
WAITING_ON_OFFICE = (SubmissionState.NOT_SUBMITTED, SubmissionState.RETURNED)


@dataclass(frozen=True)
class OfficeStanding:
    office: Office
    state: SubmissionState
    days_left: int  # working days from today to the deadline; negative once it passed
    late_by: int  # working days past the deadline: today's for a triwulan still owed,
    # its first submission's for one submitted; 0 when in time
    waiting_for: StaffRole | None = None  # the verifier whose turn it is, when named

    @property
    def owes(self) -> bool:
        return self.state in WAITING_ON_OFFICE

    @property
    def late(self) -> bool:
        return self.late_by > 0


def standings(
    session: Session, settings: Settings, year: int, quarter: int, today: date
) -> tuple[Window, list[OfficeStanding]]:
    """Every active office's state of the triwulan, each read in a session of its own
    office; those still owing it late first, then the rest, by name."""
    window = window_of(session, settings, year, quarter)
    calendar = kabupaten_calendar(session)
    days_left = window.working_days_left(calendar, today)
    rows = []
    for office in active_offices(session):
        with for_office(Session(session.get_bind()), office.id or 0) as own:
            rows.append(_standing(own, settings, office, window, calendar, days_left))
    rows.sort(key=lambda r: (not (r.owes and r.late), r.office.name))
    return window, rows


def _standing(
    own: Session,
    settings: Settings,
    office: Office,
    window: Window,
    calendar: WorkCalendar,
    days_left: int,
) -> OfficeStanding:
    found = submission(own, window.year, window.quarter)
    state = found.state if found else SubmissionState.NOT_SUBMITTED
    if state in WAITING_ON_OFFICE:
        return OfficeStanding(office, state, days_left, max(0, -days_left))
    assert found is not None
    first = first_submitted(own, window.year, window.quarter)
    if first is not None and first.tzinfo is None:  # SQLite's aggregate: UTC, unmarked
        first = first.replace(tzinfo=UTC)
    submitted_on = local_date(first, settings.tz) if first else window.deadline
    late_by = calendar.working_days_between(window.deadline, submitted_on)
    stages = [s for s in (found.next_stage(c) for c in found.codes) if s is not None]
    waiting = found.verifier_of(min(stages)) if stages else None
    return OfficeStanding(office, state, days_left, late_by, waiting)


@dataclass(frozen=True)
class Reminder:
    """What one office is told about one triwulan."""

    year: int
    quarter: int
    deadline: date
    days_left: int
    returned: dict[str, str]  # IKU number -> the kabupaten's reason, when it was returned


def quarters_open_on(today: date) -> list[tuple[int, int]]:
    """The two triwulan before today's: a returned one may still wait a quarter on."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    found = []
    for _ in range(2):
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
        found.append((year, quarter))
    return found


def verifying_since(session: Session) -> datetime | None:
    """When the kabupaten began verifying here (its first verifier account); None when
    nobody verifies: a deployment of one office with no kabupaten account is never
    reminded of a deadline nobody keeps, and a kabupaten arriving today is not told
    about the triwulan before it came."""
    roles = [role.value for role in roles_with(Permission.VERIFY_IKU)]
    with for_all_offices(Session(session.get_bind())) as every:
        found = every.exec(
            select(func.min(Staff.created_at)).where(
                Staff.active == True,  # noqa: E712
                col(Staff.role).in_(roles),
            )
        ).one()
    if found is not None and found.tzinfo is None:  # SQLite's aggregate: UTC, unmarked
        found = found.replace(tzinfo=UTC)
    return found


def reminders_for(session: Session, settings: Settings, today: date) -> list[Reminder]:
    """For the session's office: the open triwulan it still owes, from REMIND_FROM
    working days before their deadline, on working days only."""
    calendar = kabupaten_calendar(session)
    since = verifying_since(session)
    if not calendar.is_working_day(today) or since is None:
        return []
    found = []
    for year, quarter in quarters_open_on(today):
        window = window_of(session, settings, year, quarter)
        if window.refusal(today) is not None:
            continue
        if not window.set_by_kabupaten and window.opens_on <= local_date(since, settings.tz):
            continue  # ended before the kabupaten came, and it did not open it since
        latest = submission(session, year, quarter)
        state = latest.state if latest else SubmissionState.NOT_SUBMITTED
        days_left = window.working_days_left(calendar, today)
        if state not in WAITING_ON_OFFICE or days_left > REMIND_FROM:
            continue
        returned = {}
        if latest is not None:
            returned = {
                code: step.reason or ""
                for code, step in latest.verdicts.items()
                if latest.iku_state(code) is SubmissionState.RETURNED
            }
        found.append(Reminder(year, quarter, window.deadline, days_left, returned))
    return found
