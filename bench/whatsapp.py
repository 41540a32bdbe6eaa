"""WhatsApp webhooks handled per second, end to end: 1,000 residents each filing a
complaint (ten signed webhooks each) against Sigap's real HTTP server.

    python -m bench.whatsapp [--residents 1000] [--in-flight 8] [--rounds 3]

Three processes: the fake Graph API, Sigap (`app.service.running` on uvicorn, SQLite),
and this one posting the webhooks. A webhook's time is from sending the signed POST to
its 200, which Sigap gives once the message id, the dialog state and the queued reply
are committed; replies and photo downloads go out after. Prints webhooks/s, p50/p99
per webhook and Sigap's peak RSS, then waits until every reply was accepted by the
fake Graph API. The anchor, alternating with Sigap in the same run: a bare Starlette
app on the same uvicorn that checks the signature, parses and replies "ok" through the
same Graph client. Targets: webhooks/s at least 0.5x the anchor's, p99 at most 2x its
p99. Per-person pacing is lifted (the fake server is not Meta); the overall 60 msg/s
pace is lifted too, as it would only measure itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import resource
import statistics
import time
from pathlib import Path
from typing import Any

import httpx

from bench.bot_db import outbox_drained, prepare
from bench.budget import Figure, enforce
from core.services.complaints.categories import load_categories
from tests.fakes import graph_api as wa

FIRST_PHONE = 6281300000000
TARGET_RATIO = 0.5  # of the anchor's webhooks/s
TARGET_P99_RATIO = 2.0  # Sigap's p99 at most twice the anchor's


def conversation(phone: str) -> list[dict[str, Any]]:
    """A resident's report on WhatsApp: 15 categories come as a numbered list."""
    pkl = [c.code for c in load_categories()].index("pkl") + 1
    return [
        wa.text(phone, "Halo"),
        wa.list_reply(phone, "menu:report"),
        wa.text(phone, str(pkl)),
        wa.text(phone, "PKL berjualan di trotoar depan pasar sejak pagi"),
        wa.location(phone, -8.2531, 113.7437),
        wa.image(phone, f"MEDIA-{phone}"),
        wa.button_reply(phone, "lapor:photos:@done"),
        wa.button_reply(phone, "lapor:privacy:hidden"),
        wa.button_reply(phone, "lapor:confirm:@send"),
        wa.text(phone, "/start"),
    ]


def _graph_process(port_out: Any, stop: Any) -> None:
    graph = wa.FakeGraph().start()
    port_out.put((graph.base_url, 0))
    stop.wait()
    port_out.put((len(graph.sent), graph.unauthorised))
    graph.stop()


def _settings(db: str, graph_url: str, media: str) -> Any:
    from core.config import load_settings

    return load_settings(
        _env_file=None,
        DATABASE_URL=f"sqlite:///{db}",
        WHATSAPP_PHONE_NUMBER_ID=wa.PHONE_NUMBER_ID,
        WHATSAPP_ACCESS_TOKEN=wa.TOKEN,
        WHATSAPP_APP_SECRET=wa.APP_SECRET,
        WHATSAPP_VERIFY_TOKEN=wa.VERIFY_TOKEN,
        WHATSAPP_API_BASE_URL=graph_url,
        WHATSAPP_PER_USER_INTERVAL=0,
        WHATSAPP_MAX_PER_SECOND=100_000,
        SIGAP_MEDIA_DIR=media,
        SIGAP_SCHEDULER=False,
        SIGAP_OUTBOX_POLL_SECONDS=0.2,
    )


