"""Residents write, `sigap run` is stopped at a random moment, and started again: counts
what was lost or sent twice, and how soon after the restart every reply went out.

    python -m bench.crash_cycles [--cycles 50] [--signal term|kill|both] [--seed 1]

Each cycle: five residents send /start to the running process (the real executable,
against the fake Bot API on 127.0.0.1 and its own SQLite file); after a random 0-150 ms,
while its replies are being sent, it gets SIGTERM (or SIGKILL); a new process starts; the
cycle ends when every resident message of the cycle was handled and every reply was
accepted by the fake server.

Prints, per signal: messages queued, losses (a resident message never handled, or a
reply never accepted), duplicates (a reply the fake server accepted more than once), and
the time from the restart's first line to the last delivery, against the anchor of the
same run: how long a restart with nothing pending takes to be ready.
"""

from __future__ import annotations

import argparse
import random
import signal
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from core.db import make_engine
from core.models import OutboxMessage, ProcessedUpdate
from core.services.files.upsert import delivery_key
from tests.fakes import telegram_api as api
from tests.fakes.telegram_api import FakeTelegram
from tests.sigap_process import free_port, read_until, start_sigap_run

RESIDENTS_PER_CYCLE = 5
DEADLINE_SECONDS = 60.0


@dataclass
class Tally:
    signal: str
    updates: int = 0
    queued: int = 0
    losses: int = 0
    duplicates: int = 0
    after_restart: list[float] = field(default_factory=list)


class Site:
    """One office: a data folder, a fake Telegram, and the `sigap run` now serving."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.fake = FakeTelegram().start()
        self.port = free_port()
        self.engine: Engine | None = None
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> float:
        """Start `sigap run`; seconds until it polls Telegram and serves HTTP."""
        began = time.monotonic()
        self.process = start_sigap_run(
            self.folder,
            self.port,
            TELEGRAM_BOT_TOKEN=self.fake.token,
            TELEGRAM_API_BASE_URL=self.fake.base_url,
            TELEGRAM_PER_CHAT_INTERVAL="0",
            SIGAP_SCHEDULER="false",
            COVERAGE_PROCESS_START="",  # a killed process could not save its data anyway
        )
        read_until(self.process, r"HTTP server on")
        if self.engine is None:
            self.engine = make_engine(f"sqlite:///{self.folder / 'sigap.db'}")
        return time.monotonic() - began

    def stop(self, signum: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(signum)
        self.process.communicate(timeout=60)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.stop(signal.SIGTERM)
        self.fake.stop()
        if self.engine is not None:
            self.engine.dispose()


def settled(site: Site, chats: list[int], update_ids: list[int]) -> bool:
    assert site.engine is not None
    with Session(site.engine) as session:
        handled = session.exec(
            select(func.count())
            .select_from(ProcessedUpdate)
            .where(col(ProcessedUpdate.update_key).in_([delivery_key(str(i)) for i in update_ids]))
        ).one()
        unsent = session.exec(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                col(OutboxMessage.recipient).in_([str(c) for c in chats]),
                OutboxMessage.status != "sent",
            )
        ).one()
    return handled == len(update_ids) and unsent == 0


def count(site: Site, chats: list[int], tally: Tally) -> None:
    """Each stored reply must reach the fake server once (matched by chat and text)."""
    assert site.engine is not None
    with Session(site.engine) as session:
        rows = session.exec(
            select(OutboxMessage.recipient, OutboxMessage.text).where(
                col(OutboxMessage.recipient).in_([str(c) for c in chats])
            )
        ).all()
    stored = Counter((recipient, text or "") for recipient, text in rows)
    received = Counter((s.chat_id, s.text) for s in site.fake.sent if int(s.chat_id) in chats)
    tally.queued += sum(stored.values())
    tally.losses += sum((stored - received).values())
    tally.duplicates += sum((received - stored).values())


def cycle(
    site: Site, number: int, signum: signal.Signals, rng: random.Random, tally: Tally
) -> None:
    chats = [100_000 * (signum.value + 1) + number * 10 + i for i in range(RESIDENTS_PER_CYCLE)]
    updates = [api.text(chat, "/start") for chat in chats]
    site.fake.push(*updates)
    update_ids = [int(u["update_id"]) for u in updates]
    time.sleep(rng.uniform(0, 0.15))  # the moment of the stop is the experiment's variable
    site.stop(signum)
    began = time.monotonic()
    site.start()
    deadline = began + DEADLINE_SECONDS
    while not settled(site, chats, update_ids) and time.monotonic() < deadline:
        time.sleep(0.02)
    done = time.monotonic()
    if done >= deadline:
        tally.losses += 1
    tally.after_restart.append(done - began)
    tally.updates += len(update_ids)
    count(site, chats, tally)


def run(cycles: int, signals: list[signal.Signals], seed: int) -> tuple[float, list[Tally]]:
    """The anchor (a restart with nothing pending, ready) and a tally per signal."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="sigap-crash-") as folder:
        site = Site(Path(folder))
        try:
            site.start()
            site.stop(signal.SIGTERM)
            anchor = site.start()
            tallies = []
            for signum in signals:
                tally = Tally(signum.name)
                for number in range(cycles):
                    cycle(site, number, signum, rng, tally)
                tallies.append(tally)
        finally:
            site.close()
    return anchor, tallies


def report(anchor: float, tallies: list[Tally]) -> list[str]:
    lines = [f"anchor: restart with nothing pending, ready in {anchor:.2f} s"]
    for t in tallies:
        worst, middle = max(t.after_restart), statistics.median(t.after_restart)
        lines.append(
            f"{t.signal}: {len(t.after_restart)} cycles, {t.updates} resident messages, "
            f"{t.queued} replies, losses {t.losses}, duplicates {t.duplicates}, "
            f"all delivered after restart: median {middle:.2f} s, worst {worst:.2f} s "
            f"({worst / anchor:.1f}x anchor)"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--cycles", type=int, default=50)
    parser.add_argument("--signal", choices=["term", "kill", "both"], default="both")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    chosen = {"term": [signal.SIGTERM], "kill": [signal.SIGKILL]}
    signals = chosen.get(args.signal, [signal.SIGTERM, signal.SIGKILL])
    anchor, tallies = run(args.cycles, signals, args.seed)
    for line in report(anchor, tallies):
        print(line)
    # the targets: nothing lost, ever; after a clean stop (SIGTERM) nothing sent twice
    # either (after SIGKILL a reply may go twice if the kill fell in its mark's window)
    met = all(t.losses == 0 for t in tallies) and all(
        t.duplicates == 0 for t in tallies if t.signal == "SIGTERM"
    )
    print("targets: 0 lost, 0 duplicates after SIGTERM:", "met" if met else "MISSED")
    if not met:
        raise SystemExit("a target was missed")


if __name__ == "__main__":
    main()
