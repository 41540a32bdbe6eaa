"""A fresh install without any bot token: `sigap run` still starts, serves the back
office, and prints its address and a first login link for the first admin."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.sigap_process import free_port, read_until, start_sigap_run


def test_run_without_tokens_serves_the_back_office_with_a_first_login(tmp_path: Path) -> None:
    port = free_port()
    process = start_sigap_run(tmp_path, port, SIGAP_SCHEDULER="false", TELEGRAM_BOT_TOKEN="")
    try:
        out = read_until(process, r"Uvicorn running on")  # the port is open
        assert f"http://127.0.0.1:{port}" in out
        link = re.search(r"(http://\S+/masuk\?t=\S+)", out)
        assert link, out
        assert "TELEGRAM_BOT_TOKEN" in out  # and how to connect the chat
        page = httpx.get(link.group(1))
        assert page.status_code == 200 and 'id="masuk"' in page.text
    finally:
        process.terminate()
        process.wait(timeout=30)
