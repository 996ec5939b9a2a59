"""Load a large synthetic community, serve the real app over HTTP and time the hot GraphQL reads.

    .venv/bin/python -m bench.run [--database-url URL] [--accounts 5000] [--members 50000]
                                  [--requests 300] [--page-size 50]

Requests are sent one at a time, so the SQL statements seen between sending a request and
reading its response all belong to it.
"""

import argparse
import sys
from dataclasses import dataclass
from typing import Any

import httpx

from bench import harness, synthetic
from bench.harness import BENCH_DIR, BenchFailure, Result

DEFAULT_URL = f"sqlite+aiosqlite:///{BENCH_DIR / 'bench.db'}"

VIEWER = "query Viewer { viewer { id name email roles account { id name } } }"
MEMBERS = """
query Members($first: Int!, $after: String) {
  members(first: $first, after: $after) {
    edges { cursor node { id name handle title roles account { name } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


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
    print("\n" + harness.machine_line(args.requests, args.warmup))
    harness.print_table(results)
    print("\n" + harness.page_size_line("member-list (admin)", by_page_size))
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
    app, counter = harness.bench_app(url)
    customer = app.state.tokens.issue(data.customer_member_id)
    admin = app.state.tokens.issue(data.admin_id)
    scenarios = [
        Scenario("viewer (customer)", customer, VIEWER),
        Scenario("viewer (admin)", admin, VIEWER),
        Scenario(f"members first:{args.page_size} (admin)", admin, MEMBERS, args.page_size),
        Scenario(f"members first:{args.page_size} (customer)", customer, MEMBERS, args.page_size),
    ]
    with harness.serving(app) as base_url, httpx.Client(base_url=base_url, timeout=60) as client:
        results = [harness.run(client, counter, s, args.warmup, args.requests) for s in scenarios]
        by_page_size = {
            size: harness.run(client, counter, Scenario("", admin, MEMBERS, size), 2, 5).statements
            for size in (1, 10, 50, 100)
        }
    return results, by_page_size


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


if __name__ == "__main__":
    sys.exit(main())
