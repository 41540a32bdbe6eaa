"""Webhook throughput of one `sigap run` process against two on the same PostgreSQL
database (README, "Running several processes").

    python -m bench.processes [--updates 2000] [--rounds 3]

Residents' updates ("/start", each answered with one message; every chat a new
resident) are posted to the processes' ports in turn, 32 chats at a time, and counted
done when every update was answered and every reply accepted by the fake Bot API. The
rate limits are lifted (the fake is not Telegram; the processes' own work is measured),
but the pacing is still shared through the database, as in production. One and two
processes alternate over the rounds (medians), so both see the same machine load.

The anchor is one process: the figure is how much a second one adds; the budget asks
only that a second process never cost throughput (ratio >= 0.9, noise allowed). On a
machine with two cores expect well under 2x: PostgreSQL, the fake Bot API and this load
generator run on the same two cores as the processes, and every update's commit and
every send's shared slot go through the one database.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.budget import Figure, enforce
from tests.fakes.telegram_api import FakeTelegram
from tests.processes_harness import chats, fresh_database, post_all, processes, sigap_env
from tests.sigap_process import free_port

CONCURRENCY = 32
TARGET_RATIO = 0.9  # two processes at least as fast as one, give or take the noise
UNLIMITED = 100_000.0


def measure(database_url: str, count: int, updates: int, first: int) -> float:
    """Updates per second, answered and replied to, with ``count`` processes."""
    fake = FakeTelegram().start()
    folder = Path(tempfile.mkdtemp(prefix="sigap-bench-processes-"))
    env = sigap_env(database_url, fake, folder, per_second=UNLIMITED, chat_interval=0)
    ports = [free_port() for _ in range(count)]
    try:
        with processes(folder, ports, env):
            warm = chats(first, singles=50 * count, several=0, each=1, first_update=first)
            asyncio.run(post_all(ports, warm, CONCURRENCY))  # first connections, caches
            _replied(fake, len(warm))
            work = chats(
                first + 10_000, singles=updates, several=0, each=1, first_update=first + 10_000
            )
            start = time.perf_counter()
            asyncio.run(post_all(ports, work, CONCURRENCY))
            _replied(fake, len(warm) + updates)
            return updates / (time.perf_counter() - start)
    finally:
        fake.stop()


def _replied(fake: FakeTelegram, total: int, timeout: float = 600.0) -> None:
    deadline = time.monotonic() + timeout
    while len(fake.sent) < total:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(fake.sent)} of {total} replies arrived")
        time.sleep(0.002)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sys.setswitchinterval(0.0002)  # the fake answers each connection on its own thread
    print(f"{args.updates:,} webhook updates per run, {CONCURRENCY} chats at a time")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print(f"{'processes':<12}{'updates/s':>12}")
    rates: dict[int, list[float]] = {1: [], 2: []}
    with fresh_database() as url:
        first = 1_000_000
        for _ in range(args.rounds):
            for count in (1, 2):
                rate = measure(url, count, args.updates, first)
                first += 100_000
                rates[count].append(rate)
                print(f"{count:<12}{rate:>12.0f}")
    one, two = (statistics.median(rates[n]) for n in (1, 2))
    print(f"median 1 process  {one:.0f} updates/s")
    print(f"median 2 processes {two:.0f} updates/s")
    print(f"ratio 2/1 {two / one:.2f}")
    print(
        f"why not 2x: {os.cpu_count()} cores run both processes, PostgreSQL, the fake Bot "
        "API and the load generator, and every update's commit and every send's shared "
        "slot go through the one database"
    )
    enforce([Figure("2 processes updates/s", two, one, TARGET_RATIO)])


if __name__ == "__main__":
    main()
