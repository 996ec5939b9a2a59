"""A world for schema-driven fuzzing and the authorization sweep.

The demo community is loaded once per test module inside a transaction that is rolled back at
the end. Every request is sent through the real ASGI app inside a savepoint of its own that is
rolled back after the response, so a generated mutation (suspending the admin, deleting a
space) never changes what the next request sees: each example is independent and shrinks.
"""

import base64
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import graphql
import httpx
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from api.demo import ADMIN_EMAIL, MODERATOR_EMAIL, load_demo
from api.graphql.schema import build_schema
from api.settings import Settings
from domain.identity.models import Account, Member
from domain.identity.policies import Actor, actor_for
from domain.identity.repository import member_by_email

# Per-field example budget: small and fixed in CI, raised for a long run on demand
# (`BONDFIRE_FUZZ_EXAMPLES=5000 make fuzz`).
FUZZ_EXAMPLES = int(os.environ.get("BONDFIRE_FUZZ_EXAMPLES", "3"))
# A long run draws fresh examples each time; the bounded CI run is the same run every time.
FUZZ_DERANDOMIZE = "BONDFIRE_FUZZ_EXAMPLES" not in os.environ


class Role(StrEnum):
    """The callers the identity context knows, as the sweep and the fuzz play them."""

    ANONYMOUS = "anonymous"
    CUSTOMER = "customer"  # a plain member of Acme, the account owning the sweep's targets
    OTHER_CUSTOMER = "other_customer"  # a plain member of Northwind, another tenant
    MODERATOR = "moderator"  # Casey: Acme member with the MODERATOR role (a customer)
    CSM = "csm"  # vendor staff
    MARKETING = "marketing"
    PRODUCT = "product"
    ADMIN = "admin"


ROLE_EMAILS: dict[Role, str] = {
    Role.CUSTOMER: "devon@acme.example",
    Role.OTHER_CUSTOMER: "ingrid@northwind.example",
    Role.MODERATOR: MODERATOR_EMAIL,
    Role.CSM: "priya@bondfire.example",
    Role.MARKETING: "noor@bondfire.example",
    Role.PRODUCT: "tomas@bondfire.example",
    Role.ADMIN: ADMIN_EMAIL,
}

# What an answer may never contain: stack traces, SQL, driver and exception class names.
LEAKS = re.compile(
    r"Traceback|File \"|sqlalchemy|asyncpg|aiosqlite|sqlite3|psycopg|"
    r"\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b|"
    r"\b[A-Z]\w*(Error|Exception)\b|object has no attribute|NoneType|"
    r"/work/|site-packages|\.py\b",
)
# Codes that mean "something unexpected happened": the masking worked, but it is a bug.
INTERNAL_CODES = {"INTERNAL", "INTERNAL_SERVER_ERROR"}


def global_id(type_name: str, raw_id: int | str) -> str:
    return base64.b64encode(f"{type_name}:{raw_id}".encode()).decode()


def node_type_names(schema: graphql.GraphQLSchema) -> list[str]:
    node = schema.get_type("Node")
    assert isinstance(node, graphql.GraphQLInterfaceType)
    return sorted(t.name for t in schema.get_possible_types(node))


def root_fields(schema: graphql.GraphQLSchema) -> list[tuple[str, str]]:
    """Every root field as (operation, name), read from the schema: nothing is hand-listed."""
    fields = []
    for operation, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        assert root is not None
        fields += [(operation, name) for name in root.fields]
    return fields


def served_schema() -> graphql.GraphQLSchema:
    """The schema the app serves (built from code, not the committed SDL)."""
    built = build_schema(Settings(_env_file=None))  # type: ignore[call-arg]
    return built._schema


