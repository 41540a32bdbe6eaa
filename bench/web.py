"""Server time of the web back office on the kabupaten-scale year (SQLite).

    python -m bench.web [--db bench/out/bench.db] [--requests 200] [--clients 8]

Eight clients at once ask, each in turn, for the dashboard of the year, the first page
of the queue filtered to overdue complaints, and a complaint's page, over real HTTP from
a separate process. The targets apply to the latency each client sees on loopback (the
server's time plus the HTTP round trip, nothing of the network); beside it, the time
inside the application as the server measured it (``Server-Timing``), for where it goes.
The anchor, measured in the same run under the same load: a bare
Starlette page rendering a Jinja template of the same size. Targets: p95 under 150 ms for
the dashboard and under 100 ms for the queue and the complaint page, each within 3x of
the anchor. Peak RSS is the server process's high-water mark.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import httpx

from bench.dataset import YEAR

if TYPE_CHECKING:
    from core.domain.people import StaffRole

TARGETS_MS = {"dashboard (year)": 150.0, "queue (overdue)": 100.0, "complaint page": 100.0}
RATIO_LIMIT = 3.0


def _sigap_app(db: str) -> Any:
    from app.web import build_office
    from core.config import load_settings
    from core.db import make_engine
    from web.office import build_web

    settings = load_settings(_env_file=None, DATABASE_URL=f"sqlite:///{db}")
    return build_web(build_office(settings, make_engine(settings.database_url)))


def _anchor_app(size: int) -> Any:
    from jinja2 import Environment
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    template = Environment(autoescape=True).from_string(
        "<!doctype html><html><body>{% for row in rows %}<p>{{ row }}</p>{% endfor %}</body></html>"
    )
    rows = ["baris contoh " * 4] * max(1, size // 60)

    def page(request: Any) -> HTMLResponse:
        return HTMLResponse(template.render(rows=rows))

    return Starlette(routes=[Route("/", page)])


class ServerTiming:
    """Adds ``Server-Timing: app;dur=<ms>``: the time from the request reaching the
    application to its response starting, as the server measured it (the client's own
    work and the network are outside it)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        start = time.perf_counter()

        async def timed(message: Any) -> None:
            if message["type"] == "http.response.start":
                took = (time.perf_counter() - start) * 1000
                message["headers"] = [
                    *message.get("headers", []),
                    (b"server-timing", f"app;dur={took:.3f}".encode()),
                ]
            await send(message)

        await self.app(scope, receive, timed)


def _serve(kind: str, db: str, size: int, port_out: Any, stop: Any) -> None:
    import asyncio

    import uvicorn

    from app.tuning import tuned_for_service

    app = ServerTiming(_sigap_app(db) if kind == "sigap" else _anchor_app(size))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))

    async def main() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        port_out.put(server.servers[0].sockets[0].getsockname()[1])
        await asyncio.get_running_loop().run_in_executor(None, stop.wait)
        server.should_exit = True
        await task

    with tuned_for_service():  # as `sigap run` serves it (the anchor too, to be fair)
        asyncio.run(main())
    port_out.put(_peak_rss_mb())


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Server:
    """A server in its own process (so the clients' work is not counted as its time)."""

    def __init__(self, kind: str, db: str, size: int = 0) -> None:
        context = multiprocessing.get_context("spawn")
        self.queue: Any = context.Queue()
        self.stop = context.Event()
        self.process = context.Process(
            target=_serve, args=(kind, db, size, self.queue, self.stop), daemon=True
        )

    def __enter__(self) -> str:
        self.process.start()
        return f"http://127.0.0.1:{self.queue.get(timeout=120)}"

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.rss_mb = float(self.queue.get(timeout=60))
        self.process.join(timeout=30)


def login_cookie(db: str, role: StaffRole | None = None) -> str:
    """A session for an admin (or ``role``), made the way a login link makes one."""
    from sqlmodel import Session

    from core.db import make_engine
    from core.domain.people import StaffRole
    from core.services.access.web_access import issue_login_link, redeem_login_link
    from core.services.performance.records import add_staff

    engine = make_engine(f"sqlite:///{db}")
    with Session(engine, expire_on_commit=False) as session:
        admin = add_staff(session, "Bench", role or StaffRole.ADMIN)
        session_id = redeem_login_link(session, issue_login_link(session, admin)).session_id
        session.commit()
    engine.dispose()
    return session_id


def some_complaint_code(db: str) -> str:
    import sqlite3

    with sqlite3.connect(db) as connection:
        row = connection.execute(
            "SELECT code FROM complaint WHERE state = 'diproses' ORDER BY id LIMIT 1"
        ).fetchone()
    return str(row[0])


