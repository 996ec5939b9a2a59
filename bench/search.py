"""Search on the forum bench.forum loaded: full reindex, indexing throughput, query latency.

    .venv/bin/python -m bench.forum                 # first: load the forum (1M posts)
    .venv/bin/python -m bench.search [--database-url URL] [--requests 300] [--no-reindex]

Measures, on the embedded backend (an index file of its own, var/bench/search.db):
1. a full reindex through the `bondfire search reindex` code path (search.reindex.reindex),
   per document type: documents, seconds, documents per second;
2. the backend alone: documents already loaded, written in the indexer's batches;
3. the indexer loop: outbox events for existing posts and threads, drained by the outbox
   dispatcher with the search consumers (what the embedded worker or `bondfire worker` runs);
4. `frontend-contract/operations/Search.graphql` through HTTP as the customer viewer: two-word
   queries with a space filter, p50/p95 as in bench.forum;
5. the same searches on the engine alone, in process (SearchIndex.search, every type, facets
   on): wall and CPU time per search, without GraphQL and HTTP.
"""

import argparse
import asyncio
import itertools
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from strawberry.relay import to_base64

from api.worker import build_dispatcher
from bench import forum_data, forum_load, harness, synthetic
from bench.forum import DEFAULT_URL
from bench.harness import BENCH_DIR, BenchFailure, Result
from domain.community import events
from domain.community.models import Post, Space
from domain.shared.database import create_engine, create_session_factory
from search.backends.embedded import EmbeddedBackend
from search.documents import DOCUMENT_TYPES, DocumentType
from search.engine import SearchIndex
from search.indexer import search_consumers
from search.permissions import Viewer
from search.query import SearchRequest
from search.reindex import reindex
from search.text import words

INDEX_PATH = BENCH_DIR / "search.db"
SEARCH = (
    Path(__file__).resolve().parent.parent / "frontend-contract" / "operations" / "Search.graphql"
).read_text()
P95_TARGET_MS = 50.0
BATCH = 500  # as search.indexer.LOAD_BATCH and search.reindex.BATCH


@dataclass
class SearchScenario:
    """Search.graphql with a two-word query and a space filter, cycling through `queries`."""

    name: str
    token: str
    queries: list[str]
    space_ids: list[str]
    rng: random.Random = field(default_factory=lambda: random.Random(11))
    hits: int = 0
    empty: int = 0
    requests: int = 0

    def payload(self) -> dict[str, Any]:
        variables = {
            "query": self.rng.choice(self.queries),
            "filters": {"spaceIds": [self.rng.choice(self.space_ids)]},
            "first": 20,
        }
        return {"query": SEARCH, "operationName": "Search", "variables": variables}

    def observe(self, data: dict[str, Any]) -> None:
        found = len(data["search"]["edges"])
        self.requests += 1
        self.hits += found
        self.empty += found == 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    url = args.database_url or DEFAULT_URL
    try:
        forum = forum_load.existing(url, args.accounts, args.members, args.seed)
        print(
            f"forum:     {forum.rows.get('threads')} threads, {forum.rows.get('posts')} posts, "
            f"{forum.identity.members} members; viewer member {forum.viewer_id}"
        )
        if not args.no_reindex:
            asyncio.run(_reindex(url, args.index))
        if not args.no_writes:
            asyncio.run(_backend_throughput(url, args.documents))
            asyncio.run(_indexer_loop(url, args.index, args.events))
        if not args.engine_only:
            _measure(url, forum, args)
        asyncio.run(_engine(url, forum, args))
    except BenchFailure as failure:
        print(f"bench failed: {failure}", file=sys.stderr)
        return 1
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.search", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--database-url", help=f"the forum bench.forum loaded; default {DEFAULT_URL}"
    )
    parser.add_argument("--index", type=Path, default=INDEX_PATH, help="the embedded index file")
    parser.add_argument("--accounts", type=int, default=5_000)
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=synthetic.SEED)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--documents", type=int, default=20_000, help="backend throughput run")
    parser.add_argument("--events", type=int, default=2_000, help="indexer loop run")
    parser.add_argument(
        "--no-reindex", action="store_true", help="keep the index an earlier run built"
    )
    parser.add_argument(
        "--no-writes", action="store_true", help="skip the backend and indexer loop runs"
    )
    parser.add_argument("--engine-only", action="store_true", help="skip the HTTP run")
    return parser


# --- 1. full reindex ------------------------------------------------------------------------


