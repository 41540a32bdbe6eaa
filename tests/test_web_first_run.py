"""A fresh install without any bot token: `sigap run` still starts, serves the back
office, and prints its address and a first login link for the first admin."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _read_until(process: subprocess.Popen[str], pattern: str, timeout: float = 60) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen += line
        if re.search(pattern, seen):
            return seen
    raise AssertionError(f"no {pattern!r} in: {seen}")


def test_run_without_tokens_serves_the_back_office_with_a_first_login(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'sigap.db'}",
        "SIGAP_HTTP_PORT": str(port),
        "SIGAP_SCHEDULER": "false",
        "SIGAP_MEDIA_DIR": str(tmp_path / "media"),
        "TELEGRAM_BOT_TOKEN": "",
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("sigap")), "run"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        out = _read_until(process, r"TELEGRAM_BOT_TOKEN")
        assert f"http://127.0.0.1:{port}" in out
        link = re.search(r"(http://\S+/masuk\?t=\S+)", out)
        assert link, out
        deadline = time.monotonic() + 30
        while True:
            try:
                page = httpx.get(link.group(1))
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline, "the back office never answered"
                time.sleep(0.05)
        assert page.status_code == 200 and 'id="masuk"' in page.text
    finally:
        process.terminate()
        process.wait(timeout=30)
