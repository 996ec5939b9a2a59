"""Load test: a realistic mix against a real `bondfire serve` at rising concurrency.

    .venv/bin/python -m bench.load [--database-url URL] [--users 1,2,4,8,16,32,64] [--seconds 30]

Seeds a community (the forum benchmark's generator: 200 members, 2,000 threads, 20,000 posts;
40 ideas submitted through the API), builds the embedded search index, starts `bondfire serve`
(embedded outbox worker, as an embedded deployment runs) and runs locust headless once per user
count: 70 % feed reads, 15 % searches, 10 % replies and new threads, 5 % votes and reactions.
Prints per step: requests/s, p50/p95/p99, errors, server CPU per request. Then waits for the
outbox to drain and checks every counter against the writes the API accepted.

Exit status 1 if a counter disagrees, or if a request failed before the server saturated (the
first step whose throughput grows less than 25 % while the users double).
The database is wiped: give it one of its own.
"""

import argparse
import csv
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.forum_data import ForumSize
from bench.harness import BENCH_DIR
from bench.load import reconcile, seed

DEFAULT_URL = f"sqlite+aiosqlite:///{BENCH_DIR / 'load.db'}"
BIN = Path(sys.executable).parent
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
SATURATION_GROWTH = 1.25  # a step that doubles the users but not the throughput by this much
IDEAS = 40
SUBMIT_IDEA = """mutation SubmitIdea($input: SubmitIdeaInput!) {
  submitIdea(input: $input) { idea { id } userErrors { field code message } }
}"""


@dataclass
class Step:
    users: int
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float
    cpu_ms_per_request: float
    by_name: dict[str, tuple[int, int, float, float]]  # requests, failures, p50, p95
    errors: list[str]
    load: str
    saturated: bool = False


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    url = args.database_url or DEFAULT_URL
    work = BENCH_DIR / ("load-run-" + ("postgresql" if url.startswith("postgresql") else "sqlite"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = _server_env(url, work)

    started = time.perf_counter()
    print(f"seeding {url}: {args.members} members, {args.threads} threads, {args.posts} posts")
    size = ForumSize(args.spaces, args.threads, args.posts)
    seed.load_community(url, size, args.accounts, args.members, args.seed)
    data = seed.choose(url, Path(env["BONDFIRE_KEYS_DIR"]))
    _run([str(BIN / "bondfire"), "search", "reindex"], env)
    print(f"seeded and indexed in {time.perf_counter() - started:.0f} s", flush=True)

    port = _free_port()
    server = subprocess.Popen(
        [str(BIN / "bondfire"), "serve", "--port", str(port)],
        env=env,
        stderr=(work / "server.log").open("w"),
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base_url, server)
        data.ideas = _submit_ideas(base_url, data)
        _wait_for_outbox(url)
        data_path = work / "data.json"
        data.write(data_path)
        before = reconcile.snapshot(url, data.posts, data.ideas)
        steps: list[Step] = []
        offset = 0
        for users in args.users:
            log = work / f"writes-{users}.jsonl"
            steps.append(_step(base_url, server.pid, users, args.seconds, data_path, log, offset))
            offset += users
            _print_step(steps[-1])
        pending_at_end = _wait_for_outbox(url)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()

    _mark_saturation(steps)
    _print_table(url, steps)
    writes = reconcile.Writes.read(sorted(work.glob("writes-*.jsonl")))
    print(f"\naccepted writes: {writes.summary()}")
    problems = reconcile.check(url, before, writes)
    if pending_at_end:
        problems.append(f"{pending_at_end} outbox events still pending or failing at the end")
    for problem in problems[:50]:
        print(f"COUNTER MISMATCH: {problem}")
    if not problems:
        print("counters: every thread, post, idea and point balance equals the accepted writes")
    for step in steps:
        if step.failures:
            below = "" if step.saturated else "BELOW SATURATION "
            print(f"errors {below}at {step.users} users: {step.errors[:5]}")
    unsaturated_errors = [s for s in steps if not s.saturated and s.failures]
    return 1 if problems or unsaturated_errors else 0


def _parser() -> argparse.ArgumentParser:
    description = __doc__.split("\n")[0]
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=description)
    parser.add_argument("--database-url", help=f"default: a new SQLite file, {DEFAULT_URL}")
    parser.add_argument(
        "--users", type=lambda s: [int(n) for n in s.split(",")], default=[1, 2, 4, 8, 16, 32, 64]
    )
    parser.add_argument("--seconds", type=int, default=30, help="duration of each step")
    parser.add_argument("--accounts", type=int, default=40)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--spaces", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2_000)
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=20261122)
    return parser


