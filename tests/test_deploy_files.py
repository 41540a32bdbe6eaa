"""The deployment files in deploy/, checked by the tools that will run them, and Sigap
served through each proxy as the README's install makes it.

- systemd: `systemd-analyze verify` on the units (a copy whose ExecStart names this
  checkout's `sigap`, since /opt/sigap is not installed here; anything it says fails the
  test, because an unknown key or a bad value is only a warning with exit status 0), and
  `systemd-analyze security --offline` for their exposure. What a reviewer looks for is
  read from the files: `sigap run` as the sigap user, SIGTERM as the stop, and only the
  folder where the settings of .env.example put the database, photos, reports and
  backups writable.
- Caddy: `caddy validate`, then the real `sigap run` (Telegram in webhook mode, WhatsApp,
  the back office) behind the real Caddy running the shipped site (its listener moved to a
  free port without TLS, its upstream to that Sigap): every route the chat channels add to
  Sigap's server answers through Caddy exactly as it does directly, a signed WhatsApp
  message and a Telegram update with its secret reach the desk and are answered, and the
  back office is served.
- nginx: `nginx -t` on the shipped site, and the same walk through it over HTTPS (a
  self-signed certificate in place of Let's Encrypt's), where Sigap also sees that the
  visitor came by HTTPS.

`make test` installs systemd, caddy and nginx where missing (`make deploy-tools`); a
developer's run without them skips these tests and says so, CI (CI=true) fails.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from dotenv import dotenv_values
from sqlalchemy.engine import make_url
from starlette.routing import Route

from app.channels import build_channels
from app.service import StopRequest
from bot.dialogs.desk import Desk
from core.config import Settings, load_settings
from core.db import make_engine
from tests.fakes import graph_api as wa
from tests.fakes import telegram_api as api
from tests.fakes.graph_api import FakeGraph
from tests.fakes.telegram_api import FakeTelegram
from tests.sigap_process import free_port, read_until, start_sigap_run
from tests.telegram_harness import until

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = ("sigap.service", "sigap-backup.service", "sigap-backup.timer")
INSTALLED = "/opt/sigap/.venv/bin/sigap"  # where the README installs the console script
DATA = Path("/var/lib/sigap")
DOMAIN = "sigap.example.go.id"  # the placeholder the operator replaces
SECRET = "deploy-test-webhook-secret"
PHONE = "628123987654"
CHAT = 5301


# -- tools -----------------------------------------------------------------------------------
def tool(name: str) -> str:
    found = shutil.which(name, path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    if found:
        return found
    reason = f"no {name} on this machine (make test installs it: make deploy-tools)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def run_tool(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """The tool's whole output, stdout then stderr; its exit status appended when not 0."""
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=cwd, env=env)
    said = (done.stdout + done.stderr).strip()
    return said if done.returncode == 0 else f"{said}\n(exit status {done.returncode})"


# -- systemd ---------------------------------------------------------------------------------
Unit = dict[str, dict[str, list[str]]]


def read_unit(path: Path) -> Unit:
    """Sections of a unit file, each key with every value it was given (systemd allows
    repeats), comments left out."""
    sections: Unit = {}
    current: dict[str, list[str]] | None = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, sep, value = line.partition("=")
        assert sep and current is not None, f"{path.name}: {raw!r}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def one(section: dict[str, list[str]], key: str) -> str:
    values = section.get(key, [])
    assert len(values) == 1, f"{key}: {values}"
    return values[0]


def runnable_copy(folder: Path, broken: tuple[str, str] | None = None) -> list[Path]:
    """The units in ``folder``, their ExecStart naming this checkout's `sigap` (the one
    /opt/sigap would hold); ``broken`` replaces one text in sigap.service."""
    here = str(Path(sys.executable).with_name("sigap"))
    copies = []
    for name in UNITS:
        text = (DEPLOY / name).read_text()
        if name.endswith(".service"):
            assert f"ExecStart={INSTALLED} " in text, name
            text = text.replace(INSTALLED, here)
        if broken is not None and name == "sigap.service":
            assert broken[0] in text, broken
            text = text.replace(broken[0], broken[1])
        (folder / name).write_text(text)
        copies.append(folder / name)
    return copies


def verify(units: list[Path]) -> str:
    """What `systemd-analyze verify` has to say about the units ("" when nothing)."""
    return run_tool(tool("systemd-analyze"), "verify", "--man=no", *map(str, units))


def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    assert verify(runnable_copy(tmp_path)) == ""


