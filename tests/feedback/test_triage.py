"""Statuses, merges, notifications, roadmap, changelog and reports over HTTP."""

import pytest
from sqlalchemy import select

from domain.community.models import Notification, NotificationKind, NotificationPreference
from domain.feedback.models import IdeaVote
from tests.feedback.world import MERGE, PROXY, STATUS, UNMERGE, Feedback, people
from tests.support.ids import global_id

INBOX = "query { notifications { edges { node { kind message thread { kind } } } } }"
SUBSCRIBE = """
mutation($i: SetIdeaSubscriptionInput!) { setIdeaSubscription(input: $i) { subscribed userErrors { code } } }
"""


@pytest.fixture
async def world(session):
    return await people(session)


@pytest.fixture
def fb(app, client):
    return Feedback(app, client)


def codes(result):  # type: ignore[no-untyped-def]
    return [e["code"] for e in result["userErrors"]]


async def test_workflow_rules_and_declined_reason(fb, session, world):
    idea_id = await fb.submit(world["casey"])
    # NEW -> SHIPPED is not in the default workflow; customers cannot triage at all
    assert codes(await fb.status(world["pm"], idea_id, "SHIPPED")) == ["TRANSITION_NOT_ALLOWED"]
    assert codes(await fb.status(world["pm"], idea_id, "DUPLICATE")) == ["TRANSITION_NOT_ALLOWED"]
    body = await fb.call(
        world["casey"],
        STATUS,
        {"i": {"ideaId": idea_id, "status": "UNDER_REVIEW"}},
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # DECLINED needs a reason; with one, voters see it
    assert codes(await fb.status(world["pm"], idea_id, "DECLINED")) == ["REASON_REQUIRED"]
    assert (await fb.demand(world["casey"], idea_id))["status"] == "NEW"
    result = await fb.status(world["pm"], idea_id, "DECLINED", "Out of scope for 2027")
    assert result == {
        "idea": {"status": "DECLINED", "declinedReason": "Out of scope for 2027"},
        "userErrors": [],
    }
    # a configured workflow replaces the defaults
    workflow = """
    mutation($i: SetIdeaWorkflowInput!) { setIdeaWorkflow(input: $i) { transitions { fromStatus toStatus } userErrors { code } } }
    """
    body = await fb.call(
        world["pm"],
        workflow,
        {"i": {"transitions": [{"fromStatus": "DECLINED", "toStatus": "SHIPPED"}]}},
    )
    assert body["data"]["setIdeaWorkflow"]["transitions"] == [
        {"fromStatus": "DECLINED", "toStatus": "SHIPPED"}
    ]
    assert codes(await fb.status(world["pm"], idea_id, "UNDER_REVIEW")) == [
        "TRANSITION_NOT_ALLOWED"
    ]
    assert codes(await fb.status(world["pm"], idea_id, "SHIPPED")) == []


async def test_status_change_notifies_exactly_voters_proxies_and_followers(fb, session, world):
    # given: casey submits (follows); dana votes; gil's vote is a proxy; hana follows;
    # erin votes but mutes; ian votes but turned IDEA_STATUS off; the pm acts
    idea_id = await fb.submit(world["casey"])
    await fb.vote(world["dana"], idea_id)
    await fb.vote(world["erin"], idea_id)
    await fb.vote(world["ian"], idea_id)
    proxy = {
        "ideaId": idea_id,
        "memberId": global_id("Member", world["gil"].id),
        "importance": "IMPORTANT",
        "source": "TICKET",
    }
    assert (await fb.call(world["csm"], PROXY, {"i": proxy}))["data"]["recordProxyVote"][
        "userErrors"
    ] == []
    await fb.call(world["hana"], SUBSCRIBE, {"i": {"ideaId": idea_id, "subscribed": True}})
    await fb.call(world["erin"], SUBSCRIBE, {"i": {"ideaId": idea_id, "subscribed": False}})
    session.add(
        NotificationPreference(
            member_id=world["ian"].id, kind=NotificationKind.IDEA_STATUS, enabled=False
        )
    )
    await session.commit()
    # when the pm moves it to UNDER_REVIEW and the worker runs (twice: at-least-once)
    assert codes(await fb.status(world["pm"], idea_id, "UNDER_REVIEW")) == []
    await fb.drain()
    await fb.drain()
    # then exactly casey, dana, gil and hana hear of it, once each
    rows = (
        await session.execute(
            select(Notification.recipient_id, Notification.message).where(
                Notification.kind == NotificationKind.IDEA_STATUS
            )
        )
    ).all()
    expected = {world[n].id for n in ("casey", "dana", "gil", "hana")}
    assert sorted(r.recipient_id for r in rows) == sorted(expected)
    assert {r.message for r in rows} == {"“Dark mode” moved from New to Under review."}
    inbox = await fb.call(world["gil"], INBOX)
    assert inbox["data"]["notifications"]["edges"][0]["node"]["thread"] == {"kind": "IDEA_LINK"}


async def test_digest_members_get_one_summary_instead(fb, session, world):
    idea_id = await fb.submit(world["casey"])
    other_id = await fb.submit(world["casey"], "Export to CSV")
    await fb.vote(world["dana"], idea_id)
    await fb.vote(world["dana"], other_id)
    body = await fb.call(
        world["dana"],
        "mutation { setFeedbackDigest(input: {enabled: true}) { enabled userErrors { code } } }",
    )
    assert body["data"]["setFeedbackDigest"]["enabled"] is True
    await fb.status(world["pm"], idea_id, "UNDER_REVIEW")
    await fb.status(world["pm"], other_id, "DECLINED", "No")
    await fb.drain()
    kinds = await session.scalars(
        select(Notification.kind).where(Notification.recipient_id == world["dana"].id)
    )
    assert list(kinds) == []
    # when the digest goes out
    sent = await fb.call(
        world["pm"], "mutation { sendFeedbackDigests { enabled userErrors { code } } }"
    )
    assert sent["data"]["sendFeedbackDigests"]["userErrors"] == []
    await fb.drain()
    await fb.call(world["pm"], "mutation { sendFeedbackDigests { enabled } }")
    await fb.drain()
    rows = (
        await session.execute(
            select(Notification.kind, Notification.message).where(
                Notification.recipient_id == world["dana"].id
            )
        )
    ).all()
    assert [tuple(r) for r in rows] == [
        (
            NotificationKind.IDEA_DIGEST,
            "2 idea update(s): “Dark mode”: Under review; “Export to CSV”: Declined",
        )
    ]


async def test_merge_moves_votes_without_double_counting_and_undoes_exactly(fb, session, world):
    original = await fb.submit(world["casey"], "Dark mode")
    duplicate = await fb.submit(world["gil"], "Night theme")
    await fb.vote(world["casey"], original, "NICE_TO_HAVE")
    await fb.vote(world["gil"], original, "IMPORTANT")
    # casey votes on both (her vote on the duplicate is dropped); dana and ian only on it
    await fb.vote(world["casey"], duplicate, "MUST_HAVE")
    await fb.vote(world["dana"], duplicate, "MUST_HAVE")
    await fb.vote(world["ian"], duplicate, "IMPORTANT")
    before = {i: await fb.demand(world["pm"], i) for i in (original, duplicate)}
    votes_before = await _votes(session)
    # bad merges change nothing
    same = await fb.call(world["pm"], MERGE, {"i": {"sourceId": original, "targetId": original}})
    assert codes(same["data"]["mergeIdeas"]) == ["CANNOT_MERGE_INTO_ITSELF"]
    # when the duplicate is merged
    body = await fb.call(world["pm"], MERGE, {"i": {"sourceId": duplicate, "targetId": original}})
    result = body["data"]["mergeIdeas"]
    assert result["userErrors"] == [], body
    assert result["source"] == {"status": "DUPLICATE", "mergedInto": {"id": original}}
    # then members count once: casey, gil, dana, ian; accounts acme, globex, initech
    merged = await fb.demand(world["pm"], original)
    assert (merged["voterCount"], merged["accountCount"]) == (4, 3)
    assert merged["arr"]["amount"] == "150000.75"
    assert merged["importanceCounts"] == {"niceToHave": 1, "important": 2, "mustHave": 1}
    emptied = await fb.demand(world["pm"], duplicate)
    assert (emptied["voterCount"], emptied["status"]) == (0, "DUPLICATE")
    # voting on the merged idea is refused; merging back into it is a cycle
    assert await fb.vote(world["erin"], duplicate) == ["IDEA_MERGED"]
    cycle = await fb.call(world["pm"], MERGE, {"i": {"sourceId": original, "targetId": duplicate}})
    assert codes(cycle["data"]["mergeIdeas"]) == ["MERGE_CYCLE"]
    # when it is undone: every vote is back where it was, numbers equal
    body = await fb.call(world["pm"], UNMERGE, {"i": {"ideaId": duplicate}})
    assert body["data"]["unmergeIdea"]["userErrors"] == []
    assert await _votes(session) == votes_before
    after = {i: await fb.demand(world["pm"], i) for i in (original, duplicate)}
    assert after == before
    again = await fb.call(world["pm"], UNMERGE, {"i": {"ideaId": duplicate}})
    assert codes(again["data"]["unmergeIdea"]) == ["MERGE_NOT_UNDOABLE"]


async def test_merge_chains_resolve_and_undo_in_order(fb, session, world):
    a = await fb.submit(world["casey"], "A")
    b = await fb.submit(world["casey"], "B")
    c = await fb.submit(world["casey"], "C")
    await fb.vote(world["dana"], a)
    await fb.vote(world["gil"], b)
    await fb.vote(world["ian"], c)
    # a -> b, then c -> a resolves to b (a is merged into b)
    await fb.call(world["pm"], MERGE, {"i": {"sourceId": a, "targetId": b}})
    body = await fb.call(world["pm"], MERGE, {"i": {"sourceId": c, "targetId": a}})
    assert body["data"]["mergeIdeas"]["target"] == {"id": b, "voterCount": 3}
    # b -> c: c is merged into b, a cycle
    cycle = await fb.call(world["pm"], MERGE, {"i": {"sourceId": b, "targetId": c}})
    assert codes(cycle["data"]["mergeIdeas"]) == ["MERGE_CYCLE"]
    for idea in (c, a):
        body = await fb.call(world["pm"], UNMERGE, {"i": {"ideaId": idea}})
        assert body["data"]["unmergeIdea"]["userErrors"] == []
    assert [(await fb.demand(world["pm"], i))["voterCount"] for i in (a, b, c)] == [1, 1, 1]


async def test_roadmap_changelog_and_reports(fb, session, world):
    planned = await fb.submit(world["casey"], "Planned thing", productArea="Alerts")
    shipped = await fb.submit(world["casey"], "Shipped thing", productArea="Alerts")
    declined = await fb.submit(world["casey"], "Declined thing", productArea="Alerts")
    private = await fb.submit(
        world["gil"], "Globex thing", productArea="Alerts", visibility="ACCOUNT"
    )
    await fb.vote(world["casey"], declined, "MUST_HAVE")
    await fb.vote(world["casey"], planned, "IMPORTANT")
    await fb.vote(world["gil"], declined, "NICE_TO_HAVE")
    await fb.vote(world["gil"], planned, "MUST_HAVE")
    for idea, path in (
        (planned, ["UNDER_REVIEW", "PLANNED"]),
        (shipped, ["UNDER_REVIEW", "PLANNED", "IN_PROGRESS", "SHIPPED"]),
        (private, ["UNDER_REVIEW", "PLANNED"]),
    ):
        for status in path:
            assert codes(await fb.status(world["pm"], idea, status)) == []
    await fb.status(world["pm"], declined, "DECLINED", "Not now")
    roadmap = """
    query($a: String) { roadmap(productArea: $a) {
      planned { edges { node { id } } } inProgress { edges { node { id } } } shipped { edges { node { id } } } } }
    """
    body = await fb.call(world["casey"], roadmap, {"a": "Alerts"})
    columns = body["data"]["roadmap"]
    assert [e["node"]["id"] for e in columns["planned"]["edges"]] == [planned]
    assert [e["node"]["id"] for e in columns["shipped"]["edges"]] == [shipped]
    gil_view = await fb.call(world["gil"], roadmap, {"a": "Alerts"})
    assert {e["node"]["id"] for e in gil_view["data"]["roadmap"]["planned"]["edges"]} == {
        planned,
        private,
    }
    entry = await fb.call(
        world["pm"],
        "mutation($i: CreateChangelogEntryInput!) { createChangelogEntry(input: $i) { entry { id ideas { id } } userErrors { code } } }",
        {"i": {"title": "Alerts 2.0", "body": "New **alerts**", "ideaIds": [shipped, private]}},
    )
    assert entry["data"]["createChangelogEntry"]["userErrors"] == []
    log = await fb.call(
        world["casey"], "query { changelog { edges { node { title bodyHtml ideas { id } } } } }"
    )
    assert log["data"]["changelog"]["edges"] == [
        {
            "node": {
                "title": "Alerts 2.0",
                "bodyHtml": "<p>New <strong>alerts</strong></p>\n",
                "ideas": [{"id": shipped}],
            }
        }
    ]
    # ARR exposed: acme's top ask (MUST_HAVE) was declined; globex's top ask is planned
    report = await fb.call(
        world["pm"],
        "query { feedbackReports { declinedArrExposure { totalArr { amount } accountCount accounts { account { name } declinedIdeas { id } } }"
        " timeToFirstResponse { count } timeToShip { count } topIdeas(first: 2) { id } } }",
    )
    reports = report["data"]["feedbackReports"]
    assert reports["declinedArrExposure"] == {
        "totalArr": {"amount": "120000.5"},
        "accountCount": 1,
        "accounts": [{"account": {"name": "Acme"}, "declinedIdeas": [{"id": declined}]}],
    }
    assert reports["timeToFirstResponse"]["count"] == 4
    assert reports["timeToShip"]["count"] == 1
    assert reports["topIdeas"][0]["id"] == planned
    refused = await fb.call(world["casey"], "query { feedbackReports { timeToShip { count } } }")
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def _votes(session):  # type: ignore[no-untyped-def]
    rows = await session.scalars(
        select(IdeaVote).order_by(IdeaVote.id).execution_options(populate_existing=True)
    )
    return [
        (v.id, v.idea_id, v.member_id, v.account_id, v.importance, v.proxy, v.created_at)
        for v in rows
    ]
