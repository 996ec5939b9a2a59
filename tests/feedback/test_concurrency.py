"""Many votes on one idea at once leave exact counts and ARR sums.

PostgreSQL: parallel requests through an app with its own connection pool (real concurrent
transactions; the idea's row lock serialises the demand update). SQLite serialises writers
(BEGIN IMMEDIATE): the same requests, in parallel, must queue and still add up.
"""

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import delete, func, select, text

from api.app import create_app
from domain.feedback.models import Idea, IdeaAccountDemand, IdeaVote
from domain.identity.models import AccountSegment
from domain.shared.database import create_session_factory
from domain.shared.models import Base
from tests.feedback.world import SUBMIT, VOTE
from tests.support.factories import create_account, create_member
from tests.support.graphql import bearer, gql

ACCOUNTS = 20


@pytest.fixture
async def committed(engine, settings) -> AsyncIterator[tuple[httpx.AsyncClient, object, object]]:
    app = create_app(settings, engine=engine, configure_logs=False)
    factory = create_session_factory(engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bondfire.test") as client:
        try:
            yield client, app, factory
        finally:
            async with engine.begin() as connection:
                if engine.dialect.name == "postgresql":
                    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
                    await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
                else:
                    for table in reversed(Base.metadata.sorted_tables):
                        await connection.execute(delete(table))


async def test_parallel_votes_leave_exact_counts_and_arr(committed, engine):
    client, app, factory = committed
    voters = 300 if engine.dialect.name == "postgresql" else 120
    async with factory() as session:
        accounts = [
            await create_account(
                session, segment=AccountSegment.MID_MARKET, arr=Decimal(f"{1000 * (n + 1)}.10")
            )
            for n in range(ACCOUNTS)
        ]
        members = [await create_member(session, accounts[n % ACCOUNTS]) for n in range(voters)]
        await session.commit()
    body = await gql(
        client,
        SUBMIT,
        {"i": {"title": "Hot idea", "productArea": "Core"}},
        token=bearer(app, members[0]),
    )
    idea_id = body["data"]["submitIdea"]["idea"]["id"]
    # when every member votes at once, and the first ten try twice
    attempts = [
        gql(
            client,
            VOTE,
            {"i": {"ideaId": idea_id, "importance": "MUST_HAVE"}},
            token=bearer(app, m),
        )
        for m in members + members[:10]
    ]
    results = await asyncio.gather(*attempts)
    # then
    assert all("errors" not in r for r in results), [r for r in results if "errors" in r][:1]
    refused = [e["code"] for r in results for e in r["data"]["voteIdea"]["userErrors"]]
    assert refused == ["ALREADY_VOTED"] * 10
    async with factory() as session:
        idea = await session.scalar(select(Idea).where(Idea.title == "Hot idea"))
        expected_arr = sum(100 * 1000 * (n + 1) + 10 for n in range(ACCOUNTS))
        assert (idea.voter_count, idea.must_have_count) == (voters, voters)
        assert idea.account_count == ACCOUNTS
        assert idea.arr_cents == expected_arr
        assert (
            await session.scalar(select(func.count()).where(IdeaVote.idea_id == idea.id)) == voters
        )
        demand = await session.scalar(
            select(func.sum(IdeaAccountDemand.voter_count)).where(
                IdeaAccountDemand.idea_id == idea.id
            )
        )
        assert demand == voters
