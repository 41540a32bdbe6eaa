"""Stopping `sigap run` the way systemd and docker do (SIGTERM) is as clean as Ctrl-C
(SIGINT): the channels are stopped in order, deliveries recorded, exit status 0."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.fakes.telegram_api import FakeTelegram
from tests.sigap_process import free_port, read_until, start_sigap_run


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_every_part_in_order(
    signum: signal.Signals, fake: FakeTelegram, tmp_path: Path
) -> None:
    process = start_sigap_run(
        tmp_path,
        free_port(),
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.base_url,
    )
    try:
        read_until(process, r"HTTP server on")
        process.send_signal(signum)
        out, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, out
    assert "telegram channel stopped" in out and "Sigap stopped" in out, out
    assert "Traceback" not in out
