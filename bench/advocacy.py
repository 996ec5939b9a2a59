"""Ranked reference candidates on 20,000 advocate profiles and 200,000 past asks.

    .venv/bin/python -m bench.advocacy [--database-url URL] [--profiles 20000] [--asks 200000]
                                       [--requests 200] [--reuse]

Loads the synthetic identity data (bench/synthetic.py: 5,000 accounts, competitor pairs), one
advocate profile per customer member (most willing to take reference calls), 200,000 asks
spread over two years, forum evidence for a fifth of them and 20 reference requests for
prospects that are known accounts with competitors; then asks, as a marketer, for the top ten
candidates of request after request through the real HTTP stack.
"""

import argparse
import asyncio
import base64
import random
import sys
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, insert, select, text

from bench import harness, synthetic
from bench.harness import BENCH_DIR, BenchFailure
from domain.advocacy.fatigue import AskKind
from domain.advocacy.models import (
    AdvocacyAsk,
    AdvocateEvidence,
    AdvocateProfile,
    AdvocateProfileTerm,
    ReferenceRequest,
)
from domain.advocacy.services.profiles import words
from domain.identity.models import Role
from domain.shared.database import create_engine
from domain.shared.models import utcnow

DEFAULT_URL = f"sqlite+aiosqlite:///{BENCH_DIR / 'advocacy.db'}"
P95_TARGET_MS = 200.0
PRODUCTS = ("Pipelines", "Dashboards", "Alerts", "Data Catalog", "Public API", "Embedded Analytics")
USE_CASES = (
    "month-end reporting",
    "audit-ready data lineage",
    "real-time inventory alerts",
    "customer churn dashboards",
    "freight tracking pipelines",
    "embedded usage analytics",
)
ACTIVITIES = ("REFERENCE_CALL", "SITE_VISIT", "CASE_STUDY", "TESTIMONIAL", "SPEAKING")
REQUESTS = 20
CANDIDATES = """
query Candidates($id: ID!) {
  node(id: $id) {
    ... on ReferenceRequest {
      candidates(first: 10) {
        score reasons acceptedAnswers shippedIdeas
        member { id name } account { name } budget { allowed asksInPeriod }
      }
    }
  }
}"""


@dataclass
class CandidateWalk:
    name: str
    token: str
    request_ids: list[int]
    index: int = 0
    returned: list[int] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        request_id = self.request_ids[self.index % len(self.request_ids)]
        self.index += 1
        node_id = base64.b64encode(f"ReferenceRequest:{request_id}".encode()).decode()
        return {"query": CANDIDATES, "variables": {"id": node_id}}

    def observe(self, data: dict[str, Any]) -> None:
        node = data["node"]
        if node is None:
            raise BenchFailure("reference request not readable")
        self.returned.append(len(node["candidates"]))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    url = args.database_url or DEFAULT_URL
    try:
        if args.reuse:
            marketer_id, request_ids = asyncio.run(_existing(url))
        else:
            identity, rows = synthetic.load_with_rows(url, args.accounts, args.profiles, args.seed)
            print(
                f"identity: {identity.customer_accounts} accounts, {identity.members} members, "
                f"{identity.competitor_pairs} competitor pairs"
            )
            marketer_id = next(r["member_id"] for r in rows.roles if r["role"] is Role.MARKETING)
            request_ids = asyncio.run(_load(url, rows, args, marketer_id))
        print(asyncio.run(_describe(url)))
        app, counter = harness.bench_app(url)
        walk = CandidateWalk(
            "reference candidates (top 10)", app.state.tokens.issue(marketer_id), request_ids
        )
        with (
            harness.serving(app) as base_url,
            httpx.Client(base_url=base_url, timeout=60) as client,
        ):
            result = harness.run(client, counter, walk, args.warmup, args.requests)
    except BenchFailure as failure:
        print(f"bench failed: {failure}", file=sys.stderr)
        return 1
    print("\n" + harness.machine_line(args.requests, args.warmup))
    harness.print_table([result], name_width=34)
    mean = sum(walk.returned) / max(1, len(walk.returned))
    print(f"candidates returned per request: mean {mean:.1f} (min {min(walk.returned)})")
    p95 = result.percentile(0.95)
    verdict = "meets" if p95 < P95_TARGET_MS else "MISSES"
    print(f"p95 {p95:.1f} ms {verdict} the {P95_TARGET_MS:.0f} ms target")
    if args.show_sql:
        for statement in result.last_sql:
            print("\n" + statement)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.advocacy", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--database-url", help=f"default: a new SQLite file, {DEFAULT_URL}")
    parser.add_argument(
        "--profiles", type=int, default=20_000, help="customer members, one profile each"
    )
    parser.add_argument("--accounts", type=int, default=5_000)
    parser.add_argument("--asks", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=synthetic.SEED)
    parser.add_argument("--reuse", action="store_true", help="measure what an earlier run loaded")
    parser.add_argument("--show-sql", action="store_true", help="print one request's SQL")
    return parser


