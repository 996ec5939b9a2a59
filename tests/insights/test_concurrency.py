"""The same CRM file imported twice at the same time: the imports take turns, so one creates the
rows and the other finds them and changes nothing; no error, no duplicate. Runs on PostgreSQL
with committed data through an app with its own pool (like tests/community/test_concurrency.py)."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select, text

from api.app import create_app
from domain.identity.models import Role
from domain.insights.models import Opportunity
from domain.shared.database import create_session_factory
from tests.insights.conftest import IMPORT
from tests.support.factories import create_member, create_vendor
from tests.support.graphql import bearer, gql

ROWS = (
    "\n".join(
        ["external_id,name,amount,stage,status,created_on"]
        + [f"O-{i},Deal {i},{1000 + i}.00,Proposal,OPEN,2026-01-0{1 + i % 9}" for i in range(200)]
    )
    + "\n"
)


@pytest.fixture
async def committed(engine, settings) -> AsyncIterator[tuple[httpx.AsyncClient, object, object]]:
    if engine.dialect.name != "postgresql":
        pytest.skip("parallel transactions need PostgreSQL; SQLite serialises writers")
    app = create_app(settings, engine=engine, configure_logs=False)
    factory = create_session_factory(engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bondfire.test") as client:
        try:
            yield client, app, factory
        finally:
            # What this test wrote (CASCADE empties the tables that refer to these).
            tables = "revenue_opportunities, outbox_events, audit_entries, members, accounts"
            async with engine.begin() as connection:
                await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


async def test_parallel_identical_imports_are_idempotent(committed):
    client, app, factory = committed
    async with factory() as session:
        vendor = await create_vendor(session)
        admins = [await create_member(session, vendor, {Role.ADMIN}) for _ in range(3)]
        await session.commit()
    results = await asyncio.gather(
        *(
            gql(
                client,
                IMPORT,
                {"input": {"kind": "OPPORTUNITIES", "csv": ROWS}},
                token=bearer(app, admin),
            )
            for admin in admins
        )
    )
    payloads = [r["data"]["importCrmCsv"] for r in results]
    assert all(p["userErrors"] == [] for p in payloads), payloads
    assert sorted((p["report"]["created"], p["report"]["unchanged"]) for p in payloads) == [
        (0, 200),
        (0, 200),
        (200, 0),
    ]
    async with factory() as session:
        assert await session.scalar(select(func.count()).select_from(Opportunity)) == 200