@pytest.mark.parametrize(
    "broken",
    [
        ("Restart=on-failure", "Restart=sometimes"),
        ("ProtectSystem=strict", "ProtectSystem=strickt"),
        ("ReadWritePaths=", "ReadWritePath="),
        ("KillSignal=SIGTERM", "KillSignal=SIGTREM"),
        ("ExecStart=", "ExecStart=/opt/nowhere/sigap run\n#"),
    ],
    ids=["bad-value", "bad-protect", "unknown-key", "bad-signal", "missing-program"],
)
def test_the_check_fails_a_broken_unit(tmp_path: Path, broken: tuple[str, str]) -> None:
    """The check above is not a formality: each of these mistakes makes it fail."""
    assert verify(runnable_copy(tmp_path, broken)) != ""


@pytest.mark.parametrize("name", ["sigap.service", "sigap-backup.service"])
def test_units_are_hardened(tmp_path: Path, name: str) -> None:
    """systemd's own score of how exposed the service is: at most 2.0 of 10 ("OK")."""
    copy = tmp_path / name
    runnable_copy(tmp_path)
    said = run_tool(tool("systemd-analyze"), "security", "--offline=yes", str(copy))
    level = re.search(rf"Overall exposure level for {re.escape(name)}: ([0-9.]+)", said)
    assert level is not None, said
    assert float(level.group(1)) <= 2.0, said


def _sigap_command(*args: str) -> str:
    return run_tool(str(Path(sys.executable).with_name("sigap")), *args, "--help")


def test_the_service_runs_sigap_and_stops_it_with_sigterm() -> None:
    unit = read_unit(DEPLOY / "sigap.service")
    service = unit["Service"]
    script = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    command = one(service, "ExecStart").split()
    assert command == [INSTALLED, "run"] and Path(INSTALLED).name in script
    assert "Usage: sigap run" in _sigap_command("run")
    # the stop systemd sends is the one `sigap run` handles as its clean stop
    kill = getattr(signal, one(service, "KillSignal"))
    assert kill == signal.SIGTERM and kill in StopRequest.SIGNALS
    assert 30 <= int(one(service, "TimeoutStopSec")) <= 300  # a duty under way may finish
    assert one(service, "Restart") == "on-failure"
    assert (one(service, "User"), one(service, "Group")) == ("sigap", "sigap")
    assert one(service, "EnvironmentFile") == "/etc/sigap/sigap.env"
    for key, value in [
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("NoNewPrivileges", "yes"),
    ]:
        assert one(service, key) == value, key
    assert "multi-user.target" in one(unit["Install"], "WantedBy")


def _env_example() -> Settings:
    """The settings a server gets from /etc/sigap/sigap.env copied from .env.example."""
    values = {k: v for k, v in dotenv_values(ROOT / ".env.example").items() if v is not None}
    return load_settings(_env_file=None, **values)


def test_only_the_data_folder_is_writable() -> None:
    """ReadWritePaths is the data folder alone, and it holds every place Sigap writes
    to with the settings of .env.example (relative to the service's WorkingDirectory):
    the database, the media folder, report files and backups."""
    service = read_unit(DEPLOY / "sigap.service")["Service"]
    writable = [Path(p) for value in service["ReadWritePaths"] for p in value.split()]
    assert writable == [DATA]
    home = Path(one(service, "WorkingDirectory"))
    assert home == DATA
    settings = _env_example()
    database = make_url(settings.database_url).database
    assert settings.database_url.startswith("sqlite") and database
    places = {
        "DATABASE_URL": database,
        "SIGAP_MEDIA_DIR": settings.media_dir,
        "SIGAP_REPORTS_DIR": settings.reports_dir,
        "SIGAP_BACKUP_DIR": settings.backup_dir,
    }
    for name, place in places.items():
        where = Path(os.path.normpath(home / place))
        assert any(where.is_relative_to(w) for w in writable), f"{name} -> {where}"


