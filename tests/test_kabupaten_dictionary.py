"""The Bagian Organisasi's dictionary page and target template (issue 27, item 1): it adds
an entered indicator, and sets a year's target in every office that uses an indicator and
has none of its own, all or nothing, each office's audit trail naming who set it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from core.config import Settings
from core.domain.people import StaffRole
from core.errors import InvalidInput, NotAllowed
from core.models import IkuTarget, RegisterAudit, Staff
from core.scope import for_office
from core.services.access.authz import OPERATOR
from core.services.access.offices import add_office
from core.services.kabupaten.targets import apply_target_template
from core.services.performance import records
from core.services.performance.register_kinds import IKU_SET
from core.services.performance.registers import delete_record
from tests.cli_harness import sigap_on
from tests.web_harness import csrf_in, signed_in

YEAR = 2027


@pytest.fixture
def offices(engine: Engine) -> list[int]:
    """Three offices: the first sets its own IKU4 target, the third drops IKU4."""
    made = [1]
    with Session(engine) as plain:
        for code, name, prefix in (("35.09.01", "Jombang", "JBG"), ("35.09.02", "Kencong", "KCG")):
            made.append(add_office(plain, code, name, prefix, ("Desa",)).id or 0)
        plain.commit()
    with _session(engine, made[0]) as session:
        records.set_target(session, YEAR, "IKU4", Decimal(95))
        session.commit()
    with _session(engine, made[2]) as session:
        delete_record(session, IKU_SET, "IKU4", OPERATOR, "Tidak dipakai")
        session.commit()
    return made


def _session(engine: Engine, office: int) -> Session:
    return for_office(Session(engine, expire_on_commit=False), office)


def _member(engine: Engine, role: StaffRole, office: int | None = None) -> Staff:
    with Session(engine, expire_on_commit=False) as session:
        if office is not None:
            for_office(session, office)
        member = records.add_staff(session, f"{role.value}", role)
        session.commit()
    return member


def _targets(engine: Engine, office: int) -> dict[str, Decimal]:
    with _session(engine, office) as session:
        rows = session.exec(select(IkuTarget).where(IkuTarget.year == YEAR)).all()
        return {row.iku: row.target for row in rows}


def test_the_template_reaches_only_offices_with_the_indicator_and_no_target(
    engine: Engine, offices: list[int]
) -> None:
    organisasi = _member(engine, StaffRole.KABUPATEN_ADMIN)
    with Session(engine) as session:
        applied = apply_target_template(
            session, organisasi, "trantib-selesai", YEAR, Decimal(80), {2: Decimal(40)}
        )
        session.commit()
    assert (applied.set_in, applied.kept_own, applied.without) == (
        ["Jombang"],
        [applied.kept_own[0]],
        ["Kencong"],
    )
    assert _targets(engine, offices[0]) == {"IKU4": Decimal(95)}  # its own: untouched
    assert _targets(engine, offices[1]) == {"IKU4": Decimal(80)}
    assert _targets(engine, offices[2]) == {}
    with _session(engine, offices[1]) as session:
        trail = session.exec(
            select(RegisterAudit).where(col(RegisterAudit.record_key).contains("IKU4"))
        ).all()
    assert [(t.action, t.staff_id) for t in trail] == [("buat", organisasi.id)]


def test_a_template_is_corrected_by_the_next_one_until_the_office_changes_it(
    engine: Engine, offices: list[int]
) -> None:
    organisasi = _member(engine, StaffRole.KABUPATEN_ADMIN)
    for typed in (Decimal(800), Decimal(80)):  # a slip, then the intended figure
        with Session(engine) as session:
            applied = apply_target_template(session, organisasi, "TRANTIB-SELESAI", YEAR, typed)
            session.commit()
        assert applied.set_in == ["Jombang"]
    assert _targets(engine, offices[1]) == {"IKU4": Decimal(80)}
    admin = _member(engine, StaffRole.ADMIN, offices[1])
    with _session(engine, offices[1]) as session:  # the office sets its own
        records.set_target(session, YEAR, "IKU4", Decimal(70), actor=admin)
        session.commit()
    with Session(engine) as session:
        applied = apply_target_template(session, organisasi, "TRANTIB-SELESAI", YEAR, Decimal(90))
        session.commit()
    assert applied.set_in == [] and "Jombang" in applied.kept_own
    assert _targets(engine, offices[1]) == {"IKU4": Decimal(70)}


def test_the_template_is_refused_whole_and_only_to_the_bagian_organisasi(
    engine: Engine, offices: list[int]
) -> None:
    for who in (_member(engine, StaffRole.BUPATI), _member(engine, StaffRole.CAMAT, 1)):
        with Session(engine) as session, pytest.raises(NotAllowed):
            apply_target_template(session, who, "IKM", YEAR, Decimal(80))
    organisasi = _member(engine, StaffRole.KABUPATEN_ADMIN)
    with Session(engine) as session:
        with pytest.raises(InvalidInput, match="tidak ada di kamus"):
            apply_target_template(session, organisasi, "TIDAK-ADA", YEAR, Decimal(80))
        with pytest.raises(InvalidInput, match="angka sebelum koma"):  # the register refuses
            apply_target_template(
                session, organisasi, "IKM", YEAR, Decimal(80), {2: Decimal("1e20")}
            )
        session.rollback()
    assert all(_targets(engine, office).get("IKU2") is None for office in offices)


def test_on_the_web_the_bagian_organisasi_adds_an_indicator_and_sets_a_target(
    engine: Engine, settings: Settings, offices: list[int], tmp_path: Path
) -> None:
    web = settings.model_copy(update={"media_dir": tmp_path})
    for client in signed_in(engine, web, _member(engine, StaffRole.KABUPATEN_ADMIN)):
        page = client.get("/kabupaten/kamus")
        assert page.status_code == 200 and "TRANTIB-SELESAI" in page.text
        csrf = csrf_in(page.text)
        form = {"csrf": csrf, "kode": "pad-01", "nama": "<b>PAD</b> desa", "satuan": "%"}
        added = client.post("/kabupaten/kamus", data={**form, "akumulasi": "kumulatif"})
        assert added.status_code == 303
        listing = client.get(added.headers["location"]).text
        assert "Indikator PAD-01 ditambahkan" in listing
        assert "&lt;b&gt;PAD&lt;/b&gt; desa" in listing and "Kumulatif" in listing
        again = client.post("/kabupaten/kamus", data={**form, "akumulasi": "sesaat"})
        assert again.status_code == 400 and "sudah ada" in again.text
        target = {"csrf": csrf, "indikator": "TRANTIB-SELESAI", "tahun": str(YEAR)}
        bad = client.post("/kabupaten/kamus/target", data={**target, "target": "delapan"})
        assert bad.status_code == 400 and "bukan angka" in bad.text
        done = client.post("/kabupaten/kamus/target", data={**target, "target": "80,5"})
        assert done.status_code == 303
        shown = client.get(done.headers["location"]).text
        assert "Target ditetapkan di 1 kantor; 1 kantor sudah punya" in shown
    assert _targets(engine, offices[1]) == {"IKU4": Decimal("80.5")}
    for client in signed_in(engine, web, _member(engine, StaffRole.BUPATI)):
        page = client.get("/kabupaten/kamus")
        assert page.status_code == 200 and 'action="/kabupaten/kamus"' not in page.text
        refused = client.post("/kabupaten/kamus", data={**form, "csrf": csrf_in(page.text)})
        assert refused.status_code == 403
    for client in signed_in(engine, web, _member(engine, StaffRole.ADMIN, 1)):
        assert client.get("/kabupaten/kamus").status_code == 403


def test_the_cli_applies_a_target_template(
    database_url: str,
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    offices: list[int],
) -> None:
    invoke = sigap_on(database_url, tmp_path, monkeypatch)
    bad = invoke(
        "dictionary", "target", "IKM", "--year", str(YEAR), "--target", "80", "--tw", "5=1"
    )
    assert bad.exit_code != 0 and "triwulan=nilai" in bad.output
    done = invoke(
        "dictionary",
        "target",
        "TRANTIB-SELESAI",
        "--year",
        str(YEAR),
        "--target",
        "75",
        "--tw",
        "2=40",
    )
    assert done.exit_code == 0, done.output
    assert "Ditetapkan / set: Jombang" in done.output and "not using it: Kencong" in done.output
    again = invoke(  # the operator's own slip is corrected the same way
        *("dictionary", "target", "TRANTIB-SELESAI", "--year", str(YEAR), "--target", "76"),
        *("--tw", "2=40"),
    )
    assert "Ditetapkan / set: Jombang" in again.output, again.output
    with _session(engine, offices[1]) as session:
        row = session.exec(select(IkuTarget).where(IkuTarget.year == YEAR)).one()
    assert (row.iku, row.target, row.target_q2) == ("IKU4", Decimal(76), Decimal(40))
