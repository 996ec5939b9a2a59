"""Feedback at scale: triage by impact, votes, and merging a 10,000-vote idea, over real HTTP.

    .venv/bin/python -m bench.feedback [--database-url URL] [--ideas 100000] [--votes 2000000]
                                       [--accounts 5000] [--members 20000] [--requests 300]
                                       [--reuse] [--merge-only] [--merges 3]

Loads identity data (bench/synthetic.py) with segments and ARR, then ideas and votes with Core
executemany inserts, and derives the demand aggregates the services maintain (per (idea,
account) rows, counters on the idea, the impact score) in SQL after loading. Then measures:
the triage queue by impact (50 a page), the ideas list by impact as a customer, a vote on a
random idea and on the most-voted one, and merging the 10,000-vote idea into another and
undoing it (checked exact against the counts before).
"""

import argparse
import asyncio
import base64
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import BigInteger, Table, case, cast, event, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bench import harness, plans, synthetic
from bench.forum_load import SQLITE_LOAD_PRAGMAS
from bench.harness import BENCH_DIR, BenchFailure, Result
from domain.feedback.impact import ImpactWeights, rescore_all
from domain.feedback.models import (
    IMPORTANCE_RANK,
    Idea,
    IdeaAccountDemand,
    IdeaStatus,
    IdeaVisibility,
    IdeaVote,
    Importance,
)
from domain.identity.models import Account, AccountSegment, MemberStatus
from domain.shared.database import create_engine

DEFAULT_URL = f"sqlite+aiosqlite:///{BENCH_DIR / 'feedback_h.db'}"
BATCH = 20_000
PRODUCT_MEMBER_ID = 5  # "Parker Product" of bench/synthetic.py's STAFF
BIG_VOTES, TARGET_VOTES, OVERLAP = 10_000, 4_000, 1_000  # the merge: ideas 1 and 2
FRESH_VOTERS = 600  # members who vote only during the measurement
TARGETS = {"triage": 50.0, "vote": 20.0, "merge": 1000.0}
AREAS = ("Dashboards", "Alerts", "Pipelines", "Data Catalog", "Public API", "Billing", "Admin")
WORDS = ("export", "filter", "sync", "alert", "audit", "retry", "share", "schedule", "tag", "SSO")
STATUSES = (
    (IdeaStatus.NEW, 30),
    (IdeaStatus.UNDER_REVIEW, 20),
    (IdeaStatus.PLANNED, 10),
    (IdeaStatus.IN_PROGRESS, 5),
    (IdeaStatus.SHIPPED, 15),
    (IdeaStatus.DECLINED, 20),
)
SEGMENTS = (
    (AccountSegment.SMB, 55, 5_000, 50_000),
    (AccountSegment.MID_MARKET, 30, 50_000, 250_000),
    (AccountSegment.ENTERPRISE, 12, 250_000, 1_500_000),
    (AccountSegment.STRATEGIC, 3, 1_500_000, 5_000_000),
)
IMPORTANCE_WEIGHTS = (
    (Importance.NICE_TO_HAVE, 50),
    (Importance.IMPORTANT, 35),
    (Importance.MUST_HAVE, 15),
)

