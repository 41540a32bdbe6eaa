"""Reports: the digest agrees with iku_for_period, every format carries the same numbers,
no reporter identity anywhere, deadline reminders follow the working-day calendar."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session, select

from core.config import Settings, load_settings
from core.db import session_scope
from core.domain.complaints import ComplaintState as S
from core.domain.complaints import Privacy
from core.domain.people import StaffRole
from core.domain.performance import DocumentKind, IkuCode
from core.domain.periods import Period
from core.domain.skm import Unsur
from core.models import Holiday, OutboxMessage
from core.services.complaints.stats import SECRET_ROW, complaint_recap, deadlines
from core.services.performance import records
from core.services.performance.digest import weekly_digest
from core.services.performance.iku import iku_for_period
from core.services.survey import skm
from reports import builders
from reports.deliver import send_deadline_reminders
from reports.render import render, render_text
from tests import factories as f

TODAY = date(2026, 11, 23)  # a Monday: the digest covers 16..22 November
REPORTER_NAME, REPORTER_PHONE = "Siti Rahayu", "081234567890"


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, tzinfo=UTC)  # 10:00 in Jember


def _fill(session: Session, settings: Settings) -> dict[str, str]:
    officer = f.staff(session)
    reporter = f.resident(session, name=REPORTER_NAME)
    records.set_target(session, 2026, IkuCode.IKU4, Decimal(90))
    records.set_target(session, 2026, IkuCode.IKU1, Decimal(4))
    records.add_document(session, DocumentKind.LAKIP, "LAKIP 2025", date(2026, 2, 10))
    records.add_document(session, DocumentKind.SOP_PELAYANAN, "SOP KTP", date(2026, 11, 18))
    service = skm.add_service(session, "ktp", "KTP-el")
    assert service.id
    for value, saran in ((4, "Antrian lebih cepat"), (3, None), (2, None)):
        answers = {u: value for u in Unsur}
        skm.record_response(
            session, skm.SkmAnswers(service.id, date(2026, 6, 1), answers, saran=saran)
        )
    codes = {}
    done = f.complaint(session, settings, reporter=reporter, received_at=_at(date(2026, 11, 17)))
    f.advance(session, done, S.SELESAI, officer, at=_at(date(2026, 11, 18)))
    codes["done"] = done.code
    early = f.complaint(session, settings, reporter=reporter, received_at=_at(date(2026, 3, 2)))
    codes["overdue"] = early.code
    early.desa = "Mumbulsari"
    secret = f.complaint(
        session, settings, received_at=_at(date(2026, 11, 19)), privacy=Privacy.RAHASIA
    )
    secret.desa = "Lengkong"
    secret.due_date = date(2026, 11, 20)
    codes["secret"] = secret.code
    session.add_all([early, secret])
    session.flush()
    return codes


def test_digest_numbers_are_iku_for_period(session: Session, settings: Settings) -> None:
    codes = _fill(session, settings)
    digest = weekly_digest(session, settings, TODAY)
    assert digest.week == Period(date(2026, 11, 16), date(2026, 11, 22))
    now = iku_for_period(session, settings, Period(date(2026, 1, 1), date(2026, 11, 22)))
    before = iku_for_period(session, settings, Period(date(2026, 1, 1), date(2026, 11, 15)))
    for change in digest.iku:
        expected = now.get(change.current.code)
        assert change.current == expected
        assert change.previous == before.get(change.current.code)
    iku1 = next(c for c in digest.iku if c.current.code == IkuCode.IKU1)
    assert (iku1.current.value, iku1.change) == (Decimal(2), Decimal(1))  # SOP added that week
    assert digest.complaints["received"] == 2 and digest.complaints["resolved"] == 1
    assert digest.overdue_total == 2  # the March one and the rahasia one
    assert [line.code for line in digest.oldest_overdue] == [codes["overdue"]]  # not rahasia
    text = render_text(builders.build_weekly(session, settings, TODAY))
    assert "IKU1: 2 dokumen · target 4 · capaian 50,00% · naik +1 dalam seminggu" in text
    assert "IKU4 di bawah target" in text


def test_digest_figures_match_a_hand_count(session: Session, settings: Settings) -> None:
    """The same data counted by hand, not by the code under test.

    Documents 2026 to 22 Nov: LAKIP (10 Feb) and SOP (18 Nov) = 2, a week earlier 1;
    target 4 -> 2 / 4 = 50.00 %. SKM: three respondents answering 4, 3 and 2 on every
    unsur -> NRR 3 -> IKM 3 x 25 = 75.00. Complaints received 2026 to 22 Nov: 2 Mar (open),
    17 Nov (selesai 18 Nov), 19 Nov (rahasia, open) = 3, settled 1 -> 33.33 %; a week
    earlier only the March one, unsettled -> 0.00 %; target 90 -> 33.33 / 90 = 37.03 %."""
    _fill(session, settings)
    digest = weekly_digest(session, settings, TODAY)
    figures = {
        c.current.code: (
            c.current.value,
            c.current.capaian,
            c.previous.value if c.previous else None,
        )
        for c in digest.iku
    }
    assert figures == {
        "IKU1": (Decimal("2"), Decimal("50.00"), Decimal("1")),
        "IKU2": (Decimal("75.00"), None, Decimal("75.00")),
        "IKU3": (None, None, None),
        "IKU4": (Decimal("33.33"), Decimal("37.03"), Decimal("0.00")),
        "IKU5": (None, None, None),
        "IKU6": (None, None, None),
    }
    # this week: received 17 and 19 Nov, the first settled; open past due: March, 19 Nov
    assert digest.complaints == {"received": 2, "resolved": 1, "open": 2, "overdue": 2}


def test_weekly_digest_fits_one_telegram_message(session: Session, settings: Settings) -> None:
    for _ in range(60):
        item = f.complaint(session, settings, received_at=_at(date(2026, 1, 5)))
        item.desa = "Desa dengan nama yang cukup panjang sekali"
        session.add(item)
    session.flush()
    text = render_text(builders.build_weekly(session, settings, TODAY))
    assert "60 pengaduan melewati batas waktu" in text
    assert len(text) <= 4096


def _all_reports(session: Session, settings: Settings) -> list[builders.Report]:
    year = Period.year(2026)
    return [
        builders.build_weekly(session, settings, TODAY),
        builders.build_iku(session, settings, year),
        builders.build_skm(session, settings, year, service_users=500),
        builders.build_complaints(session, settings, year, TODAY),
    ]


def _pdf_text(content: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())  # table cells wrap lines


def test_no_reporter_identity_and_rahasia_only_counted(
    session: Session, settings: Settings
) -> None:
    codes = _fill(session, settings)
    for report in _all_reports(session, settings):
        outputs = [render(report, fmt).decode() for fmt in ("text", "html", "json")]
        outputs.append(_pdf_text(render(report, "pdf"))[1])
        book = load_workbook(io.BytesIO(render(report, "xlsx")))
        outputs.append(
            " ".join(
                str(c)
                for ws in book.worksheets
                for row in ws.iter_rows(values_only=True)
                for c in row
            )
        )
        for output in outputs:
            assert REPORTER_NAME not in output and REPORTER_PHONE not in output
            assert codes["secret"] not in output and "Lengkong" not in output
    recap = builders.build_complaints(session, settings, Period.year(2026), TODAY)
    summary = dict(recap.summary)
    late = f"Terlambat, masih terbuka (per {TODAY:%d-%m-%Y})"
    assert summary["Diterima"] == 3 and summary[late] == 2
    assert any("rahasia" in note for note in recap.notes)


def test_pdf_has_the_pages_and_figures(session: Session, settings: Settings) -> None:
    _fill(session, settings)
    pages, text = _pdf_text(render(builders.build_iku(session, settings, Period.year(2026)), "pdf"))
    assert pages >= 2  # the tables, then a chart per indicator
    assert "Laporan Capaian Indikator Kinerja Utama" in text
    assert "Kecamatan Mumbulsari" in text and "Periode 1 Januari 2026 s.d. 31 Desember 2026" in text
    assert "Jumlah dokumen penataan" in " ".join(text.split())  # the cell wraps the rest
    pages, text = _pdf_text(
        render(builders.build_skm(session, settings, Period.year(2026), 500), "pdf")
    )
    assert "75,00" in text  # IKM of answers 4,3,2 on every unsur: NRR 3 -> 75.00
    assert "Antrian lebih cepat" in text  # saran published


def _json_cell(value: object) -> object:
    if isinstance(value, datetime):
        return value.date().isoformat()
    return value


def test_xlsx_cells_hold_the_json_numbers(session: Session, settings: Settings) -> None:
    _fill(session, settings)
    for report in _all_reports(session, settings):
        document = json.loads(render(report, "json"))
        book = load_workbook(io.BytesIO(render(report, "xlsx")))
        for key, table in document["tables"].items():
            rows = list(book[key[:31]].iter_rows(values_only=True))
            assert list(rows[0]) == table["columns"]
            cells = [[_json_cell(c) for c in row] for row in rows[1:]]
            assert cells == table["rows"], (report.kind, key)
            for row in rows[1:]:
                assert not any(isinstance(c, str) and c.replace(".", "").isdigit() for c in row)
    iku = json.loads(render(builders.build_iku(session, settings, Period.year(2026)), "json"))
    row = next(r for r in iku["tables"]["iku"]["rows"] if r[0] == "IKU4")
    assert row[4] == pytest.approx(33.33) and row[5] == pytest.approx(37.03)  # 1 of 3; /90


def test_deadline_reminders_across_a_weekend_and_a_holiday(
    engine: Engine, settings: Settings
) -> None:
    friday, holiday_monday = date(2026, 12, 4), date(2026, 12, 7)
    due = {
        "thursday": date(2026, 12, 3),  # overdue on Friday
        "friday": friday,  # due today
        "tuesday": date(2026, 12, 8),  # next working day after the weekend and the holiday
        "wednesday": date(2026, 12, 9),  # not yet
    }
    with session_scope(engine) as session:
        session.add(Holiday(day=holiday_monday, name="Cuti bersama"))
        records.add_staff(session, "Sekcam", StaffRole.SEKCAM, accounts=[("telegram", str(555))])
        codes = {}
        for name, day in due.items():
            item = f.complaint(session, settings, received_at=_at(date(2026, 11, 20)))
            item.due_date = day
            session.add(item)
            codes[name] = item.code
        closed = f.complaint(session, settings, received_at=_at(date(2026, 11, 20)))
        f.advance(session, closed, S.SELESAI, f.staff(session, name="Ani"))
        closed.due_date = date(2026, 12, 1)
        session.add(closed)
    chats = load_settings(
        _env_file=None, DATABASE_URL=settings.database_url, TELEGRAM_STAFF_CHATS="trantib=-100"
    )
    with Session(engine) as session:
        listed = deadlines(session, chats, friday)
    assert listed.next_working_day == date(2026, 12, 8)
    assert [line.code for line in listed.due_soon] == [codes["friday"], codes["tuesday"]]
    assert [line.code for line in listed.overdue] == [codes["thursday"]]
    for day in (date(2026, 12, 5), date(2026, 12, 6), holiday_monday):  # no reminder at all
        assert send_deadline_reminders(engine, chats, day).recipients == 0
    assert send_deadline_reminders(engine, chats, friday).recipients == 2  # section + sekcam
    assert send_deadline_reminders(engine, chats, friday).recipients == 0  # once per day
    with Session(engine) as session:
        sent = session.exec(select(OutboxMessage)).all()
    section = [m for m in sent if m.recipient == "-100"]
    assert len(section) == 1 and codes["tuesday"] in str(section[0].text)
    assert codes["wednesday"] not in str(section[0].text)
    escalation = [m for m in sent if m.recipient != "-100"]
    assert len(escalation) == 1 and codes["thursday"] in str(escalation[0].text)
    assert codes["tuesday"] not in str(escalation[0].text)


def test_report_cli_writes_every_format(tmp_path: Path, database_url: str, engine: Engine) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    runner = CliRunner()
    for fmt in ("text", "html", "pdf", "xlsx", "json"):
        target = tmp_path / f"iku.{fmt}"
        result = runner.invoke(
            app,
            ["report", "iku", "--quarter", "2026-Q4", "--format", fmt, "-o", str(target)],
            env={"DATABASE_URL": database_url},
        )
        assert result.exit_code == 0, result.output
        assert target.stat().st_size > 0
    bad = runner.invoke(
        app, ["report", "iku", "--format", "docx"], env={"DATABASE_URL": database_url}
    )
    assert bad.exit_code == 1 and "--format" in bad.output


def test_long_lists_are_cut_on_paper_but_whole_in_the_data_files(
    session: Session, settings: Settings
) -> None:
    from reports.render import DOCUMENT_TABLE_ROWS, rows_shown

    for _ in range(DOCUMENT_TABLE_ROWS + 5):
        f.complaint(session, settings, received_at=_at(date(2026, 3, 2)))
    year = Period.year(2026)

    def built(fmt: str) -> builders.Report:
        return builders.build_complaints(session, settings, year, TODAY, rows_shown(fmt))

    html = render(built("html"), "html").decode()
    assert "dan 5 baris lagi; daftar lengkap ada di berkas XLSX/JSON" in html
    assert html.count("Pedagang kaki lima") == DOCUMENT_TABLE_ROWS + 1  # + the category table
    assert "... dan 90 baris lagi" in render(built("text"), "text").decode()
    document = json.loads(render(built("json"), "json"))
    assert len(document["tables"]["terlambat"]["rows"]) == DOCUMENT_TABLE_ROWS + 5
    sheet = load_workbook(io.BytesIO(render(built("xlsx"), "xlsx")))["terlambat"]
    assert sheet.max_row == DOCUMENT_TABLE_ROWS + 6  # with the header
    received = sheet.cell(row=2, column=5)
    assert received.is_date and received.number_format == "dd-mm-yyyy"
    assert received.value.date() == date(2026, 3, 2)
    with pytest.raises(ValueError, match="cut short"):
        render(built("pdf"), "xlsx")  # a data file never silently holds a cut list


def test_complaint_recap_counts_times_and_service_level(
    session: Session, settings: Settings
) -> None:
    """The service level is judged on the local (WIB) date: 23:30 on the due date is in
    time, 00:30 the next day is late, although both are the same UTC date."""
    officer = f.staff(session)
    received = datetime(2026, 3, 2, 3, tzinfo=UTC)  # Monday 10:00 WIB
    on_time = f.complaint(session, settings, received_at=received)
    late = f.complaint(session, settings, received_at=received, category="parkir")
    due = on_time.due_date
    on_time_at = datetime(due.year, due.month, due.day, 16, 30, tzinfo=UTC)  # 23:30 WIB
    late_at = datetime(due.year, due.month, due.day, 17, 30, tzinfo=UTC)  # 00:30 WIB, next day
    f.advance(session, on_time, S.SELESAI, officer, at=on_time_at)
    f.advance(session, late, S.SELESAI, officer, at=late_at)
    secret = f.complaint(
        session, settings, received_at=received, category="miras", privacy=Privacy.RAHASIA
    )
    secret.desa = "Lengkong"
    session.add(secret)
    session.flush()

    recap = complaint_recap(session, settings, Period.year(2026), date(2026, 3, 20))
    assert recap.received == 3 and recap.by_channel == {"telegram": 3}
    assert recap.by_state == {"selesai": 2, "diterima": 1}
    # every breakdown adds up to what was received; the rahasia one counted, not placed
    assert sum(recap.by_category.values()) == 3 and sum(recap.by_desa.values()) == 3
    assert recap.by_category[SECRET_ROW] == recap.by_desa[SECRET_ROW] == 1
    assert "Lengkong" not in recap.by_desa and "Miras" not in str(recap.by_category)
    assert (recap.resolved, recap.resolved_within_level, recap.within_level_share) == (
        2,
        1,
        Decimal("50.00"),
    )
    hours = [(at - received).total_seconds() / 3600 for at in (on_time_at, late_at)]
    expected = Decimal(str(sum(hours) / 2)).quantize(Decimal("0.01"))
    assert recap.median_hours_to_resolve == expected
    assert recap.median_hours_to_acknowledge == expected  # verified at the same moment
    assert recap.overdue == [] and recap.overdue_secret == 1


def test_a_report_leaves_the_garbage_collector_as_it_found_it(
    session: Session, settings: Settings
) -> None:
    """The bot process builds reports for years: a pause that never ended would let
    reference cycles pile up until it runs out of memory."""
    import gc

    from reports.bulk import gc_paused

    assert gc.isenabled()
    render(builders.build_complaints(session, settings, Period.year(2026), TODAY), "xlsx")
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause does not end the outer one
        raise RuntimeError("a failed report")
    assert gc.isenabled()


def test_numbers_read_the_indonesian_way() -> None:
    from reports.numbers import movement, number

    assert number(Decimal("1234.5")) == "1.234,50"
    assert number(Decimal("0.3470")) == "0,3470"  # a weighted NRR keeps its 4 decimals
    assert number(Decimal("70.00")) == "70,00" and number(Decimal(4)) == "4"  # score, count
    assert movement(Decimal("1.2")) == "naik +1,20"
    assert movement(Decimal("-0.5")) == "turun −0,50"
    assert movement(Decimal("0.00")) == "tetap" and movement(None) == "-"
