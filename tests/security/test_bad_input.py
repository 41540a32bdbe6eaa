"""Bad input never gives a 500 (issue 22, item 6): digits that are not 0-9, a stale action
on a complaint, webhook JSON that is not an object or nests absurdly deep, and uploads
of a request that fails, which leave no file behind."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import sqlalchemy
from sqlalchemy import BigInteger, Engine, Integer
from sqlalchemy.dialects import postgresql
from sqlmodel import Session
from starlette.testclient import TestClient

from app.web import build_office
from bot.terminal import _parse
from bot.whatsapp.convert import Option, choice_by_number
from core.config import Settings
from core.digits import ascii_digits, ascii_int
from core.domain.complaints import ComplaintState
from core.domain.people import StaffRole
from core.domain.performance import IkuCode
from core.models import Complaint, Staff
from core.services.complaints import lifecycle as svc
from core.services.files.fields import FieldKind
from core.services.performance import records
from core.services.performance import registers as reg
from core.services.performance.register_kinds import ACTIVITIES, DOCUMENTS, REGISTERS
from core.services.survey.skm import add_service
from core.types import DECIMAL_PRECISION, DECIMAL_SCALE
from tests import factories
from tests.conftest import TELEGRAM_WEBHOOK_SECRET
from tests.fakes import graph_api as wa
from tests.fakes import telegram_api as api
from tests.fakes.graph_api import FakeGraph
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_harness import Person, RunningBot, bot_settings, until
from tests.test_cli import Invoke, sigap  # noqa: F401  (the fixture)
from tests.test_telegram_e2e import join_as_staff
from tests.web_harness import csrf_of, log_in, login_link
from tests.whatsapp_harness import WaPerson, running_sigap, wa_settings
from web.context import Office
from web.office import build_web

NOT_ASCII = ["²", "①", "٤", "²²²²", "٢٠٢٥", "１２"]  # superscript, circled, Arabic-Indic, fullwidth
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
APOLOGY = "terjadi gangguan"  # bot/locales nav.error: what a crash in the chat looks like


# -- (a) digits that are not 0-9 ----------------------------------------------------------
def test_only_ascii_digits_are_read_as_numbers() -> None:
    for text in NOT_ASCII:
        assert text.isdigit() and not ascii_digits(text) and ascii_int(text) is None, text
    assert ascii_int("2026") == 2026 and ascii_int("") is None and ascii_int("-1") is None
    assert ascii_int("9" * 19) is None  # past a 64-bit key: not a number we look up
    options = [Option("Satu", "1"), Option("Dua", "2")]
    assert choice_by_number("²", options) is None and choice_by_number("2.", options) == "2"
    assert _parse("²", ["a", "b"]).kind == "text"  # the terminal chat: text, not a crash


@pytest.fixture
def office(settings: Settings, engine: Engine, tmp_path: Path) -> Office:
    return Office(settings.model_copy(update={"media_dir": tmp_path / "media"}), engine)


@pytest.fixture
def admin_staff(engine: Engine) -> Staff:
    with Session(engine, expire_on_commit=False) as session:
        member = records.add_staff(session, "Admin", StaffRole.ADMIN)
        session.commit()
    return member


@pytest.fixture
def admin(office: Office, engine: Engine, admin_staff: Staff) -> Iterator[TestClient]:
    with TestClient(build_web(office), follow_redirects=False) as client:
        log_in(client, login_link(engine, admin_staff))
        yield client


@pytest.mark.parametrize("digits", ["²", "²²²²", "①①①①"])
def test_addresses_with_other_digits_are_answered_not_crashed(
    admin: TestClient, digits: str
) -> None:
    for path in (
        f"/register/kegiatan/{digits}",
        f"/register/dokumen/{digits}",
        f"/register/target/{digits}-IKU1",
        f"/register/sakip/{digits}",
    ):
        assert admin.get(path).status_code == 404, path
    for path in (
        f"/?tahun={digits}",
        f"/pengaduan?hal={digits}",
        f"/register/kegiatan?tahun={digits}",
        f"/register/kegiatan/ekspor.xlsx?tahun={digits}",
    ):
        assert admin.get(path).status_code == 200, path
    csrf = csrf_of(admin, "/register/libur")
    holidays = admin.post("/register/libur/nasional", data={"csrf": csrf, "tahun": digits})
    assert holidays.status_code == 400 and "Tahun di luar 2000–2100" in holidays.text


# -- (b) a stale action on a complaint ----------------------------------------------------
def _complaint_in(
    engine: Engine, settings: Settings, staff: Staff, state: ComplaintState
) -> Complaint:
    with Session(engine, expire_on_commit=False) as session:
        complaint = factories.complaint(session, settings)
        if state is ComplaintState.DITOLAK:
            member = session.get(Staff, staff.id)
            svc.transition_complaint(
                session, complaint, state, staff=member, note="Di luar wilayah kecamatan"
            )
        session.commit()
    return complaint


def _state_of(engine: Engine, complaint: Complaint) -> ComplaintState:
    with Session(engine) as session:
        stored = session.get(Complaint, complaint.id)
        assert stored is not None
        return stored.state


def _media(office: Office) -> list[Path]:
    folder = office.settings.media_dir / "web"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_stale_action_gets_409_and_the_complaint_as_it_is_now(
    admin: TestClient,
    engine: Engine,
    settings: Settings,
    office: Office,
    admin_staff: Staff,
    htmx: bool,
) -> None:
    """Another officer rejected it while this page was open: its buttons are stale."""
    complaint = _complaint_in(engine, settings, admin_staff, ComplaintState.DITOLAK)
    csrf = csrf_of(admin)
    headers = {"HX-Request": "true"} if htmx else {}
    for action, extra in [
        ("diverifikasi", {}),
        ("klaim", {}),
        ("catatan", {"catatan": "Sudah ditegur"}),
        ("selesai", {"catatan": "Sudah ditertibkan"}),
    ]:
        answer = admin.post(
            f"/pengaduan/{complaint.code}/{action}",
            data={"csrf": csrf, **extra},
            files={"foto": ("bukti.png", PNG, "image/png")} if action == "selesai" else None,
            headers=headers,
        )
        assert answer.status_code == 409, (action, answer.text[:300])
        assert f"Laporan {complaint.code} sudah berstatus Ditolak" in answer.text
        assert 'id="status">Ditolak<' in answer.text and 'id="aksi-' not in answer.text
    assert _state_of(engine, complaint) is ComplaintState.DITOLAK
    assert _media(office) == []  # the stale photo was not kept


def test_a_resolve_that_skips_the_process_step_is_stale_too(
    admin: TestClient, engine: Engine, settings: Settings, admin_staff: Staff
) -> None:
    complaint = _complaint_in(engine, settings, admin_staff, ComplaintState.DITERIMA)
    answer = admin.post(
        f"/pengaduan/{complaint.code}/selesai",
        data={"csrf": csrf_of(admin), "catatan": "Sudah ditertibkan"},
    )
    assert answer.status_code == 409 and 'id="aksi-diverifikasi"' in answer.text
    assert _state_of(engine, complaint) is ComplaintState.DITERIMA


# -- (d) uploads of a request that fails leave no file ------------------------------------
def test_a_failed_upload_leaves_no_file(
    admin: TestClient, engine: Engine, office: Office, admin_staff: Staff
) -> None:
    csrf = csrf_of(admin, "/register/dokumen")
    unknown = admin.post(
        "/register/dokumen/999999/berkas",
        data={"csrf": csrf},
        files={"berkas": ("lakip.pdf", PDF, "application/pdf")},
    )
    assert unknown.status_code == 404
    with Session(engine, expire_on_commit=False) as session:
        member = session.get(Staff, admin_staff.id)
        assert member is not None
        values = reg.parse_values(
            DOCUMENTS, {"jenis": "lakip", "judul": "LAKIP 2025", "tanggal": "2026-02-10"}
        )
        row = reg.create_record(session, DOCUMENTS, values, member)
        reg.delete_record(session, DOCUMENTS, str(row.id), member, "Salah input")
        session.commit()
    deleted = admin.post(
        f"/register/dokumen/{row.id}/berkas",
        data={"csrf": csrf},
        files={"berkas": ("lakip.pdf", PDF, "application/pdf")},
    )
    assert deleted.status_code == 400 and "sudah dihapus" in deleted.text
    complaint = _complaint_in(engine, office.settings, admin_staff, ComplaintState.DITERIMA)
    admin.post(f"/pengaduan/{complaint.code}/diverifikasi", data={"csrf": csrf})
    admin.post(f"/pengaduan/{complaint.code}/diproses", data={"csrf": csrf})
    no_note = admin.post(  # resolving needs a note: refused, and the photo with it
        f"/pengaduan/{complaint.code}/selesai",
        data={"csrf": csrf, "catatan": ""},
        files={"foto": ("bukti.png", PNG, "image/png")},
    )
    assert no_note.status_code == 400
    assert _media(office) == []
    resolved = admin.post(
        f"/pengaduan/{complaint.code}/selesai",
        data={"csrf": csrf, "catatan": "Sudah ditertibkan"},
        files={"foto": ("bukti.png", PNG, "image/png")},
    )
    assert resolved.status_code == 303 and len(_media(office)) == 1  # a good one is kept


# -- (c) webhook JSON that is not an object, or nested absurdly deep ----------------------
HOSTILE_JSON = {
    "list": b"[]",
    "string": b'"x"',
    "number": b"1",
    "null": b"null",
    "10000 nested arrays": b"[" * 10_000 + b"]" * 10_000,
    "10000 nested objects": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    "40 levels inside a real shape": json.dumps(
        {"entry": [{"changes": [{"value": {"x": json.loads("[" * 40 + "]" * 40)}}]}]}
    ).encode(),
    "not UTF-8": b'{"entry": "\xff"}',
}


@pytest.fixture
async def whatsapp(
    database_url: str, graph: FakeGraph, engine: Engine, tmp_path: Path
) -> AsyncIterator[str]:
    async with running_sigap(wa_settings(database_url, graph, tmp_path / "media"), engine) as url:
        yield url


async def test_whatsapp_refuses_hostile_json_with_400(whatsapp: str, graph: FakeGraph) -> None:
    url = f"{whatsapp}/whatsapp/webhook"
    async with httpx.AsyncClient() as client:
        for name, body in HOSTILE_JSON.items():
            headers = {"Content-Type": "application/json", "X-Hub-Signature-256": wa.sign(body)}
            answer = await client.post(url, content=body, headers=headers)
            assert answer.status_code == 400, name
    ani = WaPerson(graph, whatsapp, "6281200000071")
    assert await ani.says("/start")  # still answering


async def test_whatsapp_reads_superscript_digits_as_text_not_a_choice(
    whatsapp: str, graph: FakeGraph
) -> None:
    ani = WaPerson(graph, whatsapp, "6281200000072")
    await ani.says("/start")
    answer = await ani.says("²")
    assert APOLOGY not in wa.body_text(answer[0])


async def test_telegram_refuses_hostile_json_with_400(
    webhook: tuple[FakeTelegram, str],
) -> None:
    fake, url = webhook
    headers = {
        "Content-Type": "application/json",
        "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_WEBHOOK_SECRET,
    }
    async with httpx.AsyncClient() as client:
        for name, body in {**HOSTILE_JSON, "an object, not an update": b"{}"}.items():
            answer = await client.post(url, content=body, headers=headers)
            assert answer.status_code == 400, name
        update = api.text(5391, "/start")
        update["update_id"] = 77
        good = await client.post(url, content=json.dumps(update), headers=headers)
    assert good.status_code == 200
    await until(lambda: bool(fake.messages_to(5391)))


# -- the chat: other digits and a stale button ----------------------------------------------
@pytest.fixture
async def bot(database_url: str, fake: FakeTelegram, engine: Engine) -> AsyncIterator[Settings]:
    settings = bot_settings(database_url, fake)
    running = await RunningBot(settings, engine).start()
    yield settings
    await running.stop()


async def test_a_superscript_age_is_asked_again_in_the_survey(
    bot: Settings, fake: FakeTelegram, engine: Engine
) -> None:
    with Session(engine) as session:
        add_service(session, "kk", "Kartu Keluarga")
        session.commit()
    ani = Person(fake, 5393)
    await ani.says("/start skm_kk")
    for _ in range(9):
        await ani.presses(ani.last.buttons[2][1])
    await ani.taps("Lewati")  # gender
    again = await ani.says("²", expect=2)
    assert "10–120" in again[0].text and APOLOGY not in again[0].text


async def test_a_superscript_pick_in_kegiatan_is_asked_again(
    bot: Settings, fake: FakeTelegram, engine: Engine
) -> None:
    pmks = await join_as_staff(fake, engine, 7391, StaffRole.PMKS)
    await pmks.says("/kegiatan")
    answer = await pmks.says("①", expect=2)
    assert APOLOGY not in answer[0].text and "kegiatan" in answer[-1].text.lower()


async def test_a_stale_button_in_the_chat_gets_a_sentence(
    bot: Settings, fake: FakeTelegram, engine: Engine
) -> None:
    """Already so before issue 22: pinned here beside the web's 409."""
    officer = await join_as_staff(fake, engine, 7392)
    with Session(engine, expire_on_commit=False) as session:
        complaint = factories.complaint(session, bot)
        session.commit()
    await officer.presses(f"act:reject:{complaint.id}")
    await officer.says("Di luar wilayah kecamatan")
    stale = await officer.presses(f"act:verify:{complaint.id}")
    assert "tidak bisa diubah" in stale[0].text and APOLOGY not in stale[0].text
    assert _state_of(engine, complaint) is ComplaintState.DITOLAK