TRIAGE = """
query Triage($first: Int!, $after: String) {
  ideaTriageQueue(first: $first, after: $after) {
    edges { node { id title productArea status impactScore voterCount accountCount
      arr { amount currency } importanceCounts { niceToHave important mustHave }
      owner { id name } createdAt } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
IDEAS = """
query Ideas($first: Int!, $after: String) {
  ideas(first: $first, after: $after, order: IMPACT) {
    edges { node { id title productArea status impactScore voterCount accountCount
      viewerVote { importance } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
VOTE = """
mutation Vote($input: VoteIdeaInput!) {
  voteIdea(input: $input) {
    idea { id voterCount accountCount impactScore } vote { importance } userErrors { code }
  }
}
"""
MERGE = """
mutation Merge($input: MergeIdeasInput!) {
  mergeIdeas(input: $input) {
    source { status } target { voterCount accountCount arr { amount } } userErrors { code }
  }
}
"""
UNMERGE = """
mutation Unmerge($input: IdeaRefInput!) {
  unmergeIdea(input: $input) {
    source { status voterCount accountCount arr { amount } }
    target { voterCount accountCount arr { amount } } userErrors { code }
  }
}
"""


@dataclass(frozen=True)
class Loaded:
    database: str
    ideas: int
    votes: int
    accounts: int
    members: int
    public_ids: list[int]
    popular_id: int  # the most-voted idea besides the merge pair
    fresh: list[tuple[int, int]]  # (member id, account id) of the measurement's voters
    used: set[tuple[int, int]]  # (idea, member) votes the fresh voters already cast (--reuse)
    union_voters: int  # voters of ideas 1 and 2 together, each member once
    pair: dict[int, tuple[int, int, str]]  # ideas 1 and 2: (voters, accounts, ARR) as loaded
    seconds: float


# --- loading ------------------------------------------------------------------------------


def _segments(rows: synthetic.Rows, rng: random.Random) -> None:
    for account in rows.accounts[1:]:
        segment, _, low, high = rng.choices(SEGMENTS, [s[1] for s in SEGMENTS])[0]
        account["segment"] = segment
        arr = None if rng.random() < 0.05 else Decimal(rng.randrange(low * 100, high * 100)) / 100
        account["arr"] = arr


def _voters(rows: synthetic.Rows) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(member, account) of active customers: the loaded votes' pool and the fresh voters."""
    customers = [
        (m["id"], m["account_id"])
        for m in rows.members[len(synthetic.STAFF) :]
        if m["status"] is MemberStatus.ACTIVE
    ]
    return customers[:-FRESH_VOTERS], customers[-FRESH_VOTERS:]


def _ideas(n: int, pool: list[tuple[int, int]], rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for idea_id in range(1, n + 1):
        author, account = rng.choice(pool)
        roll = rng.random()
        visibility = IdeaVisibility.PUBLIC
        if idea_id > 2 and roll < 0.03:
            visibility, author = IdeaVisibility.STAFF, PRODUCT_MEMBER_ID
        elif idea_id > 2 and roll < 0.10:
            visibility = IdeaVisibility.ACCOUNT
        status = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
        if idea_id <= 2:
            status = IdeaStatus.UNDER_REVIEW
        created = synthetic.EPOCH + timedelta(seconds=rng.randrange(2 * 365 * 86_400))
        title = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} #{idea_id}"
        rows.append(
            {
                "id": idea_id,
                "title": title,
                "description_markdown": f"We need to {title.lower()}.",
                "description_html": f"<p>We need to {title.lower()}.</p>\n",
                "product_area": rng.choice(AREAS),
                "tags": rng.sample(WORDS, rng.randint(0, 2)),
                "attachments": [],
                "author_id": author,
                "visibility": visibility,
                "account_id": account if visibility is IdeaVisibility.ACCOUNT else None,
                "status": status,
                "status_changed_at": None if status is IdeaStatus.NEW else created,
                "first_reviewed_at": None if status is IdeaStatus.NEW else created,
                "shipped_at": created if status is IdeaStatus.SHIPPED else None,
                "declined_reason": "Not now." if status is IdeaStatus.DECLINED else None,
                "voter_count": 0,
                "account_count": 0,
                "arr_cents": 0,
                "nice_to_have_count": 0,
                "important_count": 0,
                "must_have_count": 0,
                "impact_score": 0,
                "created_at": created,
            }
        )
    return rows


def _vote_counts(ideas: list[dict[str, Any]], total: int, rng: random.Random) -> dict[int, int]:
    """Pareto-skewed votes per PUBLIC idea adding up to `total` (ideas 1 and 2 fixed)."""
    others = [i["id"] for i in ideas if i["visibility"] is IdeaVisibility.PUBLIC and i["id"] > 2]
    remaining = total - BIG_VOTES - TARGET_VOTES
    weights = [min(rng.paretovariate(1.3), 200.0) for _ in others]
    scale = remaining / sum(weights)
    counts = {idea: int(w * scale) for idea, w in zip(others, weights, strict=True)}
    short = remaining - sum(counts.values())
    for idea in rng.sample(others, short):
        counts[idea] += 1
    counts.update({1: BIG_VOTES, 2: TARGET_VOTES})
    return counts


def _votes(
    counts: dict[int, int], pool: list[tuple[int, int]], rng: random.Random
) -> Iterator[list[dict[str, Any]]]:
    levels = [i for i, _ in IMPORTANCE_WEIGHTS]
    level_weights = [w for _, w in IMPORTANCE_WEIGHTS]
    big = rng.sample(pool, BIG_VOTES)
    rest = list(set(pool) - set(big))
    target = big[:OVERLAP] + rng.sample(rest, TARGET_VOTES - OVERLAP)
    vote_id, batch = 0, []
    for idea_id, k in counts.items():
        voters = big if idea_id == 1 else target if idea_id == 2 else rng.sample(pool, k)
        for member_id, account_id in voters:
            vote_id += 1
            batch.append(
                {
                    "id": vote_id,
                    "idea_id": idea_id,
                    "member_id": member_id,
                    "account_id": account_id,
                    "importance": rng.choices(levels, level_weights)[0],
                    "proxy": False,
                    "recorded_by_id": None,
                    "proxy_source": None,
                    "proxy_note": None,
                    "created_at": synthetic.EPOCH,
                }
            )
            if len(batch) == BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


async def _insert_all(url: str, ideas: list[dict[str, Any]], votes: Iterator[list[Any]]) -> int:
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _loading(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            for pragma in SQLITE_LOAD_PRAGMAS:
                cursor.execute(pragma)
            cursor.close()

    total = 0
    try:
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(text("SET LOCAL session_replication_role = replica"))
            table: Table = Idea.__table__  # type: ignore[assignment]
            for start in range(0, len(ideas), BATCH):
                await connection.execute(insert(table), ideas[start : start + BATCH])
            for batch in votes:
                await connection.execute(insert(IdeaVote), batch)
                total += len(batch)
            await _aggregate(connection)
            if connection.dialect.name == "postgresql":
                for name in ("ideas", "idea_votes"):
                    await connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                            f"(SELECT max(id) FROM {name}))"
                        )
                    )
        async with engine.begin() as connection:
            await connection.execute(text("ANALYZE"))
    finally:
        await engine.dispose()
    return total


async def _aggregate(connection: AsyncConnection) -> None:
    """The demand the vote services keep incrementally, derived in SQL from the votes."""
    rank = case(*((IdeaVote.importance == i, r) for i, r in IMPORTANCE_RANK.items()), else_=0)
    arr_cents = func.coalesce(cast(func.round(Account.arr * 100), BigInteger), 0)
    per_account = (
        select(
            IdeaVote.idea_id,
            IdeaVote.account_id,
            func.count(),
            func.max(rank),
            arr_cents,
        )
        .join(Account, Account.id == IdeaVote.account_id)
        .group_by(IdeaVote.idea_id, IdeaVote.account_id, Account.arr)
    )
    await connection.execute(
        insert(IdeaAccountDemand).from_select(
            ["idea_id", "account_id", "voter_count", "max_importance_rank", "arr_cents"],
            per_account,
        )
    )

    def count_of(level: Importance) -> Any:
        return func.sum(case((IdeaVote.importance == level, 1), else_=0))

    votes = (
        select(
            IdeaVote.idea_id.label("idea_id"),
            func.count().label("voters"),
            count_of(Importance.NICE_TO_HAVE).label("nice"),
            count_of(Importance.IMPORTANT).label("important"),
            count_of(Importance.MUST_HAVE).label("must"),
        )
        .group_by(IdeaVote.idea_id)
        .subquery()
    )
    await connection.execute(
        update(Idea)
        .where(Idea.id == votes.c.idea_id)
        .values(
            voter_count=votes.c.voters,
            nice_to_have_count=votes.c.nice,
            important_count=votes.c.important,
            must_have_count=votes.c.must,
        )
    )
    accounts = (
        select(
            IdeaAccountDemand.idea_id.label("idea_id"),
            func.count().label("accounts"),
            func.sum(IdeaAccountDemand.arr_cents).label("arr"),
        )
        .group_by(IdeaAccountDemand.idea_id)
        .subquery()
    )
    await connection.execute(
        update(Idea)
        .where(Idea.id == accounts.c.idea_id)
        .values(account_count=accounts.c.accounts, arr_cents=accounts.c.arr)
    )
    await rescore_all(connection, ImpactWeights())  # exact decimals, as the services score


def load(args: argparse.Namespace, url: str) -> Loaded:
    started = time.perf_counter()
    rng = random.Random(args.seed + 2)
    rows = synthetic.generate(args.accounts, args.members, args.seed)
    _segments(rows, rng)
    pool, fresh = _voters(rows)
    ideas = _ideas(args.ideas, pool, rng)
    if not args.reuse:
        synthetic.reset_database(url)
        asyncio.run(synthetic.insert_rows(url, rows))
        counts = _vote_counts(ideas, args.votes, rng)
        asyncio.run(_insert_all(url, ideas, _votes(counts, pool, rng)))
    return asyncio.run(_describe(url, args, fresh, time.perf_counter() - started))


async def _describe(
    url: str, args: argparse.Namespace, fresh: list[tuple[int, int]], seconds: float
) -> Loaded:
    engine = create_engine(url)
    try:
        async with engine.connect() as c:
            votes = await c.scalar(select(func.count()).select_from(IdeaVote)) or 0
            summed = await c.scalar(select(func.sum(Idea.voter_count))) or 0
            demand = await c.scalar(select(func.sum(IdeaAccountDemand.voter_count))) or 0
            if not votes or votes != summed or votes != demand:
                raise BenchFailure(f"counters disagree: {votes} votes, {summed}, {demand}")
            readable = (
                Idea.visibility == IdeaVisibility.PUBLIC,
                Idea.status != IdeaStatus.DUPLICATE,
                Idea.id > 2,
            )
            public = list(await c.scalars(select(Idea.id).where(*readable)))
            fresh_ids = [m for m, _ in fresh]
            used = {
                (idea, member)
                for idea, member in await c.execute(
                    select(IdeaVote.idea_id, IdeaVote.member_id).where(
                        IdeaVote.member_id.in_(fresh_ids)
                    )
                )
            }
            # The most-voted idea that the fresh voters have not used up: each run with --reuse
            # leaves up to 590 of their votes on it (always picking the same one made the next
            # run's "vote popular" loop forever looking for a voter who had not voted yet).
            popular = None
            for idea_id in await c.scalars(
                select(Idea.id).where(*readable).order_by(Idea.voter_count.desc()).limit(50)
            ):
                if sum((idea_id, m) in used for m in fresh_ids) < FRESH_VOTERS // 10:
                    popular = idea_id
                    break
            pair = {
                row.id: (row.voter_count, row.account_count, _amount(row.arr_cents))
                for row in await c.execute(
                    select(Idea.id, Idea.voter_count, Idea.account_count, Idea.arr_cents).where(
                        Idea.id.in_([1, 2])
                    )
                )
            }
            union = await c.scalar(
                select(func.count(func.distinct(IdeaVote.member_id))).where(
                    IdeaVote.idea_id.in_([1, 2])
                )
            )
    finally:
        await engine.dispose()
    return Loaded(
        database=await synthetic.describe(url),
        ideas=args.ideas,
        votes=votes,
        accounts=args.accounts,
        members=args.members,
        public_ids=public,
        popular_id=popular or 3,
        fresh=fresh,
        used=used,
        union_voters=union or 0,
        pair=pair,
        seconds=seconds,
    )


# --- scenarios ----------------------------------------------------------------------------


@dataclass
class ListWalk:
    """A list by impact, page after page (`depth` pages), then from the top again."""

    name: str
    token: str
    query: str
    field: str
    page_size: int = 50
    depth: int = 5
    after: str | None = None
    page: int = 0
    rows: int = 0
    requests: int = 0

    def payload(self) -> dict[str, Any]:
        variables = {"first": self.page_size, "after": self.after}
        return {"query": self.query, "variables": variables}

    def observe(self, data: dict[str, Any]) -> None:
        found = data[self.field]
        scores = [e["node"]["impactScore"] for e in found["edges"]]
        if not scores or scores != sorted(scores, reverse=True):
            raise BenchFailure(f"{self.name}: empty or unordered page")
        self.rows += len(scores)
        self.requests += 1
        self.page += 1
        more = found["pageInfo"]["hasNextPage"] and self.page < self.depth
        self.after = found["pageInfo"]["endCursor"] if more else None
        self.page = self.page if more else 0


@dataclass
class Voting:
    """Each request: a fresh voter votes on a random public idea (or always the popular one)."""

    name: str
    tokens: dict[int, str]
    ideas: list[int]
    used: set[tuple[int, int]]
    rng: random.Random = field(default_factory=lambda: random.Random(11))
    token: str = ""
    voter: int = 0
    idea: int = 0

    def payload(self) -> dict[str, Any]:
        for _ in range(100_000):
            self.voter = self.rng.choice(list(self.tokens))
            self.idea = self.ideas[0] if len(self.ideas) == 1 else self.rng.choice(self.ideas)
            if (self.idea, self.voter) not in self.used:
                break
        else:  # every fresh voter voted on these ideas already (a database reused too often)
            raise BenchFailure(f"{self.name}: no fresh voter left; load a new database")
        self.used.add((self.idea, self.voter))
        self.token = self.tokens[self.voter]
        importance = self.rng.choice(list(Importance)).value
        idea_id = harness_id("Idea", self.idea)
        return {
            "query": VOTE,
            "variables": {"input": {"ideaId": idea_id, "importance": importance}},
        }

    def observe(self, data: dict[str, Any]) -> None:
        if data["voteIdea"]["userErrors"]:
            raise BenchFailure(f"{self.name}: {data['voteIdea']['userErrors']}")


@dataclass
class MergeUndo:
    """Alternately merges idea 1 (10,000 votes) into idea 2 and undoes it, checking the counts."""

    name: str
    token: str
    union_voters: int
    pair: dict[int, tuple[int, int, str]]
    merged: bool = False

    def payload(self) -> dict[str, Any]:
        if self.merged:
            return {"query": UNMERGE, "variables": {"input": {"ideaId": harness_id("Idea", 1)}}}
        source, target = harness_id("Idea", 1), harness_id("Idea", 2)
        return {
            "query": MERGE,
            "variables": {"input": {"sourceId": source, "targetId": target}},
        }

    def observe(self, data: dict[str, Any]) -> None:
        key = "unmergeIdea" if self.merged else "mergeIdeas"
        result = data[key]
        if result["userErrors"]:
            raise BenchFailure(f"{self.name}: {result['userErrors']}")
        if not self.merged and result["target"]["voterCount"] != self.union_voters:
            raise BenchFailure(
                f"merge: {result['target']['voterCount']} voters, not {self.union_voters}"
            )
        if self.merged:
            after = {1: _counts(result["source"]), 2: _counts(result["target"])}
            if after != self.pair:
                raise BenchFailure(f"unmerge not exact: {after} != {self.pair}")
        self.merged = not self.merged


def _counts(node: dict[str, Any]) -> tuple[int, int, str]:
    return (
        node["voterCount"],
        node["accountCount"],
        _amount(int(Decimal(node["arr"]["amount"]) * 100)),
    )


def _amount(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


def harness_id(type_name: str, value: int) -> str:
    return base64.b64encode(f"{type_name}:{value}".encode()).decode()


# --- running ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    url = args.database_url or DEFAULT_URL
    try:
        loaded = load(args, url)
        _print_loaded(loaded, args)
        results = _measure(url, loaded, args)
    except BenchFailure as failure:
        print(f"bench failed: {failure}", file=sys.stderr)
        return 1
    return 0 if all(_verdicts(results)) else 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.feedback", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--database-url", help=f"default: a new SQLite file, {DEFAULT_URL}")
    parser.add_argument("--ideas", type=int, default=100_000)
    parser.add_argument("--votes", type=int, default=2_000_000)
    parser.add_argument("--accounts", type=int, default=5_000, help="customer accounts")
    parser.add_argument("--members", type=int, default=20_000, help="customer members")
    parser.add_argument("--requests", type=int, default=300, help="measured requests per scenario")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests per scenario")
    parser.add_argument("--merges", type=int, default=3, help="merge + undo rounds")
    parser.add_argument("--seed", type=int, default=synthetic.SEED)
    parser.add_argument(
        "--reuse", action="store_true", help="measure what an earlier run loaded (same options)"
    )
    parser.add_argument("--no-plans", action="store_true", help="skip EXPLAIN")
    parser.add_argument(
        "--merge-only", action="store_true", help="only the merge / undo rounds (with --reuse)"
    )
    return parser


def _print_loaded(loaded: Loaded, args: argparse.Namespace) -> None:
    print(f"\n=== {loaded.ideas} ideas, {loaded.votes} votes, {loaded.accounts} accounts")
    print(f"database:  {loaded.database}")
    print(
        f"data set:  {args.members} members ({FRESH_VOTERS} kept for the vote scenarios); "
        f"idea 1 has {BIG_VOTES} votes, idea 2 {TARGET_VOTES} ({OVERLAP} members on both); "
        f"most-voted other idea: {loaded.popular_id}"
    )
    print(f"load time: {loaded.seconds:.1f} s" + (" (reused)" if args.reuse else ""), flush=True)


def _measure(url: str, loaded: Loaded, args: argparse.Namespace) -> dict[str, Result]:
    app, counter = harness.bench_app(url)
    product = app.state.tokens.issue(PRODUCT_MEMBER_ID)
    customer = app.state.tokens.issue(loaded.fresh[0][0])
    tokens = {member: app.state.tokens.issue(member) for member, _ in loaded.fresh}
    used = set(loaded.used)
    n, warm = args.requests, args.warmup
    with harness.serving(app) as base_url, httpx.Client(base_url=base_url, timeout=120) as client:
        triage = ListWalk("triage by impact, pages 1-5", product, TRIAGE, "ideaTriageQueue")
        listing = ListWalk("ideas by impact (customer)", customer, IDEAS, "ideas")
        results = (
            {}
            if args.merge_only
            else {
                "triage": harness.run(client, counter, triage, warm, n),
                "triage page 1": harness.run(
                    client,
                    counter,
                    ListWalk("triage page 1", product, TRIAGE, "ideaTriageQueue", depth=1),
                    warm,
                    n,
                ),
                "ideas": harness.run(client, counter, listing, warm, n),
                "vote": harness.run(
                    client,
                    counter,
                    Voting("vote, random idea", tokens, loaded.public_ids, used),
                    warm,
                    n,
                ),
                "vote popular": harness.run(
                    client,
                    counter,
                    Voting("vote, most-voted idea", tokens, [loaded.popular_id], used),
                    0,
                    min(n, FRESH_VOTERS - 10),
                ),
            }
        )
        merge = harness.run(
            client,
            counter,
            MergeUndo("merge", product, loaded.union_voters, loaded.pair),
            0,
            2 * args.merges,
        )
    results["merge"] = Result(
        f"merge 10,000 votes (x{args.merges})",
        merge.milliseconds[0::2],
        merge.cpu_milliseconds[0::2],
        merge.statements[0::2],
    )
    results["unmerge"] = Result(
        f"undo that merge (x{args.merges})",
        merge.milliseconds[1::2],
        merge.cpu_milliseconds[1::2],
        merge.statements[1::2],
    )
    if args.merge_only:
        print("\n" + harness.machine_line(2 * args.merges, 0))
    else:
        print("\n" + harness.machine_line(n, warm))
    harness.print_table(list(results.values()))
    for name, ok in zip(results, _verdicts(results), strict=True):
        print(f"{name}: {'ok' if ok else 'MISSED'}")
    if not args.no_plans and not args.merge_only:
        _print_plans(url, results["triage"], "triage page", plan=True)
        _print_plans(url, results["vote"], "vote", plan=False)
    return results


def _verdicts(results: dict[str, Result]) -> list[bool]:
    verdicts = []
    for name, result in results.items():
        kind = (
            "triage" if name.startswith("triage") else "vote" if name.startswith("vote") else None
        )
        if name in ("merge", "unmerge"):
            verdicts.append(max(result.milliseconds) < TARGETS["merge"])
        elif kind:
            verdicts.append(result.percentile(0.95) < TARGETS[kind])
        else:
            verdicts.append(result.percentile(0.95) < TARGETS["triage"])
    return verdicts


def _print_plans(url: str, result: Result, label: str, *, plan: bool) -> None:
    print(f"\nSQL of one {label} request{' and query plans' if plan else ''}:")
    found = plans.explain(url, result.last_sql, result.last_parameters) if plan else None
    for i, statement in enumerate(result.last_sql):
        print(f"[{i + 1}] {plans.one_line(statement)[:300]}")
        for line in found[i] if found else []:
            print(f"      {line}")


if __name__ == "__main__":
    sys.exit(main())