def test_the_backup_timer_runs_sigap_backup_as_the_service_would() -> None:
    service = read_unit(DEPLOY / "sigap.service")["Service"]
    backup_unit = read_unit(DEPLOY / "sigap-backup.service")
    backup = backup_unit["Service"]
    assert one(backup, "ExecStart").split() == [INSTALLED, "backup"]
    assert "Usage: sigap backup" in _sigap_command("backup")
    assert one(backup, "Type") == "oneshot"
    # the same user, folder, settings and writable paths as `sigap run`
    for key in ("User", "Group", "WorkingDirectory", "EnvironmentFile", "ReadWritePaths"):
        assert backup[key] == service[key], key
    timer = read_unit(DEPLOY / "sigap-backup.timer")
    assert timer["Timer"].get("Unit", ["sigap-backup.service"]) == ["sigap-backup.service"]
    assert one(timer["Timer"], "OnCalendar") == "*-*-* 01:00:00"
    assert one(timer["Timer"], "Persistent") == "true"
    assert one(timer["Install"], "WantedBy") == "timers.target"


def test_the_timer_is_for_installs_whose_scheduler_does_not_back_up(tmp_path: Path) -> None:
    """As the unit's comment says: with SIGAP_BACKUP_CRON empty the scheduler of
    `sigap run` makes no backup (the timer does); with the default it does."""
    from reports.schedule import Duties

    engine = make_engine(f"sqlite:///{tmp_path / 'sigap.db'}")
    try:
        by_default = Duties(load_settings(_env_file=None), engine).schedule()
        off = Duties(load_settings(_env_file=None, SIGAP_BACKUP_CRON=""), engine).schedule()
    finally:
        engine.dispose()
    assert "backup" in by_default and "backup" not in off
    assert "SIGAP_BACKUP_CRON=" in (DEPLOY / "sigap-backup.service").read_text()


# -- Sigap behind a proxy --------------------------------------------------------------------
def listener(settings: Settings) -> str:
    return f"{settings.http_host}:{settings.http_port}"


@dataclass
class RunningSigap:
    url: str
    port: int
    settings: Settings
    fake: FakeTelegram
    graph: FakeGraph


@pytest.fixture
def sigap(fake: FakeTelegram, graph: FakeGraph, tmp_path: Path) -> Iterator[RunningSigap]:
    """`sigap run` with both webhooks and the back office, as a server runs it."""
    port = free_port()
    env = {
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_MODE": "webhook",
        "TELEGRAM_WEBHOOK_URL": f"https://{DOMAIN}/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_PER_CHAT_INTERVAL": "0",
        "WHATSAPP_PHONE_NUMBER_ID": wa.PHONE_NUMBER_ID,
        "WHATSAPP_ACCESS_TOKEN": wa.TOKEN,
        "WHATSAPP_APP_SECRET": wa.APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": wa.VERIFY_TOKEN,
        "WHATSAPP_API_BASE_URL": graph.base_url,
        "WHATSAPP_PER_USER_INTERVAL": "0",
        "SIGAP_OUTBOX_POLL_SECONDS": "0.05",
        "SIGAP_SCHEDULER": "false",
    }
    process = start_sigap_run(tmp_path, port, **env)
    try:
        read_until(process, r"HTTP server on")
        settings = load_settings(
            _env_file=None,
            DATABASE_URL=f"sqlite:///{tmp_path / 'sigap.db'}",
            SIGAP_HTTP_PORT=port,
            SIGAP_MEDIA_DIR=str(tmp_path / "media"),
            **env,
        )
        yield RunningSigap(f"http://127.0.0.1:{port}", port, settings, fake, graph)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def channel_routes(settings: Settings, database_url: str) -> list[tuple[str, str]]:
    """(method, path) of every route the enabled chat channels add to Sigap's server,
    read from the channels themselves: a new channel's webhook is checked too."""
    engine = make_engine(database_url)
    try:
        channels = build_channels(settings, engine, Desk(settings))
        routes = [route for channel in channels for route in channel.routes()]
    finally:
        engine.dispose()
    found = []
    for route in routes:
        assert isinstance(route, Route), route
        methods = route.methods or {"GET"}
        found.extend((method, route.path) for method in sorted(methods) if method != "HEAD")
    return found


