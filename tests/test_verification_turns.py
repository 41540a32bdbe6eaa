"""The kabupaten's side of the quarterly verification (issue 27, item 3): windows it
opens and closes, the deadline and who is late, reminders in the office staff's chat,
verifiers in turn (Bagian Organisasi, then Inspektorat), and the LKjIP printing the
verified figure of a locked triwulan with any later correction beside it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text, update
from sqlmodel import Session, col, select

from core.config import Settings
from core.db import alembic_config, upgrade
from core.domain.complaints import ComplaintState
from core.domain.people import StaffRole
from core.domain.performance import DocumentKind
from core.domain.periods import Period
from core.errors import InvalidInput, NotAllowed
from core.models import Document, Holiday, OutboxMessage, Staff
from core.scope import for_office
from core.services.access.offices import add_office
from core.services.kabupaten import deadlines, windows
from core.services.kabupaten import verification as ver
from core.services.kabupaten.rollup import kabupaten_rollup
from core.services.performance import records
from reports import deliver
from reports.builders import build_report
from tests import factories as f
from tests.test_upgrade_path import _contents, _fill_every_table
from tests.web_harness import csrf_in, signed_in

YEAR = 2026
# TW I ends Tuesday 31 March; ten working days later, with Good Friday (3 April) kept
# by every office, is Wednesday 15 April (a day kept by one office only does not count)
DEADLINE = date(YEAR, 4, 15)
AFTER_Q1 = date(YEAR, 4, 10)


def _office(engine: Engine, code: str, name: str, prefix: str) -> int:
    with Session(engine) as plain:
        made = add_office(plain, code, name, prefix, ("Desa",)).id or 0
        plain.commit()
    return made


def _session(engine: Engine, office: int) -> Session:
    return for_office(Session(engine, expire_on_commit=False), office)


@pytest.fixture
def offices(engine: Engine, settings: Settings) -> list[int]:
    made = [1, _office(engine, "35.09.01", "Kecamatan Jombang", "JBG")]
    for office in made:
        with _session(engine, office) as session:
            session.add(Holiday(day=date(YEAR, 4, 3), name="Wafat Yesus Kristus"))
            item = f.complaint(session, settings, received_at=datetime(YEAR, 2, 1, 3, tzinfo=UTC))
            item.state, item.resolved_at = ComplaintState.SELESAI, datetime(YEAR, 3, 1, tzinfo=UTC)
            session.add(item)
            session.commit()
    with _session(engine, made[1]) as session:  # kept by Jombang alone
        session.add(Holiday(day=date(YEAR, 4, 6), name="Hari jadi"))
        session.commit()
    return made


def _member(engine: Engine, role: StaffRole, office: int | None, chat: str | None = None) -> Staff:
    with Session(engine, expire_on_commit=False) as session:
        if office is not None:
            for_office(session, office)
        accounts = [("telegram", chat)] if chat else []
        member = records.add_staff(session, f"{role.value} {office}", role, accounts)
        session.commit()
    return member


def _two_turns(settings: Settings) -> Settings:
    return settings.model_copy(update={"verification_stages": "kabupaten_admin,inspektorat"})


def test_bagian_organisasi_then_inspektorat_each_verify_before_the_triwulan_locks(
    engine: Engine, settings: Settings, offices: list[int]
) -> None:
    turns = _two_turns(settings)
    camat = _member(engine, StaffRole.CAMAT, offices[1])
    organisasi = _member(engine, StaffRole.KABUPATEN_ADMIN, None)
    inspektorat = _member(engine, StaffRole.INSPEKTORAT, None)
    with _session(engine, offices[1]) as session:
        found = ver.submit_quarter(session, turns, YEAR, 1, camat, AFTER_Q1)
        with pytest.raises(NotAllowed, match="menunggu verifikasi Bagian Organisasi"):
            ver.decide(session, YEAR, 1, found.codes[0], True, None, inspektorat)
        for code in found.codes:
            found = ver.decide(session, YEAR, 1, code, True, None, organisasi)
        assert found.state is ver.SubmissionState.SUBMITTED  # not locked yet
        assert found.next_stage(found.codes[0]) == 2 and found.verified() == {}
        with pytest.raises(NotAllowed, match="menunggu verifikasi Inspektorat"):
            ver.decide(session, YEAR, 1, found.codes[0], True, None, organisasi)
        moved = organisasi.model_copy(update={"role": StaffRole.INSPEKTORAT})  # moved on
        with pytest.raises(NotAllowed, match="tahap berikutnya oleh orang lain"):
            ver.decide(session, YEAR, 1, found.codes[0], True, None, moved)
        session.commit()
    with Session(engine) as session:  # the roll-up waits for the last turn
        rollup = kabupaten_rollup(session, settings, Period.quarter(YEAR, 1), AFTER_Q1)
    trantib = next(r for r in rollup.indicators if r.indicator.code == "TRANTIB-SELESAI")
    assert all(not s.verified for s in trantib.standings)
    *first, last = found.codes
    with _session(engine, offices[1]) as session:
        for code in first:
            ver.decide(session, YEAR, 1, code, True, None, inspektorat)
        returned = ver.decide(session, YEAR, 1, last, False, "Bukti kurang", inspektorat)
        session.commit()
    assert returned.state is ver.SubmissionState.RETURNED
    assert returned.iku_state(first[0]) is ver.SubmissionState.VERIFIED
    with _session(engine, offices[1]) as session:  # corrected and sent again: both turns anew
        again = ver.submit_quarter(session, settings, YEAR, 1, camat, AFTER_Q1)
        assert again.state is ver.SubmissionState.REVISED and again.stages == 1
        session.commit()


def test_a_change_of_the_setting_never_relocks_a_submission_already_made(
    engine: Engine, settings: Settings, offices: list[int]
) -> None:
    camat = _member(engine, StaffRole.CAMAT, offices[1])
    organisasi = _member(engine, StaffRole.KABUPATEN_ADMIN, None)
    with _session(engine, offices[1]) as session:
        found = ver.submit_quarter(session, _two_turns(settings), YEAR, 1, camat, AFTER_Q1)
        session.commit()
    with _session(engine, offices[1]) as session:  # the snapshot keeps its two turns
        for code in found.codes:
            found = ver.decide(session, YEAR, 1, code, True, None, organisasi)
    assert found.stages == 2 and found.state is ver.SubmissionState.SUBMITTED


def test_the_window_opens_after_the_triwulan_and_the_kabupaten_closes_and_reopens_it(
    engine: Engine, settings: Settings, offices: list[int]
) -> None:
    camat = _member(engine, StaffRole.CAMAT, offices[1])
    organisasi = _member(engine, StaffRole.KABUPATEN_ADMIN, None)
    with _session(engine, offices[1]) as session:
        window = windows.window_of(session, settings, YEAR, 1)
        assert (window.opens_on, window.deadline) == (date(YEAR, 4, 1), DEADLINE)
        assert not window.set_by_kabupaten and window.refusal(AFTER_Q1) is None
    for who in (camat, _member(engine, StaffRole.BUPATI, None)):
        with Session(engine) as session, pytest.raises(NotAllowed):
            windows.close_window(session, settings, who, YEAR, 1)
    with Session(engine) as session:
        windows.close_window(session, settings, organisasi, YEAR, 1)
        session.commit()
    with _session(engine, offices[1]) as session:
        with pytest.raises(InvalidInput, match="ditutup kabupaten"):
            ver.submit_quarter(session, settings, YEAR, 1, camat, AFTER_Q1)
        assert ver.state_of(session, YEAR, 1) is ver.SubmissionState.NOT_SUBMITTED
    with Session(engine) as session:
        with pytest.raises(InvalidInput, match="paling lambat setahun"):
            windows.set_window(
                session, settings, organisasi, YEAR, 1, date(YEAR, 4, 1), date(2099, 12, 31)
            )
        with pytest.raises(InvalidInput, match="Tanggal buka antara"):
            windows.set_window(
                session, settings, organisasi, YEAR, 1, date(YEAR, 1, 1), date(YEAR, 4, 30)
            )
        with pytest.raises(InvalidInput, match="paling cepat tanggal buka"):
            windows.set_window(
                session, settings, organisasi, YEAR, 1, date(YEAR, 4, 20), date(YEAR, 4, 13)
            )
        windows.set_window(
            session, settings, organisasi, YEAR, 1, date(YEAR, 4, 13), date(YEAR, 4, 30)
        )
        session.commit()
    with _session(engine, offices[1]) as session:
        with pytest.raises(InvalidInput, match="dibuka mulai 13-04-2026"):
            ver.submit_quarter(session, settings, YEAR, 1, camat, AFTER_Q1)
        done = ver.submit_quarter(session, settings, YEAR, 1, camat, date(YEAR, 4, 13))
        session.commit()
    assert done.version == 1


def test_the_overdue_list_and_the_reminders_in_the_office_chat(
    engine: Engine, settings: Settings, offices: list[int]
) -> None:
    camat = _member(engine, StaffRole.CAMAT, 1, chat="7001")
    _member(engine, StaffRole.SEKCAM, offices[1], chat="7002")
    _member(engine, StaffRole.TRANTIB, offices[1], chat="7003")  # may not submit: not told
    # no kabupaten account yet: a lone office is never reminded of a kabupaten deadline
    assert (
        deliver.send_submission_reminders(
            engine, settings, date(YEAR, 4, 10), offices[1]
        ).recipients
        == 0
    )
    organisasi = _member(engine, StaffRole.KABUPATEN_ADMIN, None, chat="9001")
    with Session(engine) as session:  # the year before was not taken through Sigap
        windows.close_window(session, settings, organisasi, YEAR - 1, 4)
        session.commit()
    with _session(engine, 1) as session:
        found = ver.submit_quarter(session, settings, YEAR, 1, camat, AFTER_Q1)
        ver.decide(session, YEAR, 1, found.codes[0], False, "Bukti SOP kurang", organisasi)
        session.commit()
    told_at_once = _events(engine)  # the Bagian Organisasi of the submission, the office of
    assert told_at_once == {  # the return, each at once in their chat
        ("9001", "verification.submitted"): [
            {"office": "Kecamatan Mumbulsari", "year": YEAR, "quarter": 1, "version": 1}
        ],
        ("7001", "verification.returned"): [
            {"code": found.codes[0], "year": YEAR, "quarter": 1, "reason": "Bukti SOP kurang"}
        ],
    }
    early, soon = date(YEAR, 4, 7), date(YEAR, 4, 10)  # 6 and 3 working days left
    # the kabupaten's account was made today (December): it did not verify in April
    assert deliver.send_submission_reminders(engine, settings, soon, offices[1]).recipients == 0
    with engine.begin() as connection:  # made at the start of the year instead
        connection.execute(
            update(Staff)
            .where(col(Staff.id) == organisasi.id)
            .values(created_at=datetime(YEAR, 1, 2, tzinfo=UTC))
        )
    assert deliver.send_submission_reminders(engine, settings, early, offices[1]).recipients == 0
    assert deliver.send_submission_reminders(engine, settings, soon, offices[1]).recipients == 1
    assert deliver.send_submission_reminders(engine, settings, soon, offices[1]).recipients == 0
    saturday = date(YEAR, 4, 18)
    assert deliver.send_submission_reminders(engine, settings, saturday, 1).recipients == 0
    late = date(YEAR, 4, 17)
    assert deliver.send_submission_reminders(engine, settings, late, 1).recipients == 1
    told = _texts(engine)
    assert set(told) == {"7001", "7002"}  # the trantib staff is not told
    assert "Tinggal 3 hari kerja" in told["7002"][0] and "Belum diajukan" in told["7002"][0]
    assert "Terlambat 2 hari kerja" in told["7001"][0] and "Bukti SOP kurang" in told["7001"][0]
    with Session(engine) as session:
        window, rows = deadlines.standings(session, settings, YEAR, 1, late)
    assert window.deadline == DEADLINE
    assert [(r.office.name, r.state, r.late_by, r.days_left) for r in rows] == [
        ("Kecamatan Jombang", ver.SubmissionState.NOT_SUBMITTED, 2, -2),
        (rows[1].office.name, ver.SubmissionState.RETURNED, 2, -2),
    ]
    with _session(engine, offices[1]) as session:  # submitted: no longer late nor reminded
        sekcam = session.exec(select(Staff).where(Staff.role == StaffRole.SEKCAM)).one()
        ver.submit_quarter(session, settings, YEAR, 1, sekcam, late)
        session.commit()
    monday = date(YEAR, 4, 20)
    assert deliver.send_submission_reminders(engine, settings, monday, offices[1]).recipients == 0
    with Session(engine) as session:
        _window, rows = deadlines.standings(session, settings, YEAR, 1, monday)
    returned, jombang = rows  # still owed and late first; then one submitted, late too
    assert (returned.owes, returned.late_by) == (True, 3)
    # held to the day it was first submitted (today, in this test: months after April)
    assert (jombang.state, jombang.owes, jombang.late) == (
        ver.SubmissionState.SUBMITTED,
        False,
        True,
    )


def _events(engine: Engine) -> dict[tuple[str, str], list[dict[str, object]]]:
    with Session(engine) as session:
        rows = session.exec(
            select(OutboxMessage).where(col(OutboxMessage.template).startswith("verification."))
        ).all()
    found: dict[tuple[str, str], list[dict[str, object]]] = {}
    for row in rows:
        found.setdefault((row.recipient, row.template or ""), []).append(json.loads(row.params))
    return found


def _texts(engine: Engine) -> dict[str, list[str]]:
    with Session(engine) as session:
        rows = session.exec(
            select(OutboxMessage).where(col(OutboxMessage.dedupe_key).startswith("submission"))
        ).all()
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row.recipient, []).append(row.text or "")
    return found


def test_the_lkjip_prints_the_verified_figure_and_a_later_correction_beside_it(
    engine: Engine, settings: Settings, offices: list[int]
) -> None:
    camat = _member(engine, StaffRole.CAMAT, 1)
    organisasi = _member(engine, StaffRole.KABUPATEN_ADMIN, None)
    with _session(engine, 1) as session:
        records.set_target(session, YEAR, "IKU4", Decimal(80))
        found = ver.submit_quarter(session, settings, YEAR, 1, camat, AFTER_Q1)
        for code in found.codes:
            ver.decide(session, YEAR, 1, code, True, None, organisasi)
        pending = f.complaint(session, settings, received_at=datetime(YEAR, 3, 2, 3, tzinfo=UTC))
        session.add(pending)  # found later: TW I's settled share falls from 100 to 50
        session.add(
            Document(kind=DocumentKind.SOP_PELAYANAN, title="SOP", doc_date=date(YEAR, 3, 2))
        )
        session.commit()
    with _session(engine, 1) as session:
        report = build_report("iku", session, settings, Period.year(YEAR), date(YEAR, 5, 2))
    quarters = next(t for t in report.tables if t.key == "iku_triwulan")
    iku4 = next(r for r in quarters.rows if r[0] == "IKU4")
    assert iku4[3] == Decimal("100.00")  # TW I realisation: the verified figure
    assert any("diverifikasi kabupaten" in note for note in report.extra["lkjip"].notes.values())
    beside = next(t for t in report.tables if t.key == "iku_terverifikasi")
    assert beside.rows == [  # only what changed; a figure that had none now has one
        ["IKU1", "TW I", None, Decimal(1), None],
        ["IKU4", "TW I", Decimal("100.00"), Decimal("50.00"), Decimal("-50.00")],
    ]


def test_on_the_web_the_bagian_organisasi_closes_a_window_and_the_office_sees_it(
    engine: Engine, settings: Settings, offices: list[int], tmp_path: Path
) -> None:
    web = settings.model_copy(update={"media_dir": tmp_path})
    organisasi = _member(engine, StaffRole.KABUPATEN_ADMIN, None)
    for client in signed_in(engine, web, organisasi):
        page = client.get(f"/kabupaten/verifikasi?tahun={YEAR}&triwulan=1")
        assert page.status_code == 200 and 'id="tenggat">15-04-2026' in page.text
        form = {"csrf": csrf_in(page.text), "tahun": str(YEAR), "triwulan": "1"}
        bad = client.post("/kabupaten/verifikasi/jendela", data={**form, "aksi": "buka"})
        assert bad.status_code == 400 and "tanggal tidak dikenali" in bad.text
        far = {**form, "aksi": "buka", "dibuka": "2026-04-01", "tenggat": "9999-12-31"}
        refused = client.post("/kabupaten/verifikasi/jendela", data=far)
        assert refused.status_code == 400 and "di luar 2000–2100" in refused.text
        assert 'id="status-pengajuan"' in refused.text  # the page itself, the list kept
        closed = client.post("/kabupaten/verifikasi/jendela", data={**form, "aksi": "tutup"})
        assert closed.status_code == 303
        after = client.get(closed.headers["location"]).text
        assert "Ditutup kabupaten" in after and "Buka lagi" in after
    camat = _member(engine, StaffRole.CAMAT, offices[1])
    for client in signed_in(engine, web, camat):
        page = client.get(f"/pengajuan?tahun={YEAR}").text
        assert "sudah ditutup kabupaten" in page
        assert 'name="triwulan" value="1"' not in page  # no button for TW I
        forged = client.get(f"/pengajuan?tahun={YEAR}&pesan=Hubungi+0812+segera").text
        assert "Hubungi 0812" not in forged  # a note only Sigap's own redirect signed
        assert (
            client.post(
                "/kabupaten/verifikasi/jendela",
                data={**form, "csrf": csrf_in(page), "aksi": "tutup"},
            ).status_code
            == 403
        )
    bupati = _member(engine, StaffRole.BUPATI, None)
    for client in signed_in(engine, web, bupati):
        page = client.get(f"/kabupaten/verifikasi?tahun={YEAR}&triwulan=1").text
        assert "Ditutup kabupaten" in page and "/kabupaten/verifikasi/jendela" not in page
        refused = client.post(
            "/kabupaten/verifikasi/jendela", data={**form, "csrf": csrf_in(page), "aksi": "buka"}
        )
        assert refused.status_code == 403


def test_0019_keeps_every_decision_as_the_first_turn_and_downgrades_only_without_a_second(
    empty_engine: Engine,
) -> None:
    upgrade(empty_engine, "0018")
    _fill_every_table(empty_engine)
    before = _contents(empty_engine)
    upgrade(empty_engine, "0019")
    with empty_engine.connect() as connection:
        stages = connection.execute(text("SELECT DISTINCT stage FROM submissionstep")).all()
    assert [tuple(s) for s in stages] == [(1,)]
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO submissionstep (id, office_id, year, quarter, version, iku,"
                " action, stage, at) SELECT id + 1000, office_id, year, quarter, version,"
                " 'IKUX', 'diverifikasi', 2, at FROM submissionstep LIMIT 1"
            )
        )
    with pytest.raises(RuntimeError, match="verifikator kedua"):
        command.downgrade(alembic_config(empty_engine), "0018")
    with empty_engine.begin() as connection:
        connection.execute(text("DELETE FROM submissionstep WHERE stage = 2"))
    command.downgrade(alembic_config(empty_engine), "0018")
    assert _contents(empty_engine) == before


def test_on_the_web_each_verifier_gets_the_form_only_in_its_turn(
    engine: Engine, settings: Settings, offices: list[int], tmp_path: Path
) -> None:
    web = _two_turns(settings).model_copy(update={"media_dir": tmp_path})
    camat = _member(engine, StaffRole.CAMAT, offices[1])
    organisasi = _member(engine, StaffRole.KABUPATEN_ADMIN, None)
    inspektorat = _member(engine, StaffRole.INSPEKTORAT, None)
    with _session(engine, offices[1]) as session:
        ver.submit_quarter(session, web, YEAR, 1, camat, AFTER_Q1)
        session.commit()
    address = f"/kabupaten/verifikasi/35.09.01/{YEAR}/1"
    for client in signed_in(engine, web, inspektorat):
        page = client.get(address).text
        assert "Menunggu Bagian Organisasi (tahap 1 dari 2)" in page
        # the evidence in the reader's words, received on the office's day
        assert "Tiket: JBG-" in page and "Diterima: 01-02-2026" in page
        assert f"{address}/IKU4" not in page  # no form: not its turn
        form = {"csrf": csrf_in(page), "keputusan": "verifikasi", "versi": "1"}
        assert client.post(f"{address}/IKU4", data=form).status_code == 403
    for client in signed_in(engine, web, organisasi):
        page = client.get(address).text
        form = {"csrf": csrf_in(page), "keputusan": "verifikasi", "versi": "1"}
        assert client.post(f"{address}/IKU4", data=form).status_code == 303
    for client in signed_in(engine, web, inspektorat):
        page = client.get(address).text
        assert "Menunggu Inspektorat (tahap 2 dari 2)" in page and f"{address}/IKU4" in page
        assert "Bagian Organisasi: Diverifikasi" in page