async def _reindex(url: str, path: Path) -> None:
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    engine = create_engine(url)
    index = SearchIndex(EmbeddedBackend(path))
    spans: dict[str, list[float]] = {}

    def progress(doc_type: DocumentType, done: int, total: int) -> None:
        spans.setdefault(doc_type.name, [time.perf_counter()]).append(time.perf_counter())

    try:
        await index.setup()
        started = time.perf_counter()
        rebuilt = await reindex(
            create_session_factory(engine), index, list(DOCUMENT_TYPES.values()), progress
        )
        seconds = time.perf_counter() - started
    finally:
        await index.close()
        await engine.dispose()
    print(f"\nfull reindex (`bondfire search reindex` code path) into {path}:")
    previous = started
    for done in rebuilt:
        end = spans.get(done.type, [previous, previous])[-1]
        took = end - previous
        rate = done.documents / took if took else 0.0
        print(f"  {done.type:<16} {done.documents:>9} documents {took:>7.1f} s {rate:>9.0f}/s")
        previous = end
    total = sum(d.documents for d in rebuilt)
    size = path.stat().st_size / 1e6  # noqa: ASYNC240 - after the work, not during it
    print(f"  {'all':<16} {total:>9} documents {seconds:>7.1f} s {total / seconds:>9.0f}/s; "
          f"index file {size:.0f} MB")  # fmt: skip


# --- 2. the backend alone -------------------------------------------------------------------


async def _backend_throughput(url: str, count: int) -> None:
    engine = create_engine(url)
    posts = DOCUMENT_TYPES["post"]
    try:
        async with create_session_factory(engine)() as session:
            top = await session.scalar(select(func.max(Post.id))) or 0
            ids = list(range(max(1, top - 4 * count), top + 1, 4))[:count]
            started = time.perf_counter()
            documents = []
            for start in range(0, len(ids), BATCH):
                documents += await posts.load(session, ids[start : start + BATCH])
            load_seconds = time.perf_counter() - started
    finally:
        await engine.dispose()
    scratch = BENCH_DIR / "search-throughput.db"
    for stale in (scratch, Path(f"{scratch}-wal"), Path(f"{scratch}-shm")):
        stale.unlink(missing_ok=True)
    backend = EmbeddedBackend(scratch)
    try:
        await backend.setup([posts])
        started = time.perf_counter()
        for start in range(0, len(documents), BATCH):
            await backend.upsert(posts, documents[start : start + BATCH])
        first = time.perf_counter() - started
        started = time.perf_counter()
        for start in range(0, len(documents), BATCH):
            await backend.upsert(posts, documents[start : start + BATCH])
        again = time.perf_counter() - started
    finally:
        await backend.close()
        scratch.unlink(missing_ok=True)
    n = len(documents)
    print(f"\nembedded backend alone, {n} post documents in batches of {BATCH}:")
    print(f"  loading them from the database  {n / load_seconds:>9.0f} documents/s")
    print(f"  upsert into an empty index      {n / first:>9.0f} documents/s")
    print(f"  upsert again (replacing)        {n / again:>9.0f} documents/s")


# --- 3. the indexer loop --------------------------------------------------------------------


async def _indexer_loop(url: str, path: Path, count: int) -> None:
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    index = SearchIndex(EmbeddedBackend(path))
    written: list[int] = []
    upsert = index.backend.upsert

    async def counting(doc_type: DocumentType, documents: Any) -> None:
        written.append(len(documents))
        await upsert(doc_type, documents)

    index.backend.upsert = counting  # type: ignore[method-assign]
    rng = random.Random(5)
    try:
        await index.setup()
        async with sessions() as session:
            top = await session.scalar(select(func.max(Post.id))) or 0
            picked = sorted(rng.sample(range(1, top + 1), count))
            rows = (
                await session.execute(select(Post.id, Post.thread_id).where(Post.id.in_(picked)))
            ).all()
            # As edits record them: one event per post, naming its thread (the thread's
            # document holds the opening post's text).
            for post_id, thread_id in rows:
                events.emit(session, events.POST_EDITED, thread_id=thread_id, post_id=post_id)
            await session.commit()
        dispatcher = build_dispatcher(sessions, search_consumers(index))
        started = time.perf_counter()
        handled = await dispatcher.drain()
        seconds = time.perf_counter() - started
    finally:
        await index.close()
        await engine.dispose()
    documents = sum(written)
    print(f"\nindexer loop (outbox dispatcher + search consumers), {handled} post-edit events:")
    print(
        f"  {handled / seconds:.0f} events/s, {documents / seconds:.0f} documents/s "
        f"({documents} documents written in {seconds:.1f} s)"
    )


# --- 4. search through HTTP -----------------------------------------------------------------


