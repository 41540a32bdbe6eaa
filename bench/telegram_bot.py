"""2,000 residents each filing a complaint (10 updates each) through the real PTB stack,
against the fake Bot API server, next to a bare PTB echo bot on the same server (the
target's baseline), and next to the same echo bot on Sigap's HTTP client (aiohttp, see
bot/telegram/request.py), which shows how much of the gap is Sigap's own work.

    python -m bench.telegram_bot [--residents 2000]

Each bot runs in its own process (so its peak RSS is its own); the fake server runs in
this one. Prints updates/s, p50/p99 handler time per update, peak RSS, and the ratios.
Rate limits are lifted for both bots: the fake server is not Telegram, and what is
measured is the bots' own work.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench.bot_db import outbox_drained, prepare
from bench.budget import Figure, enforce
from tests.fakes import telegram_api as api
from tests.fakes.telegram_api import FakeTelegram

FIRST_USER = 100_000
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "1"))
STAFF_USER = 99_999
TARGET_RATIO = 0.6  # of the echo bot's updates/s (goal 0.7)
TARGET_P99_MS = 100.0
TARGET_RSS_MB = 200.0


def conversation(user_id: int) -> list[dict[str, Any]]:
    """The ten updates of one resident's report (button values are known in advance)."""
    return [
        api.text(user_id, "/start"),
        api.callback(user_id, "menu:report"),
        api.callback(user_id, "lapor:category:pkl"),
        api.text(user_id, "PKL berjualan di trotoar depan pasar sejak pagi"),
        api.location(user_id, -8.2531, 113.7437),
        api.photo(user_id, f"PHOTO-{user_id}"),
        api.callback(user_id, "lapor:photos:@done"),
        api.callback(user_id, "lapor:privacy:hidden"),
        api.callback(user_id, "lapor:confirm:@send"),
        api.text(user_id, "/start"),
    ]


def _timed(callback: Any, durations: list[float]) -> Any:
    async def wrapper(update: Any, context: Any) -> None:
        start = time.perf_counter()
        await callback(update, context)
        durations.append(time.perf_counter() - start)

    return wrapper


async def _echo(update: Any, context: Any) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()
        await context.bot.send_message(update.effective_chat.id, update.callback_query.data)
    elif update.message is not None:
        await update.message.reply_text(update.message.text or "ok")


async def _drive(
    application: Any, total: int, durations: list[float], settle: Any = None
) -> tuple[float, float]:
    """From the first update's start until every update was handled and, for Sigap
    (``settle``), every reply it sends beside the next update's work was accepted."""
    await application.initialize()
    await application.updater.start_polling(poll_interval=0, timeout=1)
    await application.start()
    started = None
    while len(durations) < total:
        if durations and started is None:
            started = time.perf_counter() - durations[0]
        await asyncio.sleep(0.001)
    if settle is not None:
        await settle()
    finished = time.perf_counter()
    return started or finished, finished


def _child(kind: str, base_url: str, token: str, total: int, db: str, out: Any) -> None:
    from telegram import Update
    from telegram.ext import ApplicationBuilder, TypeHandler

    durations: list[float] = []

    async def main() -> tuple[float, float]:
        if kind.startswith("echo"):
            builder = ApplicationBuilder().token(token).base_url(base_url)
            if kind == "echo-aiohttp":  # the echo bot on Sigap's HTTP client, for scale
                from bot.telegram.request import AiohttpRequest

                builder = builder.request(AiohttpRequest(CONCURRENCY + 4))
                builder = builder.get_updates_request(AiohttpRequest(1))
            if CONCURRENCY > 1:  # same footing as Sigap's per-user ordered processing
                from bot.telegram.ordering import PerUserUpdateProcessor

                builder = builder.concurrent_updates(PerUserUpdateProcessor(CONCURRENCY))
            application = builder.build()
            application.add_handler(TypeHandler(Update, _timed(_echo, durations)))
            window = await _drive(application, total, durations)
        else:
            from app.tuning import tuned_for_service
            from bot.dialogs.desk import Desk
            from bot.telegram.app import TelegramChannel
            from core.config import load_settings
            from core.db import make_engine

            settings = load_settings(
                _env_file=None,
                DATABASE_URL=f"sqlite:///{db}",
                TELEGRAM_BOT_TOKEN=token,
                TELEGRAM_API_BASE_URL=base_url,
                TELEGRAM_MAX_PER_SECOND=100_000,
                SIGAP_SCHEDULER=False,
                TELEGRAM_PER_CHAT_INTERVAL=0,
                SIGAP_OUTBOX_POLL_SECONDS=0.2,
                SIGAP_MEDIA_DIR=str(Path(db).parent / "telegram-media"),  # photos kept
                # like the echo bot: one update at a time (see the module docstring)
                TELEGRAM_CONCURRENT_UPDATES=CONCURRENCY,
            )
            engine = make_engine(settings.database_url)
            channel = TelegramChannel(settings, engine, Desk(settings))
            application = channel.application
            handler = application.handlers[0][0]
            handler.callback = _timed(handler.callback, durations)
            channel.start_sender()
            with tuned_for_service():  # as `sigap run` does
                window = await _drive(application, total, durations, channel.sender.settle)
                await outbox_drained(engine)  # untimed: every message delivered
            await channel.stop_sender()
        assert application.updater is not None
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        return window

    profile = os.environ.get("SIGAP_BENCH_PROFILE")  # where the time goes: a cProfile file
    if profile and kind == "sigap":
        import cProfile

        profiler = cProfile.Profile()
        start, end = profiler.runcall(asyncio.run, main())
        profiler.dump_stats(profile)
    else:
        start, end = asyncio.run(main())
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.put({"durations": durations, "seconds": end - start, "rss_mb": rss_mb})


