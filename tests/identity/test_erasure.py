"""Erasure of a member's personal data (GDPR Art. 17) through GraphQL over HTTP: personal
fields go everywhere (database, API, search), aggregates stay exact, and only admins act."""

from typing import Any

import pytest
from sqlalchemy import func, select

from domain.advocacy.models import (
    AdvocateProfile,
    ConsentRecord,
    LedgerEntry,
    PointBalance,
)
from domain.community.models import Mention, NotificationPreference, Post
from domain.feedback.models import IdeaVote, SurveyResponse
from domain.identity.models import ApiToken, ExternalIdentity, Member, MemberStatus
from domain.insights.models import AdvocacyTouch
from domain.matching.models import BuddyPair, BuddyProfile
from domain.programs.models import ApplicationStatus, ProgramApplication, ProgramEnrolment
from domain.shared.audit import AuditEntry
from tests.feedback.world import DEMAND
from tests.identity.privacy_world import (
    PrivacyWorld,
    build_privacy_world,
    row_count,
    thread_counters,
)
from tests.support.graphql import error_codes, gql
from tests.support.ids import global_id

ERASE = """
mutation($input: EraseMemberInput!) {
  eraseMember(input: $input) {
    member { id name handle avatarUrl status }
    alreadyErased report
    userErrors { field code }
  }
}
"""
PROFILE = """
query($id: ID!) { node(id: $id) { ... on Member { name handle title bio timezone avatarUrl } } }
"""
THREAD_AUTHOR = "query($id: ID!) { node(id: $id) { ... on Thread { title author { name } } } }"
QUOTES = """
query { testimonials(state: PUBLISHED) { edges { node { text usable attributedAs } } } }
"""
SEARCH = """
query($query: String, $types: [SearchType!], $filters: SearchFilters) {
  search(query: $query, types: $types, filters: $filters, first: 50) {
    edges { node {
      __typename
      ... on ThreadSearchHit { thread { title author { name } } }
      ... on PostSearchHit { post { id } }
      ... on MemberSearchHit { member { name } }
    } }
  }
}
"""
VIEWER = "query { viewer { name } }"


@pytest.fixture
async def world(app, client, session) -> PrivacyWorld:
    built = await build_privacy_world(app, client, session)
    await app.state.dispatcher.drain()  # the search index, notifications, ledger: as in use
    return built


async def _erase(world: PrivacyWorld, who: str, member: str, reason: str | None = None) -> Any:
    variables = {"input": {"memberId": global_id("Member", world.member_id(member))}}
    if reason:
        variables["input"]["reason"] = reason
    return (await world.call(who, ERASE, variables))["eraseMember"]


async def _aggregates(world: PrivacyWorld, session: Any) -> dict[str, Any]:
    """What erasure must not move: idea demand, thread counters, points, scores, attribution."""
    demand = {}
    for idea in ("gil_idea", "casey_idea"):
        data = await world.call("admin", DEMAND, {"id": world.ids[idea]})
        demand[idea] = data["node"]
    casey = world.member_id("casey")
    # her ledger and balance (gil's seat, freed by the erasure, adds entries of his own)
    ledger = await session.execute(
        select(func.count(), func.sum(LedgerEntry.points)).where(LedgerEntry.member_id == casey)
    )
    balance = await session.execute(
        select(PointBalance.lifetime, PointBalance.spendable).where(PointBalance.member_id == casey)
    )
    return {
        "demand": demand,
        "threads": await thread_counters(session),
        "ledger": tuple(ledger.one()),
        "balance": tuple(balance.one()),
        "votes": await row_count(session, IdeaVote),
        "survey": tuple(
            (await session.execute(select(func.count(), func.sum(SurveyResponse.score)))).one()
        ),
        "touches": await row_count(session, AdvocacyTouch),
    }


async def _search(world: PrivacyWorld, who: str, query: str, **extra: Any) -> list[Any]:
    data = await world.call(who, SEARCH, {"query": query, **extra})
    return [edge["node"] for edge in data["search"]["edges"]]


