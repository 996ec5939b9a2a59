"""Search through GraphQL over HTTP, on the app's own (embedded) index."""

import httpx
import pytest

from api.app import create_app
from domain.community.models import SpaceVisibility
from domain.identity.events import MEMBER_CREATED, member_changed
from domain.identity.models import Role
from tests.support.community import create_space
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.graphql import bearer, error_codes, gql
from tests.support.ids import global_id

SEARCH = """
query($query: String, $types: [SearchType!], $filters: SearchFilters, $first: Int, $after: String) {
  search(query: $query, types: $types, filters: $filters, first: $first, after: $after) {
    totalCount
    edges { cursor node {
      __typename
      ... on ThreadSearchHit { thread { id title } highlights { field snippet } }
      ... on PostSearchHit { post { id number thread { title } } highlights { field snippet } }
      ... on MemberSearchHit { member { id name } highlights { field snippet } }
    } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
    facets { field values { value label count } }
  }
}
"""
SUGGEST = """
query($query: String!, $types: [SearchType!]) {
  searchSuggestions(query: $query, types: $types) {
    __typename
    ... on ThreadSearchHit { thread { title } highlights { field snippet } }
    ... on MemberSearchHit { member { name } highlights { field snippet } }
  }
}
"""
START_THREAD = """
mutation($input: StartThreadInput!) {
  startThread(input: $input) { thread { id } userErrors { code } }
}
"""
REPLY = """
mutation($input: ReplyInput!) { reply(input: $input) { post { id } userErrors { code } } }
"""


@pytest.fixture
async def forum(app, client, session):
    vendor = await create_vendor(session)
    acme = await create_account(session, name="Acme")
    globex = await create_account(session, name="Globex")
    people = {
        "admin": await create_member(session, vendor, {Role.ADMIN}, name="Ada Admin"),
        "casey": await create_member(session, acme, name="Casey Pipeline", handle="casey"),
        "gil": await create_member(session, globex, name="Gil", handle="gil"),
    }
    spaces = {
        "public": await create_space(session),
        "acme": await create_space(session, SpaceVisibility.ACCOUNT, account_id=acme.id),
    }
    spaces["public"].name = "Pipelines Q&A"
    for member in people.values():  # as the identity service records a new member
        member_changed(session, MEMBER_CREATED, member)
    await session.commit()
    tokens = {k: bearer(app, m) for k, m in people.items()}

    async def start(
        who: str, space: str, title: str, body: str, tags: list[str] | None = None
    ) -> str:
        data = await gql(
            client,
            START_THREAD,
            {
                "input": {
                    "spaceId": global_id("Space", spaces[space].id),
                    "kind": "QUESTION",
                    "title": title,
                    "body": body,
                    "tags": tags or [],
                }
            },
            token=tokens[who],
        )
        assert data["data"]["startThread"]["userErrors"] == [], data
        return str(data["data"]["startThread"]["thread"]["id"])

    return {"people": people, "spaces": spaces, "tokens": tokens, "start": start}


async def test_search_returns_hits_of_every_type_with_highlights_and_facets(app, client, forum):
    # given
    thread_id = await forum["start"](
        "casey", "public", "Pipelines backfill stalls", "Backfill **stops** at 90%.", ["etl"]
    )
    await gql(
        client,
        REPLY,
        {"input": {"threadId": thread_id, "body": "Pipelines need a restart"}},
        token=forum["tokens"]["gil"],
    )
    await forum["start"]("casey", "acme", "Acme pipelines secrets", "internal")
    await app.state.dispatcher.drain()
    # when
    body = await gql(client, SEARCH, {"query": "pipeline"}, token=forum["tokens"]["gil"])
    # then
    assert "errors" not in body, body
    result = body["data"]["search"]
    kinds = [e["node"]["__typename"] for e in result["edges"]]
    assert sorted(kinds) == ["MemberSearchHit", "PostSearchHit", "ThreadSearchHit"]
    thread = next(
        e["node"] for e in result["edges"] if e["node"]["__typename"] == "ThreadSearchHit"
    )
    assert thread["thread"]["title"] == "Pipelines backfill stalls"  # not Acme's private one
    assert {"field": "title", "snippet": "<mark>Pipelines</mark> backfill stalls"} in thread[
        "highlights"
    ]
    member = next(
        e["node"] for e in result["edges"] if e["node"]["__typename"] == "MemberSearchHit"
    )
    assert member["member"]["name"] == "Casey Pipeline"
    assert result["totalCount"] == 3
    facets = {f["field"]: f["values"] for f in result["facets"]}
    assert {v["value"]: v["count"] for v in facets["TYPE"]} == {"THREAD": 1, "POST": 1, "MEMBER": 1}
    space = forum["spaces"]["public"]
    assert facets["SPACE"] == [
        {"value": global_id("Space", space.id), "label": "Pipelines Q&A", "count": 2}
    ]
    assert "ACCOUNT" not in facets  # staff only


