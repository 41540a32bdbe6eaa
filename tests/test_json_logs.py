"""SIGAP_LOG_FORMAT=json: `sigap run` writes one JSON object per line (time, level,
logger, message; exception class and traceback for a failure) and, as in the text format,
no person at INFO and above: no number, no name, no words they wrote, and no exception's
message (a database error quotes the row it failed on). tests/security/test_log_privacy.py
puts the real flows' records through both formats; here the real process and a real
database error."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from app.logs import JsonFormatter, PrivateFormatter, formatter_for
from core.config import SettingsError, load_settings
from tests.fakes import graph_api as wa
from tests.fakes.graph_api import FakeGraph
from tests.sigap_process import free_port
from tests.whatsapp_harness import WaPerson

PHONE = "628551234098"
NAME = "Rahmawati Setyaningrum"
WORDS = "Genangan di depan balai desa Suco sejak kemarin sore"
KEYS = {"time", "level", "logger", "message"}


def entries(lines: str) -> list[dict[str, Any]]:
    """Every non-empty line as the object it must be."""
    found = []
    for line in lines.splitlines():
        if line.strip():
            entry = json.loads(line)  # a line that is not one JSON object fails here
            assert isinstance(entry, dict) and entry.keys() >= KEYS, line
            found.append(entry)
    return found


def test_the_setting_chooses_the_format() -> None:
    assert load_settings(_env_file=None).log_format == "text"
    assert load_settings(_env_file=None, SIGAP_LOG_FORMAT="json").log_format == "json"
    with pytest.raises(SettingsError, match="SIGAP_LOG_FORMAT"):
        load_settings(_env_file=None, SIGAP_LOG_FORMAT="xml")
    assert isinstance(formatter_for("json"), JsonFormatter)
    assert isinstance(formatter_for("text"), PrivateFormatter)


def test_a_database_error_is_named_not_quoted(engine: Engine) -> None:
    """A unique violation on a resident's number: at ERROR the line names the failure
    (exception class, frames), at DEBUG it says everything (on PostgreSQL the DETAIL
    line quotes the number)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter_for("json"))
    log = logging.getLogger("tests.json_logs")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    log.propagate = False
    error: IntegrityError | None = None
    try:
        with engine.connect() as connection:
            connection.execute(text("CREATE TEMPORARY TABLE phonebook (phone TEXT PRIMARY KEY)"))
            connection.execute(text("INSERT INTO phonebook VALUES (:p)"), {"p": PHONE})
            try:
                connection.execute(text("INSERT INTO phonebook VALUES (:p)"), {"p": PHONE})
            except IntegrityError as exc:
                error = exc
                log.exception("turn failed for update %s", 41)
                log.debug("the same, in full", exc_info=True)
            connection.rollback()
    finally:
        log.removeHandler(handler)
    assert error is not None
    logged, full = entries(stream.getvalue())
    assert logged["level"] == "ERROR" and logged["message"] == "turn failed for update 41"
    assert logged["logger"] == "tests.json_logs"
    assert logged["exception"] == "sqlalchemy.exc.IntegrityError"
    assert "(message withheld)" in logged["traceback"]
    assert PHONE not in json.dumps(logged) and str(error).splitlines()[0] not in json.dumps(logged)
    assert datetime.fromisoformat(logged["time"]).utcoffset() is not None
    assert full["level"] == "DEBUG" and str(error).splitlines()[0] in full["traceback"]
    if engine.dialect.name == "postgresql":
        assert PHONE in full["traceback"]  # what the ERROR line kept out


def _read_log_until(process: subprocess.Popen[str], seen: list[str], pattern: str) -> None:
    """Read the process's log (stderr) line by line until ``pattern`` appears."""
    assert process.stderr is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if re.search(pattern, line):
            return
    raise AssertionError(f"no {pattern!r} in: {''.join(seen)}")


async def test_sigap_run_writes_json_lines_without_the_resident(
    graph: FakeGraph, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'sigap.db'}",
        "SIGAP_HTTP_PORT": str(port),
        "SIGAP_MEDIA_DIR": str(tmp_path / "media"),
        "SIGAP_LOG_FORMAT": "json",
        "SIGAP_SCHEDULER": "false",
        "SIGAP_OUTBOX_POLL_SECONDS": "0.05",
        "SIGAP_OUTBOX_RETRY_BASE_SECONDS": "0.05",
        "WHATSAPP_PHONE_NUMBER_ID": wa.PHONE_NUMBER_ID,
        "WHATSAPP_ACCESS_TOKEN": wa.TOKEN,
        "WHATSAPP_APP_SECRET": wa.APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": wa.VERIFY_TOKEN,
        "WHATSAPP_API_BASE_URL": graph.base_url,
        "WHATSAPP_PER_USER_INTERVAL": "0",
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("sigap")), "run"],
        env={**os.environ, **env},
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    log: list[str] = []
    try:
        _read_log_until(process, log, r"HTTP server on")
        resident = WaPerson(graph, f"http://127.0.0.1:{port}", PHONE, name=NAME)
        assert wa.choices((await resident.says("halo"))[-1])  # the menu
        graph.fail(400, 131026)  # Meta refuses the next message for good: a WARNING
        await resident.send(wa.text(PHONE, WORDS, name=NAME), expect=0)
        _read_log_until(process, log, r'"level": "WARNING", "logger": "bot\.whatsapp\.sender"')
        await resident.says("halo")  # and Sigap goes on
        sent_to_her = [m["_wamid"] for m in resident.inbox]
    finally:
        process.send_signal(signal.SIGTERM)
        out, rest = process.communicate(timeout=60)
    log.append(rest)
    assert process.returncode == 0, "".join(log)
    written = entries("".join(log))
    messages = [e["message"] for e in written]
    assert any(m.startswith("HTTP server on") for m in messages), messages
    assert "Sigap stopped" in messages and "whatsapp channel stopped" in messages
    assert {e["logger"] for e in written} >= {"app.service", "bot.whatsapp.sender"}
    for entry in written:
        assert entry["level"] in ("INFO", "WARNING", "ERROR", "CRITICAL"), entry
        assert datetime.fromisoformat(entry["time"]).utcoffset() is not None
    secrets = [PHONE, resident.address, NAME, *NAME.split(), WORDS, *sent_to_her]
    shown = [s for s in secrets if s in "".join(log)]
    assert not shown, shown
    assert "Sigap:" in out  # what `sigap run` prints for the operator stays on stdout
