"""The measuring side of the benchmarks: the real app under uvicorn, called over HTTP with httpx.

Requests are sent one at a time, so the SQL statements seen between sending a request and
reading its response all belong to it.
"""

import math
import os
import socket
import statistics
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import event

from api.app import create_app
from api.settings import Settings

BENCH_DIR = Path(__file__).resolve().parent.parent / "var" / "bench"
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


class BenchFailure(Exception):
    pass


class Scenario(Protocol):
    name: str
    token: str

    def payload(self) -> dict[str, Any]: ...

    def observe(self, data: dict[str, Any]) -> None:
        """Sees each response's data (to check it, and to pick the next page's cursor)."""


class StatementCounter:
    """SQL sent by the app's engine; transaction control is left out (drivers differ there)."""

    def __init__(self) -> None:
        self.sql: list[str] = []
        self.parameters: list[Any] = []

    def on_execute(
        self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any
    ) -> None:
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            self.sql.append(statement)
            self.parameters.append(parameters)


@dataclass
class Result:
    scenario: str
    milliseconds: list[float] = field(default_factory=list)
    cpu_milliseconds: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    last_sql: list[str] = field(default_factory=list)
    last_parameters: list[Any] = field(default_factory=list)
    items_per_request: float | None = None  # list scenarios: mean rows per page

    def percentile(self, p: float) -> float:
        ordered = sorted(self.milliseconds)
        return ordered[max(0, math.ceil(p * len(ordered)) - 1)]

    @property
    def sql_summary(self) -> str:
        s = self.statements
        return f"{statistics.fmean(s):.1f} ({min(s)}-{max(s)})"


def bench_app(
    url: str, *, embedded_worker: bool = False, search_index_path: Path | None = None
) -> tuple[FastAPI, StatementCounter]:
    """The real app with a statement counter on its engine.

    The embedded outbox worker is off by default: every commit wakes it, and its poll (one
    SELECT in a transaction of its own) would land in whichever request runs at that moment.
    """
    settings = Settings(
        database_url=url,
        environment="production",
        keys_dir=BENCH_DIR / "keys",
        log_level="WARNING",
        log_format="console",
        embedded_worker=embedded_worker,
        search_index_path=search_index_path or BENCH_DIR / "search.db",
        _env_file=None,  # type: ignore[call-arg]
    )
    app = create_app(settings)
    counter = StatementCounter()
    event.listen(app.state.engine.sync_engine, "before_cursor_execute", counter.on_execute)
    return app, counter


def run(
    client: httpx.Client,
    counter: StatementCounter,
    scenario: Scenario,
    warmup: int,
    requests: int,
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
        body = checked(scenario.name, response)
        scenario.observe(body["data"])
        if i >= warmup:
            result.milliseconds.append(elapsed)
            result.cpu_milliseconds.append(cpu)
            result.statements.append(len(counter.sql) - seen)
            result.last_sql = counter.sql[seen:]
            result.last_parameters = counter.parameters[seen:]
    return result


def checked(name: str, response: httpx.Response) -> dict[str, Any]:
    try:
        body: dict[str, Any] = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or body.get("errors") or not body.get("data"):
        raise BenchFailure(
            f"{name or 'page size check'}: HTTP {response.status_code}, "
            f"GraphQL errors: {body.get('errors') or response.text[:500]}"
        )
    return body


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
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


def machine_line(requests: int, warmup: int) -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{requests} sequential requests per scenario after {warmup} warm-up requests; "
        f"{os.cpu_count()} CPUs, load average {load} (1, 5, 15 min)"
    )


def print_table(results: Sequence[Result], name_width: int = 32) -> None:
    header = (
        f"{'scenario':<{name_width}} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms':>7} "
        f"{'SQL/req mean (min-max)':>23}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.scenario:<{name_width}} {len(r.milliseconds):>8} {r.percentile(0.5):>8.1f} "
            f"{r.percentile(0.95):>8.1f} {statistics.fmean(r.cpu_milliseconds):>7.1f} "
            f"{r.sql_summary:>23}"
        )
    print(
        "CPU ms: mean CPU time per request of this whole process (app and client), which other\n"
        "programs competing for the machine disturb far less than latency."
    )


def page_size_line(label: str, by_page_size: dict[int, list[int]]) -> str:
    counts = ", ".join(
        f"first:{size} -> {min(s)}" + (f"-{max(s)}" if max(s) != min(s) else "")
        for size, s in by_page_size.items()
    )
    return f"SQL statements per {label} request by page size: {counts}"
