"""Waiting on a condition with a deadline, for tests that run outside an event loop.

The poll interval lives here only: a test says what it waits for and how long it may
take, never how long to sleep.
"""

from __future__ import annotations

import time
from collections.abc import Callable

POLL_SECONDS = 0.01


def wait_until(condition: Callable[[], bool], timeout: float, failure: Callable[[], str]) -> None:
    """Return as soon as ``condition()`` holds; fail with ``failure()`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(failure())
        time.sleep(POLL_SECONDS)
