"""The space feed on a large synthetic forum: latency, SQL statements and query plans at two sizes.

    .venv/bin/python -m bench.forum [--database-url URL] [--posts 1000000] [--threads 200000]
                                    [--spaces 200] [--requests 300]

Loads a baseline forum (--baseline-posts, --baseline-threads), measures, then the full one, and
compares: the feed's p95 should stay within 2x as the data grows.
"""

import argparse
import random
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import forum_load, harness, plans, synthetic
from bench.forum_data import ForumSize
from bench.harness import BENCH_DIR, BenchFailure, Result

DEFAULT_URL = f"sqlite+aiosqlite:///{BENCH_DIR / 'forum.db'}"
SPACE_FEED = (
    Path(__file__).resolve().parent.parent
    / "frontend-contract"
    / "operations"
    / "SpaceFeed.graphql"
).read_text()
P95_TARGET_MS = 50.0
GROWTH_TARGET = 2.0


@dataclass
class FeedWalk:
    """SpaceFeed page after page (`after` = the last endCursor), `depth` pages deep, then the
    first page of the next space: always the same one, or one drawn at random."""

    name: str
    token: str
    slugs: list[str]
    page_size: int
    depth: int
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    slug: str = ""
    after: str | None = None
    page: int = 0
    requests: int = 0
    threads_seen: int = 0
    with_reactions: int = 0
    unread: int = 0

    def __post_init__(self) -> None:
        self.slug = self.slugs[0]

    def payload(self) -> dict[str, Any]:
        variables = {"slug": self.slug, "first": self.page_size, "after": self.after}
        return {"query": SPACE_FEED, "variables": variables}

    def observe(self, data: dict[str, Any]) -> None:
        space = data["space"]
        if space is None:
            raise BenchFailure(f"{self.name}: space {self.slug!r} is not readable")
        edges = space["threads"]["edges"]
        if not edges and self.after is not None:
            raise BenchFailure(f"{self.name}: empty page after cursor {self.after!r}")
        nodes = [edge["node"] for edge in edges]
        self.requests += 1
        self.threads_seen += len(nodes)
        self.with_reactions += sum(1 for n in nodes if n["viewerReactions"])
        self.unread += sum(1 for n in nodes if n["unreadCount"])
        info = space["threads"]["pageInfo"]
        self.page += 1
        if info["hasNextPage"] and self.page < self.depth:
            self.after = info["endCursor"]
            return
        self.after, self.page = None, 0
        if len(self.slugs) > 1:
            self.slug = self.rng.choice(self.slugs)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    url = args.database_url or DEFAULT_URL
    sizes = [ForumSize(args.spaces, args.threads, args.posts)]
    if args.baseline_posts and not args.reuse:
        sizes.insert(0, ForumSize(args.spaces, args.baseline_threads, args.baseline_posts))
    measured: list[list[Result]] = []
    try:
        for size in sizes:
            if args.reuse:
                forum = forum_load.existing(url, args.accounts, args.members, args.seed)
            else:
                forum = forum_load.load(url, size, args.accounts, args.members, args.seed)
            _print_forum(forum)
            measured.append(_measure(url, forum, args))
    except BenchFailure as failure:
        print(f"bench failed: {failure}", file=sys.stderr)
        return 1
    if len(measured) == 2:
        _print_growth(sizes, measured)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.forum", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--database-url", help=f"default: a new SQLite file, {DEFAULT_URL}")
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=200_000)
    parser.add_argument("--spaces", type=int, default=200)
    parser.add_argument("--baseline-posts", type=int, default=10_000, help="0: no baseline")
    parser.add_argument("--baseline-threads", type=int, default=2_000)
    parser.add_argument("--accounts", type=int, default=5_000, help="customer accounts")
    parser.add_argument("--members", type=int, default=20_000, help="customer members")
    parser.add_argument("--requests", type=int, default=300, help="measured requests per scenario")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests per scenario")
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--depth", type=int, default=5, help="pages walked before starting over")
    parser.add_argument("--seed", type=int, default=synthetic.SEED)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the forum an earlier run left (same --accounts, --members, --seed); "
        "no loading, no baseline",
    )
    parser.add_argument("--embedded-worker", action="store_true", help="as in production")
    parser.add_argument("--show-sql", action="store_true", help="print one request's SQL")
    parser.add_argument("--no-plans", action="store_true", help="skip EXPLAIN")
    return parser


