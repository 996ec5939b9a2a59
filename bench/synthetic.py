"""A large, realistic, deterministic community, bulk-loaded into a freshly migrated database.

Rows get explicit ids so that members can point at accounts without a round trip per row;
the PostgreSQL id sequences are moved past them afterwards so the app can still insert.
"""

import asyncio
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.identity.models import (
    Account,
    AccountKind,
    EmployeeBand,
    LifecycleStage,
    Member,
    MemberRole,
    MemberStatus,
    Role,
    TouchTier,
    account_competitors,
)
from domain.shared.database import create_engine
from migrations.runner import downgrade, upgrade

SEED = 20261122
BATCH_SIZE = 5_000
EPOCH = datetime(2023, 1, 1, tzinfo=UTC)

FIRST_NAMES = (
    "Ada Alan Alice Amara Ana Andrei Anna Arjun Ben Carla Chen Chloe Daniel David Diego Elena Emma "
    "Erik Fatima Felix Grace Hana Hugo Ines Isaac Ivan Jana Jonas Julia Kai Karin Kenji Lars Laura "
    "Lea Leo Lina Luca Lucas Maria Mateo Maya Mia Mohammed Nadia Nina Noah Olga Omar Oscar Paula "
    "Pedro Priya Rafael Ravi Rosa Sara Sofia Tariq Tom Yara Yusuf Zoe"
).split()
LAST_NAMES = (
    "Abe Almeida Andersen Bauer Becker Brown Castro Chen Costa Dubois Eriksson Fischer Garcia "
    "Gomez Hansen Hoffmann Ito Ivanova Jensen Johnson Kaur Khan Kim Kowalski Kumar Larsen Lee "
    "Lopez Martin Meyer Moreau Muller Nakamura Nguyen Novak Okafor Olsen Park Patel Perez Petrov "
    "Rossi Santos "
    "Sato Schmidt Silva Singh Smith Suzuki Tanaka Taylor Torres Wagner Wang Weber Williams Wilson "
    "Wong Yamamoto Young Zhang"
).split()
COMPANY_WORDS = (
    "Acme Apex Arc Atlas Aurora Beacon Blue Bright Cascade Cedar Cobalt Crest Delta Echo Ember "
    "Falcon Forge Granite Harbor Helix Horizon Iron Juniper Keystone Lumen Maple Meridian Nimbus "
    "North Nova Oak Orbit Pine Pioneer Polar Quartz Radiant Redwood Ridge River Sage Sierra Silver "
    "Summit Terra Tidal Vertex Willow Zenith"
).split()
COMPANY_SUFFIXES = (
    "Labs Systems Group Health Logistics Bank Retail Energy Software Media Foods Robotics "
    "Insurance Analytics Partners"
).split()
INDUSTRIES = (
    "Software, Financial Services, Healthcare, Retail, Manufacturing, Logistics, Media, Energy, "
    "Education, Public Sector"
).split(", ")
REGIONS = ("EMEA", "NA", "APAC", "LATAM")
TITLES: list[str | None] = [
    *(
        "Software Engineer, Senior Software Engineer, Engineering Manager, Data Analyst, "
        "Product Manager, Head of Operations, IT Administrator, Solutions Architect, "
        "Marketing Manager, Customer Success Lead, CTO, VP Engineering"
    ).split(", "),
    None,
]
TIMEZONES: list[str | None] = [
    *(
        "Europe/Berlin Europe/London Europe/Paris America/New_York America/Chicago "
        "America/Los_Angeles America/Sao_Paulo Asia/Tokyo Asia/Singapore Asia/Kolkata "
        "Australia/Sydney"
    ).split(),
    None,
]
PRODUCTS = ("Analytics", "Billing", "Connect", "Insights", "Workflows", "API")

# (name, roles) of the vendor's own people; the first one is the admin the benchmark signs in as.
STAFF = (
    ("Avery Admin", {Role.ADMIN}),
    ("Casey Success", {Role.CSM}),
    ("Cameron Success", {Role.CSM}),
    ("Morgan Marketing", {Role.MARKETING}),
    ("Parker Product", {Role.PRODUCT}),
    ("Sam Support", {Role.CSM, Role.MODERATOR}),
)


