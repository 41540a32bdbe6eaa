"""Stopping `sigap run` the way systemd and docker do (SIGTERM) is as clean as Ctrl-C
(SIGINT): the channels are stopped in order, deliveries recorded, exit status 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.telegram_api import FakeTelegram
from tests.test_web_first_run import _free_port, _read_until


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_every_part_in_order(
    signum: signal.Signals, fake: FakeTelegram, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'sigap.db'}",
        "SIGAP_HTTP_PORT": str(_free_port()),
        "SIGAP_MEDIA_DIR": str(tmp_path / "media"),
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
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
        _read_until(process, r"HTTP server on")
        process.send_signal(signum)
        out, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, out
    assert "telegram channel stopped" in out and "Sigap stopped" in out, out
    assert "Traceback" not in out