def _measure(url: str, forum: forum_load.Forum, args: argparse.Namespace) -> list[Result]:
    app, counter = harness.bench_app(url, embedded_worker=args.embedded_worker)
    viewer = app.state.tokens.issue(forum.viewer_id)
    size, depth = args.page_size, args.depth
    walks = [
        FeedWalk(f"biggest space, pages 1-{depth}", viewer, [forum.biggest_slug], size, depth),
        FeedWalk(f"random spaces, pages 1-{depth}", viewer, forum.readable_slugs, size, depth),
        FeedWalk("biggest space, page 1", viewer, [forum.biggest_slug], size, 1),
    ]
    with harness.serving(app) as base_url, httpx.Client(base_url=base_url, timeout=60) as client:
        results = [harness.run(client, counter, w, args.warmup, args.requests) for w in walks]
        by_page_size = {
            n: harness.run(client, counter, FeedWalk("", viewer, [forum.biggest_slug], n, 2), 2, 6)
            for n in (1, 10, 50, 100)
        }
        # One page-2 request of the biggest space, for its SQL and their plans.
        second_page = harness.run(
            client, counter, FeedWalk("", viewer, [forum.biggest_slug], size, 2), 1, 1
        )
    print("\n" + harness.machine_line(args.requests, args.warmup))
    harness.print_table(results)
    print(harness.page_size_line("space feed", {n: r.statements for n, r in by_page_size.items()}))
    for walk, result in zip(walks, results, strict=True):
        result.items_per_request = walk.threads_seen / walk.requests
        print(
            f"{walk.name}: {result.items_per_request:.1f} threads per page; of them "
            f"{walk.with_reactions / max(walk.threads_seen, 1):.0%} with viewerReactions, "
            f"{walk.unread / max(walk.threads_seen, 1):.0%} with unreadCount > 0"
        )
    if args.show_sql or not args.no_plans:
        _print_plans(url, second_page, with_plans=not args.no_plans)
    return results


def _print_plans(url: str, result: Result, *, with_plans: bool) -> None:
    print(f"\nSQL of one page-2 request (biggest space){' and query plans' if with_plans else ''}:")
    found = plans.explain(url, result.last_sql, result.last_parameters) if with_plans else None
    for i, statement in enumerate(result.last_sql):
        print(f"[{i + 1}] {plans.one_line(statement)}")
        for line in found[i] if found else []:
            print(f"      {line}")


def _print_forum(forum: forum_load.Forum) -> None:
    identity, size = forum.identity, forum.size
    print(f"\n=== {size.spaces} spaces, {size.threads} threads, {size.posts} posts", flush=True)
    print(f"database:  {identity.database}")
    print(
        f"data set:  {identity.customer_accounts} accounts, {identity.members} members; "
        + ", ".join(f"{n} {name}" for name, n in forum.rows.items())
        + f"; {forum.accepted_answers} accepted answers"
    )
    print(
        f"viewer:    member {forum.viewer_id} (customer) reads {len(forum.readable_slugs)} spaces; "
        f"biggest: {forum.biggest_slug} with {forum.biggest_threads} threads"
    )
    if not forum.insert_seconds:
        print("load time: none, the forum an earlier run loaded (--reuse)")
        return
    print(
        f"load time: identity {identity.migrate_seconds + identity.insert_seconds:.1f} s, "
        f"forum generate {forum.generate_seconds:.1f} s + insert and analyze "
        f"{forum.insert_seconds:.1f} s"
    )


def _print_growth(sizes: list[ForumSize], measured: list[list[Result]]) -> None:
    small, large = sizes
    print(
        f"\n=== growth from {small.posts} to {large.posts} posts "
        f"(targets: p95 < {P95_TARGET_MS:g} ms, p95 within {GROWTH_TARGET:g}x)"
    )
    header = (
        f"{'scenario':<32} {'threads/page':>12} {'p95 small':>9} {'p95 large':>9} {'ratio':>6} "
        f"{'CPU ms':>13} {'ratio':>6}  verdict"
    )
    print(header)
    print("-" * len(header))
    for before, after in zip(*measured, strict=True):
        ratio = after.percentile(0.95) / before.percentile(0.95)
        cpu_before, cpu_after = (statistics.fmean(r.cpu_milliseconds) for r in (before, after))
        verdict = [
            "p95 ok" if after.percentile(0.95) < P95_TARGET_MS else f"p95 >= {P95_TARGET_MS:g} ms",
            "flat" if ratio <= GROWTH_TARGET else "grows",
        ]
        fill = (after.items_per_request or 1) / (before.items_per_request or 1)
        if not 1 / 1.5 <= fill <= 1.5:
            verdict.append("(fuller pages: not like for like)")
        pages = f"{before.items_per_request or 0:.0f} -> {after.items_per_request or 0:.0f}"
        cpu = f"{cpu_before:.1f} -> {cpu_after:.1f}"
        print(
            f"{after.scenario:<32} {pages:>12} {before.percentile(0.95):>9.1f} "
            f"{after.percentile(0.95):>9.1f} {ratio:>6.2f} {cpu:>13} "
            f"{cpu_after / cpu_before:>6.2f}  {', '.join(verdict)}"
        )


if __name__ == "__main__":
    sys.exit(main())