async def test_erasure_removes_personal_fields_everywhere_and_keeps_aggregates(
    world, session, client, app
):
    # given
    casey_id, acme_id = world.member_id("casey"), world.account_ids["casey"]
    casey_token = world.token("casey")
    before = await _aggregates(world, session)
    assert {
        h["member"]["name"] for h in await _search(world, "admin", "Quillfeather", types=["MEMBER"])
    } == {"Casey Quillfeather"}
    assert (await world.call("marketing", QUOTES))["testimonials"]["edges"][0]["node"]["usable"]
    # when
    payload = await _erase(world, "admin", "casey", "GDPR request #42")
    await app.state.dispatcher.drain()
    # then the payload shows the anonymised member
    assert payload["userErrors"] == [] and payload["alreadyErased"] is False
    assert payload["member"] == {
        "id": global_id("Member", casey_id),
        "name": "Former member",
        "handle": f"former-member-{casey_id}",
        "avatarUrl": None,
        "status": "DEACTIVATED",
    }
    assert payload["report"]["advocacy"]["consentsWithdrawn"] == 1
    assert payload["report"]["programs"]["enrolmentsEnded"] == 1
    # the database holds nothing personal
    session.expire_all()
    row = await session.get(Member, casey_id)
    assert row is not None and row.erased_at is not None
    assert (row.name, row.title, row.bio, row.timezone, row.avatar_url, row.products_used) == (
        "Former member",
        None,
        None,
        None,
        None,
        [],
    )
    assert row.email == f"erased-{casey_id}@erased.invalid"
    assert row.status is MemberStatus.DEACTIVATED
    for model in (
        ExternalIdentity,
        ApiToken,
        BuddyProfile,
        AdvocateProfile,
        NotificationPreference,
    ):
        assert await row_count(session, model, model.member_id == casey_id) == 0, model
    assert await row_count(session, Mention, Mention.member_id == casey_id) == 0
    response = await session.scalar(
        select(SurveyResponse).where(SurveyResponse.member_id == casey_id)
    )
    assert response is not None and response.comment is None and response.score == 9
    application = await session.scalar(
        select(ProgramApplication).where(ProgramApplication.member_id == casey_id)
    )
    assert application is not None and application.answers == []
    consent = await session.scalar(select(ConsentRecord).where(ConsentRecord.member_id == casey_id))
    assert consent is not None and consent.withdrawn_at is not None
    pair = await session.scalar(select(BuddyPair).where(BuddyPair.mentor_id == casey_id))
    assert pair is not None and pair.status.value == "ENDED_EARLY"
    assert pair.message == "Could you show me backfills?"  # gil's words, not hers
    # her seat went to the waitlist
    gil_application = await session.scalar(
        select(ProgramApplication).where(ProgramApplication.member_id == world.member_id("gil"))
    )
    assert gil_application is not None and gil_application.status is ApplicationStatus.APPROVED
    seats = await session.scalars(
        select(ProgramEnrolment.status).where(ProgramEnrolment.program_id == world.ids["program"])
    )
    assert sorted(s.value for s in seats) == ["ACTIVE", "ENDED"]
    # aggregates are exactly what they were
    assert await _aggregates(world, session) == before
    # the API shows a former member beside what she wrote
    profile = (await world.call("carla", PROFILE, {"id": global_id("Member", casey_id)}))["node"]
    assert profile == {
        "name": "Former member",
        "handle": f"former-member-{casey_id}",
        "title": None,
        "bio": None,
        "timezone": None,
        "avatarUrl": None,
    }
    # (inactive members are not found by other customers, as before)
    assert (await world.call("gil", PROFILE, {"id": global_id("Member", casey_id)}))["node"] is None
    thread = (await world.call("gil", THREAD_AUTHOR, {"id": world.ids["thread"]}))["node"]
    assert thread == {"title": "Backfill stalls", "author": {"name": "Former member"}}
    # her quote cannot be used any more, and does not name her
    [quote] = (await world.call("marketing", QUOTES))["testimonials"]["edges"]
    assert quote["node"]["usable"] is False
    assert "Quillfeather" not in quote["node"]["attributedAs"]
    # her tokens and sessions are dead
    for credential in (casey_token, world.ids["api_token_secret"]):
        body = await gql(client, VIEWER, token=credential)
        assert error_codes(body) == ["UNAUTHENTICATED"]
    # search: no member document, her thread still found, attributed to a former member
    assert await _search(world, "admin", "Quillfeather", types=["MEMBER"]) == []
    assert await _search(world, "admin", "Casey", types=["MEMBER"]) == []
    [hit] = await _search(world, "gil", "Backfill stalls", types=["THREAD"])
    assert hit["thread"]["author"] == {"name": "Former member"}
    acme = global_id("Account", acme_id)
    by_acme = await _search(world, "admin", "", types=["THREAD"], filters={"accountIds": [acme]})
    assert by_acme == []  # her employer is not kept beside her threads in the index
    # and the act is in the audit log, once
    log = await world.call(
        "admin",
        'query { auditLog(filters: {action: "member.erase"}) '
        "{ edges { node { targetId reason actor { name } } } } }",
    )
    assert [e["node"] for e in log["auditLog"]["edges"]] == [
        {
            "targetId": global_id("Member", casey_id),
            "reason": "GDPR request #42",
            "actor": {"name": "Ada Admin"},
        }
    ]