# -- (e) numbers past what their column holds, ids past a key, control characters -------
HUGE = "9" * 40  # fits SQLite's text column, past every number a page computes with
ACTIVITY_FORM = {"nama": "Posyandu lansia", "jenis": "posyandu", "tanggal_rencana": "2026-03-10"}
TOO_BIG = "paling banyak 14 angka sebelum koma"


@pytest.mark.parametrize(
    ("register", "form", "says"),
    [
        ("target", {"iku": "IKU1", "target": HUGE}, f"Target: {TOO_BIG}"),
        ("target", {"iku": "IKU1", "target": "100000000000000"}, f"Target: {TOO_BIG}"),
        ("target", {"iku": "IKU1", "target": "4", "target_tw1": HUGE}, "Target s.d. TW 1: "),
        ("indikator", {"nama": "Rapat", "target": "-" + HUGE}, f"Target: {TOO_BIG}"),
        ("indikator", {"nama": "Rapat", "target": "1,23456"}, "Target: paling banyak 4 angka"),
        ("indikator", {"nama": "Rapat", "target": "1", "realisasi": HUGE}, "Realisasi: "),
        ("sakip", {"nilai": HUGE}, "Nilai: tidak boleh lebih dari 100"),
        ("kegiatan", {**ACTIVITY_FORM, "peserta_l": HUGE}, "Peserta laki-laki: tidak boleh"),
        ("kegiatan", {**ACTIVITY_FORM, "peserta_p": "2147483648"}, "Peserta perempuan: tidak"),
    ],
)
def test_a_number_past_its_column_is_refused_by_name(
    admin: TestClient, engine: Engine, register: str, form: dict[str, str], says: str
) -> None:
    """A 40-digit target used to be saved on SQLite and then break every page that read
    it; on PostgreSQL (NUMERIC(18, 4), INTEGER) the save itself was a 500."""
    path = f"/register/{register}"
    answer = admin.post(path, data={"csrf": csrf_of(admin, path), "tahun": "2026", **form})
    assert answer.status_code == 400 and says in answer.text, answer.text[-600:]
    with Session(engine) as session:
        assert reg.list_records(session, REGISTERS[register], include_deleted=True) == []
    for page in (path, "/?tahun=2026", "/iku/IKU1?tahun=2026"):
        assert admin.get(page).status_code == 200, page


