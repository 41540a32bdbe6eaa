"""The office's admin corrects the office's own profile (core/services/access/office_edit):
only the admin may, input is checked as the settings check it (a refusal stores
nothing), every change is in the trail with before and after, a desa is deactivated and
brought back but never deleted, another office's desa is out of reach, and the next
report prints the new Camat and logo."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from core.config import Settings
from core.domain.access import Permission, may
from core.domain.people import StaffRole
from core.domain.periods import Period
from core.errors import InvalidInput, NotAllowed, NotFound
from core.models import Office, OfficeArea, RegisterAudit, Staff
from core.scope import for_office
from core.services.access import office_edit as edit
from core.services.access.authz import OPERATOR
from core.services.access.office_edit import ProfileForm
from core.services.access.offices import add_office, office_profile
from core.services.performance import records
from reports import builders
from reports.render import render

NIP = "19700101 199003 1 005"
NEW = ProfileForm(
    name="Kecamatan Mumbulsari",
    address="Jl. Raya Mumbulsari No. 1, Jember 68174",
    camat_name="Dra. Siti Rahayu, M.Si.",
    camat_nip=NIP,
    camat_pangkat="Pembina Tingkat I (IV/b)",
)


def _png(size: tuple[int, int] = (40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "darkgreen").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def admin(session: Session) -> Staff:
    member = records.add_staff(session, "Sekar", StaffRole.ADMIN)
    session.commit()
    return member


def _trail(session: Session) -> list[RegisterAudit]:
    return list(
        session.exec(
            select(RegisterAudit)
            .where(RegisterAudit.register_name == "kantor")
            .order_by(col(RegisterAudit.id))  # in the order written (no order is no order)
        ).all()
    )


def _office(session: Session) -> Office:
    office = session.get(Office, 1)
    assert office is not None
    session.refresh(office)
    return office


def _areas(session: Session) -> dict[str, bool]:
    return {a.name: a.active for a in edit.office_areas(session)}


# -- who may ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(StaffRole))
def test_only_the_admin_may_change_the_office(
    role: StaffRole, session: Session, tmp_path: Path
) -> None:
    member = records.add_staff(session, "Petugas", role)
    session.commit()
    logo = tmp_path / "logo.png"
    logo.write_bytes(_png())
    area = edit.office_areas(session)[0]
    changes = [
        lambda: edit.update_profile(session, member, NEW),
        lambda: edit.set_logo(session, member, logo),
        lambda: edit.add_area(session, member, "Desa Baru"),
        lambda: edit.set_area_active(session, member, area.id or 0, active=False),
    ]
    allowed = may(role, True, Permission.MANAGE_OFFICE)
    assert allowed is (role is StaffRole.ADMIN)
    for change in changes:
        if allowed:
            change()
        else:
            with pytest.raises(NotAllowed, match="mengelola profil kantor"):
                change()
    if not allowed:
        assert _office(session).camat_name == "" and _office(session).logo_path is None
        assert "Desa Baru" not in _areas(session) and _areas(session)[area.name] is True
        assert _trail(session) == []
    else:
        assert len(_trail(session)) == 4


def test_an_inactive_admin_may_not_and_the_operator_may(session: Session, admin: Staff) -> None:
    former = Staff(id=admin.id, name=admin.name, role=StaffRole.ADMIN, active=False)
    with pytest.raises(NotAllowed):
        edit.update_profile(session, former, NEW)
    edit.update_profile(session, OPERATOR, NEW)
    [row] = _trail(session)
    assert row.staff_id is None and _office(session).camat_name == NEW.camat_name


# -- checked as the settings check it ------------------------------------------------------

BAD = {
    "no name": {"name": "  "},
    "a name too long": {"name": "K" * 201},
    "an address too long": {"address": "Jl. " + "a" * 197},
    "a Camat's name too long": {"camat_name": "A" * 121},
    "a NIP with letters": {"camat_nip": "19700101 l99003"},
    "a NIP too long": {"camat_nip": "1" * 25},
    "a NIP in other digits": {"camat_nip": "١٩٧٠٠١٠١"},
    "a pangkat too long": {"camat_pangkat": "P" * 61},
    "a hidden direction mark": {"camat_name": "Siti \u202eRahayu"},
}


@pytest.mark.parametrize("fields", BAD.values(), ids=BAD.keys())
def test_bad_input_is_refused_in_one_line_and_nothing_is_stored(
    session: Session, admin: Staff, fields: dict[str, str]
) -> None:
    before = _office(session).model_dump()
    typed = ProfileForm(**{**NEW.__dict__, **fields})
    with pytest.raises(InvalidInput) as refused:
        edit.update_profile(session, admin, typed)
    message = str(refused.value)
    assert message and "\n" not in message and len(message) < 120
    assert any(word in message for word in ("Nama", "Alamat", "NIP", "Pangkat")), message
    session.rollback()
    assert _office(session).model_dump() == before
    assert _trail(session) == []


def test_good_input_is_kept_tidy(session: Session, admin: Staff) -> None:
    typed = ProfileForm(**{**NEW.__dict__, "camat_name": "  Dra.  Siti\nRahayu, M.Si. "})
    edit.update_profile(session, admin, typed)
    office = _office(session)
    assert office.camat_name == "Dra. Siti Rahayu, M.Si."
    assert office.camat_nip == NIP and office.camat_pangkat == NEW.camat_pangkat
    edit.update_profile(session, admin, ProfileForm(**{**NEW.__dict__, "camat_nip": ""}))
    assert _office(session).camat_nip == ""  # as SIGAP_CAMAT_NIP, the NIP may be left out


# -- the trail ----------------------------------------------------------------------------


def test_each_change_is_in_the_trail_with_before_and_after(session: Session, admin: Staff) -> None:
    edit.update_profile(session, admin, NEW)
    changed = edit.update_profile(
        session, admin, ProfileForm(**{**NEW.__dict__, "camat_name": "Drs. Ahmad Fauzi"})
    )
    assert changed == {"nama_camat": ["Dra. Siti Rahayu, M.Si.", "Drs. Ahmad Fauzi"]}
    assert edit.update_profile(session, admin, ProfileForm(**{**NEW.__dict__})) != {}
    assert edit.update_profile(session, admin, NEW) == {}  # saved unchanged: no entry
    first, second, third = _trail(session)
    assert (first.action, first.record_key, first.staff_id) == ("ubah", "35.09.23", admin.id)
    assert json.loads(first.changes) == {
        "alamat": ["", NEW.address],
        "nama_camat": ["", NEW.camat_name],
        "nip_camat": ["", NIP],
        "pangkat_camat": ["", NEW.camat_pangkat],
    }
    assert json.loads(second.changes) == {"nama_camat": [NEW.camat_name, "Drs. Ahmad Fauzi"]}
    assert json.loads(third.changes) == {"nama_camat": ["Drs. Ahmad Fauzi", NEW.camat_name]}
    assert [r.id for r in edit.office_trail(session)] == [third.id, second.id, first.id]


# -- desa ---------------------------------------------------------------------------------


def test_a_desa_is_added_deactivated_and_brought_back_never_deleted(
    session: Session, admin: Staff
) -> None:
    assert "Suco" in office_profile(session).desa
    added = edit.add_area(session, admin, "  Kelurahan   Baru ", "kelurahan")
    assert (added.name, added.kind, added.code, added.active) == (
        "Kelurahan Baru",
        "kelurahan",
        None,
        True,
    )
    suco = next(a for a in edit.office_areas(session) if a.name == "Suco")
    edit.set_area_active(session, admin, suco.id or 0, active=False)
    edit.set_area_active(session, admin, suco.id or 0, active=False)  # again: no entry
    desa = office_profile(session).desa
    assert "Suco" not in desa and "Kelurahan Baru" in desa
    assert _areas(session)["Suco"] is False  # kept, put aside
    edit.set_area_active(session, admin, suco.id or 0, active=True)
    assert "Suco" in office_profile(session).desa
    actions = [(r.action, r.record_key, json.loads(r.changes)) for r in _trail(session)]
    assert actions == [
        (
            "buat",
            f"desa:{added.id}",
            {"nama": [None, "Kelurahan Baru"], "jenis": [None, "kelurahan"]},
        ),
        ("nonaktif", f"desa:{suco.id}", {"nama": ["Suco", "Suco"], "aktif": [True, False]}),
        ("aktif", f"desa:{suco.id}", {"nama": ["Suco", "Suco"], "aktif": [False, True]}),
    ]


def test_a_desa_is_named_once_and_well(session: Session, admin: Staff) -> None:
    suco = next(a for a in edit.office_areas(session) if a.name == "Suco")
    edit.set_area_active(session, admin, suco.id or 0, active=False)
    entries = len(_trail(session))
    refusals = {
        "SUCO": "Suco sudah ada (nonaktif): aktifkan kembali.",
        "lampeji": "Lampeji sudah ada.",
        " ": "Nama desa/kelurahan wajib diisi.",
        "D" * 81: "Nama desa/kelurahan: paling banyak 80 karakter.",
    }
    for name, message in refusals.items():
        with pytest.raises(InvalidInput) as refused:
            edit.add_area(session, admin, name)
        assert str(refused.value) == message
    with pytest.raises(InvalidInput, match="desa atau kelurahan"):
        edit.add_area(session, admin, "Desa Baru", "dusun")
    assert len(_trail(session)) == entries and "Desa Baru" not in _areas(session)


def test_another_offices_desa_is_out_of_reach(engine: Engine) -> None:
    with Session(engine) as made:
        other = add_office(made, "35.09.01", "Kecamatan Jombang", "JBG", ("Jombang",))
        made.commit()
        theirs = made.exec(select(OfficeArea).where(OfficeArea.office_id == other.id)).one()
    with for_office(Session(engine, expire_on_commit=False), 1) as ours:
        admin = records.add_staff(ours, "Sekar", StaffRole.ADMIN)
        ours_before = len(_areas(ours))
        assert "Jombang" not in _areas(ours)
        with pytest.raises(NotFound):
            edit.set_area_active(ours, admin, theirs.id or 0, active=False)
        edit.add_area(ours, admin, "Jombang")  # a name of theirs is free here
        ours.commit()
    with Session(engine) as check:
        stored = check.get(OfficeArea, theirs.id)
        assert stored is not None and stored.active
        count = select(func.count()).select_from(OfficeArea).where(OfficeArea.office_id == 1)
        assert check.exec(count).one() == ours_before + 1


# -- the logo and the report ---------------------------------------------------------------


def test_a_logo_is_a_png_or_jpeg_of_at_most_2_mb(
    session: Session, admin: Staff, tmp_path: Path
) -> None:
    fake = tmp_path / "logo.png"
    fake.write_bytes(b"%PDF-1.4\n%%EOF\n")
    huge = tmp_path / "besar.png"
    huge.write_bytes(_png() + b"\0" * edit.LOGO_MAX_BYTES)
    empty = tmp_path / "kosong.png"
    empty.write_bytes(b"")
    refusals = {
        fake: "PNG atau JPEG",
        huge: "2 MB",
        empty: "kosong",
        Path("logo.png"): "lengkap",
        tmp_path / "tidak-ada.png": "tidak ditemukan",
    }
    for path, message in refusals.items():
        with pytest.raises(InvalidInput, match=message):
            edit.set_logo(session, admin, path)
    assert _office(session).logo_path is None and _trail(session) == []
    jpeg = io.BytesIO()
    Image.new("RGB", (30, 30), "navy").save(jpeg, format="JPEG")
    assert edit.check_logo(jpeg.getvalue()) == ".jpg"
    assert edit.read_logo(str(fake)) is None and edit.read_logo(None) is None


def test_the_next_report_prints_the_new_camat_and_logo(
    session: Session, admin: Staff, settings: Settings, tmp_path: Path
) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(_png((64, 72)))
    period, today = Period.year(2026), date(2026, 12, 1)
    before = render(builders.build_report("iku", session, settings, period, today), "html")
    assert b"Dra. Siti Rahayu" not in before and b'alt="Logo"' not in before
    assert office_profile(session).camat_name == ""  # read, and kept for this session
    edit.update_profile(session, admin, NEW)
    edit.set_logo(session, admin, logo)
    [_, logo_entry] = _trail(session)
    assert json.loads(logo_entry.changes) == {"logo": [None, str(logo)]}
    html = render(builders.build_report("iku", session, settings, period, today), "html")
    text = html.decode("utf-8")
    assert "Dra. Siti Rahayu, M.Si." in text and f"NIP. {NIP}" in text
    assert "Pembina Tingkat I (IV/b)" in text and "Jl. Raya Mumbulsari No. 1" in text
    assert '<img alt="Logo" src="data:image/png;base64,' in text
