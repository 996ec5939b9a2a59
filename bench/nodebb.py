"""The forum read path against NodeBB's figures (issue #11): a category page and a topic page.

    .venv/bin/python -m bench.nodebb [--set small|large] [--database-url URL] [--reuse]
                                     [--workers 1] [--clients 1] [--requests 1000] [--warmup 50]

NodeBB v4.11.2, 2,000 topics and 10,000 posts in one category, 2 cores, one keep-alive client on
the same machine, 1,000 requests after 50 warm-up: category page p50 12.7 ms / p95 16 ms (about
80 requests/s), topic page p50 about 10 ms / p95 about 13 ms. Measured the same way here: a real
`bondfire serve` (uvicorn) subprocess, httpx clients with keep-alive, `--clients` of them in
threads (each request timed alone; requests/s over the wall time of the measured part).

The small set (default): 20 customer members, one space with 2,000 threads and 10,000 posts,
loaded fresh into var/bench/nodebb.db (or --database-url, wiped). The large set reuses a forum
`python -m bench.forum` loaded (default var/bench/nodebb_large.db; not wiped).

SQL statements per request are counted in a second pass, in-process (the same app under uvicorn in
a thread with a statement counter on its engine), at page sizes 1, 10, 20 and 50.
"""

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from strawberry import relay

from bench import forum_load, harness, synthetic
from bench.forum_data import ForumSize
from bench.harness import BENCH_DIR, BenchFailure, Result
from domain.community.models import Space, SpaceVisibility, Thread
from domain.shared.database import create_engine

ROOT = Path(__file__).resolve().parent.parent
OPERATIONS = ROOT / "frontend-contract" / "operations"
CATEGORY_PAGE = (OPERATIONS / "ForumCategoryPage.graphql").read_text()
TOPIC_PAGE = (OPERATIONS / "ForumTopicPage.graphql").read_text()
SMALL = ForumSize(spaces=1, threads=2_000, posts=10_000)
SMALL_ACCOUNTS, SMALL_MEMBERS = 5, 20
LARGE_ACCOUNTS, LARGE_MEMBERS = 5_000, 20_000  # bench.forum's defaults
NODEBB = {"category page": (12.7, 16.0), "topic page": (10.0, 13.0)}  # p50, p95 ms
TARGET_P95 = {("small", "category page"): 12.0, ("large", "category page"): 20.0}
TARGET_P95 |= {("small", "topic page"): 10.0}


@dataclass
class Page:
    """One operation sent again and again (NodeBB's measurement: the same page each time)."""

    name: str
    token: str
    query: str
    variables: dict[str, Any]
    seen: list[int] = field(default_factory=list)  # items per response

    def payload(self) -> dict[str, Any]:
        return {"query": self.query, "variables": self.variables}

    def observe(self, data: dict[str, Any]) -> None:
        root = data.get("space") or data.get("node")
        if root is None:
            raise BenchFailure(f"{self.name}: not found for the viewer: {self.variables}")
        edges = (root.get("threads") or root.get("posts"))["edges"]
        if not edges:
            raise BenchFailure(f"{self.name}: an empty page")
        self.seen.append(len(edges))


@dataclass
class Target:
    viewer_id: int
    slug: str
    thread_id: int
    thread_posts: int


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    url = args.database_url or _default_url(args.set)
    try:
        target = _prepare(url, args)
        app, counter = harness.bench_app(url)
        token = app.state.tokens.issue(target.viewer_id)
        pages = _pages(token, target, args.page_size)
        if args.profile:
            _profile(app, pages, args.profile)
            return 0
        timed = _timed(url, pages, args)
        statements = _statement_counts(app, counter, token, target)
    except BenchFailure as failure:
        print(f"bench failed: {failure}", file=sys.stderr)
        return 1
    _report(args, url, target, timed, statements)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.nodebb", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--set", choices=("small", "large"), default="small")
    parser.add_argument("--database-url", help="default: var/bench/nodebb.db (small, wiped) or "
                        "var/bench/nodebb_large.db (large, loaded by bench.forum)")  # fmt: skip
    parser.add_argument("--reuse", action="store_true", help="small set: do not reload")
    parser.add_argument("--workers", type=int, default=1, help="bondfire serve --workers")
    parser.add_argument("--clients", type=int, default=1, help="concurrent keep-alive clients")
    parser.add_argument("--requests", type=int, default=1_000, help="measured, per scenario")
    parser.add_argument("--warmup", type=int, default=50, help="unmeasured, per scenario")
    parser.add_argument("--page-size", type=int, default=20)
    parser.add_argument("--scenario", choices=("category", "topic", "both"), default="both")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="instead: N requests per scenario in-process under pyinstrument, print the profile",
    )
    return parser


def _default_url(data_set: str) -> str:
    name = "nodebb.db" if data_set == "small" else "nodebb_large.db"
    return f"sqlite+aiosqlite:///{BENCH_DIR / name}"


