"""The ledger (idempotent outbox consumers, withheld points for untrusted members), points
arithmetic, rewards and redemptions, leaderboards, referrals."""

from sqlalchemy import func, select, update

from domain.advocacy.ledger import record_activity
from domain.advocacy.models import AdvocateEvidence, LedgerActivity, LedgerEntry
from domain.community.models import MemberStanding, Post
from domain.shared.models import utcnow
from domain.shared.outbox import OutboxEvent, record_event
from tests.support.community import create_space, create_thread
from tests.support.ids import global_id

REPLY = "mutation($i: ReplyInput!) { reply(input: $i) { post { id } userErrors { code } } }"
ACCEPT = "mutation($i: AcceptAnswerInput!) { acceptAnswer(input: $i) { thread { id } userErrors { code } } }"
STANDING = "query($m: ID) { advocacyStanding(memberId: $m) { lifetimePoints spendablePoints level nextLevelAt badges { code } } }"
LEDGER = "query($m: ID) { advocacyLedger(memberId: $m) { edges { node { activity points pointsWithheld tags } } } }"
SAVE_REWARD = """mutation($i: RewardInput!) { saveReward(input: $i) { reward { id costPoints stock } userErrors { code } } }"""
REDEEM = """mutation($i: RedeemRewardInput!) { redeemReward(input: $i) { redemption { id points status } userErrors { code message } } }"""
DECIDE = """mutation($i: DecideRedemptionInput!) { decideRedemption(input: $i) { redemption { status } userErrors { code } } }"""


async def _entries(session, member_id):
    rows = await session.execute(
        select(LedgerEntry.activity, LedgerEntry.points, LedgerEntry.points_withheld)
        .where(LedgerEntry.member_id == member_id)
        .order_by(LedgerEntry.id)
    )
    return [tuple(r) for r in rows]


async def test_forum_and_feedback_events_land_on_the_ledger_once(app, call, session, people):
    # given Casey is trusted (trust level 1) and Devon is new (untrusted)
    session.add(MemberStanding(member_id=people.casey.id, trust_level=1, posts_read=20))
    session.add(MemberStanding(member_id=people.devon.id, trust_level=0))
    space = await create_space(session)
    thread = await create_thread(session, space, people.devon.id, kind="QUESTION")
    thread.tags = ["pipelines"]
    await session.commit()
    # when Casey answers Devon's question, Devon replies, and Devon accepts Casey's answer
    answer = await call(
        people.casey,
        REPLY,
        {"i": {"threadId": global_id("Thread", thread.id), "body": "Use backfills"}},
    )
    await call(
        people.devon, REPLY, {"i": {"threadId": global_id("Thread", thread.id), "body": "Thanks"}}
    )
    await call(people.devon, ACCEPT, {"i": {"postId": answer["reply"]["post"]["id"]}})
    # and the feedback context (not yet built) reports a shipped idea of Casey's
    record_event(
        session,
        "feedback.idea_shipped",
        {"member_id": people.casey.id, "idea_id": 7, "products": ["Pipelines"]},
    )
    await session.commit()
    await app.state.dispatcher.drain()
    # then
    assert await _entries(session, people.casey.id) == [
        (LedgerActivity.FORUM_POST, 2, False),
        (LedgerActivity.ACCEPTED_ANSWER, 15, False),
        (LedgerActivity.IDEA_SHIPPED, 50, False),
    ]
    assert await _entries(session, people.devon.id) == [(LedgerActivity.FORUM_POST, 0, True)]
    evidence = (
        await session.execute(
            select(
                AdvocateEvidence.product,
                AdvocateEvidence.accepted_answers,
                AdvocateEvidence.shipped_ideas,
            ).where(AdvocateEvidence.member_id == people.casey.id)
        )
    ).all()
    assert [tuple(e) for e in evidence] == [("pipelines", 1, 1)]
    # when every event is delivered again (at-least-once), nothing is counted twice
    await session.execute(update(OutboxEvent).values(processed_at=None))
    await session.commit()
    await app.state.dispatcher.drain()
    assert len(await _entries(session, people.casey.id)) == 3
    data = await call(people.casey, STANDING, {"m": None})
    assert data["advocacyStanding"] == {
        "lifetimePoints": 67,
        "spendablePoints": 67,
        "level": "Member",
        "nextLevelAt": 250,
        "badges": [],
    }
    data = await call(people.devon, LEDGER, {"m": None})
    assert [e["node"] for e in data["advocacyLedger"]["edges"]] == [
        {"activity": "FORUM_POST", "points": 0, "pointsWithheld": True, "tags": []}
    ]


