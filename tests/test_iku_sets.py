"""An office's IKU are data (issue 24, item 2): the kabupaten's dictionary, each office's
set with its own numbers and words, values entered per triwulan with their evidence, and
every surface following the set; Mumbulsari's six when an office chose nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func
from sqlmodel import Session, select
from starlette.testclient import TestClient

from app.web import build_office
from core.config import Settings
from core.domain.complaints import ComplaintState
from core.domain.people import StaffRole
from core.domain.performance import DEFAULT_SET, Accumulation, IkuCode
from core.domain.periods import Period
from core.errors import InvalidInput
from core.models import IkuEntry, IkuTarget, OfficeIku, RegisterAudit
from core.scope import for_office
from core.services.access.authz import OPERATOR
from core.services.access.offices import add_office
from core.services.access.web_access import issue_login_link
from core.services.performance import records
from core.services.performance.iku import IkuStatus, iku_for_period
from core.services.performance.iku_analysis import AnalysisPeriod, save_analysis
from core.services.performance.iku_entries import entered_value
from core.services.performance.iku_set import add_dictionary_indicator, office_set
from core.services.performance.register_kinds import IKU_SET
from core.services.performance.registers import delete_record
from reports import builders
from reports.render import render_text
from tests import factories as f
from tests.cli_harness import sigap_on
from tests.web_harness import log_in
from web.office import build_web

YEAR = 2026
KAMTIB = "DESA-TERTIB"  # an entered indicator the kabupaten added


def _second_office(session: Session) -> int:
    office = add_office(session, "35.09.01", "Kecamatan Jombang", "JBG", ("Jombang",))
    session.commit()
    return office.id or 0


def _own_set(session: Session) -> None:
    """Jombang's set: the trantib share numbered IKU1 in its own words, an entered
    indicator as IKU2 (cumulative), and nothing else of the decree's six."""
    add_dictionary_indicator(
        session, KAMTIB, "Jumlah desa tertib", "desa", accumulation="kumulatif"
    )
    for label in ("IKU2", "IKU3", "IKU4", "IKU5", "IKU6"):
        delete_record(session, IKU_SET, label, OPERATOR, "Set IKU Jombang sendiri")
    records.choose_iku(session, "IKU1", "TRANTIB-SELESAI", "Persentase gangguan trantib tuntas")
    records.choose_iku(session, "IKU2", KAMTIB)
    session.commit()


@pytest.fixture
def two(engine: Engine) -> Iterator[tuple[Session, Session]]:
    """Mumbulsari (office #1, the default set) and Jombang (its own set)."""
    with Session(engine) as plain:
        other = _second_office(plain)
    first = for_office(Session(engine, expire_on_commit=False), 1)
    second = for_office(Session(engine, expire_on_commit=False), other)
    _own_set(second)
    yield first, second
    first.close()
    second.close()


def test_an_office_that_chose_nothing_reads_the_decree_six(
    session: Session, settings: Settings
) -> None:
    report = iku_for_period(session, settings, Period.year(YEAR))
    assert [(v.code, v.name) for v in report.indicators] == [
        (label, indicator.name) for label, indicator in DEFAULT_SET
    ]
    migrated = session.exec(select(OfficeIku.label).order_by(OfficeIku.position)).all()
    assert migrated == [c.value for c in IkuCode]  # the set register lists what it reads


def test_a_new_office_starts_with_the_decree_six(engine: Engine) -> None:
    with Session(engine) as session:
        other = _second_office(session)
    with for_office(Session(engine), other) as session:
        assert [c.label for c in office_set(session)] == [c.value for c in IkuCode]
        assert session.exec(select(func.count()).select_from(OfficeIku)).one() == 6