# --- data -----------------------------------------------------------------------------------


def _prepare(url: str, args: argparse.Namespace) -> Target:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if args.set == "small":
        accounts, members = SMALL_ACCOUNTS, SMALL_MEMBERS
        if not args.reuse:
            started = time.perf_counter()
            forum_load.load(url, SMALL, accounts, members, synthetic.SEED)
            print(f"loaded the small set in {time.perf_counter() - started:.1f} s", flush=True)
    else:
        accounts, members = LARGE_ACCOUNTS, LARGE_MEMBERS
    forum = forum_load.existing(url, accounts, members, synthetic.SEED)
    return asyncio.run(_target(url, forum))


async def _target(url: str, forum: forum_load.Forum) -> Target:
    """The biggest readable space, and a thread of it with at least 20 posts (the fewest such)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            space_id = await connection.scalar(
                select(Space.id).where(
                    Space.slug == forum.biggest_slug, Space.visibility == SpaceVisibility.PUBLIC
                )
            )
            row = (
                await connection.execute(
                    select(Thread.id, Thread.post_count)
                    .where(
                        Thread.space_id == space_id,
                        Thread.post_count >= 20,
                        Thread.hidden.is_(False),
                        Thread.deleted_at.is_(None),
                    )
                    .order_by(Thread.post_count, Thread.id)
                    .limit(1)
                )
            ).first()
    finally:
        await engine.dispose()
    if space_id is None or row is None:
        raise BenchFailure("no public space with a thread of 20 posts: load the data again")
    return Target(forum.viewer_id, forum.biggest_slug, row[0], row[1])


def _pages(token: str, target: Target, size: int) -> list[Page]:
    thread = relay.to_base64("Thread", target.thread_id)
    return [
        Page("category page", token, CATEGORY_PAGE, {"slug": target.slug, "first": size}),
        Page("topic page", token, TOPIC_PAGE, {"id": thread, "first": size}),
    ]


# --- timing against a real `bondfire serve` -------------------------------------------------


@dataclass
class Timed:
    result: Result
    requests_per_second: float
    server_cpu_ms: float


def _timed(url: str, pages: list[Page], args: argparse.Namespace) -> list[Timed]:
    chosen = [p for p in pages if args.scenario in ("both", p.name.split()[0])]
    with _server(url, args.workers) as (base_url, server_pid):
        return [_measure(base_url, server_pid, page, args) for page in chosen]


def _measure(base_url: str, server_pid: int, page: Page, args: argparse.Namespace) -> Timed:
    result = Result(page.name)
    clients = max(1, args.clients)
    barrier = threading.Barrier(clients + 1)
    lock = threading.Lock()
    failures: list[BaseException] = []

    def client_loop(index: int) -> None:
        share = args.requests // clients + (1 if index < args.requests % clients else 0)
        try:
            with httpx.Client(base_url=base_url, timeout=60) as client:
                for _ in range(max(1, args.warmup // clients)):
                    _send(client, page)
                barrier.wait()
                for _ in range(share):
                    started = time.perf_counter()
                    _send(client, page)
                    elapsed = (time.perf_counter() - started) * 1000
                    with lock:
                        result.milliseconds.append(elapsed)
        except BaseException as error:  # reported after the run
            failures.append(error)
            barrier.abort()

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        pass
    cpu_before, wall_before = _tree_cpu_seconds(server_pid), time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - wall_before
    cpu = _tree_cpu_seconds(server_pid) - cpu_before
    if failures:
        raise BenchFailure(f"{page.name}: {failures[0]}")
    count = len(result.milliseconds)
    return Timed(result, count / wall, cpu * 1000 / count)


def _send(client: httpx.Client, page: Page) -> None:
    response = client.post(
        "/graphql", json=page.payload(), headers={"Authorization": f"Bearer {page.token}"}
    )
    page.observe(harness.checked(page.name, response)["data"])


class _server:
    """`bondfire serve` in a subprocess on a free port, as production runs it (embedded worker
    on), with the per-member and per-IP request ceilings off: one client sends far more than a
    person would."""

    def __init__(self, url: str, workers: int) -> None:
        self.url, self.workers = url, workers

    def __enter__(self) -> tuple[str, int]:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = os.environ | {
            "BONDFIRE_DATABASE_URL": self.url,
            "BONDFIRE_ENVIRONMENT": "production",
            "BONDFIRE_KEYS_DIR": str(BENCH_DIR / "keys"),
            "BONDFIRE_LOG_LEVEL": "WARNING",
            "BONDFIRE_RATE_LIMIT_PER_MEMBER": "",
            "BONDFIRE_RATE_LIMIT_PER_IP": "",
            "BONDFIRE_SEARCH_INDEX_PATH": str(BENCH_DIR / "nodebb-search.db"),
        }
        command = [str(Path(sys.executable).parent / "bondfire"), "serve", "--port", str(port)]
        self.log = (BENCH_DIR / "nodebb-serve.log").open("w")
        self.process = subprocess.Popen(
            [*command, "--workers", str(self.workers)],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180  # worker processes import everything: slow when busy
        while not (self._answers(base_url) and self._settled()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise BenchFailure(f"bondfire serve did not start: see {self.log.name}")
        return base_url, self.process.pid

    @staticmethod
    def _answers(base_url: str) -> bool:
        try:
            return httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def _settled(self) -> bool:
        """Every worker process has finished starting: the server tree is idle for a second
        (the first worker answers /healthz while the others may still be importing)."""
        before = _tree_cpu_seconds(self.process.pid)
        time.sleep(1)
        return _tree_cpu_seconds(self.process.pid) - before < 0.05

    def __exit__(self, *_: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def _tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (uvicorn's worker processes)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


# --- SQL statements per request, in-process -------------------------------------------------


def _statement_counts(
    app: Any, counter: harness.StatementCounter, token: str, target: Target
) -> dict[str, dict[int, list[int]]]:
    counts: dict[str, dict[int, list[int]]] = {}
    # Views are not counted in this pass: the periodic flush (a statement of its own, every
    # few seconds) would land in whichever request runs then. Recording one sends no SQL.
    app.state.view_counter = None
    with harness.serving(app) as base_url, httpx.Client(base_url=base_url, timeout=60) as client:
        for size in (1, 10, 20, 50):
            for page in _pages(token, target, size):
                result = harness.run(client, counter, page, 2, 5)
                counts.setdefault(page.name, {})[size] = result.statements
    return counts


# --- profile --------------------------------------------------------------------------------


def _profile(app: Any, pages: list[Page], requests: int) -> None:
    """N requests per page through the ASGI app in this process, under pyinstrument."""
    from pyinstrument import Profiler

    async def run(page: Page) -> str:
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {page.token}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for _ in range(20):
                harness.checked(
                    page.name, await client.post("/graphql", json=page.payload(), headers=headers)
                )
            profiler = Profiler(interval=0.0002, async_mode="enabled")
            started = time.process_time()
            profiler.start()
            for _ in range(requests):
                await client.post("/graphql", json=page.payload(), headers=headers)
            profiler.stop()
            cpu = (time.process_time() - started) * 1000 / requests
        print(f"\n=== {page.name}: {cpu:.2f} ms CPU per request in-process (under the profiler)")
        return profiler.output_text(unicode=False, color=False, show_all=False)

    for page in pages:
        text = asyncio.run(run(page))
        path = BENCH_DIR / f"nodebb-profile-{page.name.split()[0]}.txt"
        path.write_text(text)
        print("\n".join(text.splitlines()[:70]))
        print(f"(whole profile: {path})")


# --- report ---------------------------------------------------------------------------------


def _report(
    args: argparse.Namespace,
    url: str,
    target: Target,
    timed: list[Timed],
    statements: dict[str, dict[int, list[int]]],
) -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"\n=== {args.set} set, {asyncio.run(synthetic.describe(url))}; space {target.slug}, "
        f"thread {target.thread_id} ({target.thread_posts} posts)"
    )
    print(
        f"bondfire serve --workers {args.workers}, {args.clients} keep-alive client(s), "
        f"{args.requests} requests per page after {args.warmup} warm-up, page size "
        f"{args.page_size}; {os.cpu_count()} CPUs, load average {load} (1, 5, 15 min)"
    )
    header = (
        f"{'page':<14} {'p50 ms':>7} {'p95 ms':>7} {'req/s':>7} {'server CPU ms/req':>18} "
        f"{'SQL/req':>8}  {'NodeBB p50/p95':>14}  target"
    )
    print(header)
    print("-" * len(header))
    for t in timed:
        name, r = t.result.scenario, t.result
        sql = statements[name][args.page_size] if args.page_size in statements[name] else []
        goal = TARGET_P95.get((args.set, name))
        verdict = (
            ""
            if goal is None
            else f"p95 < {goal:g} ms: " + ("met" if r.percentile(0.95) < goal else "NOT met")
        )
        nodebb = "{:.1f} / {:.1f}".format(*NODEBB[name])
        print(
            f"{name:<14} {r.percentile(0.5):>7.1f} {r.percentile(0.95):>7.1f} "
            f"{t.requests_per_second:>7.0f} {t.server_cpu_ms:>18.2f} "
            f"{statistics.fmean(sql) if sql else float('nan'):>8.1f}  {nodebb:>14}  {verdict}"
        )
    for name, by_size in statements.items():
        print(harness.page_size_line(name, by_size))
    print(
        "server CPU: user + system time of the bondfire serve processes over the measured "
        "requests; the clients run in this process."
    )


if __name__ == "__main__":
    sys.exit(main())