@dataclass
class Rows:
    accounts: list[dict[str, Any]] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    roles: list[dict[str, Any]] = field(default_factory=list)
    competitors: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class DataSet:
    """What was loaded, and whom the benchmark signs in as."""

    database: str
    customer_accounts: int
    members: int
    roles: int
    competitor_pairs: int
    largest_account_members: int
    admin_id: int
    customer_member_id: int
    migrate_seconds: float
    insert_seconds: float


def generate(accounts: int, members: int, seed: int = SEED) -> Rows:
    """The same rows for the same arguments: account sizes are Pareto-skewed (a few giants)."""
    rng = random.Random(seed)
    rows = Rows()
    vendor_id = 1
    vendor = _account(rng, vendor_id, AccountKind.VENDOR, "Bondfire Inc.", "bondfire.example")
    rows.accounts.append(vendor)
    csm_ids = []
    for member_id, (name, roles) in enumerate(STAFF, start=1):
        first, last = name.lower().split()
        rows.members.append(
            _member(rng, member_id, vendor_id, name, f"{first}.{last}", "bondfire.example")
        )
        rows.roles.extend({"member_id": member_id, "role": r} for r in sorted(roles))
        if Role.CSM in roles:
            csm_ids.append(member_id)

    account_ids = list(range(vendor_id + 1, vendor_id + 1 + accounts))
    domains = {}
    for account_id in account_ids:
        word = rng.choice(COMPANY_WORDS)
        suffix = rng.choice(COMPANY_SUFFIXES)
        domains[account_id] = f"{word}{suffix}-{account_id}.example".lower()
        name = f"{word} {suffix}"
        row = _account(rng, account_id, AccountKind.CUSTOMER, name, domains[account_id])
        row["owner_csm_id"] = rng.choice(csm_ids) if rng.random() < 0.8 else None
        rows.accounts.append(row)

    # Everyone's account gets one member, the rest go by weight: most accounts stay small.
    # Capped so that the largest account has some 800 members rather than a fifth of everyone.
    weights = [min(rng.paretovariate(1.2), 400.0) for _ in account_ids]
    homes = account_ids[:members] + rng.choices(account_ids, weights, k=max(0, members - accounts))
    first_id = len(STAFF) + 1
    for member_id, account_id in enumerate(homes, start=first_id):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        row = _member(
            rng,
            member_id,
            account_id,
            f"{first} {last}",
            f"{first}.{last}.{member_id}".lower(),
            domains[account_id],
        )
        row["status"] = rng.choices(list(MemberStatus), (95, 4, 1))[0]
        rows.members.append(row)
        if rng.random() < 0.02:
            rows.roles.append({"member_id": member_id, "role": Role.MODERATOR})

    pairs: set[tuple[int, int]] = set()
    while len(pairs) < accounts // 5:
        a, b = rng.sample(account_ids, 2)
        pairs.add((a, b))
    rows.competitors = [{"account_id": a, "competitor_id": b} for a, b in sorted(pairs)]
    return rows


def _account(
    rng: random.Random, account_id: int, kind: AccountKind, name: str, domain: str
) -> dict[str, Any]:
    return {
        "id": account_id,
        "kind": kind,
        "name": name,
        "domain": domain,
        "industry": rng.choice(INDUSTRIES),
        "employee_band": rng.choice(list(EmployeeBand)),
        "region": rng.choice(REGIONS),
        "lifecycle_stage": rng.choice(list(LifecycleStage)),
        "tier": rng.choice(list(TouchTier)),
        "owner_csm_id": None,
        "created_at": EPOCH + timedelta(seconds=rng.randrange(3 * 365 * 86_400)),
    }


def _member(
    rng: random.Random, member_id: int, account_id: int, name: str, local_part: str, domain: str
) -> dict[str, Any]:
    return {
        "id": member_id,
        "account_id": account_id,
        "email": f"{local_part}@{domain}",
        "handle": local_part.replace(".", "_")[:40],
        "name": name,
        "title": rng.choice(TITLES),
        "timezone": rng.choice(TIMEZONES),
        "products_used": sorted(rng.sample(PRODUCTS, rng.randint(0, 3))),
        "using_product_since": date(2020, 1, 1) + timedelta(days=rng.randrange(1_800)),
        "avatar_url": None,
        "bio": "Happy to talk shop." if rng.random() < 0.1 else None,
        "status": MemberStatus.ACTIVE,
        "created_at": EPOCH + timedelta(seconds=rng.randrange(3 * 365 * 86_400)),
    }