def _sigap_process(db: str, graph_url: str, media: str, port_out: Any, stop: Any) -> None:
    import uvicorn

    from app.service import running
    from core.db import make_engine

    settings = _settings(db, graph_url, media)
    engine = make_engine(settings.database_url)

    async def main() -> None:
        async with running(settings, engine) as sigap:
            config = uvicorn.Config(sigap.http, host="127.0.0.1", port=0, log_level="warning")
            server = uvicorn.Server(config)
            task = asyncio.create_task(server.serve())
            while not server.started:
                await asyncio.sleep(0.01)
            port_out.put(server.servers[0].sockets[0].getsockname()[1])
            await asyncio.get_running_loop().run_in_executor(None, stop.wait)
            queued, waiting = await outbox_drained(engine)
            server.should_exit = True
            await task
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        port_out.put((rss, queued, waiting))

    profile = os.environ.get("SIGAP_BENCH_PROFILE")  # where the time goes: a cProfile file
    if profile:
        import cProfile

        cProfile.runctx("asyncio.run(main())", globals(), locals(), profile)
    else:
        asyncio.run(main())


def _anchor_process(db: str, graph_url: str, media: str, port_out: Any, stop: Any) -> None:
    """The anchor: a bare Starlette app on the same uvicorn that checks the signature,
    parses the webhook with Sigap's parser, answers 200 and replies "ok" to each message
    through the same Graph client to the same fake Graph API. No database, no dialogs."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    from bot.webhook_auth import meta_signature_valid
    from bot.whatsapp.convert import InboundMessage, parse_webhook
    from bot.whatsapp.graph import GraphClient

    graph = GraphClient(_settings(db, graph_url, media))
    secret = wa.APP_SECRET.encode()
    replies: set[asyncio.Task[str]] = set()
    queued = [0]
    lanes = asyncio.Semaphore(8)  # the Graph client's connections, as Sigap's sender keeps

    async def reply(payload: dict[str, Any]) -> str:
        async with lanes:  # else thousands wait in httpx's pool and time out
            return await graph.send(payload)

    async def webhook(request: Request) -> Response:
        body = await request.body()
        if not meta_signature_valid(secret, body, request.headers.get("x-hub-signature-256")):
            return PlainTextResponse("bad signature", 403)
        for event in parse_webhook(body):
            if isinstance(event, InboundMessage):
                to = {"messaging_product": "whatsapp", "to": event.user.chat_id}
                text = {"type": "text", "text": {"body": "ok"}}
                task = asyncio.create_task(reply({**to, **text}))
                replies.add(task)
                task.add_done_callback(replies.discard)
                queued[0] += 1
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/whatsapp/webhook", webhook, methods=["POST"])])

    async def serve() -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        port_out.put(server.servers[0].sockets[0].getsockname()[1])
        await asyncio.get_running_loop().run_in_executor(None, stop.wait)
        await asyncio.gather(*replies)
        server.should_exit = True
        await task
        await graph.aclose()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        port_out.put((rss, queued[0], 0))

    asyncio.run(serve())


def _prepare_db(db: Path) -> None:
    prepare(db, [("whatsapp", wa.bsuid("6281399999999"))])  # one officer gets every report


async def _play(url: str, residents: int, in_flight: int) -> tuple[list[float], float]:
    bodies = []
    for number in range(residents):
        steps = conversation(str(FIRST_PHONE + number))
        bodies.append([json.dumps(step).encode() for step in steps])
    gate = asyncio.Semaphore(in_flight)
    durations: list[float] = []
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)

    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def resident(steps: list[bytes]) -> None:
            for body in steps:  # one person's messages in order, each after the last's 200
                headers = {"Content-Type": "application/json", "X-Hub-Signature-256": wa.sign(body)}
                async with gate:
                    start = time.perf_counter()
                    answer = await client.post(url, content=body, headers=headers)
                    durations.append(time.perf_counter() - start)
                assert answer.status_code == 200, answer.text

        started = time.perf_counter()
        await asyncio.gather(*(resident(steps) for steps in bodies))
        return durations, time.perf_counter() - started


def run(residents: int, in_flight: int, db: Path, kind: str = "sigap") -> dict[str, Any]:
    """Play the residents against a fresh Sigap (or the bare ``anchor`` app); the
    figures as a dict."""
    _prepare_db(db)
    spawn = mp.get_context("spawn")
    graph_out, graph_stop = spawn.Queue(), spawn.Event()
    graph = spawn.Process(target=_graph_process, args=(graph_out, graph_stop))
    graph.start()
    graph_url, _ = graph_out.get(timeout=30)
    sigap_out, sigap_stop = spawn.Queue(), spawn.Event()
    media = str(db.parent / "whatsapp-media")
    server = _sigap_process if kind == "sigap" else _anchor_process
    sigap = spawn.Process(target=server, args=(str(db), graph_url, media, sigap_out, sigap_stop))
    sigap.start()
    port = sigap_out.get(timeout=60)
    url = f"http://127.0.0.1:{port}/whatsapp/webhook"
    durations, seconds = asyncio.run(_play(url, residents, in_flight))
    sigap_stop.set()
    rss, queued, waiting = sigap_out.get(timeout=180)
    sigap.join()
    graph_stop.set()
    sent, unauthorised = graph_out.get(timeout=30)
    graph.join()
    ordered = sorted(durations)
    return {
        "webhooks": len(ordered),
        "rate": len(ordered) / seconds,
        "p50": statistics.median(ordered) * 1000,
        "p99": ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000,
        "rss": rss,
        "sent": sent,
        "queued": queued,
        "delivered": sent == queued and not waiting and not unauthorised,
    }


def _line(name: str, figures: dict[str, Any]) -> dict[str, Any]:
    print(
        f"{name:<7} webhooks/s {figures['rate']:>6,.0f}; per webhook p50 "
        f"{figures['p50']:5.1f} ms, p99 {figures['p99']:5.1f} ms; peak RSS "
        f"{figures['rss']:.0f} MB; every reply delivered once: {figures['delivered']} "
        f"({figures['sent']:,} accepted, {figures['queued']:,} queued)"
    )
    if not figures["delivered"]:
        raise SystemExit("a reply was lost or sent twice")
    return figures


def _median(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Rate, p50 and p99 as their medians over the rounds; peak RSS the highest."""
    figures = {key: statistics.median(r[key] for r in rounds) for key in ("rate", "p50", "p99")}
    return {**figures, "rss": max(r["rss"] for r in rounds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=1000)
    parser.add_argument("--in-flight", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", type=Path, default=Path("bench/out/whatsapp.db"))
    args = parser.parse_args()
    print(f"{args.residents:,} residents x 10 webhooks = {args.residents * 10:,} signed POSTs")
    print(f"{args.in_flight} webhooks in flight at a time (Meta's concurrent deliveries)")
    print(f"anchor and sigap alternate {args.rounds} rounds (medians below): a shared")
    print("machine's load drifts, and alternating keeps both under the same drift")
    anchors, sigaps = [], []
    for _ in range(args.rounds):
        anchors.append(_line("anchor", run(args.residents, args.in_flight, args.db, "anchor")))
        sigaps.append(_line("sigap", run(args.residents, args.in_flight, args.db)))
    anchor, sigap = _median(anchors), _median(sigaps)
    print(
        f"medians: anchor {anchor['rate']:,.0f}/s p99 {anchor['p99']:.1f} ms; "
        f"sigap {sigap['rate']:,.0f}/s p99 {sigap['p99']:.1f} ms, peak RSS {sigap['rss']:.0f} MB"
    )
    enforce(budget(sigap, anchor))


def budget(sigap: dict[str, Any], anchor: dict[str, Any]) -> list[Figure]:
    """Against the bare signed-webhook app of the same run."""
    return [
        Figure("whatsapp webhooks/s", sigap["rate"], anchor["rate"], TARGET_RATIO),
        Figure("whatsapp p99 ms", sigap["p99"], anchor["p99"], TARGET_P99_RATIO, "ratio_at_most"),
    ]


if __name__ == "__main__":
    main()
