"""Secrets that make someone staff or let them in are kept only as hashes; invites are
listed and revocable; login links by chat are throttled, replace each other and leave no
readable trace in the outbox; the last admin stays; every change of rights is on record."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel, select
from starlette.testclient import TestClient

from app.web import report_maker
from core.config import Settings
from core.domain.people import StaffRole
from core.errors import InvalidInput
from core.models import LoginLink, OutboxMessage, RegisterAudit, Staff, StaffInvite
from core.services.access.invites import (
    create_invite,
    pending_invites,
    redeem_invite,
    revoke_invite,
)
from core.services.messaging.outbox import SECRET_TOPIC
from core.services.performance import records
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_harness import RunningBot, bot_settings, until
from tests.test_telegram_e2e import join_as_staff
from tests.waiting import wait_until
from tests.web_harness import csrf_of, log_in, login_link
from web.context import Office
from web.login_guard import FORM_LIFETIME, AttemptLimiter, FormSigner
from web.office import build_web


def _everything_stored(engine: Engine) -> str:
    """Every value of every table, as one text: what a stolen copy of the database holds."""
    dump = []
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in connection.execute(text(f"SELECT * FROM {table.name}")):
                dump.append(repr(tuple(row)))
    return "\n".join(dump)


@pytest.fixture
def office(settings: Settings, engine: Engine) -> Office:
    settings = settings.model_copy(update={"telegram_bot_username": "sigap_bot"})
    return Office(settings, engine, reports=report_maker(settings))


@pytest.fixture
def client(office: Office) -> Iterator[TestClient]:
    with TestClient(build_web(office), follow_redirects=False) as client:
        yield client


def _staff(engine: Engine, role: StaffRole, name: str = "Petugas") -> Staff:
    with Session(engine, expire_on_commit=False) as session:
        member = records.add_staff(session, name, role)
        session.commit()
    return member


# -- invites -------------------------------------------------------------------------


def test_an_invite_made_on_the_web_is_kept_only_as_a_hash_and_can_be_revoked(
    engine: Engine, client: TestClient
) -> None:
    admin = _staff(engine, StaffRole.ADMIN, "Admin Kantor")
    log_in(client, login_link(engine, admin))
    csrf = csrf_of(client, "/petugas")
    page = client.post("/petugas/undang", data={"csrf": csrf, "peran": "trantib", "nama": "Rina"})
    code = re.search(r"start=staff_([A-Za-z0-9_-]+)", page.text)
    assert page.status_code == 200 and code, page.text
    assert code.group(1) not in _everything_stored(engine)
    with Session(engine) as session:
        invite = session.exec(select(StaffInvite)).one()
    assert invite.code_hash == hashlib.sha256(code.group(1).encode()).hexdigest()
    listing = client.get("/petugas").text
    assert f"/petugas/undangan/{invite.id}/cabut" in listing and code.group(1) not in listing
    revoked = client.post(f"/petugas/undangan/{invite.id}/cabut", data={"csrf": csrf})
    assert revoked.status_code == 303
    assert f"/petugas/undangan/{invite.id}/cabut" not in client.get("/petugas").text
    with Session(engine) as session, pytest.raises(InvalidInput, match="tidak berlaku"):
        redeem_invite(session, code.group(1), "telegram", "555", "Penyusup")
    with Session(engine) as session:
        trail = session.exec(select(RegisterAudit).where(RegisterAudit.register_name == "petugas"))
        assert [(r.action, r.staff_id) for r in trail] == [
            ("undang", admin.id),
            ("cabut", admin.id),
        ]


def test_an_invite_works_once_and_not_after_revocation(session: Session) -> None:
    first = create_invite(session, StaffRole.PMKS, "Dewi")
    second = create_invite(session, StaffRole.TRANTIB)
    assert [i.id for i in pending_invites(session)] == [first.invite.id, second.invite.id]
    member = redeem_invite(session, first.code, "telegram", "101", "Dewi")
    assert member.role is StaffRole.PMKS
    with pytest.raises(InvalidInput):
        redeem_invite(session, first.code, "telegram", "102", "Orang lain")
    revoke_invite(session, second.invite.id or 0)
    with pytest.raises(InvalidInput):
        redeem_invite(session, second.code, "telegram", "103", "Orang lain")
    assert pending_invites(session) == []
    for hostile in ("", "x" * 10_000, "' OR 1=1 --"):
        with pytest.raises(InvalidInput):
            redeem_invite(session, hostile, "telegram", "104", "Orang lain")


# -- login links by chat -------------------------------------------------------------


@pytest.fixture
async def bot(database_url: str, fake: FakeTelegram, engine: Engine) -> AsyncIterator[Settings]:
    settings = bot_settings(database_url, fake, SIGAP_LOGIN_LINKS_PER_HOUR="3")
    running = await RunningBot(settings, engine).start()
    yield settings
    await running.stop()


def _token_in(reply: str) -> str:
    found = re.search(r"/masuk\?t=([A-Za-z0-9_-]+)", reply)
    assert found, reply
    return found.group(1)


def _sent_secrets(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(
            session.exec(select(OutboxMessage).where(OutboxMessage.topic == SECRET_TOPIC)).all()
        )


async def test_a_login_link_by_chat_leaves_no_readable_token_and_replaces_the_last(
    bot: Settings, fake: FakeTelegram, engine: Engine
) -> None:
    officer = await join_as_staff(fake, engine, 7401)
    first = _token_in((await officer.says("/masuk"))[0].text)
    second = _token_in((await officer.says("/masuk"))[0].text)
    await until(lambda: all(m.status == "sent" for m in _sent_secrets(engine)))
    stored = _everything_stored(engine)
    assert first not in stored and second not in stored
    assert len(_sent_secrets(engine)) == 2
    with TestClient(build_web(Office(bot, engine)), follow_redirects=False) as browser:
        stale = browser.get(f"/masuk?t={first}")
        csrf = re.search(r'name="csrf" value="([^"]+)"', stale.text)
        assert csrf
        refused = browser.post("/masuk", data={"t": first, "csrf": csrf.group(1)})
        assert refused.status_code == 403 and "tidak berlaku" in refused.text
        log_in(browser, f"/masuk?t={second}")
        assert browser.get("/pengaduan").status_code == 200


async def test_masuk_is_limited_per_hour_with_a_polite_answer(
    bot: Settings, fake: FakeTelegram, engine: Engine
) -> None:
    officer = await join_as_staff(fake, engine, 7402)
    for _ in range(3):
        _token_in((await officer.says("/masuk"))[0].text)
    refused = (await officer.says("/masuk"))[0].text
    assert "/masuk?t=" not in refused and "satu jam" in refused
    with Session(engine) as session:
        assert len(session.exec(select(LoginLink)).all()) == 3


# -- roles -------------------------------------------------------------------------------


def test_the_last_admin_cannot_demote_or_deactivate_themselves(
    engine: Engine, client: TestClient
) -> None:
    admin = _staff(engine, StaffRole.ADMIN, "Satu-satunya Admin")
    log_in(client, login_link(engine, admin))
    csrf = csrf_of(client, "/petugas")
    demoted = client.post(f"/petugas/{admin.id}/peran", data={"csrf": csrf, "peran": "camat"})
    assert demoted.status_code == 400 and "admin aktif terakhir" in demoted.text
    with Session(engine) as session:
        assert session.get(Staff, admin.id).role is StaffRole.ADMIN  # type: ignore[union-attr]
        with pytest.raises(InvalidInput, match="admin aktif terakhir"):
            records.deactivate_staff(session, admin.id or 0)
    second = _staff(engine, StaffRole.CAMAT, "Bu Camat")
    promoted = client.post(f"/petugas/{second.id}/peran", data={"csrf": csrf, "peran": "admin"})
    assert promoted.status_code == 303
    stepped_down = client.post(f"/petugas/{admin.id}/peran", data={"csrf": csrf, "peran": "sekcam"})
    assert stepped_down.status_code == 303
    with Session(engine) as session:
        trail = session.exec(
            select(RegisterAudit)
            .where(RegisterAudit.register_name == "petugas")
            .order_by(RegisterAudit.id)  # type: ignore[arg-type]
        ).all()
    changes = [(r.record_key, r.action, r.staff_id, r.changes) for r in trail]
    assert changes == [
        (str(second.id), "peran", admin.id, '{"peran": ["camat", "admin"]}'),
        (str(admin.id), "peran", admin.id, '{"peran": ["admin", "sekcam"]}'),
    ]
    assert all(r.at is not None for r in trail)


def test_role_changes_show_on_the_staff_page_with_who_and_when(
    engine: Engine, client: TestClient
) -> None:
    admin = _staff(engine, StaffRole.ADMIN, "Admin Kantor")
    officer = _staff(engine, StaffRole.TRANTIB, "Pak Trantib")
    with Session(engine) as session:
        records.change_role(session, officer.id or 0, StaffRole.PMKS)  # from the CLI
        session.commit()
    log_in(client, login_link(engine, admin))
    csrf = csrf_of(client, "/petugas")
    client.post(f"/petugas/{officer.id}/nonaktif", data={"csrf": csrf})
    page = client.get("/petugas").text
    history = page.split('id="riwayat-petugas"')[1]
    assert "operator (CLI)" in history and "Peran diubah: Seksi trantib → Seksi PMKS" in history
    assert "Admin Kantor" in history and "Dinonaktifkan" in history and "Pak Trantib" in history
    csrf = csrf_of(client, "/petugas")
    client.post("/petugas/undang", data={"csrf": csrf, "peran": "pmks", "nama": "Bu Sari"})
    history = client.get("/petugas").text.split('id="riwayat-petugas"')[1]
    assert "Diundang sebagai Seksi PMKS: Bu Sari" in history
    assert "aktif: True" not in history  # sentences, not stored fields


# -- the login form --------------------------------------------------------------------


def _login_form(client: TestClient, token: str) -> str:
    page = client.get(f"/masuk?t={token}")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def test_a_login_press_from_another_site_or_with_a_chosen_token_is_refused(
    engine: Engine, client: TestClient, office: Office
) -> None:
    member = _staff(engine, StaffRole.CAMAT)
    token = login_link(engine, member).split("=", 1)[1]
    csrf = _login_form(client, token)
    elsewhere = client.post(
        "/masuk", data={"t": token, "csrf": csrf}, headers={"Origin": "https://jahat.example"}
    )
    assert elsewhere.status_code == 403
    with TestClient(build_web(office), follow_redirects=False) as victim:
        # an attacker who can plant the cookie still cannot choose a matching form value
        victim.cookies.set("sigap_masuk", "pilihan-penyerang", path="/")
        forged = victim.post("/masuk", data={"t": token, "csrf": "pilihan-penyerang"})
        assert forged.status_code == 403 and "sigap_sesi" not in forged.headers.get(
            "set-cookie", ""
        )
    with Session(engine) as session:
        assert session.exec(select(LoginLink)).one().used_at is None  # nothing spent


def test_a_failed_press_shows_a_working_button_again(engine: Engine, client: TestClient) -> None:
    member = _staff(engine, StaffRole.CAMAT)
    token = login_link(engine, member).split("=", 1)[1]
    _login_form(client, token)
    stale = client.post("/masuk", data={"t": token, "csrf": "1.kedaluwarsa"})
    assert stale.status_code == 403 and "sekali lagi" in stale.text
    fresh = re.search(r'name="csrf" value="([^"]+)"', stale.text)
    kept = re.search(r'name="t" value="([^"]+)"', stale.text)
    assert fresh and kept and kept.group(1) == token
    answer = client.post("/masuk", data={"t": token, "csrf": fresh.group(1)})
    assert answer.status_code == 303 and client.get("/").status_code == 200


def test_login_presses_are_limited_per_address(
    engine: Engine, settings: Settings, office: Office
) -> None:
    limited = Office(
        settings.model_copy(update={"login_attempts_per_minute": 3}), engine, office.reports
    )
    member = _staff(engine, StaffRole.CAMAT)
    with TestClient(build_web(limited), follow_redirects=False) as client:
        token = login_link(engine, member).split("=", 1)[1]
        csrf = _login_form(client, token)
        answers = [
            client.post("/masuk", data={"t": "salah", "csrf": csrf}).status_code for _ in range(3)
        ]
        assert answers == [403, 403, 403]
        held = client.post(f"/masuk?t={token}", data={"t": token, "csrf": csrf})
        assert held.status_code == 429 and "Terlalu banyak" in held.text
        again = re.search(r'name="t" value="([^"]+)"', held.text)  # a working button again
        assert again and again.group(1) == token
    with Session(engine) as session:
        assert session.exec(select(LoginLink)).one().used_at is None


def test_the_press_limit_reopens_after_a_minute_and_forgets_idle_addresses() -> None:
    limiter = AttemptLimiter(per_minute=2, max_addresses=2)
    assert [limiter.allow("10.0.0.1", now=t) for t in (0, 1, 2)] == [True, True, False]
    assert limiter.allow("10.0.0.2", now=2)  # another address has its own minute
    assert limiter.allow("10.0.0.1", now=61)  # the press at 0 has left the window
    limiter.allow("10.0.0.3", now=62)
    assert set(limiter._seen) == {"10.0.0.1", "10.0.0.3"}  # bounded: the idlest forgotten


def test_a_signed_form_token_is_bound_to_its_cookie_and_expires() -> None:
    signer, other = FormSigner.from_secret("kunci"), FormSigner.from_secret("lain")
    nonce, token = signer.issue(now=1_000)
    assert signer.valid(nonce, token, now=1_001)
    assert not signer.valid("cookie-lain", token, now=1_001)
    assert not other.valid(nonce, token, now=1_001)
    assert not signer.valid(nonce, token, now=1_000 + FORM_LIFETIME + 1)
    assert not signer.valid(nonce, "²³.abc", now=1_001)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_two_admins_demoting_each_other_at_once_leave_one_admin(engine: Engine) -> None:
    """The count of admins is taken under a lock: the second demotion waits for the first
    and then sees it, instead of both passing a count of two."""
    first, second = _staff(engine, StaffRole.ADMIN, "Admin A"), _staff(engine, StaffRole.ADMIN, "B")
    holding = Session(engine)
    records.change_role(holding, second.id or 0, StaffRole.SEKCAM)  # not committed yet
    outcome: list[BaseException | None] = []

    def demote_the_other() -> None:
        with Session(engine) as session:
            try:
                records.change_role(session, first.id or 0, StaffRole.SEKCAM)
                session.commit()
                outcome.append(None)
            except InvalidInput as refused:
                outcome.append(refused)

    racer = threading.Thread(target=demote_the_other, daemon=True)
    racer.start()
    try:
        # the racer is blocked behind the first
        wait_until(lambda: _waiting_on_a_lock(engine), 10, lambda: str(_activity(engine)))
    finally:
        holding.commit()
        holding.close()
        racer.join(timeout=10)
    assert outcome and isinstance(outcome[0], InvalidInput)
    with Session(engine) as session:
        roles = {s.name: s.role for s in session.exec(select(Staff)).all()}
    assert roles == {"Admin A": StaffRole.ADMIN, "B": StaffRole.SEKCAM}


def _activity(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        return list(
            connection.exec_driver_sql(
                "SELECT state, wait_event_type, left(query, 80) FROM pg_stat_activity "
                "WHERE datname = current_database()"
            ).all()
        )


def _waiting_on_a_lock(engine: Engine) -> bool:
    with engine.connect() as connection:
        waiting = connection.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database() AND query ILIKE '%%FOR UPDATE%%'"
        ).scalar()
    return bool(waiting)
