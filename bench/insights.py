"""Insights at scale: full recompute, a BG/NBD fit, and one account's insights over HTTP.

    .venv/bin/python -m bench.insights [--database-url URL] [--accounts 20000] [--members 40000]
        [--ledger 1000000] [--opportunities 100000] [--customers 100000] [--requests 300]

Loads identity (bench/synthetic.py), then contracts, purchases, opportunities, advocacy touches
and the advocacy ledger with SQLAlchemy Core; times `recompute_all` (what `bondfire insights
recompute` runs), a BG/NBD fit on simulated customers, and the AccountInsights query.
Targets: recompute < 60 s, fit < 30 s, query p95 < 50 ms.
"""

import argparse
import asyncio
import base64
import random
import re
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sqlalchemy import insert, text

from bench import harness, synthetic
from bench.harness import BENCH_DIR, BenchFailure
from domain.advocacy.models import LedgerActivity, LedgerEntry
from domain.insights.clv import bgnbd
from domain.insights.models import (
    AdvocacyTouch,
    Contract,
    ContractChange,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    TouchSource,
    TouchType,
    Transaction,
    TransactionKind,
)
from domain.insights.services.recompute import recompute_all
from domain.shared.database import create_engine, create_session_factory

DEFAULT_URL = f"sqlite+aiosqlite:///{BENCH_DIR / 'insights.db'}"
OPERATIONS = Path(__file__).resolve().parent.parent / "frontend-contract" / "operations"
BATCH = 10_000
TODAY = date.today()


def account_insights_operation() -> str:
    """The AccountInsights read from the contract (kept there as a comment: staff only)."""
    source = (OPERATIONS / "insights-revenue.graphql").read_text()
    lines = [line[4:] for line in source.splitlines() if line.startswith("#   ")]
    block = "\n".join(lines)
    match = re.search(r"query AccountInsights.*?\n}\n", block + "\n", re.S)
    if not match:
        raise BenchFailure("AccountInsights not found in insights-revenue.graphql")
    return match.group(0)


@dataclass
class AccountWalk:
    name: str
    token: str
    account_ids: list[str]
    query: str
    rng: random.Random
    seen: int = 0

    def payload(self) -> dict[str, Any]:
        account = base64.b64encode(f"Account:{self.rng.choice(self.account_ids)}".encode()).decode()
        return {"query": self.query, "variables": {"accountId": account}}

    def observe(self, data: dict[str, Any]) -> None:
        if data["accountInsights"] is None:
            raise BenchFailure("accountInsights returned null")
        self.seen += 1


def _day(days_ago: int) -> date:
    return TODAY - timedelta(days=days_ago)