def _queries(rng: random.Random) -> list[str]:
    """Two-word queries a member would type, from the words the forum's titles and posts use:
    pairs of neighbouring words, so most have hits."""
    texts = [*forum_data.SUBJECTS, *forum_data.OPENERS, *forum_data.SENTENCES]
    pairs: set[str] = set()
    for text in texts:
        found = [w for w in words(text) if len(w) >= 3]
        pairs |= {f"{a} {b}" for a, b in itertools.pairwise(found)}
    return sorted(rng.sample(sorted(pairs), min(40, len(pairs))))


def _measure(url: str, forum: forum_load.Forum, args: argparse.Namespace) -> None:
    app, counter = harness.bench_app(url, search_index_path=args.index)
    token = app.state.tokens.issue(forum.viewer_id)
    queries = _queries(random.Random(3))
    spaces = asyncio.run(_space_ids(url, forum))
    biggest = [spaces[forum.biggest_slug]]
    readable = [spaces[slug] for slug in forum.readable_slugs]
    scenarios = [
        SearchScenario("two words, biggest space", token, queries, biggest),
        SearchScenario("two words, random space", token, queries, readable),
    ]
    with harness.serving(app) as base_url, httpx.Client(base_url=base_url, timeout=60) as client:
        results: list[Result] = [
            harness.run(client, counter, s, args.warmup, args.requests) for s in scenarios
        ]
    print("\n" + harness.machine_line(args.requests, args.warmup))
    harness.print_table(results)
    for scenario, result in zip(scenarios, results, strict=True):
        verdict = "ok" if result.percentile(0.95) < P95_TARGET_MS else "above target"
        print(
            f"{scenario.name}: {scenario.hits / scenario.requests:.1f} hits per page, "
            f"{scenario.empty / scenario.requests:.0%} empty; p95 {verdict} "
            f"(target {P95_TARGET_MS:g} ms); {len(queries)} queries, e.g. "
            f"{', '.join(repr(q) for q in queries[:4])}"
        )
    print(f"statements per request: {statistics.fmean(results[0].statements):.1f}")


async def _space_ids(url: str, forum: forum_load.Forum) -> dict[str, str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(select(Space.slug, Space.id))).all()
    finally:
        await engine.dispose()
    return {slug: to_base64("Space", i) for slug, i in rows}


# --- 5. the engine alone ------------------------------------------------------------------


async def _engine(url: str, forum: forum_load.Forum, args: argparse.Namespace) -> None:
    """SearchIndex.search as the resolver calls it (every type, facets on, 20 a page), timed in
    process: what the engine costs without GraphQL, hydration and HTTP."""
    engine = create_engine(url)
    index = SearchIndex(EmbeddedBackend(args.index))
    try:
        async with create_session_factory(engine)() as session:
            viewer = await _viewer(session, forum.viewer_id)
            spaces = dict((await session.execute(select(Space.slug, Space.id))).all())
        queries = _queries(random.Random(3))
        scenarios = [
            ("biggest space", [spaces[forum.biggest_slug]]),
            ("random space", [spaces[slug] for slug in forum.readable_slugs]),
        ]
        print(f"\nengine alone (SearchIndex.search in process), {args.requests} searches each:")
        print(f"  {'scenario':<16} {'p50 ms':>8} {'p95 ms':>8} {'CPU p50':>8} {'CPU p95':>8}")
        for name, space_ids in scenarios:
            rng = random.Random(11)
            wall: list[float] = []
            cpu: list[float] = []
            for i in range(args.warmup + args.requests):
                request = SearchRequest(
                    query=rng.choice(queries),
                    filters={"space": (rng.choice(space_ids),)},
                    limit=20,
                    facets=True,
                )
                cpu_started, started = time.process_time(), time.perf_counter()
                await index.search(viewer, request)
                if i >= args.warmup:
                    wall.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - cpu_started) * 1000)
            print(
                f"  {name:<16} {_pct(wall, 0.5):>8.1f} {_pct(wall, 0.95):>8.1f}"
                f" {_pct(cpu, 0.5):>8.1f} {_pct(cpu, 0.95):>8.1f}"
            )
        print("  " + harness.machine_line(args.requests, args.warmup))
    finally:
        await index.close()
        await engine.dispose()


async def _viewer(session: Any, member_id: int) -> Viewer:
    from domain.identity.models import Account, Member
    from domain.identity.policies import actor_for
    from search.permissions import viewer_for

    member = await session.get(Member, member_id)
    account = await session.get(Account, member.account_id)
    await session.refresh(member, ["role_rows"])
    return await viewer_for(session, actor_for(member, account.kind))


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(p * len(ordered) + 0.999999) - 1)]


if __name__ == "__main__":
    sys.exit(main())
