"""A fresh install without any bot token: `sigap run` still starts, serves the back
office, and prints its address and a first login link for the first admin."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx

from tests.sigap_process import free_port, read_until, start_sigap_run


def test_run_without_tokens_serves_the_back_office_with_a_first_login(tmp_path: Path) -> None:
    port = free_port()
    process = start_sigap_run(tmp_path, port, SIGAP_SCHEDULER="false", TELEGRAM_BOT_TOKEN="")
    try:
        out = read_until(process, r"TELEGRAM_BOT_TOKEN")
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