class Run(NamedTuple):
    latencies: list[float]  # ms, request sent to response read, as the client saw it
    in_app: list[float]  # ms, as the server measured it (Server-Timing)


def load(base: str, path: str, cookie: str, requests: int, clients: int) -> Run:
    """``requests`` GETs shared by ``clients`` concurrent clients."""
    latencies: list[float] = []
    in_app: list[float] = []
    lock = threading.Lock()
    share = max(1, requests // clients)

    def client() -> None:
        with httpx.Client(base_url=base, cookies={"sigap_sesi": cookie}, timeout=60) as http:
            http.get(path).raise_for_status()  # warm: connection and caches
            for _ in range(share):
                start = time.perf_counter()
                answer = http.get(path)
                elapsed = (time.perf_counter() - start) * 1000
                answer.raise_for_status()
                inside = float(answer.headers["server-timing"].split("dur=")[1])
                with lock:
                    latencies.append(elapsed)
                    in_app.append(inside)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Run(latencies, in_app)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def measure(
    db: Path, requests: int, clients: int, rounds: int = 3, out: Callable[[str], None] = print
) -> bool:
    """Sigap and its anchor are loaded in turn, page by page, ``rounds`` times (so drift
    in the machine's load hits both alike); medians over the rounds are reported."""
    cookie = login_cookie(str(db))
    pages = {
        "dashboard (year)": f"/?tahun={YEAR}",
        "queue (overdue)": "/pengaduan?lewat=1",
        "complaint page": f"/pengaduan/{some_complaint_code(str(db))}",
    }
    ours: dict[str, list[Run]] = {name: [] for name in pages}
    anchors: dict[str, list[Run]] = {name: [] for name in pages}
    sigap = Server("sigap", str(db))
    with sigap as base:
        sizes = {
            name: len(httpx.get(base + path, cookies={"sigap_sesi": cookie}).content)
            for name, path in pages.items()
        }
        servers = {name: Server("anchor", "", size) for name, size in sizes.items()}
        bases = {name: server.__enter__() for name, server in servers.items()}
        try:
            for _ in range(rounds):
                for name, path in pages.items():
                    ours[name].append(load(base, path, cookie, requests, clients))
                    anchors[name].append(load(bases[name], "/", "", requests, clients))
        finally:
            for server in servers.values():
                server.__exit__()
    return _report(ours, anchors, sizes, sigap.rss_mb, clients, requests, rounds, out)


def _report(
    ours: dict[str, list[Run]],
    anchors: dict[str, list[Run]],
    sizes: dict[str, int],
    rss_mb: float,
    clients: int,
    requests: int,
    rounds: int,
    out: Callable[[str], None],
) -> bool:
    out(
        f"{'page':<18}{'bytes':>7}{'p50':>9}{'p95':>9}{'anchor p95':>12}{'ratio':>7}"
        f"{'in-app p95':>12}{'anchor':>9}  target"
    )
    ok = True
    for name, runs in ours.items():
        median_p50 = statistics.median(statistics.median(run.latencies) for run in runs)
        median_p95 = statistics.median(p95(run.latencies) for run in runs)
        anchor_p95 = statistics.median(p95(run.latencies) for run in anchors[name])
        app_p95 = statistics.median(p95(run.in_app) for run in runs)
        anchor_app_p95 = statistics.median(p95(run.in_app) for run in anchors[name])
        ratio = median_p95 / anchor_p95
        met = median_p95 < TARGETS_MS[name] and ratio <= RATIO_LIMIT
        ok &= met
        out(
            f"{name:<18}{sizes[name]:>7}{median_p50:>7.1f}ms{median_p95:>7.1f}ms"
            f"{anchor_p95:>10.1f}ms{ratio:>7.2f}{app_p95:>10.1f}ms{anchor_app_p95:>7.1f}ms"
            f"  p95<{TARGETS_MS[name]:.0f} ms and <= {RATIO_LIMIT:.0f}x: "
            f"{'met' if met else 'MISSED'}"
        )
    out(
        f"server peak RSS: {rss_mb:.0f} MB; {clients} clients, {requests} requests per page "
        f"per round, medians of {rounds} rounds"
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=Path("bench/out/bench.db"))
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not args.db.exists():
        from bench.__main__ import build

        build(args.db, responses=1_000_000, complaints=200_000)
    if not measure(args.db, args.requests, args.clients, args.rounds):
        raise SystemExit("a target was missed")


if __name__ == "__main__":
    main()
