"""Load a large synthetic community, serve the real app over HTTP and time the hot GraphQL reads.

    .venv/bin/python -m bench.run [--database-url URL] [--accounts 5000] [--members 50000]
                                  [--requests 300] [--page-size 50]

Requests are sent one at a time, so the SQL statements seen between sending a request and
reading its response all belong to it.
"""

import argparse
import math
import os
import socket
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import event

from api.app import create_app
from api.settings import Settings
from bench import synthetic

BENCH_DIR = Path(__file__).resolve().parent.parent / "var" / "bench"
DEFAULT_URL = f"sqlite+aiosqlite:///{BENCH_DIR / 'bench.db'}"
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")

VIEWER = "query Viewer { viewer { id name email roles account { id name } } }"
MEMBERS = """
query Members($first: Int!, $after: String) {
  members(first: $first, after: $after) {
    edges { cursor node { id name handle title roles account { name } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


class BenchFailure(Exception):
    pass


class StatementCounter:
    """SQL sent by the app's engine; transaction control is left out (drivers differ there)."""

    def __init__(self) -> None:
        self.sql: list[str] = []

    def on_execute(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            self.sql.append(statement)


@dataclass
class Scenario:
    name: str
    token: str
    query: str
    page_size: int | None = None  # set for the member list, which walks forward page by page
    after: str | None = None

    def payload(self) -> dict[str, Any]:
        variables = {} if self.page_size is None else {"first": self.page_size, "after": self.after}
        return {"query": self.query, "variables": variables}

    def observe(self, data: dict[str, Any]) -> None:
        if self.page_size is None:
            if data.get("viewer") is None:
                raise BenchFailure(f"{self.name}: viewer is null")
            return
        connection = data["members"]
        if not connection["edges"]:
            raise BenchFailure(f"{self.name}: empty page after cursor {self.after!r}")
        info = connection["pageInfo"]
        self.after = info["endCursor"] if info["hasNextPage"] else None  # wrap around at the end


@dataclass
class Result:
    scenario: str
    milliseconds: list[float] = field(default_factory=list)
    cpu_milliseconds: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    last_sql: list[str] = field(default_factory=list)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.milliseconds)
        return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    url = args.database_url or DEFAULT_URL
    try:
        print(f"loading {args.accounts} accounts and {args.members} members ...", flush=True)
        data = synthetic.load(url, args.accounts, args.members, seed=args.seed)
        _print_data_set(data)
        results, by_page_size = _measure(url, data, args)
    except BenchFailure as failure:
        print(f"bench failed: {failure}", file=sys.stderr)
        return 1
    _print_results(results, args)
    _print_page_size_check(by_page_size)
    if args.show_sql:
        for result in results:
            print(f"\n-- {result.scenario}: SQL of the last request")
            for statement in result.last_sql:
                print(" ".join(statement.split()))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help=f"default: a new SQLite file, {DEFAULT_URL}")
    parser.add_argument("--accounts", type=int, default=5_000, help="customer accounts")
    parser.add_argument("--members", type=int, default=50_000, help="customer members")
    parser.add_argument("--requests", type=int, default=300, help="measured requests per scenario")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests per scenario")
    parser.add_argument("--page-size", type=int, default=50, help="member list page size")
    parser.add_argument("--seed", type=int, default=synthetic.SEED)
    parser.add_argument("--show-sql", action="store_true", help="print each scenario's SQL")
    return parser


