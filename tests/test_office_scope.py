"""Two offices in one database: each office's session sees, counts, changes and writes
only its own rows, and a session that names no office is refused once there are two
(a single-office install keeps working without naming one)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select
from typer.testing import CliRunner, Result

from cli.main import app
from core.config import Settings
from core.domain.complaints import Channel, ComplaintState
from core.domain.people import StaffRole
from core.domain.performance import IkuCode
from core.domain.periods import Period
from core.errors import InvalidInput, NotFound
from core.models import (
    ChatAccount,
    Complaint,
    IkuTarget,
    OutboxMessage,
    RegisterAudit,
    SakipEvaluation,
)
from core.scope import CrossOfficeWrite, OfficeNotChosen, for_all_offices, for_office
from core.services.access.offices import add_office, office_profile
from core.services.complaints import lifecycle as svc
from core.services.operations.erasure import ERASURE_TRAIL, erase_resident_identity
from core.services.performance.iku import iku_for_period
from core.services.performance.records import add_staff
from reports.schedule import Duties
from tests import factories
from tests.office_year import YEAR as OFFICE_YEAR
from tests.office_year import fill_office_year

YEAR = 2026
FIRST = 1


def _second_office(engine: Engine) -> int:
    with Session(engine) as session:
        office = add_office(
            session, "35.09.01", "Kecamatan Jombang", "JBG", ("Jombang", "Ngampelrejo")
        )
        session.commit()
        return office.id or 0


def _office_session(engine: Engine, office: int) -> Session:
    return for_office(Session(engine, expire_on_commit=False), office)


def test_a_single_office_install_needs_no_office_named(engine: Engine, settings: Settings) -> None:
    with Session(engine) as session:
        made = factories.complaint(session, settings)
        session.commit()
        assert made.office_id == FIRST
        assert made.code.startswith("MBS-")
        assert svc.get_complaint(session, made.code).id == made.id


def test_with_two_offices_a_session_that_names_none_is_refused(
    engine: Engine, settings: Settings
) -> None:
    _second_office(engine)
    with Session(engine) as session, pytest.raises(OfficeNotChosen):
        session.exec(select(Complaint)).all()
    with Session(engine) as session, pytest.raises(OfficeNotChosen):
        factories.complaint(session, settings)
        session.flush()


def test_each_office_sees_counts_and_finds_only_its_own(engine: Engine, settings: Settings) -> None:
    second = _second_office(engine)
    with _office_session(engine, FIRST) as first_session:
        ours = [factories.complaint(first_session, settings) for _ in range(3)]
        first_session.commit()
    with _office_session(engine, second) as second_session:
        theirs = factories.complaint(second_session, settings)
        second_session.commit()
    assert theirs.code.startswith("JBG-") and all(c.code.startswith("MBS-") for c in ours)
    with _office_session(engine, FIRST) as session:
        assert {c.id for c in session.exec(select(Complaint)).all()} == {c.id for c in ours}
        assert session.exec(select(func.count()).select_from(Complaint)).one() == 3
        assert session.get(Complaint, theirs.id) is None
        with pytest.raises(NotFound):
            svc.get_complaint(session, theirs.code)
    with Session(engine) as everyone:
        for_all_offices(everyone)
        assert everyone.exec(select(func.count()).select_from(Complaint)).one() == 4


def test_an_office_cannot_act_on_another_offices_complaint(
    engine: Engine, settings: Settings
) -> None:
    second = _second_office(engine)
    with _office_session(engine, second) as session:
        theirs = factories.complaint(session, settings)
        session.commit()
    with _office_session(engine, FIRST) as session:
        officer = add_staff(session, "Budi", StaffRole.TRANTIB)
        session.commit()
        with pytest.raises(NotFound):  # the way every page and chat button finds it
            svc.get_complaint(session, theirs.code)
        # and their row, had a path found it some other way, is refused at the write
        with pytest.raises(CrossOfficeWrite):
            svc.claim_complaint(session, session.merge(theirs, load=False), officer)
            session.flush()
        session.rollback()
    with Session(engine) as session:
        for_all_offices(session)
        stored = session.get(Complaint, theirs.id)
        assert stored is not None and stored.state is ComplaintState.DITERIMA
        assert stored.assigned_staff_id is None


def test_a_row_of_another_office_is_refused_at_flush(engine: Engine) -> None:
    second = _second_office(engine)
    with _office_session(engine, FIRST) as session:
        session.add(SakipEvaluation(office_id=second, year=YEAR, score=Decimal("70")))
        with pytest.raises(CrossOfficeWrite):
            session.flush()


def test_a_session_keeps_its_office(engine: Engine) -> None:
    second = _second_office(engine)
    with _office_session(engine, FIRST) as session:
        with pytest.raises(CrossOfficeWrite):
            for_office(session, second)
        with pytest.raises(CrossOfficeWrite):
            for_all_offices(session)


def test_each_office_has_its_own_year_keyed_rows_and_its_own_iku(
    engine: Engine, settings: Settings
) -> None:
    """Both offices have a SAKIP score and an IKU5 target for the same year; each
    office's IKU5 is computed from its own."""
    second = _second_office(engine)
    for office, score, target in ((FIRST, "82.5", "80"), (second, "61", "70")):
        with _office_session(engine, office) as session:
            session.add(SakipEvaluation(year=YEAR, score=Decimal(score)))
            session.add(IkuTarget(year=YEAR, iku=IkuCode.IKU5, target=Decimal(target)))
            session.commit()
    period = Period(date(YEAR, 1, 1), date(YEAR, 12, 31))
    values = {}
    for office in (FIRST, second):
        with _office_session(engine, office) as session:
            report = iku_for_period(session, settings, period)
            values[office] = report.get(IkuCode.IKU5)
    assert values[FIRST].value == Decimal("82.5") and values[second].value == Decimal("61")
    assert values[FIRST].target == Decimal("80") and values[second].target == Decimal("70")