async def walk_through(proxy: str, sigap: RunningSigap, https: bool) -> None:
    """What Meta, Telegram and the office's staff do, through ``proxy``."""
    host = {"Host": DOMAIN}
    routes = channel_routes(sigap.settings, sigap.settings.database_url)
    assert {path for _, path in routes} >= {"/whatsapp/webhook", "/telegram/webhook"}
    async with httpx.AsyncClient(verify=False, timeout=30) as client:
        # every webhook route: through the proxy, Sigap's own answer (a refusal, here)
        for method, path in routes:
            direct = await client.request(method, sigap.url + path)
            proxied = await client.request(method, proxy + path, headers=host)
            assert direct.status_code not in (404, 405), (method, path)
            assert (proxied.status_code, proxied.text) == (direct.status_code, direct.text), (
                method,
                path,
            )

        # Meta's verification of the webhook URL
        challenge = await client.get(
            f"{proxy}/whatsapp/webhook",
            params={
                "hub.mode": "subscribe",
                "hub.verify_token": wa.VERIFY_TOKEN,
                "hub.challenge": "1158201444",
            },
            headers=host,
        )
        assert (challenge.status_code, challenge.text) == (200, "1158201444")

        # a resident on WhatsApp: the body and its signature arrive untouched
        body = json.dumps(wa.text(PHONE, "halo", name="Warga")).encode()
        answer = await client.post(
            f"{proxy}/whatsapp/webhook",
            content=body,
            headers={
                **host,
                "Content-Type": "application/json",
                "X-Hub-Signature-256": wa.sign(body),
            },
        )
        assert answer.status_code == 200, answer.text
        await until(lambda: bool(sigap.graph.sent_to(wa.bsuid(PHONE))), timeout=30)

        # a large batch from Meta (Sigap takes up to 3 MB): not refused by the proxy
        padded = {**wa.status("wamid.deploy", "delivered", wa.bsuid(PHONE)), "pad": "x" * 2**21}
        big = json.dumps(padded).encode()
        answer = await client.post(
            f"{proxy}/whatsapp/webhook",
            content=big,
            headers={
                **host,
                "Content-Type": "application/json",
                "X-Hub-Signature-256": wa.sign(big),
            },
        )
        assert answer.status_code == 200, answer.text

        # a resident on Telegram: the update with the webhook's secret header
        update = {"update_id": 1, **api.text(CHAT, "/start")}
        answer = await client.post(
            f"{proxy}/telegram/webhook",
            content=json.dumps(update),
            headers={
                **host,
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": SECRET,
            },
        )
        assert answer.status_code == 200, answer.text
        await until(lambda: bool(sigap.fake.messages_to(CHAT)), timeout=30)
        assert "Silakan pilih" in sigap.fake.messages_to(CHAT)[-1].text

        # the back office and the health check
        for path in ("/", "/healthz", "/static/sigap.css"):
            direct = await client.get(sigap.url + path)
            proxied = await client.get(proxy + path, headers=host)
            assert proxied.status_code == direct.status_code, path
            assert proxied.headers.get("location") == direct.headers.get("location"), path
        login = await client.get(f"{proxy}/masuk", headers=host)
        assert login.status_code == 200
        cookies = login.headers.get_list("set-cookie")
        # behind HTTPS Sigap knows it (X-Forwarded-Proto) and uses a __Host- Secure cookie
        assert any(c.startswith("__Host-") and "Secure" in c for c in cookies) == https, cookies


# -- Caddy -----------------------------------------------------------------------------------
def _caddy_env(tmp_path: Path) -> dict[str, str]:
    """Caddy keeps its state under HOME / XDG folders: the test's own."""
    return {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }


