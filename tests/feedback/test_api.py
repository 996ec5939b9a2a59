"""Ideas, votes and demand through GraphQL over HTTP, on SQLite and PostgreSQL."""

import pytest
from sqlalchemy import select

from domain.feedback.models import Idea, IdeaAccountDemand, IdeaVote
from tests.feedback.world import DEMAND, PROXY, UNVOTE, Feedback, people
from tests.support.ids import global_id


@pytest.fixture
async def world(session):
    return await people(session)


@pytest.fixture
def fb(app, client):
    return Feedback(app, client)


async def test_submitting_an_idea_opens_its_discussion_thread(fb, session, world):
    # when casey submits an idea
    idea_id = await fb.submit(world["casey"], "Dark mode", description="Please **dark**")
    # then it is NEW with an IDEA_LINK thread pointing back at it
    body = await fb.call(
        world["casey"],
        "query($id: ID!) { node(id: $id) { ... on Idea { status descriptionHtml author { handle }"
        " discussion { kind title } } } }",
        {"id": idea_id},
    )
    node = body["data"]["node"]
    assert node["status"] == "NEW"
    assert node["descriptionHtml"] == "<p>Please <strong>dark</strong></p>\n"
    assert node["author"]["handle"] == "casey"
    assert node["discussion"] == {"kind": "IDEA_LINK", "title": "Dark mode"}
    thread = await fb.call(
        world["gil"],
        "query($id: ID!) { node(id: $id) { ... on Idea { discussion { id } } } }",
        {"id": idea_id},
    )
    found = await fb.call(
        world["gil"],
        "query($t: ID!) { ideaForThread(threadId: $t) { id } }",
        {"t": thread["data"]["node"]["discussion"]["id"]},
    )
    assert found["data"]["ideaForThread"]["id"] == idea_id


async def test_arr_counts_once_per_account_whatever_its_voters(fb, session, world):
    idea_id = await fb.submit(world["casey"])
    # when three acme people, one globex person and initech (no ARR) vote
    assert await fb.vote(world["casey"], idea_id, "MUST_HAVE") == []
    assert await fb.vote(world["dana"], idea_id, "NICE_TO_HAVE") == []
    assert await fb.vote(world["erin"], idea_id, "IMPORTANT") == []
    assert await fb.vote(world["gil"], idea_id, "IMPORTANT") == []
    assert await fb.vote(world["ian"], idea_id, "NICE_TO_HAVE") == []
    # then: 5 voters, 3 accounts, ARR = acme + globex once each
    demand = await fb.demand(world["pm"], idea_id)
    assert (demand["voterCount"], demand["accountCount"]) == (5, 3)
    assert demand["arr"] == {"amount": "150000.75", "currency": "USD"}
    assert demand["importanceCounts"] == {"niceToHave": 2, "important": 2, "mustHave": 1}
    assert demand["weightedImportance"] == 2 * 1 + 2 * 2 + 1 * 4
    assert demand["demandBySegment"] == [
        {"segment": "ENTERPRISE", "accountCount": 1, "arr": {"amount": "120000.5"}},
        {"segment": "SMB", "accountCount": 2, "arr": {"amount": "30000.25"}},
    ]
    # impact = 1.0 * 150000.75/10000 + 1.0 * 10 + 0.5 * 5 + 2.0 * 3 (default weights)
    expected = round(150000.75 / 10000 + 10 + 2.5 + 6, 2)
    assert demand["impactScore"] == pytest.approx(expected, abs=0.01)
    # customers see counts but not ARR
    member_view = await fb.demand(world["gil"], idea_id)
    assert member_view["arr"] is None and member_view["demandBySegment"] is None
    assert member_view["voterCount"] == 5
    assert member_view["viewerVote"] == {"importance": "IMPORTANT"}