def reset_database(url: str) -> None:
    """An empty schema at head: a new SQLite file, or PostgreSQL migrated down to base and up."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
    else:
        downgrade(url, "base")
    upgrade(url)


async def insert_rows(url: str, rows: Rows) -> None:
    engine = create_engine(url)
    try:
        accounts, members = Account.__table__, Member.__table__
        staff = len(STAFF)
        async with engine.begin() as connection:
            # Accounts point at staff (owner_csm_id), who belong to the vendor account: vendor,
            # then staff, then customer accounts and their members keep every foreign key valid.
            await _insert(connection, accounts, rows.accounts[:1])  # type: ignore[arg-type]
            await _insert(connection, members, rows.members[:staff])  # type: ignore[arg-type]
            await _insert(connection, accounts, rows.accounts[1:])  # type: ignore[arg-type]
            await _insert(connection, members, rows.members[staff:])  # type: ignore[arg-type]
            await _insert(connection, MemberRole.__table__, rows.roles)  # type: ignore[arg-type]
            await _insert(connection, account_competitors, rows.competitors)
            if connection.dialect.name == "postgresql":
                for table in ("accounts", "members"):
                    await connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))"
                        )
                    )
        # Fresh statistics, as autovacuum (PostgreSQL) or `PRAGMA optimize` (SQLite) would keep.
        async with engine.begin() as connection:
            await connection.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


async def _insert(
    connection: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    for batch in _batches(rows):
        await connection.execute(insert(table), list(batch))


def _batches(rows: Sequence[dict[str, Any]]) -> Iterable[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH_SIZE):
        yield rows[start : start + BATCH_SIZE]


async def describe(url: str) -> str:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                version = await connection.scalar(text("SELECT sqlite_version()"))
                return f"SQLite {version} ({make_url(url).database})"
            version = await connection.scalar(text("SHOW server_version"))
            return f"PostgreSQL {version} ({make_url(url).render_as_string(hide_password=True)})"
    finally:
        await engine.dispose()


async def largest_account_size(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            sizes = (
                select(func.count().label("n")).select_from(Member).group_by(Member.account_id)
            ).subquery()
            return await connection.scalar(select(func.max(sizes.c.n))) or 0
    finally:
        await engine.dispose()


def typical_customer(rows: Rows, accounts: int) -> dict[str, Any]:
    """A plain, active customer in a mid-sized account: the typical caller."""
    with_roles = {r["member_id"] for r in rows.roles}
    return next(
        m
        for m in rows.members[len(STAFF) + accounts // 2 :]
        if m["status"] is MemberStatus.ACTIVE and m["id"] not in with_roles
    )


def load(url: str, accounts: int, members: int, seed: int = SEED) -> DataSet:
    """Reset the database at `url` and fill it. Runs its own event loops; call it outside one."""
    return load_with_rows(url, accounts, members, seed)[0]


def load_with_rows(url: str, accounts: int, members: int, seed: int = SEED) -> tuple[DataSet, Rows]:
    """`load`, also returning the rows (for data sets built on top, like the forums)."""
    started = time.perf_counter()
    reset_database(url)
    migrated = time.perf_counter()
    rows = generate(accounts, members, seed)
    asyncio.run(insert_rows(url, rows))
    inserted = time.perf_counter()
    admin_id = 1
    customer = typical_customer(rows, accounts)
    data = DataSet(
        database=asyncio.run(describe(url)),
        customer_accounts=accounts,
        members=len(rows.members),
        roles=len(rows.roles),
        competitor_pairs=len(rows.competitors),
        largest_account_members=asyncio.run(largest_account_size(url)),
        admin_id=admin_id,
        customer_member_id=customer["id"],
        migrate_seconds=migrated - started,
        insert_seconds=inserted - migrated,
    )
    return data, rows
