"""Putting reports in the outbox: the digest to the leadership, deadline reminders to the
section, report files to the Camat. A scheduled duty claims its run key in the same
transaction as its messages, so it is queued once, whoever runs it and however often."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from core.config import Settings
from core.db import session_scope
from core.domain.periods import Period
from core.models import ScheduledRun
from core.scope import for_office
from core.services.access.offices import FIRST_OFFICE, office_profile, office_run_key
from core.services.complaints.due import work_calendar
from core.services.complaints.stats import deadlines
from core.services.files.upsert import insert_if_absent
from core.services.kabupaten.deadlines import reminders_for
from core.services.messaging.outbox import DIGEST_TOPIC, enqueue
from core.services.messaging.recipients import (
    leadership_recipients,
    section_recipients,
    sekcam_recipients,
    submitter_recipients,
)
from reports import builders
from reports.model import Report
from reports.render import render, render_text, rows_shown, text_environment

PDF_ROWS = rows_shown("pdf")


@contextmanager
def _office_work(engine: Engine, office: int | None) -> Iterator[Session]:
    """A unit of work for one office (None: the only one, in a single-office install)."""
    with session_scope(engine) as session:
        if office is not None:
            for_office(session, office)
        yield session


def _file_tag(session: Session) -> str:
    """Report files of the first office keep their names; others' start with the code."""
    profile = office_profile(session)
    return "" if profile.id == FIRST_OFFICE else f"{profile.code}-"


def already_ran(session: Session, key: str) -> bool:
    return session.get(ScheduledRun, key) is not None


def claim_run(session: Session, key: str) -> bool:
    """True for the one transaction that records this duty first; on PostgreSQL a second
    process inserting the same key waits for the first to commit, then gets False."""
    table = ScheduledRun.__table__  # type: ignore[attr-defined]
    return insert_if_absent(session, table, {"key": key})


def save_file(settings: Settings, name: str, content: bytes) -> Path:
    """Written whole or not at all (temporary file, fsync, rename): the outbox may point
    at it for days."""
    folder = settings.reports_dir
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    temporary = path.with_suffix(path.suffix + ".tmp")
    with temporary.open("wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return path


@dataclass(frozen=True)
class Queued:
    recipients: int
    files: list[Path]
    already_sent: bool = False  # the run key was there: nothing queued


def digest_key(today: date) -> str:
    """The run key of the digest sent on ``today``: the ISO week it reports on."""
    year, week, _ = (today - timedelta(days=7)).isocalendar()
    return f"digest:{year}-W{week:02d}"


def _queue(
    session: Session,
    recipients: Sequence[tuple[str, str]],
    text: str,
    files: list[tuple[Path, str]],
    key: str | None,
    topic: str | None = None,
) -> None:
    for channel, chat in recipients:
        prefix = f"{key}:{channel}:{chat}" if key else None
        text_key = f"{prefix}:text" if prefix else None
        enqueue(session, channel, chat, text=text, dedupe_key=text_key, topic=topic)
        for number, (path, caption) in enumerate(files):
            enqueue(
                session,
                channel,
                chat,
                text=caption,
                attachment=str(path),
                dedupe_key=f"{prefix}:file{number}" if prefix else None,
                topic=topic,
            )


def send_digest(
    engine: Engine,
    settings: Settings,
    today: date,
    key: str | None,
    force: bool = False,
    office: int | None = None,
) -> Queued:
    """The weekly digest as chat text, with the full report as a PDF, to every camat and
    sekcam of the office. ``key`` (e.g. ``digest:2026-W48``) makes it once-only, so a
    manual send and the scheduled one never both go out; ``force`` sends again and still
    records it."""
    with _office_work(engine, office) as session:
        if key and not force and already_ran(session, key):
            return Queued(0, [], already_sent=True)
        report = builders.build_weekly(session, settings, today)
        tag = _file_tag(session)
    text = render_text(report)
    pdf = save_file(
        settings, f"{tag}ringkasan-mingguan-{report.period.start}.pdf", render(report, "pdf")
    )
    with _office_work(engine, office) as session:
        if key and not claim_run(session, key) and not force:
            return Queued(0, [], already_sent=True)
        recipients = leadership_recipients(session)
        files = [(pdf, "Laporan lengkap ringkasan mingguan")]
        _queue(session, recipients, text, files, None if force else key, topic=DIGEST_TOPIC)
    return Queued(len(recipients), [pdf])


def send_deadline_reminders(
    engine: Engine, settings: Settings, today: date, office: int | None = None
) -> Queued:
    """On working days: the office's complaints due today or on the next working day,
    and overdue ones, to its Trantib section; overdue ones also to its Sekcam."""
    with _office_work(engine, office) as session:
        key = office_run_key(f"deadline:{today.isoformat()}", office_profile(session))
        if not work_calendar(session).is_working_day(today) or already_ran(session, key):
            return Queued(0, [])
        due = deadlines(session, settings, today)
        if not (due.due_soon or due.overdue or due.secret_due_soon or due.secret_overdue):
            return Queued(0, [])
        if not claim_run(session, key):
            return Queued(0, [])
        template = text_environment().get_template("deadline.txt.j2")
        section = section_recipients(session, settings, "trantib")
        _queue(session, section, template.render(d=due, escalation=False), [], key)
        escalated = [r for r in sekcam_recipients(session) if r not in section]
        if due.overdue or due.secret_overdue:
            text = template.render(d=due, escalation=True)
            _queue(session, escalated, text, [], f"{key}:sekcam")
    return Queued(len(section) + len(escalated), [])


def send_submission_reminders(
    engine: Engine, settings: Settings, today: date, office: int | None = None
) -> Queued:
    """On working days from a few days before the kabupaten's deadline: the triwulan the
    office still owes (not submitted, or returned), to whoever may submit it."""
    with _office_work(engine, office) as session:
        reminders = reminders_for(session, settings, today)
        key = office_run_key(f"submission:{today.isoformat()}", office_profile(session))
        if not reminders or already_ran(session, key) or not claim_run(session, key):
            return Queued(0, [])
        template = text_environment().get_template("submission_reminder.txt.j2")
        text = template.render(reminders=reminders, address=settings.web_address)
        people = submitter_recipients(session)
        _queue(session, people, text, [], key)
    return Queued(len(people), [])


def _files(settings: Settings, reports: list[Report], tag: str) -> list[tuple[Path, str]]:
    files = []
    for report in reports:
        name = f"{tag}{report.kind}-{report.period.start}-{report.period.end}.pdf"
        files.append((save_file(settings, name, render(report, "pdf")), report.title))
    return files


def send_period_reports(
    engine: Engine,
    settings: Settings,
    period: Period,
    kinds: list[str],
    key: str,
    today: date,
    office: int | None = None,
) -> Queued:
    """The office's report files for a finished month or quarter, to its leadership."""
    with _office_work(engine, office) as session:
        if already_ran(session, key):
            return Queued(0, [])
        built = [
            builders.build_report(k, session, settings, period, today, list_limit=PDF_ROWS)
            for k in kinds
        ]
        tag = _file_tag(session)
    files = _files(settings, built, tag)
    with _office_work(engine, office) as session:
        if not claim_run(session, key):
            return Queued(0, [])
        recipients = leadership_recipients(session)
        text = f"Laporan periode {period} terlampir."
        _queue(session, recipients, text, files, key)
    return Queued(len(recipients), [path for path, _ in files])