async def test_voting_twice_and_unvoting(fb, session, world):
    idea_id = await fb.submit(world["casey"])
    assert await fb.vote(world["casey"], idea_id) == []
    # when casey votes again: refused, nothing changed
    assert await fb.vote(world["casey"], idea_id, "MUST_HAVE") == ["ALREADY_VOTED"]
    assert (await fb.demand(world["pm"], idea_id))["importanceCounts"]["mustHave"] == 0
    await fb.vote(world["dana"], idea_id)
    # when casey unvotes, acme still counts (dana); when dana unvotes, acme's ARR leaves
    body = await fb.call(world["casey"], UNVOTE, {"i": {"ideaId": idea_id}})
    assert body["data"]["unvoteIdea"]["userErrors"] == []
    demand = await fb.demand(world["pm"], idea_id)
    assert (demand["voterCount"], demand["accountCount"], demand["arr"]["amount"]) == (
        1,
        1,
        "120000.5",
    )
    await fb.call(world["dana"], UNVOTE, {"i": {"ideaId": idea_id}})
    demand = await fb.demand(world["pm"], idea_id)
    assert (demand["voterCount"], demand["accountCount"], demand["arr"]["amount"]) == (0, 0, "0")
    assert demand["impactScore"] == 0
    again = await fb.call(world["dana"], UNVOTE, {"i": {"ideaId": idea_id}})
    assert [e["code"] for e in again["data"]["unvoteIdea"]["userErrors"]] == ["NOT_VOTED"]


async def test_staff_record_proxy_votes_for_a_contact(fb, session, world):
    idea_id = await fb.submit(world["casey"])
    variables = {
        "i": {
            "ideaId": idea_id,
            "memberId": global_id("Member", world["gil"].id),
            "importance": "MUST_HAVE",
            "source": "CALL",
            "note": "Asked on the QBR call",
        }
    }
    # when a CSM records gil's vote from a call
    body = await fb.call(world["csm"], PROXY, variables)
    assert body["data"]["recordProxyVote"]["userErrors"] == []
    assert body["data"]["recordProxyVote"]["vote"] == {
        "proxy": True,
        "proxySource": "CALL",
        "proxyNote": "Asked on the QBR call",
    }
    # then it counts for globex; gil sees it as his vote and cannot vote again
    demand = await fb.demand(world["pm"], idea_id)
    assert (demand["accountCount"], demand["arr"]["amount"]) == (1, "30000.25")
    assert (await fb.demand(world["gil"], idea_id))["viewerVote"] == {"importance": "MUST_HAVE"}
    assert await fb.vote(world["gil"], idea_id) == ["ALREADY_VOTED"]
    # a customer cannot record proxy votes; staff cannot vote themselves
    refused = await fb.call(world["casey"], PROXY, variables)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await fb.vote(world["pm"], idea_id) == ["NOT_A_CUSTOMER"]


async def test_private_ideas_are_not_found_by_others(fb, session, world):
    account_idea = await fb.submit(world["casey"], "Acme only", visibility="ACCOUNT")
    staff_idea = await fb.submit(world["pm"], "Internal", visibility="STAFF")
    # gil (globex) can neither see nor vote on acme's idea; dana (acme) can
    assert (await fb.call(world["gil"], DEMAND, {"id": account_idea}))["data"]["node"] is None
    assert await fb.vote(world["gil"], account_idea) == ["NOT_FOUND"]
    assert await fb.vote(world["dana"], account_idea) == []
    assert (await fb.call(world["casey"], DEMAND, {"id": staff_idea}))["data"]["node"] is None
    listed = await fb.call(world["gil"], "query { ideas { edges { node { id } } } }")
    assert account_idea not in [e["node"]["id"] for e in listed["data"]["ideas"]["edges"]]
    staff_list = await fb.call(world["pm"], "query { ideas { edges { node { id } } } }")
    assert {account_idea, staff_idea} <= {
        e["node"]["id"] for e in staff_list["data"]["ideas"]["edges"]
    }
    # customers cannot file staff-only ideas
    body = await fb.call(
        world["casey"],
        "mutation($i: SubmitIdeaInput!) { submitIdea(input: $i) { userErrors { field code } } }",
        {"i": {"title": "x", "productArea": "A", "visibility": "STAFF"}},
    )
    assert body["data"]["submitIdea"]["userErrors"] == [
        {"field": ["input", "visibility"], "code": "INVALID_VALUE"}
    ]


async def test_demand_rows_match_votes(fb, session, world):
    idea_id = await fb.submit(world["casey"])
    for name in ("casey", "dana", "gil"):
        await fb.vote(world[name], idea_id)
    rows = (
        await session.execute(
            select(IdeaAccountDemand.account_id, IdeaAccountDemand.voter_count).order_by(
                IdeaAccountDemand.account_id
            )
        )
    ).all()
    assert [tuple(r) for r in rows] == [(world["acme"].id, 2), (world["globex"].id, 1)]
    idea = await session.scalar(select(Idea).where(Idea.title == "Dark mode"))
    assert idea.arr_cents == 12_000_050 + 3_000_025


