"""`sigap run` as an operator starts it: a real process on a free port, its output read
line by line until what a test waits for appears (never a sleep)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_sigap_run(tmp_path: Path, port: int, **env: str) -> subprocess.Popen[str]:
    """In ``tmp_path`` with its own SQLite file and media folder; ``env`` adds settings."""
    settings = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'sigap.db'}",
        "SIGAP_HTTP_PORT": str(port),
        "SIGAP_MEDIA_DIR": str(tmp_path / "media"),
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("sigap")), "run"],
        env=settings,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def read_until(process: subprocess.Popen[str], pattern: str, timeout: float = 60) -> str:
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
