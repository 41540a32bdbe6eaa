"""Verify or return (issue 27, item 3): offices submit a triwulan's IKU, frozen with its
evidence; the kabupaten returns one with a reason, the office corrects a register and
submits again, the kabupaten verifies; the roll-up reports the verified figures, and a
correction made after verification shows as a difference."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session

from core.config import Settings
from core.domain.complaints import ComplaintState, Privacy
from core.domain.people import StaffRole
from core.domain.performance import DocumentKind
from core.domain.periods import Period
from core.errors import InvalidInput, NotAllowed
from core.models import Document, Staff
from core.scope import for_office
from core.services.access.authz import OPERATOR
from core.services.access.offices import add_office
from core.services.kabupaten import verification as ver
from core.services.kabupaten.rollup import kabupaten_rollup
from core.services.performance import records
from core.services.performance.register_kinds import IKU_SET
from core.services.performance.registers import delete_record
from tests import factories as f
from tests.web_harness import csrf_in, signed_in

YEAR = 2026
AFTER_Q1 = date(YEAR, 4, 10)


def _office(engine: Engine, code: str, name: str, prefix: str) -> int:
    with Session(engine) as plain:
        made = add_office(plain, code, name, prefix, ("Desa",)).id or 0
        plain.commit()
    return made


def _session(engine: Engine, office: int) -> Session:
    return for_office(Session(engine, expire_on_commit=False), office)


def _work(session: Session, settings: Settings, settled: int) -> None:
    for n in range(2):
        item = f.complaint(session, settings, received_at=datetime(YEAR, 2, 1 + n, 3, tzinfo=UTC))
        if n < settled:
            item.state, item.resolved_at = ComplaintState.SELESAI, datetime(YEAR, 3, 1, tzinfo=UTC)
            session.add(item)
    records.set_target(session, YEAR, "IKU4", Decimal(80))


@pytest.fixture
def offices(engine: Engine, settings: Settings) -> list[int]:
    made = [1, _office(engine, "35.09.01", "Kecamatan Jombang", "JBG")]
    made.append(_office(engine, "35.09.02", "Kecamatan Kencong", "KCG"))
    for office, settled in zip(made, (2, 1, 0), strict=True):
        with _session(engine, office) as session:
            _work(session, settings, settled)
            session.commit()
    return made


def _member(engine: Engine, role: StaffRole, office: int | None) -> Staff:
    with Session(engine, expire_on_commit=False) as session:
        if office is not None:
            for_office(session, office)
        member = records.add_staff(session, f"{role.value} {office}", role)
        session.commit()
    return member


def test_submit_return_correct_resubmit_verify_and_a_later_correction(
    engine: Engine, settings: Settings, offices: list[int]
) -> None:
    verifier = _member(engine, StaffRole.KABUPATEN_ADMIN, None)
    for office in offices:
        camat = _member(engine, StaffRole.CAMAT, office)
        with _session(engine, office) as session:
            done = ver.submit_quarter(session, settings, YEAR, 1, camat, AFTER_Q1)
            session.commit()
        assert done.state is ver.SubmissionState.SUBMITTED and done.version == 1
    jombang = offices[1]
    with _session(engine, jombang) as session:
        submitted = ver.submission(session, YEAR, 1)
        assert submitted is not None
        iku1 = next(i for i in submitted.snapshot["indicators"] if i["code"] == "IKU1")
        assert iku1["value"] is None and iku1["evidence"] == []  # no document yet
        returned = ver.decide(session, YEAR, 1, "IKU1", False, "Dokumen SOP belum ada", verifier)
        session.commit()
    assert returned.state is ver.SubmissionState.RETURNED
    with _session(engine, jombang) as session:  # the office corrects a register ...
        session.add(
            Document(kind=DocumentKind.SOP_PELAYANAN, title="SOP", doc_date=date(YEAR, 3, 2))
        )
        sekcam = _member(engine, StaffRole.SEKCAM, jombang)
        again = ver.submit_quarter(session, settings, YEAR, 1, sekcam, AFTER_Q1)  # ... and again
        session.commit()
    assert again.version == 2 and again.verdicts == {}
    iku1 = next(i for i in again.snapshot["indicators"] if i["code"] == "IKU1")
    assert iku1["value"] == "1" and [d["title"] for d in iku1["evidence"]] == ["SOP"]
    for office in offices:
        with _session(engine, office) as session:
            found = ver.submission(session, YEAR, 1)
            assert found is not None
            for code in found.codes:
                found = ver.decide(session, YEAR, 1, code, True, None, verifier)
            session.commit()
        assert found.state is ver.SubmissionState.VERIFIED
    with Session(engine) as session:
        rollup = kabupaten_rollup(session, settings, Period.quarter(YEAR, 1), AFTER_Q1)
    trantib = next(r for r in rollup.indicators if r.indicator.code == "TRANTIB-SELESAI")
    shown = {s.office.code: (s.value.value, s.verified_value) for s in trantib.standings}
    assert shown == {  # by hand: 2/2, 1/2, 0/2 settled; verified equals live
        settings.office_code: (Decimal("100.00"), Decimal("100.00")),
        "35.09.01": (Decimal("50.00"), Decimal("50.00")),
        "35.09.02": (Decimal("0.00"), Decimal("0.00")),
    }
    with _session(engine, offices[2]) as session:  # a correction after verification
        late = f.complaint(session, settings, received_at=datetime(YEAR, 2, 9, 3, tzinfo=UTC))
        late.state, late.resolved_at = ComplaintState.SELESAI, datetime(YEAR, 3, 3, tzinfo=UTC)
        session.add(late)
        session.commit()
    with Session(engine) as session:
        rollup = kabupaten_rollup(session, settings, Period.quarter(YEAR, 1), AFTER_Q1)
    trantib = next(r for r in rollup.indicators if r.indicator.code == "TRANTIB-SELESAI")
    kencong = next(s for s in trantib.standings if s.office.code == "35.09.02")
    assert (kencong.value.value, kencong.verified_value) == (Decimal("33.33"), Decimal("0.00"))
    assert kencong.corrected_since
    with _session(engine, offices[2]) as session:  # locked: never submitted again
        with pytest.raises(InvalidInput, match="dikunci"):
            ver.submit_quarter(
                session, settings, YEAR, 1, _member(engine, StaffRole.CAMAT, offices[2]), AFTER_Q1
            )
        steps = [(s.action, s.iku) for s in ver.steps_of(session, YEAR, 1)]
    assert steps[0] == ("diajukan", None) and steps.count(("diajukan", None)) == 1


def test_the_rules_of_submitting_and_deciding(
    engine: Engine, settings: Settings, offices: list[int]
) -> None:
    camat = _member(engine, StaffRole.CAMAT, 1)
    trantib = _member(engine, StaffRole.TRANTIB, 1)
    office_admin = _member(engine, StaffRole.ADMIN, 1)
    bupati = _member(engine, StaffRole.BUPATI, None)
    inspektorat = _member(engine, StaffRole.INSPEKTORAT, None)
    organisasi = _member(engine, StaffRole.KABUPATEN_ADMIN, None)
    with _session(engine, 1) as session:
        with pytest.raises(InvalidInput, match="belum berakhir"):
            ver.submit_quarter(session, settings, YEAR, 2, camat, AFTER_Q1)
        with pytest.raises(NotAllowed):
            ver.submit_quarter(session, settings, YEAR, 1, trantib, AFTER_Q1)
        ver.submit_quarter(session, settings, YEAR, 1, camat, AFTER_Q1)
        with pytest.raises(InvalidInput, match="menunggu verifikasi"):
            ver.submit_quarter(session, settings, YEAR, 1, camat, AFTER_Q1)
        for who in (office_admin, bupati, camat):
            with pytest.raises(NotAllowed):
                ver.decide(session, YEAR, 1, "IKU4", True, None, who)
        with pytest.raises(NotAllowed, match="menunggu verifikasi Bagian Organisasi"):
            ver.decide(session, YEAR, 1, "IKU4", True, None, inspektorat)  # not its turn
        with pytest.raises(InvalidInput, match="alasan"):
            ver.decide(session, YEAR, 1, "IKU4", False, "  ", organisasi)
        ver.decide(session, YEAR, 1, "IKU4", True, None, organisasi)
        with pytest.raises(InvalidInput, match="sudah diputuskan"):
            ver.decide(session, YEAR, 1, "IKU4", False, "berubah pikiran", organisasi)
        session.commit()


def test_on_the_web_an_office_submits_and_the_kabupaten_returns(
    engine: Engine, settings: Settings, offices: list[int], tmp_path: Path
) -> None:
    web = settings.model_copy(update={"media_dir": tmp_path})
    camat = _member(engine, StaffRole.CAMAT, offices[1])
    verifier = _member(engine, StaffRole.KABUPATEN_ADMIN, None)
    for client in signed_in(engine, web, camat):
        page = client.get(f"/pengajuan?tahun={YEAR}")
        assert page.status_code == 200 and "Ajukan" in page.text
        form = {"csrf": csrf_in(page.text), "tahun": str(YEAR), "triwulan": "1"}
        unchecked = client.post("/pengajuan", data=form)  # the figures were not looked at
        assert unchecked.status_code == 400 and "sudah diperiksa" in unchecked.text
        sent = client.post("/pengajuan", data={**form, "periksa": "ya"})
        assert sent.status_code == 303, sent.text
        assert client.get("/kabupaten/verifikasi").status_code == 403
    for client in signed_in(engine, web, verifier):
        listing = client.get(f"/kabupaten/verifikasi?tahun={YEAR}&triwulan=1")
        assert listing.status_code == 200
        assert "Diajukan, menunggu verifikasi" in listing.text and "Belum diajukan" in listing.text
        detail = client.get(f"/kabupaten/verifikasi/35.09.01/{YEAR}/1")
        assert detail.status_code == 200 and 'id="iku-IKU4"' in detail.text
        form = {
            "csrf": csrf_in(detail.text),
            "keputusan": "kembalikan",
            "alasan": "Bukti <b>BA</b> kurang",
            "versi": "1",  # the version the page showed
        }
        assert 'name="versi" value="1"' in detail.text
        back = client.post(f"/kabupaten/verifikasi/35.09.01/{YEAR}/1/IKU4", data=form)
        assert back.status_code == 303, back.text
        assert client.get(f"/kabupaten/verifikasi/35.09.99/{YEAR}/1").status_code == 404
    for client in signed_in(engine, web, camat):
        page = client.get(f"/pengajuan?tahun={YEAR}").text
        assert "Dikembalikan" in page and "Bukti &lt;b&gt;BA&lt;/b&gt; kurang" in page
        assert "Ajukan lagi" in page


def test_a_snapshot_counts_a_rahasia_complaint_without_listing_it(
    engine: Engine, settings: Settings, offices: list[int]
) -> None:
    camat = _member(engine, StaffRole.CAMAT, 1)
    with _session(engine, 1) as session:
        secret = f.complaint(
            session,
            settings,
            received_at=datetime(YEAR, 2, 5, 3, tzinfo=UTC),
            privacy=Privacy.RAHASIA,
        )
        done = ver.submit_quarter(session, settings, YEAR, 1, camat, AFTER_Q1)
        session.commit()
    trantib = next(i for i in done.snapshot["indicators"] if i["kind"] == "trantib")
    assert trantib["denominator"] == 3  # counted in the figure ...
    assert {"rahasia": 1} in trantib["evidence"]  # ... and said so, never listed
    assert secret.code not in json.dumps(done.snapshot)


def _once_before_flush(session: Session, action: Callable[[], None]) -> None:
    """Runs ``action`` (another person's request, committed) at this session's first
    flush: the moment between its checks and its write."""
    fired: list[int] = []

    @event.listens_for(session, "before_flush")
    def hook(*_args: object) -> None:
        if not fired:
            fired.append(1)
            action()


def test_two_verifiers_at_the_same_moment_cannot_both_decide(
    engine: Engine, settings: Settings, offices: list[int]
) -> None:
    """Found by the attack review: both decisions were kept, and a locked triwulan could
    come back 'returned'."""
    office, camat = offices[1], _member(engine, StaffRole.CAMAT, offices[1])
    organisasi = _member(engine, StaffRole.KABUPATEN_ADMIN, None)
    colleague = _member(engine, StaffRole.KABUPATEN_ADMIN, None)  # the same Bagian
    with _session(engine, office) as session:
        found = ver.submit_quarter(session, settings, YEAR, 1, camat, AFTER_Q1)
        session.commit()
    last = found.codes[-1]

    def the_other_verifier() -> None:
        with _session(engine, office) as other:
            ver.decide(other, YEAR, 1, last, True, None, organisasi)
            other.commit()

    with _session(engine, office) as session:
        _once_before_flush(session, the_other_verifier)
        with pytest.raises(InvalidInput, match="baru saja diputuskan"):
            ver.decide(session, YEAR, 1, last, False, "angka tidak cocok", colleague)
        session.rollback()
    with _session(engine, office) as session:
        decided = ver.submission(session, YEAR, 1)
        assert decided is not None and decided.verdicts[last].action == "diverifikasi"
        assert [s.iku for s in ver.steps_of(session, YEAR, 1)].count(last) == 1


def test_a_decision_from_a_page_of_an_older_version_is_refused(
    engine: Engine, settings: Settings, offices: list[int]
) -> None:
    """Found by the attack review: a verdict taken on version 1's page was recorded on
    version 2, which the verifier never saw."""
    office, camat = offices[1], _member(engine, StaffRole.CAMAT, offices[1])
    verifier = _member(engine, StaffRole.KABUPATEN_ADMIN, None)
    with _session(engine, office) as session:
        ver.submit_quarter(session, settings, YEAR, 1, camat, AFTER_Q1)
        ver.decide(session, YEAR, 1, "IKU4", False, "Bukti kurang", verifier, version=1)
        ver.submit_quarter(session, settings, YEAR, 1, camat, AFTER_Q1)  # version 2
        with pytest.raises(InvalidInput, match="versi 2"):
            ver.decide(session, YEAR, 1, "IKU1", True, None, verifier, version=1)
        ver.decide(session, YEAR, 1, "IKU1", True, None, verifier, version=2)
        session.commit()


def test_the_verified_figure_follows_the_indicator_when_the_office_renumbers(
    engine: Engine, settings: Settings, offices: list[int]
) -> None:
    """Found by the attack review: after a renumbering the roll-up called an unchanged
    figure 'corrected after verification'."""
    office, camat = offices[1], _member(engine, StaffRole.CAMAT, offices[1])
    verifier = _member(engine, StaffRole.KABUPATEN_ADMIN, None)
    with _session(engine, office) as session:
        found = ver.submit_quarter(session, settings, YEAR, 1, camat, AFTER_Q1)
        for code in found.codes:
            ver.decide(session, YEAR, 1, code, True, None, verifier)
        delete_record(session, IKU_SET, "IKU1", OPERATOR, "Nomor baru")
        records.choose_iku(session, "IKU9", "DOKUMEN-ORTALA")
        session.commit()
    with Session(engine) as session:
        rollup = kabupaten_rollup(session, settings, Period.quarter(YEAR, 1), AFTER_Q1)
    documents = next(r for r in rollup.indicators if r.indicator.code == "DOKUMEN-ORTALA")
    jombang = next(s for s in documents.standings if s.office.code == "35.09.01")
    assert jombang.value.code == "IKU9" and jombang.verified and not jombang.corrected_since