def _server_env(url: str, work: Path) -> dict[str, str]:
    return {
        **os.environ,
        "BONDFIRE_DATABASE_URL": url,
        "BONDFIRE_ENVIRONMENT": "production",
        "BONDFIRE_KEYS_DIR": str(BENCH_DIR / "keys"),
        "BONDFIRE_SEARCH_INDEX_PATH": str(work / "search.db"),
        "BONDFIRE_LOG_LEVEL": "WARNING",
        "BONDFIRE_MATCHING_CHECKIN_INTERVAL": "0",
        # The load comes from one address and a few members: the anti-abuse ceilings would
        # measure themselves, not the server.
        "BONDFIRE_POSTING_RATE_LIMIT": "1000000/minute",
        "BONDFIRE_RATE_LIMIT_PER_MEMBER": "",
        "BONDFIRE_RATE_LIMIT_PER_IP": "",
    }


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(command[-3:])} failed: {done.stderr.strip()[-2000:]}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(base_url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("bondfire serve exited; see server.log in var/bench/load-run-*/")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("bondfire serve did not become ready in 120 s")


def _submit_ideas(base_url: str, data: seed.LoadData) -> list[int]:
    import base64

    ideas = []
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for n in range(IDEAS):
            member = data.members[n % len(data.members)]
            variables = {
                "input": {
                    "title": f"Idea {n}: bulk export of {data.words[n % len(data.words)]}",
                    "productArea": ["Platform", "Reporting", "Integrations"][n % 3],
                    "description": "We need this for our quarterly review.",
                }
            }
            response = client.post(
                "/graphql",
                json={"query": SUBMIT_IDEA, "variables": variables},
                headers={"Authorization": f"Bearer {member['token']}"},
            )
            body = response.json()
            payload = (body.get("data") or {}).get("submitIdea") or {}
            if body.get("errors") or payload.get("userErrors"):
                raise SystemExit(f"submitIdea failed: {body}")
            raw = base64.b64decode(payload["idea"]["id"]).decode()
            ideas.append(int(raw.split(":", 1)[1]))
    return ideas


def _wait_for_outbox(url: str, seconds: float = 300) -> int:
    """Waits for the embedded worker to handle every event; returns how many are left."""
    deadline = time.monotonic() + seconds
    while True:
        pending, failing = reconcile.outbox_backlog(url)
        if pending == 0 or time.monotonic() > deadline:
            return pending + failing
        time.sleep(1)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _step(
    base_url: str, pid: int, users: int, seconds: int, data: Path, log: Path, offset: int
) -> Step:
    prefix = log.with_suffix("")
    env = {
        **os.environ,
        "BONDFIRE_LOAD_DATA": str(data),
        "BONDFIRE_LOAD_LOG": str(log),
        "BONDFIRE_LOAD_MEMBER_OFFSET": str(offset),
    }
    log.touch()
    cpu_before = _cpu_seconds(pid)
    command = [
        str(BIN / "locust"),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{seconds}s",
        "--host",
        base_url,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "ERROR",
        "--stop-timeout",
        "10",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    cpu = _cpu_seconds(pid) - cpu_before
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    stats = list(csv.DictReader(Path(f"{prefix}_stats.csv").open()))
    failures_csv = Path(f"{prefix}_failures.csv")
    errors = [
        f"{row['Name']}: {row['Error']} x{row['Occurrences']}"
        for row in (csv.DictReader(failures_csv.open()) if failures_csv.exists() else [])
    ]
    if done.returncode not in (0, 1):  # 1: locust saw failures (reported as such)
        errors.append(f"locust exited {done.returncode}: {done.stderr.strip()[-500:]}")
    total = next(row for row in stats if row["Name"] == "Aggregated")
    requests = int(total["Request Count"])
    return Step(
        users=users,
        requests=requests,
        failures=int(total["Failure Count"]) + (0 if done.returncode in (0, 1) else 1),
        rps=float(total["Requests/s"]),
        p50=_number(total["50%"]),
        p95=_number(total["95%"]),
        p99=_number(total["99%"]),
        cpu_ms_per_request=1000 * cpu / max(requests, 1),
        by_name={
            row["Name"]: (
                int(row["Request Count"]),
                int(row["Failure Count"]),
                _number(row["50%"]),
                _number(row["95%"]),
            )
            for row in stats
            if row["Name"] != "Aggregated"
        },
        errors=errors,
        load=load,
    )


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _mark_saturation(steps: list[Step]) -> None:
    """Saturated from the first step that does not grow throughput by SATURATION_GROWTH over
    the previous one although the users grew by more than that."""
    for previous, step in itertools.pairwise(steps):
        if previous.saturated or (
            step.users >= SATURATION_GROWTH * previous.users
            and step.rps < SATURATION_GROWTH * previous.rps
        ):
            step.saturated = True


def _print_step(step: Step) -> None:
    print(
        f"{step.users:>3} users: {step.rps:6.1f} req/s, p50 {step.p50:.0f} ms,"
        f" p95 {step.p95:.0f} ms,"
        f" p99 {step.p99:.0f} ms, {step.failures} errors, server CPU {step.cpu_ms_per_request:.1f}"
        f" ms/request (load {step.load})",
        flush=True,
    )


def _print_table(url: str, steps: list[Step]) -> None:
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"\n=== {backend}: {os.cpu_count()} CPUs; locust runs on the same machine")
    header = (
        f"{'users':>5} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
        f" {'errors':>6} {'CPU ms/req':>10}  {'load avg (1, 5, 15)':<20} saturated"
    )
    print(header)
    print("-" * len(header))
    for s in steps:
        print(
            f"{s.users:>5} {s.requests:>8} {s.rps:>7.1f} {s.p50:>7.0f} {s.p95:>7.0f} {s.p99:>7.0f}"
            f" {s.failures:>6} {s.cpu_ms_per_request:>10.1f}  {s.load:<20} "
            f"{'yes' if s.saturated else ''}"
        )
    print("\nper operation at the last unsaturated step (requests, errors, p50, p95):")
    calm = [s for s in steps if not s.saturated] or steps
    for name, (n, failed, p50, p95) in sorted(calm[-1].by_name.items()):
        print(f"  {name:<14} {n:>6} {failed:>4} {p50:>7.0f} {p95:>7.0f}")