async def _load(
    url: str, rows: synthetic.Rows, args: argparse.Namespace, marketer_id: int
) -> list[int]:
    rng = random.Random(args.seed + 7)
    now = utcnow()
    # Every customer member gets a profile (inactive members' are left out by the ranking).
    customers = [m for m in rows.members if m["account_id"] != 1]
    accounts = {a["id"]: a for a in rows.accounts}
    competitors: dict[int, int] = {}
    for pair in rows.competitors:
        competitors[pair["account_id"]] = competitors.get(pair["account_id"], 0) + 1
    profiles: list[dict[str, Any]] = []
    terms: list[dict[str, Any]] = []
    evidence: list[dict[str, Any]] = []
    asks: list[dict[str, Any]] = []
    for profile_id, member in enumerate(customers, start=1):
        activities = [
            a for a in ACTIVITIES if rng.random() < (0.8 if a == "REFERENCE_CALL" else 0.3)
        ]
        products = rng.sample(PRODUCTS, rng.randint(1, 3))
        use_cases = rng.sample(USE_CASES, rng.randint(0, 2))
        profiles.append(
            {
                "id": profile_id,
                "member_id": member["id"],
                "account_id": member["account_id"],
                "status": "ACTIVE" if rng.random() < 0.9 else "PAUSED",
                "activities": activities,
                "max_asks_per_quarter": rng.choice((None, None, 2, 4, 6)),
                "languages": ["en"],
                "products": products,
                "use_cases": use_cases,
                "outcomes": [],
                "availability": [],
                "created_at": now,
                "updated_at": now,
                "last_asked_at": None,
            }
        )
        keys = {("ACTIVITY", a) for a in activities} | {("PRODUCT", p.lower()) for p in products}
        keys |= {("LANGUAGE", "en")} | {("USE_CASE", w) for u in use_cases for w in words(u)}
        terms.extend({"profile_id": profile_id, "kind": k, "value": v} for k, v in keys)
        if rng.random() < 0.2:
            evidence.append(
                {
                    "member_id": member["id"],
                    "product": rng.choice(products).lower(),
                    "accepted_answers": rng.randint(1, 8),
                    "shipped_ideas": rng.randint(0, 2),
                }
            )
    last_asked: dict[int, Any] = {}
    kinds = list(AskKind)
    for n in range(args.asks):
        member = rng.choice(customers)
        at = now - timedelta(seconds=rng.randint(0, 730 * 86400))
        asks.append(
            {
                "member_id": member["id"],
                "account_id": member["account_id"],
                "kind": rng.choice(kinds).value,
                "source_type": "Bench",
                "source_id": n,
                "asked_at": at,
            }
        )
        if member["id"] not in last_asked or last_asked[member["id"]] < at:
            last_asked[member["id"]] = at
    for profile in profiles:
        profile["last_asked_at"] = last_asked.get(profile["member_id"])
    prospects = [a for a in competitors if accounts[a]["kind"].value == "CUSTOMER"]
    requests = []
    for n in range(REQUESTS):
        prospect = accounts[prospects[n % len(prospects)]]
        requests.append(
            {
                "id": n + 1,
                "requested_by_id": marketer_id,
                "activity": "REFERENCE_CALL",
                "prospect_company": prospect["name"],
                "prospect_domain": prospect["domain"],
                "prospect_account_id": prospect["id"],
                "industry": prospect["industry"],
                "region": prospect["region"],
                "employee_band": None,
                "products": rng.sample(PRODUCTS, 2),
                "use_case": rng.choice(USE_CASES),
                "currency": "USD",
                "status": "REQUESTED",
                "created_at": now,
            }
        )
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for table, data in (
                (AdvocateProfile.__table__, profiles),
                (AdvocateProfileTerm.__table__, terms),
                (AdvocateEvidence.__table__, evidence),
                (AdvocacyAsk.__table__, asks),
                (ReferenceRequest.__table__, requests),
            ):
                for start in range(0, len(data), 5_000):
                    await connection.execute(insert(table), data[start : start + 5_000])  # type: ignore[arg-type]
            if connection.dialect.name == "postgresql":
                for name in ("advocate_profiles", "advocacy_asks", "reference_requests"):
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
    return [r["id"] for r in requests]


async def _existing(url: str) -> tuple[int, list[int]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(ReferenceRequest.id, ReferenceRequest.requested_by_id)
                )
            ).all()
    finally:
        await engine.dispose()
    if not rows:
        raise BenchFailure("no reference requests: run without --reuse first")
    return rows[0][1], [r[0] for r in rows]


async def _describe(url: str) -> str:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            counts = []
            for label, model in (
                ("profiles", AdvocateProfile),
                ("asks", AdvocacyAsk),
                ("profile terms", AdvocateProfileTerm),
                ("evidence rows", AdvocateEvidence),
                ("reference requests", ReferenceRequest),
            ):
                n = await connection.scalar(select(func.count()).select_from(model))
                counts.append(f"{n:,} {label}")
    finally:
        await engine.dispose()
    return f"{engine.dialect.name}: " + ", ".join(counts)


if __name__ == "__main__":
    sys.exit(main())