def test_the_largest_numbers_a_column_holds_are_kept(admin: TestClient) -> None:
    csrf = csrf_of(admin, "/register/target")
    largest = {"tahun": "2026", "iku": "IKU6", "target": "99999999999999,9999"}
    saved = admin.post("/register/target", data={"csrf": csrf, **largest})
    assert saved.status_code == 303, saved.text[-600:]
    assert "99999999999999.9999" in admin.get("/register/target/2026-IKU6").text
    crowd = {**ACTIVITY_FORM, "peserta_l": "2147483647", "peserta_p": "0"}
    assert admin.post("/register/kegiatan", data={"csrf": csrf, **crowd}).status_code == 303
    for page in ("/?tahun=2026", "/iku/IKU6?tahun=2026", "/iku/IKU3?tahun=2026"):
        assert admin.get(page).status_code == 200, page


def test_a_number_stored_past_its_column_does_not_break_the_pages(
    engine: Engine, settings: Settings, admin_staff: Staff, tmp_path: Path
) -> None:
    """Written around the checks (by hand, or before them): the pages, exports and
    reports still answer, so the row can be seen and corrected."""
    with Session(engine) as session:
        records.set_target(session, 2026, IkuCode.IKU6, Decimal(4))
        records.add_indicator(session, 2026, "Rapat koordinasi", Decimal(10))
        records.set_sakip(session, 2026, Decimal(70))
        session.commit()
    stored = HUGE if engine.dialect.name == "sqlite" else "99999999999999.9999"  # NUMERIC(18,4)
    with engine.begin() as connection:
        for table, column in [
            ("ikutarget", "target"),
            ("ikutarget", "target_q1"),
            ("programindicator", "target"),
            ("programindicator", "realisation"),
        ]:
            connection.execute(sqlalchemy.text(f"UPDATE {table} SET {column} = :v"), {"v": stored})
    settings = settings.model_copy(update={"media_dir": tmp_path / "media"})
    with TestClient(build_web(build_office(settings, engine)), follow_redirects=False) as client:
        log_in(client, login_link(engine, admin_staff))
        for page in (
            "/?tahun=2026",
            *(f"/iku/IKU{n}?tahun=2026" for n in range(1, 7)),
            "/register/target?tahun=2026",
            "/register/target/2026-IKU6",
            "/register/target/ekspor.xlsx?tahun=2026",
            "/register/indikator?tahun=2026",
            "/register/indikator/1",
            "/register/sakip/2026",
            "/laporan/iku.xlsx?tahun=2026",
            "/laporan/iku.html?tahun=2026",
        ):
            assert client.get(page).status_code == 200, page
        assert stored in client.get("/register/indikator/1").text