def caddy_config(tmp_path: Path) -> dict[str, Any]:
    """The shipped Caddyfile as Caddy itself reads it (its JSON)."""
    done = subprocess.run(
        [tool("caddy"), "adapt", "--adapter", "caddyfile", "--config", str(DEPLOY / "Caddyfile")],
        capture_output=True,
        text=True,
        timeout=60,
        env=_caddy_env(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    config: dict[str, Any] = json.loads(done.stdout)
    return config


def handlers(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "handler" in node:
            yield node
        for value in node.values():
            yield from handlers(value)
    elif isinstance(node, list):
        for value in node:
            yield from handlers(value)


def test_caddyfile_is_valid(tmp_path: Path) -> None:
    said = run_tool(
        tool("caddy"),
        "validate",
        "--adapter",
        "caddyfile",
        "--config",
        str(DEPLOY / "Caddyfile"),
        env=_caddy_env(tmp_path),
    )
    assert "Valid configuration" in said and "exit status" not in said, said
    assert "not formatted" not in said, said  # `caddy fmt --overwrite deploy/Caddyfile`


def test_caddy_serves_the_domain_over_https_from_sigaps_listener(tmp_path: Path) -> None:
    config = caddy_config(tmp_path)
    servers = config["apps"]["http"]["servers"]
    assert [s["listen"] for s in servers.values()] == [[":443"]]  # HTTPS, automatic
    routes = [r for s in servers.values() for r in s["routes"]]
    hosts = [h for r in routes for m in r["match"] for h in m["host"]]
    assert hosts == [DOMAIN]
    proxies = [h for h in handlers(config) if h["handler"] == "reverse_proxy"]
    dials = [u["dial"] for h in proxies for u in h["upstreams"]]
    assert dials == [listener(_env_example())]


async def test_sigap_behind_caddy(sigap: RunningSigap, tmp_path: Path) -> None:
    config = caddy_config(tmp_path)
    port = free_port()
    config["admin"] = {"disabled": True}
    for server in config["apps"]["http"]["servers"].values():
        server["listen"] = [f"127.0.0.1:{port}"]
        server["automatic_https"] = {"disable": True}
    for handler in handlers(config):
        if handler["handler"] == "reverse_proxy":
            for upstream in handler["upstreams"]:
                upstream["dial"] = f"127.0.0.1:{sigap.port}"
    (tmp_path / "caddy.json").write_text(json.dumps(config))
    caddy = subprocess.Popen(
        [tool("caddy"), "run", "--config", str(tmp_path / "caddy.json")],
        env=_caddy_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        read_until(caddy, r"serving initial configuration")
        await walk_through(f"http://127.0.0.1:{port}", sigap, https=False)
    finally:
        caddy.terminate()
        caddy.communicate(timeout=30)


# -- nginx -----------------------------------------------------------------------------------
LETSENCRYPT = f"/etc/letsencrypt/live/{DOMAIN}/"


def self_signed(folder: Path) -> None:
    """fullchain.pem and privkey.pem for DOMAIN, as certbot would leave them."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, DOMAIN)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(DOMAIN)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    (folder / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def nginx_setup(tmp_path: Path, site: str) -> Path:
    """nginx.conf around ``site`` as Debian's includes sites-enabled, everything it
    writes kept in ``tmp_path``; the site's certificate paths point at a self-signed
    pair."""
    self_signed(tmp_path)
    assert LETSENCRYPT in site
    (tmp_path / "sigap.conf").write_text(site.replace(LETSENCRYPT, f"{tmp_path}/"))
    temp = "\n".join(
        f"  {kind}_temp_path {tmp_path}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must reach tmp_path
    (tmp_path / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {tmp_path}/nginx.pid;\nerror_log stderr notice;\n"
        f"events {{ worker_connections 64; }}\n"
        f"http {{\n{temp}\n  include {tmp_path}/sigap.conf;\n}}\n"
    )
    return tmp_path / "nginx.conf"


def nginx_command(conf: Path, *args: str) -> list[str]:
    return [tool("nginx"), "-p", str(conf.parent), "-e", "stderr", "-c", str(conf), *args]


def test_nginx_site_passes_nginx_t(tmp_path: Path) -> None:
    site = (DEPLOY / "nginx-sigap.conf").read_text()
    said = run_tool(*nginx_command(nginx_setup(tmp_path, site), "-t"))
    assert "test is successful" in said and "exit status" not in said, said
    assert "[warn]" not in said and "[emerg]" not in said, said
    upstreams = re.findall(r"proxy_pass\s+http://([^;/]+)/?;", site)
    assert upstreams == [listener(_env_example())]
    assert re.findall(r"server_name\s+([^;]+);", site) == [DOMAIN, DOMAIN]


async def test_sigap_behind_nginx(sigap: RunningSigap, tmp_path: Path) -> None:
    http_port, https_port = free_port(), free_port()
    site = (DEPLOY / "nginx-sigap.conf").read_text()
    moved = re.sub(r"^\s*listen \[::\].*$", "", site, flags=re.M)  # no IPv6 needed here
    moved = moved.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    moved = moved.replace("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl")
    moved = moved.replace(f"http://{listener(_env_example())}", f"http://127.0.0.1:{sigap.port}")
    assert moved.count(str(sigap.port)) == 1 and str(https_port) in moved
    conf = nginx_setup(tmp_path, moved)
    nginx = subprocess.Popen(
        nginx_command(conf, "-g", "daemon off;"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        read_until(nginx, r"start worker process")
        async with httpx.AsyncClient() as client:
            plain = await client.get(
                f"http://127.0.0.1:{http_port}/whatsapp/webhook", headers={"Host": DOMAIN}
            )
        assert plain.status_code == 301
        assert plain.headers["location"] == f"https://{DOMAIN}/whatsapp/webhook"
        await walk_through(f"https://127.0.0.1:{https_port}", sigap, https=True)
    finally:
        nginx.terminate()
        nginx.communicate(timeout=30)