async def test_a_completed_buddy_pairing_credits_the_mentor_once(app, session, people):
    # given Casey is trusted and mentored Hana to the end of their pairing
    session.add(MemberStanding(member_id=people.casey.id, trust_level=1, posts_read=20))
    completed = {
        "pair_id": 41,
        "mentor_member_id": people.casey.id,
        "mentor_account_id": people.acme.id,
        "mentee_member_id": people.hana.id,
        "mentee_account_id": people.hooli.id,
    }
    # when the matching context reports it twice (a replay) and a pairing merely accepted
    record_event(session, "matching.pair_completed", completed)
    record_event(session, "matching.pair_completed", completed)
    record_event(session, "matching.pair_accepted", {**completed, "pair_id": 42})
    await session.commit()
    await app.state.dispatcher.drain()
    # then the mentor has one buddy session on the ledger; the mentee has nothing
    assert await _entries(session, people.casey.id) == [(LedgerActivity.BUDDY_SESSION, 40, False)]
    assert await _entries(session, people.hana.id) == []


async def test_points_rules_redemptions_and_refunds(call, session, people):
    now = utcnow()
    for n in range(3):
        await record_activity(
            session,
            member_id=people.casey.id,
            account_id=people.acme.id,
            activity=LedgerActivity.REFERENCE_CALL,
            source_type="Test",
            source_id=n,
            at=now,
        )
    await session.commit()
    # a configured rule changes points for acts from now on
    rule = """mutation($i: PointRuleInput!) { setPointRule(input: $i) { rule { points weight } userErrors { code } } }"""
    data = await call(
        people.marketer, rule, {"i": {"activity": "CASE_STUDY", "points": 400, "weight": "4.5"}}
    )
    assert data["setPointRule"]["rule"] == {"points": 400, "weight": "4.5"}
    await record_activity(
        session,
        member_id=people.casey.id,
        account_id=people.acme.id,
        activity=LedgerActivity.CASE_STUDY,
        source_type="Test",
        source_id=9,
        at=now,
    )
    await session.commit()
    data = await call(people.casey, STANDING, {"m": None})
    assert data["advocacyStanding"]["lifetimePoints"] == 700
    assert data["advocacyStanding"]["level"] == "Advocate"
    assert sorted(b["code"] for b in data["advocacyStanding"]["badges"]) == [
        "FIRST_REFERENCE",
        "STORYTELLER",
    ]
    # rewards: 500 then 300 points; the second is more than what is left
    big = await call(
        people.marketer,
        SAVE_REWARD,
        {"i": {"name": "Conference pass", "costPoints": 500, "stock": 5}},
    )
    small = await call(people.marketer, SAVE_REWARD, {"i": {"name": "Hoodie", "costPoints": 300}})
    big_id = big["saveReward"]["reward"]["id"]
    first = await call(people.casey, REDEEM, {"i": {"rewardId": big_id}})
    assert first["redeemReward"]["redemption"]["status"] == "REQUESTED"
    second = await call(
        people.casey, REDEEM, {"i": {"rewardId": small["saveReward"]["reward"]["id"]}}
    )
    assert [e["code"] for e in second["redeemReward"]["userErrors"]] == ["INSUFFICIENT_POINTS"]
    assert "you have 200" in second["redeemReward"]["userErrors"][0]["message"]
    data = await call(people.casey, STANDING, {"m": None})
    assert (
        data["advocacyStanding"]["lifetimePoints"],
        data["advocacyStanding"]["spendablePoints"],
    ) == (700, 200)
    stock = "query($id: ID!) { node(id: $id) { ... on Reward { stock } } }"
    assert (await call(people.casey, stock, {"id": big_id}))["node"] == {"stock": 4}
    # rejecting gives the points (and the stock) back; a decided redemption stays decided
    rid = first["redeemReward"]["redemption"]["id"]
    data = await call(
        people.marketer,
        DECIDE,
        {"i": {"redemptionId": rid, "fulfil": False, "note": "out of passes"}},
    )
    assert data["decideRedemption"]["redemption"]["status"] == "REJECTED"
    again = await call(people.marketer, DECIDE, {"i": {"redemptionId": rid, "fulfil": True}})
    assert again["decideRedemption"]["userErrors"] == [{"code": "INVALID_TRANSITION"}]
    data = await call(people.casey, STANDING, {"m": None})
    assert (
        data["advocacyStanding"]["lifetimePoints"],
        data["advocacyStanding"]["spendablePoints"],
    ) == (700, 700)
    assert (await call(people.casey, stock, {"id": big_id}))["node"] == {"stock": 5}
    # leaderboard this month
    board = "{ advocacyLeaderboard(period: MONTH) { rank points member { name } } }"
    await record_activity(
        session,
        member_id=people.hana.id,
        account_id=people.hooli.id,
        activity=LedgerActivity.SITE_VISIT,
        source_type="Test",
        source_id=1,
        at=now,
    )
    await session.commit()
    data = await call(people.hana, board)
    assert data["advocacyLeaderboard"] == [
        {"rank": 1, "points": 700, "member": {"name": "Casey"}},
        {"rank": 2, "points": 200, "member": {"name": "Hana"}},
    ]