def test_the_command_line_refuses_them_too(sigap: Invoke) -> None:  # noqa: F811
    for args, says in [
        (("target", "set", "IKU5", HUGE, "--year", "2025"), f"Target: {TOO_BIG}"),
        (("target", "set", "IKU5", "1e-9", "--year", "2025"), "paling banyak 4 angka"),
        (("indicator", "add", "Rapat", "--year", "2025", "--target", HUGE), TOO_BIG),
    ]:
        result = sigap(*args)
        output: str = result.output  # type: ignore[attr-defined]
        assert result.exit_code == 1 and says in output and "Traceback" not in output, output
    assert sigap("iku", "--year", "2025").exit_code == 0


def test_the_bounds_on_input_are_the_columns() -> None:
    """The bounds (core/types.py) are what the registers' columns hold on PostgreSQL: a
    column made wider or narrower must move its bound with it."""
    for register in REGISTERS.values():
        for spec in register.fields:
            column_type = register.model.__table__.c[spec.name].type
            if spec.kind is FieldKind.INT:
                assert type(column_type) is Integer, (register.name, spec.name)
            if spec.kind is FieldKind.DECIMAL:
                numeric = column_type.load_dialect_impl(postgresql.dialect())
                assert (numeric.precision, numeric.scale) == (DECIMAL_PRECISION, DECIMAL_SCALE)
        keys = register.model.__table__.primary_key.columns
        assert all(type(c.type) is not BigInteger for c in keys), register.name


