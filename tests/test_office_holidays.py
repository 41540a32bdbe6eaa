"""Each office keeps its own days off (migration 0015): the kabupaten imports the
national holidays and cuti bersama into every office at once, an office adds its own
(its anniversary) which moves only its own due dates, and a new office starts with the
days to come that every office already has. And a kabupaten install starts with one
admin, of the first office."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from core.config import Settings
from core.models import Holiday
from core.scope import for_all_offices, for_office
from core.services.access.offices import add_office
from core.services.performance import records
from core.timeutil import utcnow
from tests import factories
from tests.cli_harness import Invoke, sigap_on

NEXT_YEAR = utcnow().year + 1


@pytest.fixture
def sigap(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    return sigap_on(database_url, tmp_path, monkeypatch)


def _days(engine: Engine) -> dict[int, set[date]]:
    with Session(engine) as session:
        for_all_offices(session)
        found: dict[int, set[date]] = {}
        for row in session.exec(select(Holiday)).all():
            found.setdefault(row.office_id or 0, set()).add(row.day)
        return found


def test_national_days_go_to_every_office_and_a_new_one_inherits_those_to_come(
    sigap: Invoke, engine: Engine, tmp_path: Path
) -> None:
    with Session(engine) as session:
        second = add_office(session, "35.09.01", "Kecamatan Jombang", "JBG", ("Jombang",)).id
        session.commit()
    national = tmp_path / "libur.csv"
    national.write_text(
        f"tanggal,keterangan\n{NEXT_YEAR}-01-01,Tahun Baru\n2020-08-17,HUT RI 2020\n",
        encoding="utf-8",
    )
    done = sigap("holiday", "import", "--all-offices", str(national))
    assert done.exit_code == 0, done.output
    assert "4 hari libur baru, 0 sudah tercatat" in done.output and "(2 kantor" in done.output
    again = sigap("holiday", "import", "--all-offices", str(national))
    assert again.exit_code == 0 and "0 hari libur baru, 4 sudah tercatat" in again.output
    both = {date(NEXT_YEAR, 1, 1), date(2020, 8, 17)}
    assert _days(engine) == {1: both, second: both}

    own = tmp_path / "hari-jadi.csv"
    own.write_text(f"tanggal,keterangan\n{NEXT_YEAR}-03-09,Hari jadi kecamatan\n", "utf-8")
    assert sigap("--office", "35.09.01", "holiday", "import", str(own)).exit_code == 0
    assert sigap("--office", "35.09.23", "holiday", "import", str(own)).exit_code == 0
    listed = sigap("--office", "35.09.01", "holiday", "list", "--year", str(NEXT_YEAR))
    assert listed.output.splitlines() == [
        f"{NEXT_YEAR}-01-01\tnasional\tTahun Baru",
        f"{NEXT_YEAR}-03-09\tkantor\tHari jadi kecamatan",
    ]

    with Session(engine) as session:
        third = add_office(session, "35.09.02", "Kecamatan Sumberbaru", "SBB", ("Jamintoro",)).id
        session.commit()
    # the national day to come, not the past one, nor the offices' own (even both's)
    assert _days(engine)[third or 0] == {date(NEXT_YEAR, 1, 1)}
    assert (
        "bukan keduanya"
        in sigap("--office", "35.09.01", "holiday", "import", "--all-offices", str(national)).output
    )


def test_an_offices_own_day_moves_only_its_due_dates(session: Session, settings: Settings) -> None:
    past = utcnow().date() - timedelta(days=21)
    monday = past - timedelta(days=past.weekday())
    received = datetime(monday.year, monday.month, monday.day, 3, tzinfo=UTC)
    second = add_office(session, "35.09.01", "Kecamatan Jombang", "JBG", ("Jombang",)).id
    session.commit()
    for_office(session, second or 0)
    records.upsert_holidays(session, [(monday + timedelta(days=1), "Hari jadi Jombang")])
    theirs = factories.complaint(session, settings, received_at=received)
    session.commit()

    ours = Session(session.get_bind())
    for_office(ours, 1)
    mine = factories.complaint(ours, settings, received_at=received)
    ours.commit()
    assert theirs.due_date - mine.due_date == timedelta(days=1)  # one working day later
    ours.close()


def test_the_first_admin_of_a_kabupaten_install_is_the_first_offices(
    engine: Engine, settings: Settings
) -> None:
    """`sigap run` on a database that `office import` filled: one admin to start with,
    of the first office, and none again once anyone works anywhere."""
    from app.web import first_login_link
    from core.models import Staff

    with Session(engine) as session:
        add_office(session, "35.09.01", "Kecamatan Jombang", "JBG", ("Jombang",))
        session.commit()
    link = first_login_link(settings, engine)
    assert link is not None and "/masuk?t=" in link
    with Session(engine) as session:
        for_all_offices(session)
        admins = session.exec(select(Staff)).all()
    assert [(a.name, a.office_id) for a in admins] == [("Admin", 1)]
    assert first_login_link(settings, engine) is None


def test_the_shared_register_becomes_every_existing_offices(empty_engine: Engine) -> None:
    """Offices made while the register was shared (revision 0014, `office import`) each
    get its days, as national ones; none is left without the holidays it had."""
    from sqlalchemy import text

    from core.db import upgrade

    upgrade(empty_engine, "0014")
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO office (id, code, name, ticket_prefix, address, camat_name, "
                "camat_nip, camat_pangkat, active, created_at) VALUES (2, '35.09.01', "
                "'Kecamatan Jombang', 'JBG', '', '', '', '', true, '2026-01-01 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO holiday (day, name) VALUES "
                "('2030-01-01', 'Tahun Baru'), ('2030-06-01', 'Hari Lahir Pancasila')"
            )
        )
    upgrade(empty_engine)
    with empty_engine.connect() as connection:
        rows = connection.execute(
            text("SELECT office_id, day, national FROM holiday ORDER BY office_id, day")
        ).all()
    days = [(office, str(day), bool(national)) for office, day, national in rows]
    assert days == [
        (1, "2030-01-01", True),
        (1, "2030-06-01", True),
        (2, "2030-01-01", True),
        (2, "2030-06-01", True),
    ]