SUBMIT = """mutation($i: SubmitReferralInput!) { submitReferral(input: $i) { referral { id code status } userErrors { code field } } }"""
ADVANCE = """mutation($i: AdvanceReferralInput!) { advanceReferral(input: $i) {
  referral { status amount { amount currency } } userErrors { code } } }"""


async def test_referrals_have_unique_codes_and_a_lifecycle(call, session, people):
    first = await call(
        people.casey,
        SUBMIT,
        {"i": {"prospectCompany": "Umbrella", "contactEmail": "ceo@umbrella.example"}},
    )
    second = await call(people.casey, SUBMIT, {"i": {"prospectCompany": "Stark"}})
    bad = await call(people.casey, SUBMIT, {"i": {"prospectCompany": "X", "contactEmail": "nope"}})
    assert bad["submitReferral"]["userErrors"] == [
        {"code": "INVALID_VALUE", "field": ["input", "contactEmail"]}
    ]
    codes = {
        first["submitReferral"]["referral"]["code"],
        second["submitReferral"]["referral"]["code"],
    }
    assert len(codes) == 2 and all(len(c) == 10 for c in codes)
    rid = first["submitReferral"]["referral"]["id"]
    skip = await call(people.marketer, ADVANCE, {"i": {"referralId": rid, "status": "WON"}})
    assert skip["advanceReferral"]["userErrors"] == [{"code": "INVALID_TRANSITION"}]
    for status in ("ACCEPTED", "OPPORTUNITY"):
        await call(people.marketer, ADVANCE, {"i": {"referralId": rid, "status": status}})
    won = await call(
        people.marketer, ADVANCE, {"i": {"referralId": rid, "status": "WON", "amount": "48000.00"}}
    )
    assert won["advanceReferral"]["referral"] == {
        "status": "WON",
        "amount": {"amount": "48000.00", "currency": "USD"},
    }
    assert await _entries(session, people.casey.id) == [
        (LedgerActivity.REFERRAL_SUBMITTED, 25, False),
        (LedgerActivity.REFERRAL_WON, 500, False),
    ]
    # members see only their own referrals; staff find one by code
    mine = "{ referrals { edges { node { prospectCompany } } } }"
    assert len((await call(people.casey, mine))["referrals"]["edges"]) == 2
    assert (await call(people.hana, mine))["referrals"]["edges"] == []
    by_code = "query($c: String) { referrals(code: $c) { edges { node { prospectCompany } } } }"
    code = first["submitReferral"]["referral"]["code"]
    data = await call(people.marketer, by_code, {"c": code.lower()})
    assert [e["node"]["prospectCompany"] for e in data["referrals"]["edges"]] == ["Umbrella"]
    assert await session.scalar(select(func.count()).select_from(Post)) == 0
