"""Where offices differ (core/services/access/office_edit): each office may set its own
service level per category, which dates its new complaints, and its own staff group
chats, which hear its new complaints; an office that sets nothing keeps the category
list's levels and the settings' chats (the first office) or its handlers' own chats.
Bad input is refused in words and stores nothing; every change is in the trail."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select

from core.config import Settings, load_settings
from core.errors import InvalidInput
from core.models import RegisterAudit
from core.scope import for_office
from core.services.access import office_edit as edit
from core.services.access.accounts import Address
from core.services.access.authz import OPERATOR
from core.services.access.offices import add_office, office_profile
from core.services.complaints.categories import find_category, load_categories
from core.services.complaints.due import service_level_days
from core.services.messaging.recipients import section_recipients
from tests import factories

MONDAY = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 10:00 WIB
CODES = [c.code for c in load_categories()]


@pytest.fixture
def two(session: Session) -> int:
    other = add_office(session, "35.09.01", "Kecamatan Jombang", "JBG", ("Jombang",))
    session.flush()
    assert other.id is not None
    return other.id


def test_an_offices_own_service_level_dates_its_complaints(
    session: Session, settings: Settings, two: int
) -> None:
    listed = find_category("pkl").service_level_days
    for_office(session, two)
    edit.set_service_levels(session, OPERATOR, " pkl = 2 ; miras=10", CODES)
    assert service_level_days(session, settings, "pkl") == 2
    assert (
        service_level_days(session, settings, "parkir")
        == find_category("parkir").service_level_days
    )
    theirs = factories.complaint(session, settings, received_at=MONDAY)
    assert theirs.due_date == date(2026, 3, 4)  # Monday + 2 working days

    ours = Session(session.get_bind())
    for_office(ours, 1)
    assert service_level_days(ours, settings, "pkl") == listed  # the other office's is not ours
    ours.close()


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("pkl", "kategori=hari"),
        ("pkl=tiga", "kategori=hari"),
        ("pkl=0", "1–365"),
        ("pkl=3;judi-online=2", "Kategori tidak dikenal"),
        ("pkl=٣", "kategori=hari"),  # Arabic-Indic digit
        ("pkl=3;pkl=4", "tiap kategori sekali"),
    ],
)
def test_bad_service_levels_are_refused_and_nothing_changes(
    session: Session, two: int, typed: str, said: str
) -> None:
    for_office(session, two)
    edit.set_service_levels(session, OPERATOR, "pkl=4", CODES)
    with pytest.raises(InvalidInput) as refused:
        edit.set_service_levels(session, OPERATOR, typed, CODES)
    assert said in str(refused.value)
    assert office_profile(session).service_levels == {"pkl": 4}


def test_each_office_hears_its_complaints_in_its_own_group(
    session: Session, database_url: str, two: int
) -> None:
    settings = load_settings(
        _env_file=None, DATABASE_URL=database_url, TELEGRAM_STAFF_CHATS="trantib=-100111"
    )
    for_office(session, two)
    assert section_recipients(session, settings, "trantib") == []  # no group, no handler yet
    edit.set_staff_chats(session, OPERATOR, "trantib=-100777,-100778")
    assert section_recipients(session, settings, "trantib") == [
        Address("telegram", "-100777"),
        Address("telegram", "-100778"),
    ]
    for typed, said in (
        ("trantib=@grupku", "seksi=id_grup"),
        ("trantip=-100555", "Seksi tidak dikenal"),  # a typo would route nothing
        ("trantib=-1;trantib=-2", "tiap seksi sekali"),
    ):
        with pytest.raises(InvalidInput) as refused:
            edit.set_staff_chats(session, OPERATOR, typed)
        assert said in str(refused.value), typed
    assert office_profile(session).staff_chats == {"trantib": ["-100777", "-100778"]}

    first = Session(session.get_bind())
    for_office(first, 1)
    assert section_recipients(first, settings, "trantib") == [Address("telegram", "-100111")]
    first.close()


def test_every_change_is_in_the_trail_with_before_and_after(session: Session, two: int) -> None:
    for_office(session, two)
    edit.set_service_levels(session, OPERATOR, "pkl=3", CODES)
    edit.set_service_levels(session, OPERATOR, "pkl=3", CODES)  # the same: no new line
    edit.set_staff_chats(session, OPERATOR, "trantib=-1001")
    edit.set_service_levels(session, OPERATOR, "", CODES)  # back to the list's
    trail = [
        json.loads(a.changes)
        for a in session.exec(select(RegisterAudit).order_by(RegisterAudit.id)).all()
    ]
    assert trail == [
        {"tingkat_layanan": ["", "pkl=3"]},
        {"grup_staf": ["", "trantib=-1001"]},
        {"tingkat_layanan": ["pkl=3", ""]},
    ]