async def test_filters_and_pages_through_the_api(app, client, forum):
    for n in range(3):
        await forum["start"]("casey", "public", f"Pipelines tip {n}", "tip", ["tips"])
    await forum["start"]("casey", "public", "Pipelines outage", "down", ["outage"])
    await app.state.dispatcher.drain()
    token = forum["tokens"]["gil"]
    filters = {"tags": ["tips"], "spaceIds": [global_id("Space", forum["spaces"]["public"].id)]}
    seen: list[str] = []
    after = None
    while True:
        body = await gql(
            client,
            SEARCH,
            {
                "query": "pipelines",
                "types": ["THREAD"],
                "filters": filters,
                "first": 2,
                "after": after,
            },
            token=token,
        )
        page = body["data"]["search"]
        seen += [e["node"]["thread"]["title"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(seen) == ["Pipelines tip 0", "Pipelines tip 1", "Pipelines tip 2"]
    # an empty query lists the most recent first
    recent = await gql(client, SEARCH, {"query": "", "types": ["THREAD"], "first": 1}, token=token)
    assert recent["data"]["search"]["edges"][0]["node"]["thread"]["title"] == "Pipelines outage"


async def test_autocomplete_matches_title_and_name_prefixes(app, client, forum):
    await forum["start"]("casey", "public", "Scheduling exports", "how?")
    await app.state.dispatcher.drain()
    body = await gql(client, SUGGEST, {"query": "sched"}, token=forum["tokens"]["gil"])
    assert [(h["__typename"], h["thread"]["title"]) for h in body["data"]["searchSuggestions"]] == [
        ("ThreadSearchHit", "Scheduling exports")
    ]
    names = await gql(
        client, SUGGEST, {"query": "cas", "types": ["MEMBER"]}, token=forum["tokens"]["gil"]
    )
    assert names["data"]["searchSuggestions"][0]["member"]["name"] == "Casey Pipeline"
    assert {"field": "name", "snippet": "<mark>Casey</mark> Pipeline"} in names["data"][
        "searchSuggestions"
    ][0]["highlights"]


async def test_member_hits_follow_the_members_privacy_setting(app, client, forum):
    tokens = forum["tokens"]

    async def members_found(who: str) -> list[str]:
        body = await gql(
            client, SEARCH, {"query": "pipeline", "types": ["MEMBER"]}, token=tokens[who]
        )
        assert "errors" not in body, body
        return [e["node"]["member"]["name"] for e in body["data"]["search"]["edges"]]

    await app.state.dispatcher.drain()
    assert await members_found("gil") == ["Casey Pipeline"]
    # given casey limits her profile to her colleagues and staff, through the API
    changed = await gql(
        client,
        "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { userErrors { code } } }",
        {"input": {"profileVisibility": "ACCOUNT"}},
        token=tokens["casey"],
    )
    assert changed["data"]["updateProfile"]["userErrors"] == []
    await app.state.dispatcher.drain()
    # then another customer's member no longer finds her, staff and she herself do
    assert await members_found("gil") == []
    assert await members_found("admin") == ["Casey Pipeline"]
    assert await members_found("casey") == ["Casey Pipeline"]
    suggestions = await gql(
        client, SUGGEST, {"query": "casey", "types": ["MEMBER"]}, token=tokens["gil"]
    )
    assert suggestions["data"]["searchSuggestions"] == []


async def test_bad_input_gets_clear_errors(client, forum):
    token = forum["tokens"]["gil"]
    too_long = await gql(client, SEARCH, {"query": "x" * 1001}, token=token)
    assert error_codes(too_long) == ["SEARCH_QUERY_TOO_LONG"]
    assert "at most 1000" in too_long["errors"][0]["message"]
    unknown_filter = await gql(
        client, 'query { search(filters: {colour: "red"}) { totalCount } }', token=token
    )
    assert error_codes(unknown_filter) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "colour" in unknown_filter["errors"][0]["message"]
    unknown_type = await gql(
        client, "query { search(types: [WEBINAR]) { totalCount } }", token=token
    )
    assert error_codes(unknown_type) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "WEBINAR" in unknown_type["errors"][0]["message"]
    wrong_id = await gql(
        client, SEARCH, {"filters": {"spaceIds": [global_id("Thread", 1)]}}, token=token
    )
    assert error_codes(wrong_id) == ["INVALID_SEARCH_FILTER"]
    bad_cursor = await gql(client, SEARCH, {"after": "nonsense"}, token=token)
    assert error_codes(bad_cursor) == ["BAD_USER_INPUT"]
    others = await gql(
        client, SEARCH, {"filters": {"accountIds": [global_id("Account", 99999)]}}, token=token
    )
    assert error_codes(others) == ["FORBIDDEN"]
    anonymous = await gql(client, SEARCH, {"query": "x"})
    assert error_codes(anonymous) == ["UNAUTHENTICATED"]
    token_query = await gql(client, "query { searchToken { token } }", token=token)
    assert token_query["data"]["searchToken"] is None  # the embedded engine has no tenant tokens


async def test_readyz_reports_search(client):
    response = await client.get("/readyz")
    assert response.status_code == 200


async def test_with_meilisearch_unreachable_writes_succeed_and_search_says_why(
    settings, engine, session_factory, session
):
    # given an app pointed at a Meilisearch nobody runs
    app = create_app(
        settings.model_copy(update={"meilisearch_url": "http://127.0.0.1:9"}),
        engine=engine,
        session_factory=session_factory,
        configure_logs=False,
    )
    vendor = await create_vendor(session)
    member = await create_member(session, vendor, {Role.ADMIN})
    space = await create_space(session)
    await session.commit()
    token = bearer(app, member)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bondfire.test") as client:
        # when
        written = await gql(
            client,
            START_THREAD,
            {
                "input": {
                    "spaceId": global_id("Space", space.id),
                    "kind": "DISCUSSION",
                    "title": "Still works",
                    "body": "yes",
                }
            },
            token=token,
        )
        await app.state.dispatcher.drain()
        searched = await gql(client, SEARCH, {"query": "works"}, token=token)
        ready = await client.get("/readyz")
    # then
    assert written["data"]["startThread"]["userErrors"] == []
    assert error_codes(searched) == ["SEARCH_UNAVAILABLE"]
    assert "Meilisearch at http://127.0.0.1:9 is unreachable" in searched["errors"][0]["message"]
    assert ready.status_code == 503 and ready.json()["search"] == "unreachable"
