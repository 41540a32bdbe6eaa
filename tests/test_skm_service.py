"""SKM storage: the maintained daily totals always agree with the raw answers."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from sqlmodel import Session

from core.domain.periods import Period
from core.domain.skm import Unsur, ikm_from_tallies, tally_answers
from core.errors import InvalidInput
from core.services.survey import skm
from tests import factories as f
from tests.test_skm_arithmetic import reference_nilai

answer = st.one_of(st.none(), st.integers(min_value=1, max_value=4))
scores = st.fixed_dictionaries({u: answer for u in Unsur}).filter(
    lambda s: any(v is not None for v in s.values())
)
day_offsets = st.integers(min_value=0, max_value=120)
service_counter = iter(range(10**6))


@hyp_settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(day_offsets, scores, st.booleans()), min_size=1, max_size=40),
    st.integers(min_value=0, max_value=120),
)
def test_summary_from_daily_totals_equals_raw_reference(
    session: Session, rows: list[tuple[int, dict[Unsur, int | None], bool]], cut: int
) -> None:
    n = next(service_counter)
    first = skm.add_service(session, f"a{n}", "Layanan A")
    second = skm.add_service(session, f"b{n}", "Layanan B")
    start = date(2025, 1, 1)
    for offset, answers, on_first in rows:
        service = first if on_first else second
        assert service.id is not None
        skm.record_response(session, skm.SkmAnswers(service.id, start + timedelta(offset), answers))
    session.flush()
    period = Period(start, start + timedelta(cut))
    in_period = [a for o, a, on_first in rows if o <= cut and on_first]
    result = skm.ikm_for_period(session, period, first.id)
    assert result.respondents == len(in_period)
    assert result.nilai == reference_nilai(in_period)
    tallies, _ = tally_answers(in_period)
    assert result.nrr == ikm_from_tallies(tallies, len(in_period)).nrr
    session.rollback()


def _answers(service_id: int, day: date, value: int = 3) -> skm.SkmAnswers:
    return skm.SkmAnswers(
        service_id,
        day,
        {u: value for u in Unsur},
        profile=skm.RespondentProfile("P", 34, "SMA", "wirausaha"),
    )


def test_one_response_per_person_per_service_per_day(session: Session) -> None:
    ktp, kk = skm.add_service(session, "ktp", "KTP-el"), skm.add_service(session, "kk", "KK")
    assert ktp.id and kk.id
    person = f.resident(session)
    today = date(2025, 5, 5)
    skm.record_response(session, _answers(ktp.id, today), person)
    with pytest.raises(skm.AlreadyRated, match="sudah mengisi"):
        skm.record_response(session, _answers(ktp.id, today, 1), person)
    skm.record_response(session, _answers(kk.id, today), person)
    skm.record_response(session, _answers(ktp.id, today + timedelta(1)), person)
    session.commit()
    summary = skm.skm_summary(session, Period(today, today), "ktp")
    assert summary.result.respondents == 1
    assert summary.result.nilai == Decimal("75.00")  # the refused answer of 1 left no trace


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ({Unsur.U1: 5}, "harus 1..4"),
        ({Unsur.U1: 0}, "harus 1..4"),
        ({}, "Belum ada jawaban"),
        ({Unsur.U1: None}, "Belum ada jawaban"),
    ],
)
def test_bad_answers_are_refused(
    session: Session, scores: dict[Unsur, int | None], message: str
) -> None:
    service = skm.add_service(session, "ktp", "KTP-el")
    assert service.id
    with pytest.raises(InvalidInput, match=message):
        skm.record_response(session, skm.SkmAnswers(service.id, date(2025, 1, 2), scores))


@pytest.mark.parametrize(
    "profile",
    [
        skm.RespondentProfile(jenis_kelamin="X"),
        skm.RespondentProfile(usia=7),
        skm.RespondentProfile(pendidikan="TK"),
        skm.RespondentProfile(pekerjaan="astronot"),
    ],
)
def test_bad_profile_is_refused(session: Session, profile: skm.RespondentProfile) -> None:
    service = skm.add_service(session, "ktp", "KTP-el")
    assert service.id
    answers = skm.SkmAnswers(service.id, date(2025, 1, 2), {Unsur.U1: 3}, profile=profile)
    with pytest.raises(InvalidInput):
        skm.record_response(session, answers)


def test_profile_breakdown_and_per_service(session: Session) -> None:
    ktp, kk = skm.add_service(session, "ktp", "KTP-el"), skm.add_service(session, "kk", "KK")
    assert ktp.id and kk.id
    day = date(2025, 2, 3)
    profiles = [
        skm.RespondentProfile("L", 19),
        skm.RespondentProfile("P", 45, "S2"),
        skm.RespondentProfile("P", 52, pekerjaan="PNS"),
        skm.RespondentProfile(),
    ]
    for i, profile in enumerate(profiles):
        sid = ktp.id if i < 3 else kk.id
        skm.record_response(session, skm.SkmAnswers(sid, day, {Unsur.U1: 4}, profile=profile))
    session.commit()
    summary = skm.skm_summary(session, Period.year(2025))
    assert summary.profile["jenis_kelamin"] == {"L": 1, "P": 2}
    assert summary.profile["usia"] == {"<=20": 1, "41-50": 1, ">50": 1}
    assert summary.profile["pendidikan"] == {"S2": 1}
    assert {code: r.respondents for code, r in summary.per_service.items()} == {"kk": 1, "ktp": 3}
    assert summary.sample_adequacy(5) == (5, False)
    assert summary.sample_adequacy(4) == (4, True)


def test_service_codes_are_validated(session: Session) -> None:
    with pytest.raises(InvalidInput):
        skm.add_service(session, "KTP el!", "x")
    skm.add_service(session, "KTP", "KTP-el")
    with pytest.raises(InvalidInput, match="sudah dipakai"):
        skm.add_service(session, "ktp", "lagi")
