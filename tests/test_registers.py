"""The registers behind IKU1/3/5/6: create, edit, delete (soft) and import, through the
one service the web, the imports and the CLI share; every change audited."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal

import pytest
import xlsxwriter
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, select

from core.config import Settings
from core.domain.people import StaffRole
from core.domain.performance import IkuCode
from core.domain.periods import Period
from core.errors import InvalidInput, NotAllowed
from core.models import Activity, Document
from core.services.files.fields import FieldKind, FieldSpec, parse_date, parse_field
from core.services.files.tabular import read_rows
from core.services.performance import records
from core.services.performance import register_kinds as kinds
from core.services.performance import registers as reg
from core.services.performance.iku import iku_for_period
from tests import factories

YEAR = Period.year(2026)
ACTIVITY = {
    "nama": "Posyandu lansia",
    "jenis": "posyandu",
    "desa": "Suco",
    "tanggal_rencana": "10/03/2026",
    "status": "direncanakan",
}


def _activity(session: Session, actor: object, **changes: str) -> Activity:
    values = reg.parse_values(kinds.ACTIVITIES, ACTIVITY | changes)
    row: Activity = reg.create_record(session, kinds.ACTIVITIES, values, actor)  # type: ignore[arg-type]
    return row


def _activities(session: Session) -> int:
    return len(session.exec(select(Activity)).all())


def _iku3(session: Session, settings: Settings) -> tuple[int | None, int | None]:
    value = iku_for_period(session, settings, YEAR).get(IkuCode.IKU3)
    return value.numerator, value.denominator


def test_activity_created_held_and_deleted_moves_iku3_and_leaves_a_trail(
    session: Session, settings: Settings
) -> None:
    pmks = factories.staff(session, StaffRole.PMKS, "Rina")
    row = _activity(session, pmks)
    assert _iku3(session, settings) == (0, 1)

    held = ACTIVITY | {"status": "terlaksana", "tanggal_pelaksanaan": "2026-03-11"}
    reg.update_record(
        session,
        kinds.ACTIVITIES,
        str(row.id),
        reg.parse_values(kinds.ACTIVITIES, held),
        pmks,
        "laporan kegiatan masuk",
    )
    assert _iku3(session, settings) == (1, 1)

    reg.delete_record(session, kinds.ACTIVITIES, str(row.id), pmks, "tercatat dua kali")
    assert _iku3(session, settings) == (0, 0)
    assert reg.list_records(session, kinds.ACTIVITIES, 2026) == []

    trail = reg.history(session, kinds.ACTIVITIES, str(row.id))
    assert [a.action for a in trail] == ["buat", "ubah", "hapus"]
    assert all(a.staff_id == pmks.id for a in trail)
    assert json.loads(trail[1].changes)["status"] == ["direncanakan", "terlaksana"]
    assert trail[1].reason == "laporan kegiatan masuk" and trail[2].reason == "tercatat dua kali"


def test_a_role_without_the_right_changes_nothing(session: Session) -> None:
    trantib = factories.staff(session, StaffRole.TRANTIB)
    with pytest.raises(NotAllowed):
        _activity(session, trantib)
    pmks = factories.staff(session, StaffRole.PMKS, "Rina")
    values = reg.parse_values(
        kinds.DOCUMENTS, {"jenis": "lakip", "judul": "LAKIP", "tanggal": "2026-01-05"}
    )
    with pytest.raises(NotAllowed):
        reg.create_record(session, kinds.DOCUMENTS, values, pmks)
    retired = factories.staff(session, StaffRole.ADMIN, "Lama")
    retired.active = False
    with pytest.raises(NotAllowed):
        _activity(session, retired)
    assert _activities(session) == 0


def test_deleting_needs_a_reason(session: Session) -> None:
    admin = factories.staff(session, StaffRole.ADMIN)
    row = _activity(session, admin)
    with pytest.raises(InvalidInput, match="alasan"):
        reg.delete_record(session, kinds.ACTIVITIES, str(row.id), admin, "  ")
    assert row.deleted_at is None


def test_the_same_document_twice_is_refused(session: Session) -> None:
    records.add_document(session, records.DocumentKind.LAKIP, "LAKIP 2025", date(2026, 2, 10))
    with pytest.raises(InvalidInput, match="sudah tercatat"):
        records.add_document(session, records.DocumentKind.LAKIP, "LAKIP 2025", date(2026, 2, 10))


def test_a_deleted_target_can_be_set_again(session: Session, settings: Settings) -> None:
    admin = factories.staff(session, StaffRole.ADMIN)
    records.set_target(session, 2026, IkuCode.IKU1, Decimal(4), actor=admin)
    reg.delete_record(session, kinds.TARGETS, "2026-IKU1", admin, "salah tahun")
    assert iku_for_period(session, settings, YEAR).get(IkuCode.IKU1).target is None
    records.set_target(session, 2026, IkuCode.IKU1, Decimal(5), actor=admin)
    assert iku_for_period(session, settings, YEAR).get(IkuCode.IKU1).target == Decimal(5)


@pytest.mark.parametrize(
    ("column", "value", "says"),
    [
        ("nama", "x" * 201, "paling banyak 200"),
        ("mitra", "y" * 121, "paling banyak 120"),
        ("nama", "Rapat\u202eevil", "tidak diizinkan"),
        ("nama", "Rapat\x00", "tidak diizinkan"),
        ("desa", "Atlantis", "tidak dikenal"),
        ("tanggal_rencana", "31/02/2026", "bukan tanggal"),
        ("tanggal_rencana", "1900-01-01", "di luar"),
        ("peserta_l", "-3", "kurang dari 0"),
        ("peserta_p", "١٢", "bukan bilangan"),
    ],
)
def test_bad_fields_are_named(session: Session, column: str, value: str, says: str) -> None:
    problems = reg.field_problems(kinds.ACTIVITIES, ACTIVITY | {column: value}, ["Suco"])
    assert [c for c, _ in problems] == [column]
    assert says in problems[0][1]


def _xlsx(rows: list[list[object]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, date):
                sheet.write_datetime(r, c, value, book.add_format({"num_format": "dd/mm/yyyy"}))
            elif value is not None:
                sheet.write(r, c, value)
    book.close()
    return buffer.getvalue()


def test_an_import_with_bad_rows_stores_nothing_and_names_each(session: Session) -> None:
    content = _xlsx(
        [
            ["nama", "jenis", "desa", "tanggal_rencana", "peserta_l"],
            ["Posyandu", "posyandu", "Suco", date(2026, 3, 1), 10],
            ["Senam", "olahraga", "Suco", "bukan tanggal", 5],
            ["Rembug", "musyawarah", "Suco", date(2026, 4, 1), -1],
        ]
    )
    with pytest.raises(reg.ImportRefused) as refused:
        reg.import_records(
            session,
            kinds.ACTIVITIES,
            read_rows("kegiatan.xlsx", content),
            factories.staff(session, StaffRole.PMKS),
            ["Suco"],
        )
    assert refused.value.problems == [
        (3, "tanggal_rencana", refused.value.problems[0][2]),
        (4, "peserta_l", refused.value.problems[1][2]),
    ]
    assert "Baris 3, kolom tanggal_rencana" in str(refused.value)
    session.rollback()
    assert _activities(session) == 0


def test_csv_with_semicolons_and_day_first_dates_imports(
    session: Session, settings: Settings
) -> None:
    content = (
        "\ufeffNama;Jenis;Tanggal_Rencana;Status;Tanggal_Pelaksanaan\r\n"
        "Posyandu;posyandu;05/03/2026;terlaksana;06/03/2026\r\n"
        "Senam;olahraga;2026-04-01;;\r\n"
    ).encode()
    count = reg.import_records(
        session,
        kinds.ACTIVITIES,
        read_rows("k.csv", content),
        factories.staff(session, StaffRole.SEKCAM),
    )
    assert count == 2
    assert _iku3(session, settings) == (1, 2)
    assert [a.action for a in reg.history(session, kinds.ACTIVITIES, "1")] == ["impor"]


def test_a_csv_row_with_extra_cells_or_a_broken_quote_is_refused() -> None:
    with pytest.raises(InvalidInput, match="Baris 2"):
        list(read_rows("a.csv", b"nama,jenis\nA,B,C\n"))
    with pytest.raises(InvalidInput, match="judul kolom yang sama"):
        list(read_rows("a.csv", b"nama,nama\nA,B\n"))


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_both_date_spellings_read_the_same_day(day: date) -> None:
    assert parse_date(day.isoformat(), "t") == day
    assert parse_date(day.strftime("%d/%m/%Y"), "t") == day


@given(st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False))
def test_a_decimal_comma_reads_as_the_same_number(value: Decimal) -> None:
    spec = FieldSpec("x", "x", "X", FieldKind.DECIMAL)
    assert parse_field(spec, str(value).replace(".", ",")) == value
    assert parse_field(spec, str(value)) == value


def test_the_same_document_twice_in_one_file_stores_nothing(session: Session) -> None:
    content = (
        b"jenis,judul,tanggal\n"
        b"lakip,LAKIP 2025,2026-02-10\n"
        b"sop-pelayanan,SOP KTP,2026-03-01\n"
        b"lakip,LAKIP 2025,10/02/2026\n"
    )
    admin = factories.staff(session, StaffRole.ADMIN)
    session.commit()
    with pytest.raises(reg.ImportRefused, match="Baris 4"):
        reg.import_records(session, kinds.DOCUMENTS, read_rows("d.csv", content), admin)
    session.rollback()  # what the web page and the CLI do with a refusal
    assert session.exec(select(Document)).all() == []