def generate(rows: synthetic.Rows, args: argparse.Namespace) -> dict[Any, list[dict[str, Any]]]:
    rng = random.Random(args.seed)
    customers = [a["id"] for a in rows.accounts if a["id"] != 1]
    members_by_account: dict[int, list[int]] = {}
    for m in rows.members:
        members_by_account.setdefault(m["account_id"], []).append(m["id"])
    customer_members = [m["id"] for m in rows.members if m["account_id"] != 1]
    account_of = {m["id"]: m["account_id"] for m in rows.members}
    now = datetime.now(UTC)
    out: dict[Any, list[dict[str, Any]]] = {
        k: [] for k in (Contract, Transaction, Opportunity, AdvocacyTouch, LedgerEntry)
    }
    for account_id in customers:
        started = rng.randint(30, 8 * 365)
        churned = rng.random() < 0.3
        out[Contract].append(
            {
                "external_id": f"C-{account_id}",
                "account_id": account_id,
                "product": None,
                "change": ContractChange.NEW,
                "arr": Decimal(rng.choice((9600, 24000, 60000, 150000, 400000))),
                "currency": "USD",
                "start_date": _day(started),
                "end_date": None,
                "renewal_date": None,
                "churned_on": _day(rng.randint(1, started)) if churned else None,
                "created_at": now,
                "updated_at": now,
            }
        )
        day = min(started, 700)
        while day > 0 and len(out[Transaction]) < args.accounts * 5:
            out[Transaction].append(
                {
                    "external_id": f"T-{len(out[Transaction])}",
                    "account_id": account_id,
                    "kind": TransactionKind.SERVICES,
                    "occurred_on": _day(day),
                    "amount": Decimal(rng.randint(500, 9000)),
                    "currency": "USD",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            if rng.random() < 0.3:
                break
            day -= rng.randint(20, 200)
    types = list(TouchType)
    for i in range(1, args.opportunities + 1):
        created = rng.randint(10, 900)
        status = rng.choice(
            (
                OpportunityStatus.WON,
                OpportunityStatus.WON,
                OpportunityStatus.OPEN,
                OpportunityStatus.LOST,
            )
        )
        referrer = rng.choice(customer_members) if rng.random() < 0.05 else None
        out[Opportunity].append(
            {
                "id": i,
                "external_id": f"O-{i}",
                "account_id": rng.choice(customers),
                "name": f"Deal {i}",
                "kind": OpportunityKind.NEW_BUSINESS if i % 3 else OpportunityKind.EXPANSION,
                "stage": "Closed" if status is not OpportunityStatus.OPEN else "Proposal",
                "status": status,
                "amount": Decimal(rng.randint(1000, 500000)),
                "currency": "USD",
                "lead_created_on": _day(created + 20),
                "created_on": _day(created),
                "closed_on": _day(rng.randint(1, created))
                if status is not OpportunityStatus.OPEN
                else None,
                "source": "REFERRAL" if referrer else None,
                "referral_code": None,
                "source_referral_id": None,
                "contact_roles": [],
                "referrer_member_id": referrer,
                "referrer_account_id": account_of[referrer] if referrer else None,
                "created_at": now,
                "updated_at": now,
            }
        )
        for k in range(rng.randint(0, 5)):
            member = rng.choice(customer_members)
            out[AdvocacyTouch].append(
                {
                    "source_key": f"import:TCH-{i}-{k}",
                    "opportunity_id": i,
                    "member_id": member,
                    "account_id": account_of[member],
                    "program_id": None,
                    "touch_type": rng.choice(types),
                    "source": TouchSource.IMPORT,
                    "occurred_at": now
                    - timedelta(days=rng.randint(1, created + 60), seconds=rng.randint(0, 86399)),
                    "created_at": now,
                }
            )
    activities = list(LedgerActivity)
    for i in range(args.ledger):
        member = rng.choice(customer_members)
        out[LedgerEntry].append(
            {
                "dedupe_key": f"bench:{i}",
                "activity": rng.choice(activities),
                "member_id": member,
                "account_id": account_of[member],
                "occurred_at": now
                - timedelta(days=rng.randint(0, 3 * 365), seconds=rng.randint(0, 86399)),
                "weight": Decimal("1.00"),
                "points": 10,
                "points_withheld": False,
                "source_type": "Bench",
                "source_id": i,
                "tags": [],
            }
        )
    return out


async def insert_all(url: str, tables: dict[Any, list[dict[str, Any]]]) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for model, rows in tables.items():
                for start in range(0, len(rows), BATCH):
                    await connection.execute(insert(model.__table__), rows[start : start + BATCH])
            if connection.dialect.name == "postgresql":
                await connection.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence('revenue_opportunities', 'id'), "
                        "(SELECT max(id) FROM revenue_opportunities))"
                    )
                )
        async with engine.begin() as connection:
            await connection.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


async def recompute(url: str, bootstrap: int) -> tuple[float, float, Any]:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            started, cpu = time.perf_counter(), time.process_time()
            summary = await recompute_all(session, bootstrap=bootstrap)
            await session.commit()
            return time.perf_counter() - started, time.process_time() - cpu, summary
    finally:
        await engine.dispose()