async def test_erasing_twice_changes_nothing_the_second_time(world, session, app):
    first = await _erase(world, "admin", "casey")
    await app.state.dispatcher.drain()
    after_first = await _aggregates(world, session)
    # when
    second = await _erase(world, "admin", "casey")
    # then
    assert second["userErrors"] == [] and second["alreadyErased"] is True
    assert second["member"] == first["member"] and second["report"] == {}
    assert await _aggregates(world, session) == after_first
    assert await row_count(session, AuditEntry, AuditEntry.action == "member.erase") == 1
    # and the export now says who she is not
    document = (
        await world.call(
            "admin",
            "query($id: ID) { personalDataExport(memberId: $id) }",
            {"id": global_id("Member", world.member_id("casey"))},
        )
    )["personalDataExport"]
    assert document["erasedAt"] is not None
    [profile] = document["contexts"]["identity"]["profile"]
    assert (profile["name"], profile["bio"]) == ("Former member", None)
    assert document["contexts"]["identity"]["apiTokens"] == []


async def test_only_admins_erase_and_nothing_changes_otherwise(world, session, client):
    target = {"input": {"memberId": global_id("Member", world.member_id("casey"))}}
    for who in ("casey", "carla", "gil", "marketing"):
        body = await gql(client, ERASE, target, token=world.token(who))
        assert error_codes(body) == ["FORBIDDEN"], (who, body)
    session.expire_all()
    casey = await session.get(Member, world.member_id("casey"))
    assert casey is not None and casey.erased_at is None and casey.name == "Casey Quillfeather"
    assert await row_count(session, AuditEntry, AuditEntry.action == "member.erase") == 0
    unknown = await world.call(
        "admin", ERASE, {"input": {"memberId": global_id("Member", 999_999)}}
    )
    assert unknown["eraseMember"]["userErrors"] == [
        {"field": ["input", "memberId"], "code": "NOT_FOUND"}
    ]


async def test_the_last_admin_cannot_be_erased(world, session):
    payload = await _erase(world, "admin", "admin")
    assert payload["member"] is None
    assert payload["userErrors"] == [{"field": ["input", "memberId"], "code": "LAST_ADMIN"}]
    session.expire_all()
    admin = await session.get(Member, world.member_id("admin"))
    assert admin is not None and admin.erased_at is None and admin.name == "Ada Admin"


async def test_deleted_posts_lose_their_text_on_erasure(world, session, app):
    casey_posts = list(
        await session.scalars(
            select(Post).where(Post.author_id == world.member_id("casey")).order_by(Post.id)
        )
    )
    reply = casey_posts[1]
    deleted = await world.call(
        "casey",
        "mutation($input: DeletePostInput!) { deletePost(input: $input) { userErrors { code } } }",
        {"input": {"postId": global_id("Post", reply.id)}},
    )
    assert deleted["deletePost"]["userErrors"] == []
    await _erase(world, "admin", "casey")
    session.expire_all()
    bodies = {
        p.id: p.body_markdown
        for p in await session.scalars(
            select(Post).where(Post.author_id == world.member_id("casey"))
        )
    }
    assert bodies[reply.id] == ""
    assert bodies[casey_posts[0].id] == "Quillfeather here."  # what she left up stays