def malformed_ids(type_names: list[str]) -> list[str]:
    """Global ids a client might forge: wrong encoding, no type, unknown type, non-numeric,
    negative, non-ASCII digits, out of any integer column's range."""
    junk = ["", " ", "not base64!", "====", "Zm9v", base64.b64encode(b"\xff\xfe").decode()]
    junk += [global_id("Nope", 1), global_id("", 1), global_id("Thread", "")]
    for name in type_names[:: max(1, len(type_names) // 6)]:
        junk += [
            global_id(name, "abc"),
            global_id(name, -1),
            global_id(name, 0),
            global_id(name, 2**31),
            global_id(name, 10**30),
            global_id(name, "1 OR 1=1"),
            global_id(name, "²"),  # str.isdigit says yes, int() says no
            global_id(name, "9" * 40),
        ]
    return junk


def check_response(response: httpx.Response) -> list[str]:
    """Everything wrong with an answer, whatever was asked: empty when it is acceptable."""
    found: list[str] = []
    if response.status_code >= 500:
        found.append(f"HTTP {response.status_code}")
    text = response.text
    if LEAKS.search(text):
        found.append(f"leaks internals: {LEAKS.search(text)!r}")
    try:
        body = response.json()
    except ValueError:
        return [*found, "not JSON"]
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if not code:
            found.append(f"error without a code: {error.get('message')!r}")
        elif code in INTERNAL_CODES:
            found.append(f"unexpected error (masked) at {error.get('path')}")
    return found


@dataclass
class World:
    """The demo community, one token per role, and a client whose requests leave no trace."""

    client: httpx.AsyncClient
    connection: AsyncConnection
    sessions: async_sessionmaker[AsyncSession]
    schema: graphql.GraphQLSchema
    tokens: dict[Role, str]
    members: dict[Role, Member]
    actors: dict[Role, Actor]
    type_names: list[str] = field(default_factory=list)

    async def send(
        self, role: Role, query: str, variables: dict[str, Any] | None = None
    ) -> httpx.Response:
        headers = {"Accept": "application/graphql-response+json, application/json;q=0.9"}
        if role is not Role.ANONYMOUS:
            headers["Authorization"] = f"Bearer {self.tokens[role]}"
        savepoint = await self.connection.begin_nested()
        try:
            return await self.client.post(
                "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
            )
        finally:
            await savepoint.rollback()

    async def ask(
        self, role: Role, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Send, assert nothing is wrong with the answer whatever it says, return its body."""
        response = await self.send(role, query, variables)
        problems = check_response(response)
        assert not problems, (role, query, variables, problems, response.text[:2000])
        body: dict[str, Any] = response.json()
        return body


@asynccontextmanager
async def open_world(
    engine: AsyncEngine, database_url: str, keys_dir: Path
) -> AsyncIterator[World]:
    async with engine.connect() as connection:
        transaction = await connection.begin()
        factory = async_sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        async with factory() as session:
            await load_demo(session)
            await session.commit()
            members = {role: await member_by_email(session, e) for role, e in ROLE_EMAILS.items()}
            actors = {}
            for role, member in members.items():
                assert member is not None, role
                account = await session.get(Account, member.account_id)
                assert account is not None
                actors[role] = actor_for(member, account.kind)
        settings = Settings(
            database_url=database_url,
            environment="test",
            keys_dir=keys_dir,
            log_format="console",
            rate_limit_per_ip="",  # thousands of requests from one client: a test, not abuse
            rate_limit_per_member="",
            posting_rate_limit="100000/minute",
            _env_file=None,  # type: ignore[call-arg]
        )
        app = create_app(settings, engine=engine, session_factory=factory, configure_logs=False)
        await app.state.dispatcher.drain()  # notifications, ledger, search index of the demo
        transport = httpx.ASGITransport(app=app)
        schema = served_schema()
        try:
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bondfire.test"
            ) as client:
                yield World(
                    client=client,
                    connection=connection,
                    sessions=factory,
                    schema=schema,
                    tokens={r: app.state.tokens.issue(m.id) for r, m in members.items() if m},
                    members={r: m for r, m in members.items() if m},
                    actors=actors,
                    type_names=node_type_names(schema),
                )
        finally:
            await app.state.persisted_queries.aclose()
            await app.state.broadcaster.close()
            await transaction.rollback()
