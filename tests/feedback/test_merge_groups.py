"""After a merge the votes stay where they were cast and count for the original: members and
accounts that are on both ideas count once, every vote action on the original reaches the
member's vote wherever it lies, status news reaches the duplicate's voters, and the undo gives
each idea exactly what its votes say."""

import pytest
from sqlalchemy import select

from domain.community.models import Notification, NotificationKind
from domain.feedback.models import IdeaAccountDemand, IdeaVote
from domain.feedback.services.demand import recompute
from tests.feedback.world import MERGE, UNMERGE, UNVOTE, Feedback, people

CHANGE = """
mutation($i: VoteIdeaInput!) {
  changeVoteImportance(input: $i) { vote { importance } userErrors { code } }
}
"""
MY_IDEAS = "query { ideas(first: 10, votedByMe: true) { edges { node { id } } } }"


@pytest.fixture
async def world(session):  # type: ignore[no-untyped-def]
    return await people(session)


@pytest.fixture
def fb(app, client):  # type: ignore[no-untyped-def]
    return Feedback(app, client)


def numbers(demand):  # type: ignore[no-untyped-def]
    counts = demand["importanceCounts"]
    return (
        demand["voterCount"],
        demand["accountCount"],
        demand["arr"]["amount"],
        (counts["niceToHave"], counts["important"], counts["mustHave"]),
    )


async def _demand_rows(session, idea_id: str):  # type: ignore[no-untyped-def]
    from tests.feedback.test_merge import _int_id

    rows = await session.execute(
        select(
            IdeaAccountDemand.account_id,
            IdeaAccountDemand.voter_count,
            IdeaAccountDemand.max_importance_rank,
            IdeaAccountDemand.arr_cents,
        )
        .where(IdeaAccountDemand.idea_id == _int_id(idea_id))
        .order_by(IdeaAccountDemand.account_id)
        .execution_options(populate_existing=True)
    )
    return [tuple(r) for r in rows]


async def _rebuilt_equals_kept(fb, session, pm, idea_id: str) -> None:  # type: ignore[no-untyped-def]
    """What the vote path kept one vote at a time equals a rebuild from the votes."""
    from tests.feedback.test_merge import _int_id

    kept = (numbers(await fb.demand(pm, idea_id)), await _demand_rows(session, idea_id))
    await recompute(session, [_int_id(idea_id)])
    await session.commit()
    assert (numbers(await fb.demand(pm, idea_id)), await _demand_rows(session, idea_id)) == kept


async def test_overlapping_voters_and_accounts_count_once_through_every_vote_action(
    fb, session, world
):
    pm = world["pm"]
    original = await fb.submit(world["casey"], "Dark mode")
    duplicate = await fb.submit(world["gil"], "Night theme")
    # acme: casey on both, dana on the duplicate; globex: gil on the original, hana on the
    # duplicate; initech (no ARR): ian on the duplicate
    assert await fb.vote(world["casey"], original, "NICE_TO_HAVE") == []
    assert await fb.vote(world["gil"], original, "IMPORTANT") == []
    for who, level in (("casey", "MUST_HAVE"), ("dana", "IMPORTANT"), ("hana", "NICE_TO_HAVE")):
        assert await fb.vote(world[who], duplicate, level) == []
    assert await fb.vote(world["ian"], duplicate, "MUST_HAVE") == []
    votes_before = await session.scalars(select(IdeaVote.id, IdeaVote.idea_id))

    body = await fb.call(pm, MERGE, {"i": {"sourceId": duplicate, "targetId": original}})
    assert body["data"]["mergeIdeas"]["userErrors"] == [], body

    # 5 members once each (casey by her vote on the original), 3 accounts, ARR of acme and
    # globex once each though each has two voters spread over both ideas
    merged = await fb.demand(pm, original)
    assert numbers(merged) == (5, 3, "150000.75", (2, 2, 1))
    assert sorted(
        (s["segment"], s["accountCount"], s["arr"]["amount"]) for s in merged["demandBySegment"]
    ) == [("ENTERPRISE", 1, "120000.5"), ("SMB", 2, "30000.25")]
    assert (await fb.demand(pm, duplicate))["demandBySegment"] == []
    assert list(await session.scalars(select(IdeaVote.id, IdeaVote.idea_id))) == list(votes_before)
    # the duplicate's voters see their vote on the original and find it among their ideas
    assert (await fb.demand(world["dana"], original))["viewerVote"] == {"importance": "IMPORTANT"}
    assert (await fb.demand(world["casey"], original))["viewerVote"] == {
        "importance": "NICE_TO_HAVE"
    }
    mine = await fb.call(world["dana"], MY_IDEAS)
    assert [e["node"]["id"] for e in mine["data"]["ideas"]["edges"]] == [original]
    # dana already counts: voting again is refused and changes nothing
    assert await fb.vote(world["dana"], original) == ["ALREADY_VOTED"]
    assert numbers(await fb.demand(pm, original)) == (5, 3, "150000.75", (2, 2, 1))

    # when erin (acme) votes, dana raises her vote (it lies on the duplicate), hana and then
    # gil take theirs back: globex leaves with its last voter
    assert await fb.vote(world["erin"], original, "NICE_TO_HAVE") == []
    assert numbers(await fb.demand(pm, original)) == (6, 3, "150000.75", (3, 2, 1))
    raised = await fb.call(
        world["dana"], CHANGE, {"i": {"ideaId": original, "importance": "MUST_HAVE"}}
    )
    assert raised["data"]["changeVoteImportance"] == {
        "vote": {"importance": "MUST_HAVE"},
        "userErrors": [],
    }
    for who, expected in (
        ("hana", (5, 3, "150000.75", (2, 1, 2))),
        ("gil", (4, 2, "120000.5", (2, 0, 2))),
    ):
        body = await fb.call(world[who], UNVOTE, {"i": {"ideaId": original}})
        assert body["data"]["unvoteIdea"]["userErrors"] == [], body
        assert numbers(await fb.demand(pm, original)) == expected
    await _rebuilt_equals_kept(fb, session, pm, original)

    # when undone: each idea counts what its own votes say, as they are now
    body = await fb.call(pm, UNMERGE, {"i": {"ideaId": duplicate}})
    assert body["data"]["unmergeIdea"]["userErrors"] == [], body
    # the original: casey (nice), erin (nice) of acme
    assert numbers(await fb.demand(pm, original)) == (2, 1, "120000.5", (2, 0, 0))
    # the duplicate: casey, dana (raised while merged), ian: acme and initech
    assert numbers(await fb.demand(pm, duplicate)) == (3, 2, "120000.5", (0, 0, 3))
    assert (await fb.demand(world["dana"], duplicate))["viewerVote"] == {"importance": "MUST_HAVE"}
    for idea in (original, duplicate):
        await _rebuilt_equals_kept(fb, session, pm, idea)


