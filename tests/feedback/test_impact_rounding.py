"""The impact score rounds the same way wherever it is computed: in Python after a vote, and when
every idea is rescored after a change of weights (PostgreSQL's numeric SQL; Python on SQLite).
Both round exact decimals half up, so 1.005 points is 1.01 and 0.123 points is 0.12 (binary
floats made the first 1.00 and PostgreSQL's float rounding made the second 0.13)."""

import random
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import select, update

from domain.feedback.impact import ImpactWeights, rescore_all
from domain.feedback.models import Idea, IdeaVisibility, Importance
from tests.feedback.world import Feedback, people

WEIGHTS = """
mutation($i: SetImpactWeightsInput!) {
  setImpactWeights(input: $i) { weights { voterWeight } userErrors { field code } }
}
"""
UNVOTE = "mutation($i: IdeaRefInput!) { unvoteIdea(input: $i) { userErrors { code } } }"


@pytest.fixture
async def world(session):  # type: ignore[no-untyped-def]
    return await people(session)


@pytest.fixture
def fb(app, client):  # type: ignore[no-untyped-def]
    return Feedback(app, client)


async def _weigh_voters(fb, pm, points: float) -> None:  # type: ignore[no-untyped-def]
    only_voters = {"arrWeight": 0, "importanceWeight": 0, "voterWeight": points, "accountWeight": 0}
    body = await fb.call(pm, WEIGHTS, {"i": only_voters})
    assert body["data"]["setImpactWeights"]["userErrors"] == [], body


async def test_a_vote_and_a_rescore_round_half_up_alike(fb, world):
    pm = world["pm"]
    idea_id = await fb.submit(world["casey"])
    await _weigh_voters(fb, pm, 1.005)
    assert await fb.vote(world["dana"], idea_id) == []
    assert (await fb.demand(pm, idea_id))["impactScore"] == 1.01  # by the vote (Python)
    await _weigh_voters(fb, pm, 0.123)
    assert (await fb.demand(pm, idea_id))["impactScore"] == 0.12  # by the rescore
    assert await fb.vote(world["gil"], idea_id) == []
    assert (await fb.demand(pm, idea_id))["impactScore"] == 0.25  # 24.6 hundredths
    body = await fb.call(world["gil"], UNVOTE, {"i": {"ideaId": idea_id}})
    assert body["data"]["unvoteIdea"]["userErrors"] == []
    assert (await fb.demand(pm, idea_id))["impactScore"] == 0.12
    await _weigh_voters(fb, pm, 1.005)
    assert (await fb.demand(pm, idea_id))["impactScore"] == 1.01


async def test_rescoring_every_idea_agrees_with_the_python_score(session, world, connection):
    """Random counters and awkward weights: the bulk rescore (SQL on PostgreSQL) gives what
    ImpactWeights.score_of gives, and both equal a Decimal computation by hand."""
    rng = random.Random(5)
    weights = ImpactWeights(
        arr_weight=1.015,
        importance_weight=0.35,
        voter_weight=0.125,
        account_weight=2.005,
        points={
            Importance.NICE_TO_HAVE: 1.1,
            Importance.IMPORTANT: 2.05,
            Importance.MUST_HAVE: 4.0,
        },
    )
    ideas = [
        Idea(
            title=f"Idea {n}",
            product_area="Core",
            author_id=world["casey"].id,
            visibility=IdeaVisibility.PUBLIC,
        )
        for n in range(200)
    ]
    session.add_all(ideas)
    await session.flush()
    expected = {}
    for idea in ideas:
        counters = [rng.randrange(0, 10**9)] + [rng.randrange(0, 500) for _ in range(5)]
        arr, nice, important, must, voters, accounts = counters
        await session.execute(
            update(Idea)
            .where(Idea.id == idea.id)
            .values(
                arr_cents=arr,
                nice_to_have_count=nice,
                important_count=important,
                must_have_count=must,
                voter_count=voters,
                account_count=accounts,
            )
        )
        by_hand = (
            Decimal("1.015") * arr / 1_000_000  # ARR in cents; weight per 10,000 of ARR
            + Decimal("0.35") * (nice * Decimal("1.1") + important * Decimal("2.05") + must * 4)
            + Decimal("0.125") * voters
            + Decimal("2.005") * accounts
        ) * 100
        expected[idea.id] = int(by_hand.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        assert weights.score_of(*counters) == expected[idea.id]
    await session.flush()
    await rescore_all(await session.connection(), weights)
    stored = dict(
        (
            await session.execute(
                select(Idea.id, Idea.impact_score).where(Idea.id.in_(list(expected)))
            )
        ).all()
    )
    assert stored == expected
    assert any(v % 100 for v in expected.values())  # not all whole numbers: rounding was hit
