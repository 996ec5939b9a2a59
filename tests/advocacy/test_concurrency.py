"""Parallel redemptions never spend more than the balance (PostgreSQL, committed data)."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select, text

from api.app import create_app
from domain.advocacy.ledger import balance, record_activity
from domain.advocacy.models import LedgerActivity, RewardRedemption
from domain.identity.models import Role
from domain.shared.database import create_session_factory
from domain.shared.models import Base, utcnow
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.graphql import bearer, gql
from tests.support.ids import global_id

REDEEM = """mutation($i: RedeemRewardInput!) { redeemReward(input: $i) {
  redemption { id } userErrors { code } } }"""
SAVE_REWARD = (
    """mutation($i: RewardInput!) { saveReward(input: $i) { reward { id } userErrors { code } } }"""
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
            tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
            async with engine.begin() as connection:
                await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


async def test_parallel_redemptions_never_exceed_the_balance(committed):
    client, app, factory = committed
    async with factory() as session:
        vendor = await create_vendor(session)
        marketer = await create_member(session, vendor, {Role.MARKETING})
        account = await create_account(session)
        member = await create_member(session, account)
        # 3 reference calls: 300 points
        for n in range(3):
            await record_activity(
                session,
                member_id=member.id,
                account_id=account.id,
                activity=LedgerActivity.REFERENCE_CALL,
                source_type="Test",
                source_id=n,
                at=utcnow(),
            )
        await session.commit()
    reward = await gql(
        client,
        SAVE_REWARD,
        {"i": {"name": "Mug", "costPoints": 70, "stock": 100}},
        token=bearer(app, marketer),
    )
    reward_id = reward["data"]["saveReward"]["reward"]["id"]
    # when: ten redemptions of 70 points at once
    results = await asyncio.gather(
        *(
            gql(client, REDEEM, {"i": {"rewardId": reward_id}}, token=bearer(app, member))
            for _ in range(10)
        )
    )
    # then: exactly four succeed (280 of 300 points); the rest are refused
    codes = sorted(e["code"] for r in results for e in r["data"]["redeemReward"]["userErrors"])
    assert codes == ["INSUFFICIENT_POINTS"] * 6
    async with factory() as session:
        assert await balance(session, member.id) == (300, 20)
        assert await session.scalar(select(func.count()).select_from(RewardRedemption)) == 4
        stock = await session.scalar(text("select stock from advocacy_rewards"))
        assert stock == 96
    assert global_id("Reward", 1)