def test_an_office_set_numbers_words_and_enters_its_own(
    two: tuple[Session, Session], settings: Settings
) -> None:
    mumbulsari, jombang = two
    f.complaint(jombang, settings, received_at=datetime(2026, 2, 2, 3, tzinfo=UTC))
    settled = f.complaint(jombang, settings, received_at=datetime(2026, 2, 3, 3, tzinfo=UTC))
    settled.state, settled.resolved_at = ComplaintState.SELESAI, datetime(2026, 2, 4, tzinfo=UTC)
    jombang.add(settled)
    records.enter_iku_value(jombang, "IKU2", YEAR, 1, Decimal(3), "Berita acara 3 desa")
    records.enter_iku_value(jombang, "IKU2", YEAR, 2, Decimal(4), "Berita acara 4 desa")
    records.set_target(jombang, YEAR, "IKU2", Decimal(14), quarters={2: Decimal(7)})
    jombang.commit()

    q2 = iku_for_period(jombang, settings, Period.quarter(YEAR, 2))
    assert [(v.code, v.name) for v in q2.indicators] == [
        ("IKU1", "Persentase gangguan trantib tuntas"),
        ("IKU2", "Jumlah desa tertib"),
    ]
    entered = q2.get("IKU2")
    assert entered.value == Decimal(7)  # TW I 3 + TW II 4: cumulative, as its targets are
    assert (entered.unit, entered.quarter_target, entered.quarter_capaian) == (
        "desa",
        Decimal(7),
        Decimal("100.00"),
    )
    q1 = iku_for_period(jombang, settings, Period.quarter(YEAR, 1))
    assert q1.get("IKU1").value == Decimal("50.00")  # 1 of 2 settled, Jombang's own rows
    assert q1.get("IKU2").value == Decimal(3)
    q3 = iku_for_period(jombang, settings, Period.quarter(YEAR, 3)).get("IKU2")
    assert (q3.value, q3.status) == (None, IkuStatus.NO_DATA)  # not entered is not zero
    assert q3.note == "realisasi TW III belum diisi"
    # Mumbulsari is untouched by Jombang's set and rows
    assert [v.code for v in iku_for_period(mumbulsari, settings, Period.year(YEAR)).indicators] == [
        c.value for c in IkuCode
    ]


def test_every_surface_follows_the_set(
    two: tuple[Session, Session],
    settings: Settings,
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
) -> None:
    _, jombang = two
    records.enter_iku_value(jombang, "IKU2", YEAR, 1, Decimal(3), "Berita acara <b>3</b> desa")
    member = records.add_staff(jombang, "Camat Jombang", StaffRole.CAMAT)
    token = issue_login_link(jombang, member)
    jombang.commit()
    period = Period.quarter(YEAR, 1)

    report = builders.build_iku(jombang, settings, period)
    table = next(t for t in report.tables if t.key == "iku")
    assert [row[:2] for row in table.rows] == [
        ["IKU1", "Persentase gangguan trantib tuntas"],
        ["IKU2", "Jumlah desa tertib"],
    ]
    monthly = next(t for t in report.tables if t.key == "iku_bulanan")
    assert monthly.columns == ["Bulan", "IKU1", "IKU2"]
    assert not any(t.key == "iku6_indikator" for t in report.tables)  # not in its set
    assert any("IKU2 = realisasi yang diisi kantor" in note for note in report.notes)
    text = render_text(report)
    assert "IKU3" not in text and "Jumlah desa tertib" in text
    weekly = builders.build_weekly(jombang, settings, date(YEAR, 4, 8))
    assert [row[0] for row in weekly.tables[0].rows][:2] == ["IKU1", "IKU2"]

    web_settings = settings.model_copy(update={"media_dir": tmp_path})
    app = build_web(build_office(web_settings, engine))
    with TestClient(app, follow_redirects=False) as client:
        log_in(client, f"/masuk?t={token}")
        page = client.get(f"/?tahun={YEAR}&triwulan=1").text
        assert 'id="IKU2"' in page and "Jumlah desa tertib" in page
        assert 'id="IKU3"' not in page
        detail = client.get(f"/iku/IKU2?tahun={YEAR}&triwulan=1")
        assert detail.status_code == 200
        assert "Berita acara &lt;b&gt;3&lt;/b&gt; desa" in detail.text  # escaped evidence
        assert client.get(f"/iku/IKU3?tahun={YEAR}").status_code == 404  # not its IKU

    invoke = sigap_on(database_url, tmp_path, monkeypatch)
    shown = invoke("--office", "35.09.01", "iku", "--quarter", f"{YEAR}-Q1", "--json")
    assert shown.exit_code == 0, shown.output
    assert [i["code"] for i in json.loads(shown.output)["indicators"]] == ["IKU1", "IKU2"]