async def test_an_accounts_arr_change_resums_its_ideas(fb, session, world):
    from decimal import Decimal

    from domain.identity import events as identity_events
    from domain.shared.outbox import record_event

    idea_id = await fb.submit(world["casey"])
    await fb.vote(world["casey"], idea_id)
    await fb.vote(world["dana"], idea_id)
    await fb.vote(world["gil"], idea_id)
    # when acme's ARR changes (identity records ACCOUNT_UPDATED) and the worker runs
    world["acme"].arr = Decimal("200000.00")
    record_event(session, identity_events.ACCOUNT_UPDATED, {"account_id": world["acme"].id})
    await session.commit()
    await fb.drain()
    # then the idea sums acme's new ARR, once
    demand = await fb.demand(world["pm"], idea_id)
    assert demand["arr"]["amount"] == "230000.25"
    expected = round(230000.25 / 10000 + 2 * 3 + 0.5 * 3 + 2.0 * 2, 2)
    assert demand["impactScore"] == pytest.approx(expected, abs=0.01)


CHANGE = """
mutation($i: VoteIdeaInput!) {
  changeVoteImportance(input: $i) { idea { voterCount } vote { importance } userErrors { field code } }
}
"""


async def test_changing_a_votes_importance_moves_the_demand_exactly(fb, session, world):
    idea_id = await fb.submit(world["casey"])
    assert await fb.vote(world["casey"], idea_id, "MUST_HAVE") == []
    assert await fb.vote(world["dana"], idea_id, "NICE_TO_HAVE") == []
    assert await fb.vote(world["gil"], idea_id, "NICE_TO_HAVE") == []

    async def change(who: str, importance: str) -> dict:
        body = await fb.call(
            world[who], CHANGE, {"i": {"ideaId": idea_id, "importance": importance}}
        )
        assert "errors" not in body, body
        return body["data"]["changeVoteImportance"]

    async def acme_rank() -> int:
        return await session.scalar(
            select(IdeaAccountDemand.max_importance_rank).where(
                IdeaAccountDemand.account_id == world["acme"].id
            )
        )

    # when gil raises his vote to MUST_HAVE
    result = await change("gil", "MUST_HAVE")
    assert result == {
        "idea": {"voterCount": 3},
        "vote": {"importance": "MUST_HAVE"},
        "userErrors": [],
    }
    demand = await fb.demand(world["pm"], idea_id)
    assert demand["importanceCounts"] == {"niceToHave": 1, "important": 0, "mustHave": 2}
    assert (demand["voterCount"], demand["accountCount"], demand["arr"]["amount"]) == (
        3,
        2,
        "150000.75",
    )
    # impact = ARR/10,000 + points (1 + 4 + 4) + 0.5 * 3 voters + 2 * 2 accounts
    assert demand["impactScore"] == pytest.approx(
        round(150000.75 / 10000 + 9 + 1.5 + 4, 2), abs=0.01
    )
    # when casey lowers hers, acme's highest ask stays MUST_HAVE only while someone has it
    assert await acme_rank() == 3
    await change("casey", "IMPORTANT")
    assert await acme_rank() == 2
    await change("dana", "MUST_HAVE")
    assert await acme_rank() == 3
    demand = await fb.demand(world["pm"], idea_id)
    assert demand["importanceCounts"] == {"niceToHave": 0, "important": 1, "mustHave": 2}
    assert demand["weightedImportance"] == 2 + 4 + 4
    # the same importance again changes nothing; without a vote it is NOT_VOTED
    assert (await change("dana", "MUST_HAVE"))["userErrors"] == []
    assert (await fb.demand(world["pm"], idea_id))["importanceCounts"]["mustHave"] == 2
    refused = await change("hana", "IMPORTANT")
    assert [e["code"] for e in refused["userErrors"]] == ["NOT_VOTED"]
    # the counters equal a recount from the votes
    idea = await session.scalar(select(Idea).where(Idea.title == "Dark mode"))
    await session.refresh(idea)
    votes = (
        await session.scalars(select(IdeaVote.importance).where(IdeaVote.idea_id == idea.id))
    ).all()
    assert sorted(votes) == ["IMPORTANT", "MUST_HAVE", "MUST_HAVE"]
    assert (idea.nice_to_have_count, idea.important_count, idea.must_have_count) == (0, 1, 2)
