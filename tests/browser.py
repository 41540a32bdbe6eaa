"""A real browser for the back-office tests: Debian's chromium driven by Playwright.

`make test` installs chromium where it is missing (see the Makefile). Without it a
developer's run skips these tests and says so; in CI (CI=true) that is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("SIGAP_TEST_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "build" / "screenshots"
# As the machine notes say: no sandbox (tests run as root), and no background
# connections, which this closed network refuses anyway.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = {"telepon": 390, "desktop": 1280}


def require_browser() -> str:
    if Path(CHROMIUM).is_file() or shutil.which(CHROMIUM):
        return CHROMIUM
    reason = f"no chromium at {CHROMIUM} (make test installs it)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)