def test_an_analysis_is_written_under_the_office_number(
    two: tuple[Session, Session],
) -> None:
    _, jombang = two
    save_analysis(jombang, "IKU2", AnalysisPeriod(YEAR), {"pendorong": "Kader aktif"}, OPERATOR)
    with pytest.raises(InvalidInput, match="tidak ada dalam set"):
        save_analysis(jombang, "IKU4", AnalysisPeriod(YEAR), {"pendorong": "x"}, OPERATOR)


def _audits(session: Session) -> int:
    return session.exec(select(func.count()).select_from(RegisterAudit)).one()


@pytest.mark.parametrize(
    ("attempt", "message"),
    [
        (lambda s: records.choose_iku(s, "IKU 7", "IKM"), "Nomor IKU"),
        (lambda s: records.choose_iku(s, "Q1-IKU1", KAMTIB), "Nomor IKU"),  # a triwulan key
        (lambda s: records.choose_iku(s, "IMPOR", KAMTIB), "Nomor IKU"),  # an address word
        (  # a number with a target keeps what it measures
            lambda s: (
                records.set_target(s, YEAR, "IKU2", Decimal(5)),
                records.choose_iku(s, "IKU2", "IKM"),
            ),
            "tidak bisa diganti",
        ),
        (lambda s: records.choose_iku(s, "IKU7", "TIDAK-ADA"), "tidak ada dalam kamus"),
        (lambda s: records.choose_iku(s, "IKU7", "TRANTIB-SELESAI"), "sudah dipilih sebagai IKU1"),
        (
            lambda s: records.enter_iku_value(s, "IKU1", YEAR, 1, Decimal(1), "x"),
            "dihitung Sigap",
        ),
        (
            lambda s: records.enter_iku_value(s, "IKU9", YEAR, 1, Decimal(1), "x"),
            "tidak ada dalam set",
        ),
        (lambda s: records.set_target(s, YEAR, "IKU4", Decimal(90)), "tidak ada dalam set"),
    ],
)
def test_bad_choices_are_refused_in_words_and_store_nothing(
    two: tuple[Session, Session], attempt: object, message: str
) -> None:
    _, jombang = two
    before = _audits(jombang)
    with pytest.raises(InvalidInput, match=message):
        attempt(jombang)  # type: ignore[operator]
    jombang.rollback()
    assert _audits(jombang) == before
    assert jombang.exec(select(func.count()).select_from(IkuEntry)).one() == 0
    assert jombang.exec(select(func.count()).select_from(IkuTarget)).one() == 0


def test_a_target_without_direction_takes_the_indicator_polarity(
    two: tuple[Session, Session], settings: Settings
) -> None:
    _, jombang = two
    add_dictionary_indicator(jombang, "KONFLIK", "Jumlah konflik sosial", "kejadian")
    records.choose_iku(jombang, "IKU3", "KONFLIK")
    jombang.commit()
    assert records.set_target(jombang, YEAR, "IKU3", Decimal(4)).direction.value == "higher"
    lower = add_dictionary_indicator(
        jombang, "GANGGUAN", "Jumlah gangguan", "kejadian", direction="lower"
    )
    records.choose_iku(jombang, "IKU4", lower.code)
    records.enter_iku_value(jombang, "IKU4", YEAR, 1, Decimal(2), "Rekap Satpol PP")
    target = records.set_target(jombang, YEAR, "IKU4", Decimal(4))
    assert target.direction.value == "lower"
    value = iku_for_period(jombang, settings, Period.quarter(YEAR, 1)).get("IKU4")
    assert value.capaian == Decimal("150.00")  # (2 - 2 / 4) x 100 %, lower is better