async def test_status_news_of_the_original_reaches_the_duplicates_voters(fb, session, world):
    pm = world["pm"]
    original = await fb.submit(world["casey"], "Dark mode")  # casey follows it
    duplicate = await fb.submit(world["gil"], "Night theme")  # gil follows it
    await fb.vote(world["dana"], original)
    await fb.vote(world["ian"], duplicate)
    await fb.vote(world["dana"], duplicate)  # on both: hears once
    body = await fb.call(pm, MERGE, {"i": {"sourceId": duplicate, "targetId": original}})
    assert body["data"]["mergeIdeas"]["userErrors"] == [], body
    assert [e["code"] for e in (await fb.status(pm, original, "UNDER_REVIEW"))["userErrors"]] == []
    await fb.drain()
    rows = await session.scalars(
        select(Notification.recipient_id).where(Notification.kind == NotificationKind.IDEA_STATUS)
    )
    expected = {world[n].id for n in ("casey", "gil", "dana", "ian")}
    assert sorted(rows) == sorted(expected)


async def test_chained_merges_count_for_the_end_of_the_chain_and_undo_in_order(fb, session, world):
    pm = world["pm"]
    a = await fb.submit(world["casey"], "A")
    b = await fb.submit(world["casey"], "B")
    c = await fb.submit(world["casey"], "C")
    await fb.vote(world["dana"], a, "MUST_HAVE")
    await fb.vote(world["gil"], a, "IMPORTANT")
    await fb.vote(world["gil"], b, "NICE_TO_HAVE")
    await fb.vote(world["ian"], c, "IMPORTANT")
    await fb.vote(world["dana"], c, "NICE_TO_HAVE")
    # a -> b, then b -> c: a's votes count for c through b
    for source, target in ((a, b), (b, c)):
        body = await fb.call(pm, MERGE, {"i": {"sourceId": source, "targetId": target}})
        assert body["data"]["mergeIdeas"]["userErrors"] == [], body
    # c: ian (important), dana (her own vote on c: nice), gil (his earliest, on a: important)
    assert numbers(await fb.demand(pm, c)) == (3, 3, "150000.75", (1, 2, 0))
    # a's merge cannot be undone while b is merged; b's can, and b takes a's votes back
    refused = await fb.call(pm, UNMERGE, {"i": {"ideaId": a}})
    assert [e["code"] for e in refused["data"]["unmergeIdea"]["userErrors"]] == [
        "MERGE_NOT_UNDOABLE"
    ]
    body = await fb.call(pm, UNMERGE, {"i": {"ideaId": b}})
    assert body["data"]["unmergeIdea"]["userErrors"] == [], body
    assert numbers(await fb.demand(pm, c)) == (2, 2, "120000.5", (1, 1, 0))
    # b: gil (his own vote on b: nice), dana (on a: must)
    assert numbers(await fb.demand(pm, b)) == (2, 2, "150000.75", (1, 0, 1))
    body = await fb.call(pm, UNMERGE, {"i": {"ideaId": a}})
    assert body["data"]["unmergeIdea"]["userErrors"] == [], body
    assert [numbers(await fb.demand(pm, i))[0] for i in (a, b, c)] == [2, 1, 2]