def bgnbd_fit(customers: int, seed: int) -> tuple[float, bgnbd.BGNBDParams]:
    """Customers simulated from r=0.24, alpha=4.4, a=0.79, b=2.4 (CDNOW's), 39 weeks each."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(0.24, 1 / 4.4, customers)
    p = rng.beta(0.79, 2.4, customers)
    horizon = rng.uniform(27, 39, customers)
    x = np.zeros(customers)
    tx = np.zeros(customers)
    t = np.zeros(customers)
    alive = np.ones(customers, dtype=bool)
    while alive.any():  # every customer's next purchase, in rounds
        t = t + rng.exponential(1 / np.maximum(lam, 1e-9))
        buying = alive & (t <= horizon)
        x[buying] += 1
        tx[buying] = t[buying]
        alive = buying & (rng.random(customers) >= p)
    tx = np.round(tx, 2)
    started = time.perf_counter()
    fit = bgnbd.fit(x, tx, np.round(horizon, 2))
    return time.perf_counter() - started, fit


def _load(url: str, args: argparse.Namespace) -> tuple[int, list[str]]:
    if args.reuse:
        return asyncio.run(existing(url))
    started = time.perf_counter()
    data, rows = synthetic.load_with_rows(url, args.accounts, args.members, args.seed)
    tables = generate(rows, args)
    asyncio.run(insert_all(url, tables))
    print(f"database: {data.database}")
    print(
        "loaded: "
        + ", ".join(f"{len(v)} {k.__tablename__}" for k, v in tables.items())
        + f"; {data.customer_accounts} accounts, {data.members} members "
        f"in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return data.admin_id, [str(a["id"]) for a in rows.accounts if a["id"] != 1]


async def existing(url: str) -> tuple[int, list[str]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT id FROM accounts WHERE kind = 'CUSTOMER'"))
            return 1, [str(i) for i in rows.scalars()]
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.insights", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--database-url", help=f"default: a new SQLite file, {DEFAULT_URL}")
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--members", type=int, default=40_000)
    parser.add_argument("--ledger", type=int, default=1_000_000)
    parser.add_argument("--opportunities", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=100_000, help="for the BG/NBD fit")
    parser.add_argument("--bootstrap", type=int, default=200, help="uplift bootstrap resamples")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=synthetic.SEED)
    parser.add_argument("--reuse", action="store_true", help="measure what the last run loaded")
    args = parser.parse_args(argv)
    url = args.database_url or DEFAULT_URL
    try:
        admin_id, accounts = _load(url, args)
        seconds, cpu, summary = asyncio.run(recompute(url, args.bootstrap))
        print(
            f"full recompute: {seconds:.1f} s wall, {cpu:.1f} s CPU (target < 60 s): "
            f"{summary.credits} credits, {summary.accounts} accounts, "
            f"{summary.uplift_scopes} uplift scopes ({args.bootstrap} bootstrap resamples each)",
            flush=True,
        )
        seconds, fit = bgnbd_fit(args.customers, args.seed)
        print(
            f"BG/NBD fit on {args.customers} customers: {seconds:.1f} s (target < 30 s): "
            f"r={fit.r:.3f} alpha={fit.alpha:.3f} a={fit.a:.3f} b={fit.b:.3f} "
            "(simulated from r=0.24 alpha=4.4 a=0.79 b=2.4)",
            flush=True,
        )
        app, counter = harness.bench_app(url)
        token = app.state.tokens.issue(admin_id)
        walk = AccountWalk(
            "account insights (admin)",
            token,
            accounts,
            account_insights_operation(),
            random.Random(args.seed),
        )
        with harness.serving(app) as base, httpx.Client(base_url=base, timeout=60) as client:
            result = harness.run(client, counter, walk, args.warmup, args.requests)
        print("\n" + harness.machine_line(args.requests, args.warmup))
        harness.print_table([result])
        print(f"target: p95 < 50 ms; p95 was {result.percentile(0.95):.1f} ms")
    except BenchFailure as failure:
        print(f"bench failed: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