def test_the_dictionary_refuses_a_bad_or_taken_code(session: Session) -> None:
    with pytest.raises(InvalidInput, match="Kode indikator"):
        add_dictionary_indicator(session, "x", "Nama", "desa")
    with pytest.raises(InvalidInput, match="sudah ada"):
        add_dictionary_indicator(session, "IKM", "Nama", "desa")
    with pytest.raises(InvalidInput, match="Satuan"):
        add_dictionary_indicator(session, "BARU", "Nama", "")


def test_the_cli_builds_a_set_and_enters_a_value(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoke = sigap_on(database_url, tmp_path, monkeypatch)
    added = invoke("dictionary", "add", KAMTIB, "--name", "Jumlah desa tertib", "--unit", "desa")
    assert added.exit_code == 0, added.output
    assert KAMTIB in invoke("dictionary", "list").output
    chosen = invoke("iku-set", "choose", "IKU7", KAMTIB)  # no position: after the six
    assert chosen.exit_code == 0, chosen.output
    entered = invoke(
        "iku-set", "enter", "IKU7", "5", "--year", str(YEAR), "--tw", "1", "--evidence", "SK"
    )
    assert entered.exit_code == 0, entered.output
    listed = invoke("iku-set", "list").output.splitlines()
    assert listed[-1].split("\t")[:2] == ["IKU7", KAMTIB]
    refused = invoke(
        "iku-set", "enter", "IKU1", "5", "--year", "2026", "--tw", "1", "--evidence", "x"
    )
    assert refused.exit_code != 0 and "dihitung Sigap" in refused.output
    dropped = invoke("iku-set", "drop", "IKU7", "--reason", "Tidak dipakai lagi")
    assert dropped.exit_code == 0, dropped.output
    shown = json.loads(invoke("iku", "--year", str(YEAR), "--json").output)
    assert [i["code"] for i in shown["indicators"]] == [c.value for c in IkuCode]


quarter_values = st.dictionaries(
    st.integers(1, 4), st.decimals(0, 10_000, places=2, allow_nan=False), max_size=4
)


# each example empties the entries and rolls back: the database fixture is shared safely
@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(entries=quarter_values, quarter=st.integers(1, 4))
def test_an_entered_value_adds_or_reads_the_judged_triwulan(
    engine: Engine, entries: dict[int, Decimal], quarter: int
) -> None:
    with Session(engine) as session:
        for row in session.exec(select(IkuEntry)).all():
            session.delete(row)
        session.add_all(
            IkuEntry(year=YEAR, quarter=q, iku="IKU9", value=v, evidence="bukti")
            for q, v in entries.items()
        )
        session.flush()
        period = Period.quarter(YEAR, quarter)
        cumulative = entered_value(session, period, "IKU9", Accumulation.CUMULATIVE).value
        snapshot = entered_value(session, period, "IKU9", Accumulation.SNAPSHOT).value
        if quarter not in entries:
            assert cumulative is None and snapshot is None
        else:
            assert snapshot == entries[quarter]
            assert cumulative == sum(v for q, v in entries.items() if q <= quarter)
        # a year: as of its latest entered triwulan, never a missing one counted as zero
        year = entered_value(session, Period.year(YEAR), "IKU9", Accumulation.CUMULATIVE).value
        latest = entered_value(session, Period.year(YEAR), "IKU9", Accumulation.SNAPSHOT).value
        assert year == (sum(entries.values()) if entries else None)
        assert latest == (entries[max(entries)] if entries else None)
        session.rollback()
