"""Parallel requests on PostgreSQL (committed data): redemptions never spend more than the
balance; speaking asks never pass the budget nor add a speaker twice."""

import asyncio
from datetime import timedelta

from sqlalchemy import func, select, text

from domain.advocacy.event_models import EventKind, SessionFormat, SessionSpeaker
from domain.advocacy.ledger import balance, record_activity
from domain.advocacy.models import AdvocacyAsk, ConsentChannel, LedgerActivity, RewardRedemption
from domain.advocacy.services import events
from domain.identity.models import AccountKind, Role
from domain.identity.policies import Actor
from domain.shared.models import utcnow
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.graphql import bearer, gql
from tests.support.ids import global_id

REDEEM = """mutation($i: RedeemRewardInput!) { redeemReward(input: $i) {
  redemption { id } userErrors { code } } }"""
SAVE_REWARD = (
    """mutation($i: RewardInput!) { saveReward(input: $i) { reward { id } userErrors { code } } }"""
)


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


ADD_SPEAKER = """mutation($i: AddSessionSpeakerInput!) { addSessionSpeaker(input: $i) {
  eventSession { id } userErrors { code } } }"""


async def test_parallel_speaking_asks_respect_the_budget_and_never_duplicate(committed):
    # given six events with one session each, on committed data
    client, app, factory = committed
    now = utcnow()
    async with factory() as session:
        vendor = await create_vendor(session)
        marketer = await create_member(session, vendor, {Role.MARKETING})
        staff = Actor(marketer.id, vendor.id, AccountKind.VENDOR, frozenset({Role.MARKETING}))
        casey = await create_member(session, await create_account(session), name="Casey")
        hana = await create_member(session, await create_account(session), name="Hana")
        slots = []
        for n in range(6):
            event = await events.create_event(
                session,
                staff,
                now,
                events.NewEvent(
                    f"Event {n}",
                    EventKind.WEBINAR,
                    now.date(),
                    now.date() + timedelta(days=1),
                    [ConsentChannel.WEB],
                    is_virtual=True,
                ),
            )
            slot = await events.add_session(
                session,
                staff,
                now,
                event.id,
                events.NewSession("Talk", now + timedelta(hours=2), SessionFormat.WEBINAR),
            )
            slots.append(global_id("EventSession", slot.id))
        await session.commit()

    async def add(slot: str, member) -> list[str]:  # type: ignore[no-untyped-def]
        variables = {"i": {"sessionId": slot, "memberId": global_id("Member", member.id)}}
        body = await gql(client, ADD_SPEAKER, variables, token=bearer(app, marketer))
        return [e["code"] for e in body["data"]["addSessionSpeaker"]["userErrors"]]

    # when Casey is asked to six events at once (the speaking cooldown allows one), and Hana
    # is added six times at once to the same session
    casey_results = await asyncio.gather(*(add(slot, casey) for slot in slots))
    hana_results = await asyncio.gather(*(add(slots[0], hana) for _ in range(6)))
    # then one of each succeeds and the others are refused cleanly
    assert sorted(c for r in casey_results for c in r) == ["OVER_BUDGET"] * 5
    assert sorted(c for r in hana_results for c in r) == ["ALREADY_EXISTS"] * 5
    async with factory() as session:
        asks = await session.execute(
            select(AdvocacyAsk.member_id, func.count()).group_by(AdvocacyAsk.member_id)
        )
        assert dict(asks.all()) == {casey.id: 1, hana.id: 1}
        speakers = await session.execute(
            select(SessionSpeaker.member_id, func.count()).group_by(SessionSpeaker.member_id)
        )
        assert dict(speakers.all()) == {casey.id: 1, hana.id: 1}
