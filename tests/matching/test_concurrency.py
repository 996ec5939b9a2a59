"""Seats stay exact under parallel acceptances (PostgreSQL: real concurrent transactions)."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select, text

from api.app import create_app
from domain.matching.models import BuddyPair, BuddyRole, PairOrigin, PairStatus
from domain.shared.database import create_session_factory
from domain.shared.models import Base
from tests.matching.support import create_profile
from tests.support.factories import create_account, create_member
from tests.support.graphql import bearer, gql
from tests.support.ids import global_id

ACCEPT = "mutation($i: BuddyPairInput!) { acceptBuddyPair(input: $i) { pair { status } userErrors { code } } }"


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
            tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
            async with engine.begin() as connection:
                await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


async def test_parallel_acceptances_never_exceed_the_mentors_capacity(committed):
    client, app, factory = committed
    async with factory() as session:
        mentor_account = await create_account(session, industry="Energy")
        mentor = await create_member(session, mentor_account)
        await create_profile(session, mentor, BuddyRole.MENTOR, capacity=2)
        pairs = []
        for n in range(8):
            account = await create_account(session, industry=f"Industry {n}")
            mentee = await create_member(session, account)
            await create_profile(session, mentee, BuddyRole.MENTEE)
            pair = BuddyPair(
                mentor_id=mentor.id,
                mentee_id=mentee.id,
                status=PairStatus.PROPOSED,
                origin=PairOrigin.REQUEST,
                score=1.0,
                breakdown=[],
                ended_badly=False,
                check_in_every_days=14,
                mentee_accepted_at=func.now(),
            )
            session.add(pair)
            pairs.append(pair)
        await session.commit()
    token = bearer(app, mentor)
    # when the mentor accepts all eight at once
    results = await asyncio.gather(
        *(
            gql(client, ACCEPT, {"i": {"pairId": global_id("BuddyPair", p.id)}}, token=token)
            for p in pairs
        )
    )
    # then exactly two are accepted, the others are refused for want of a seat
    outcomes = sorted(
        r["data"]["acceptBuddyPair"]["pair"]["status"]
        if r["data"]["acceptBuddyPair"]["pair"]
        else r["data"]["acceptBuddyPair"]["userErrors"][0]["code"]
        for r in results
    )
    assert outcomes == ["ACCEPTED"] * 2 + ["MENTOR_AT_CAPACITY"] * 6
    async with factory() as session:
        accepted = await session.scalar(
            select(func.count()).where(BuddyPair.status == PairStatus.ACCEPTED)
        )
        assert accepted == 2