BIG_ID = "99999999999999999999"


def test_ids_past_a_key_are_not_found(
    admin: TestClient, engine: Engine, settings: Settings, admin_staff: Staff
) -> None:
    complaint = _complaint_in(engine, settings, admin_staff, ComplaintState.DITERIMA)
    for path in (
        f"/pengaduan/{complaint.code}/foto/{BIG_ID}",
        f"/pengaduan/{complaint.code}/foto/2147483648",
        f"/register/kegiatan/1/foto/{BIG_ID}",
        f"/register/kegiatan/{BIG_ID}/foto/1",
        "/register/kegiatan/9999999999",
        "/register/indikator/3000000000",
        "/register/rtl/2147483648",
        f"/register/dokumen/{BIG_ID}/berkas",
        "/register/kegiatan/2147483647",  # the largest key: looked up, not there
        f"/pengaduan/{complaint.code}/foto/2147483647",
    ):
        answer = admin.get(path)
        assert answer.status_code == 404 and "tidak ditemukan" in answer.text, path
    csrf = csrf_of(admin)
    for path in (
        f"/petugas/{BIG_ID}/peran",
        "/petugas/2147483648/nonaktif",
        f"/petugas/undangan/{BIG_ID}/cabut",
        "/register/kegiatan/3000000000",
        "/register/kegiatan/3000000000/hapus",
    ):
        answer = admin.post(path, data={"csrf": csrf, "peran": "admin", "alasan": "salah"})
        assert answer.status_code == 404 and "tidak ditemukan" in answer.text, path
    assert _state_of(engine, complaint) is ComplaintState.DITERIMA