def test_each_office_checks_its_own_desa(engine: Engine, settings: Settings) -> None:
    second = _second_office(engine)
    with _office_session(engine, second) as session:
        assert office_profile(session).desa == ("Jombang", "Ngampelrejo")
        data = svc.NewComplaint(
            channel=Channel.TELEGRAM,
            category="pkl",
            description="PKL berjualan di trotoar depan pasar Jombang",
            desa="Suco",  # a desa of Mumbulsari, not of Jombang
        )
        with pytest.raises(InvalidInput, match="Desa tidak dikenal"):
            svc.register_complaint(session, settings, data)


def test_offices_need_distinct_codes_and_prefixes(engine: Engine) -> None:
    with Session(engine) as session:
        with pytest.raises(InvalidInput):
            add_office(session, "35.09.23", "Kecamatan Lain", "LAIN")
        with pytest.raises(InvalidInput):
            add_office(session, "35.09.02", "Kecamatan Kencong", "MBS")
        with pytest.raises(InvalidInput):
            add_office(session, "35.9", "Kecamatan Kencong", "KCG")


def test_the_command_line_acts_as_the_chosen_office(
    engine: Engine,
    settings: Settings,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # no developer .env leaks in
    second = _second_office(engine)
    codes = {}
    for office in (FIRST, second):
        with _office_session(engine, office) as session:
            codes[office] = factories.complaint(session, settings).code
            session.commit()

    def sigap(*args: str) -> Result:
        return CliRunner().invoke(app, list(args), env={"DATABASE_URL": database_url})

    unnamed = sigap("complaint", "list", "--open")
    assert unnamed.exit_code == 1 and "--office" in unnamed.output
    assert codes[FIRST] not in unnamed.output and codes[second] not in unnamed.output
    listed = sigap("--office", "35.09.01", "complaint", "list", "--open")
    assert listed.exit_code == 0, listed.output
    assert codes[second] in listed.output and codes[FIRST] not in listed.output
    unknown = sigap("--office", "35.09.99", "complaint", "list", "--open")
    assert unknown.exit_code == 1 and "Kode kantor tidak dikenal" in unknown.output


def test_each_camat_gets_the_digest_of_their_own_office_once(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    """The scheduled digest runs once per office, to that office's Camat, with that
    office's figures; run again, it queues nothing more."""
    files = settings.model_copy(update={"reports_dir": tmp_path / "laporan"})
    second = _second_office(engine)
    for office, chat, complaints in ((FIRST, "501", 1), (second, "502", 3)):
        with _office_session(engine, office) as session:
            camat = add_staff(session, f"Camat {office}", StaffRole.CAMAT)
            session.add(ChatAccount(channel="telegram", external_id=chat, staff_id=camat.id))
            for _ in range(complaints):
                factories.complaint(
                    session, files, received_at=datetime(2026, 11, 18, 3, tzinfo=UTC)
                )
            session.commit()
    duties = Duties(files, engine, clock=lambda: datetime(2026, 11, 23, 1, tzinfo=UTC))
    duties.weekly_digest()
    duties.weekly_digest()
    with Session(engine) as session:
        messages = session.exec(select(OutboxMessage)).all()
    texts = {m.recipient: m.text or "" for m in messages if m.attachment is None}
    pdfs = [m.attachment for m in messages if m.attachment is not None]
    assert set(texts) == {"501", "502"}
    assert "Kecamatan Mumbulsari" in texts["501"] and "Diterima 1 " in texts["501"]
    assert "Kecamatan Jombang" in texts["502"] and "Diterima 3 " in texts["502"]
    assert len(pdfs) == 2 and len(set(pdfs)) == 2  # each its own file


def test_erasing_a_resident_reaches_every_office_they_reported_to(
    engine: Engine, settings: Settings
) -> None:
    second = _second_office(engine)
    with Session(engine, expire_on_commit=False) as session:
        siti = factories.resident(session)
        session.commit()
    codes = {}
    for office in (FIRST, second):
        with _office_session(engine, office) as session:
            codes[office] = factories.complaint(session, settings, reporter=siti).code
            session.commit()
    with Session(engine) as session:  # the chat's turn: no office chosen
        done = erase_resident_identity(session, siti.id or 0, "pelapor lewat chat")
        session.commit()
    assert sorted(done.complaint_codes) == sorted(codes.values())
    with Session(engine) as session:
        for_all_offices(session)
        assert [c.reporter_id for c in session.exec(select(Complaint))] == [None, None]
        trails = session.exec(
            select(RegisterAudit).where(RegisterAudit.register_name == ERASURE_TRAIL)
        ).all()
    assert sorted(t.office_id for t in trails) == [FIRST, second]
    assert all(str(siti.id) not in t.changes and "Siti" not in t.changes for t in trails)


def _figures(engine: Engine, settings: Settings, office: int) -> list[object]:
    """Every IKU of the office for the year and each triwulan, as compared values."""
    periods = [Period.year(OFFICE_YEAR)] + [Period.quarter(OFFICE_YEAR, q) for q in range(1, 5)]
    with _office_session(engine, office) as session:
        return [
            [
                (
                    v.code,
                    v.value,
                    v.target,
                    v.capaian,
                    v.status,
                    v.quarter_target,
                    v.quarter_capaian,
                )
                for v in report.indicators
            ]
            for report in (iku_for_period(session, settings, p) for p in periods)
        ]


def test_another_offices_year_changes_none_of_an_offices_figures(
    engine: Engine, settings: Settings
) -> None:
    """The first office's six IKU, for the year and each triwulan, are the same before
    and after a second office fills the same year of its own (had its rows leaked in,
    every count would double)."""
    with _office_session(engine, FIRST) as session:
        fill_office_year(session, settings, triwulan_targets=True)
        session.commit()
    before = _figures(engine, settings, FIRST)
    second = _second_office(engine)
    with _office_session(engine, second) as session:
        fill_office_year(session, settings, triwulan_targets=False, service="ktp2")
        session.commit()
    assert _figures(engine, settings, FIRST) == before
    # the second office's own: the same year of work, without triwulan targets
    assert _figures(engine, settings, second) != before