def _measure(
    url: str, data: synthetic.DataSet, args: argparse.Namespace
) -> tuple[list[Result], dict[int, list[int]]]:
    settings = Settings(
        database_url=url,
        environment="production",
        keys_dir=BENCH_DIR / "keys",
        log_level="WARNING",
        log_format="console",
        _env_file=None,  # type: ignore[call-arg]
    )
    app = create_app(settings)
    counter = StatementCounter()
    event.listen(app.state.engine.sync_engine, "before_cursor_execute", counter.on_execute)
    customer = app.state.tokens.issue(data.customer_member_id)
    admin = app.state.tokens.issue(data.admin_id)
    scenarios = [
        Scenario("viewer (customer)", customer, VIEWER),
        Scenario("viewer (admin)", admin, VIEWER),
        Scenario(f"members first:{args.page_size} (admin)", admin, MEMBERS, args.page_size),
        Scenario(f"members first:{args.page_size} (customer)", customer, MEMBERS, args.page_size),
    ]
    with _serving(app) as base_url, httpx.Client(base_url=base_url, timeout=60) as client:
        results = [_run(client, counter, s, args.warmup, args.requests) for s in scenarios]
        by_page_size = {
            size: _run(client, counter, Scenario("", admin, MEMBERS, size), 2, 5).statements
            for size in (1, 10, 50, 100)
        }
    return results, by_page_size


def _run(
    client: httpx.Client, counter: StatementCounter, scenario: Scenario, warmup: int, requests: int
) -> Result:
    result = Result(scenario.name)
    for i in range(warmup + requests):
        seen = len(counter.sql)
        cpu_started, started = time.process_time(), time.perf_counter()
        response = client.post(
            "/graphql",
            json=scenario.payload(),
            headers={"Authorization": f"Bearer {scenario.token}"},
        )
        elapsed = (time.perf_counter() - started) * 1000
        cpu = (time.process_time() - cpu_started) * 1000
        body = _checked(scenario, response)
        scenario.observe(body["data"])
        if i >= warmup:
            result.milliseconds.append(elapsed)
            result.cpu_milliseconds.append(cpu)
            result.statements.append(len(counter.sql) - seen)
            result.last_sql = counter.sql[seen:]
    return result


def _checked(scenario: Scenario, response: httpx.Response) -> dict[str, Any]:
    try:
        body: dict[str, Any] = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or body.get("errors") or not body.get("data"):
        raise BenchFailure(
            f"{scenario.name or 'page size check'}: HTTP {response.status_code}, "
            f"GraphQL errors: {body.get('errors') or response.text[:500]}"
        )
    return body


@contextmanager
def _serving(app: FastAPI) -> Iterator[str]:
    """The app under uvicorn on a free local port, in a background thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", log_config=None, access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise BenchFailure("the app did not start (see the log above)")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def _print_data_set(data: synthetic.DataSet) -> None:
    print(f"database:  {data.database}")
    print(
        f"data set:  {data.customer_accounts} customer accounts + 1 vendor, {data.members} members "
        f"(largest account {data.largest_account_members}), {data.roles} role grants, "
        f"{data.competitor_pairs} competitor pairs"
    )
    print(
        f"load time: {data.migrate_seconds + data.insert_seconds:.1f} s "
        f"(migrate {data.migrate_seconds:.1f} s, generate + insert + analyze "
        f"{data.insert_seconds:.1f} s)"
    )


def _print_results(results: list[Result], args: argparse.Namespace) -> None:
    print(
        f"\n{args.requests} sequential requests per scenario after {args.warmup} warm-up requests; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    header = (
        f"{'scenario':<32} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms':>7} "
        f"{'SQL/req mean (min-max)':>23}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        sql = f"{statistics.fmean(r.statements):.1f} ({min(r.statements)}-{max(r.statements)})"
        print(
            f"{r.scenario:<32} {len(r.milliseconds):>8} {r.percentile(0.5):>8.1f} "
            f"{r.percentile(0.95):>8.1f} {statistics.fmean(r.cpu_milliseconds):>7.1f} {sql:>23}"
        )
    print(
        "CPU ms: mean CPU time per request of this whole process (app and client), which other\n"
        "programs competing for the machine disturb far less than latency."
    )


def _print_page_size_check(by_page_size: dict[int, list[int]]) -> None:
    counts = ", ".join(
        f"first:{size} -> {min(s)}" + (f"-{max(s)}" if max(s) != min(s) else "")
        for size, s in by_page_size.items()
    )
    print(f"\nSQL statements per member-list request (admin) by page size: {counts}")


if __name__ == "__main__":
    sys.exit(main())