def test_control_characters_in_a_web_form_are_dropped(
    admin: TestClient, engine: Engine, settings: Settings, admin_staff: Staff
) -> None:
    """PostgreSQL refuses NUL in text (a 500 on the complaint note); a textarea's CRLF
    becomes one line break."""
    complaint = _complaint_in(engine, settings, admin_staff, ComplaintState.DITERIMA)
    csrf = csrf_of(admin)
    noted = admin.post(
        f"/pengaduan/{complaint.code}/catatan",
        data={"csrf": csrf, "catatan": "Sudah\x00 ditegur\x1b\x85\r\nbesok dicek\x7f"},
    )
    assert noted.status_code == 303, noted.text[-600:]
    with Session(engine) as session:
        notes = [e.note for e in svc.events_of(session, session.get(Complaint, complaint.id))]
    assert "Sudah ditegur\nbesok dicek" in notes
    hidden = admin.post(
        f"/pengaduan/{complaint.code}/catatan", data={"csrf": csrf, "catatan": "Aman\u202eevil"}
    )
    assert hidden.status_code == 400 and "Catatan: berisi karakter" in hidden.text
    activity = {**ACTIVITY_FORM, "nama": "Posyandu\x00 lansia", "sasaran": "Lansia\x00"}
    saved = admin.post("/register/kegiatan", data={"csrf": csrf, **activity})
    assert saved.status_code == 303, saved.text[-600:]
    with Session(engine) as session:
        (row,) = reg.list_records(session, ACTIVITIES)
    assert (row.name, row.target_group) == ("Posyandu lansia", "Lansia")