def _prepare_db(db: Path) -> None:
    prepare(db, [("telegram", str(STAFF_USER))])  # one officer receives every new report


def run_bot(kind: str, residents: int, db: Path) -> dict[str, Any]:
    # The fake server answers each connection on its own thread; with the default 5 ms
    # GIL switch interval, concurrent clients would measure the server's queueing.
    sys.setswitchinterval(0.0002)
    fake = FakeTelegram().start()
    conversations = [conversation(FIRST_USER + i) for i in range(residents)]
    for round_ in zip(*conversations, strict=True):  # residents take turns, in order each
        fake.push(*round_)
    total = residents * len(conversations[0])
    queue: Any = mp.get_context("spawn").Queue()
    child = mp.get_context("spawn").Process(
        target=_child, args=(kind, fake.base_url, fake.token, total, str(db), queue)
    )
    child.start()
    result: dict[str, Any] = queue.get(timeout=1800)
    child.join()
    fake.stop()
    result["sent"] = len(fake.sent)
    return result


def _line(name: str, result: dict[str, Any], total: int) -> dict[str, float]:
    durations = sorted(result["durations"])
    figures = {
        "rate": total / result["seconds"],
        "p50": statistics.median(durations) * 1000,
        "p99": durations[int(len(durations) * 0.99) - 1] * 1000,
        "rss": result["rss_mb"],
    }
    print(
        f"{name:<10}{figures['rate']:>10.0f}/s{figures['p50']:>9.2f}ms{figures['p99']:>9.2f}ms"
        f"{figures['rss']:>9.0f}MB{result['sent']:>10}"
    )
    return figures


def _median(rounds: list[dict[str, float]]) -> dict[str, float]:
    """Each figure's median over the rounds; peak RSS the highest."""
    figures = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    figures["rss"] = max(r["rss"] for r in rounds)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=2000)
    parser.add_argument("--db", type=Path, default=Path("bench/out/bot.db"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    total = args.residents * 10
    print(f"{args.residents:,} residents x 10 updates = {total:,} updates per bot")
    print(f"echo and sigap alternate {args.rounds} rounds (medians below); a shared machine's")
    print("load drifts, and alternating keeps both bots under the same drift")
    print(f"{'bot':<10}{'updates/s':>12}{'p50':>11}{'p99':>11}{'peak RSS':>11}{'sent':>10}")
    echoes, sigaps = [], []
    for _ in range(args.rounds):
        echoes.append(_line("echo", run_bot("echo", args.residents, args.db), total))
        _prepare_db(args.db)  # a fresh office each round: the same ids, never seen before
        sigaps.append(_line("sigap", run_bot("sigap", args.residents, args.db), total))
    echo, sigap = _median(echoes), _median(sigaps)
    same_client = _line("echo+aio", run_bot("echo-aiohttp", args.residents, args.db), total)
    print(
        f"sigap/echo+aio {sigap['rate'] / same_client['rate']:.2f} (no target: both bots "
        "on Sigap's aiohttp client, so the ratio shows Sigap's own work alone)"
    )
    enforce(budget(sigap, echo))


def budget(sigap: dict[str, float], echo: dict[str, float]) -> list[Figure]:
    """Against the bare PTB echo bot of the same run (see the module docstring)."""
    return [
        Figure("telegram updates/s", sigap["rate"], echo["rate"], TARGET_RATIO),
        Figure("telegram p99 ms", sigap["p99"], echo["p99"], TARGET_P99_MS, "below"),
        Figure("telegram peak RSS MB", sigap["rss"], echo["rss"], TARGET_RSS_MB, "below"),
    ]


if __name__ == "__main__":
    main()
