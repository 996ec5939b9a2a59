"""A member's privacy setting (profileVisibility) through GraphQL: who finds them in the member
directory and who sees their profile details. Search has its own tests (tests/search)."""

from typing import Any

from domain.identity.models import Role
from tests.support.community import create_space, create_thread
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.graphql import bearer, gql
from tests.support.ids import global_id

SET_VISIBILITY = """
mutation($input: UpdateProfileInput!) {
  updateProfile(input: $input) {
    member { id profileVisibility }
    userErrors { field code }
  }
}
"""
DIRECTORY = "query { members(first: 100) { edges { node { name } } } }"
PROFILE = """
query($id: ID!) {
  node(id: $id) {
    ... on Member {
      name handle title bio timezone productsUsed usingProductSince profileVisibility
    }
  }
}
"""
FEED = """
query($slug: String!) {
  space(slug: $slug) { threads(first: 10) { edges { node { author { name title } } } } }
}
"""
HIDDEN_PROFILE = {
    "title": None,
    "bio": None,
    "timezone": None,
    "productsUsed": [],
    "usingProductSince": None,
}


async def _people(session: Any) -> dict[str, Any]:
    vendor = await create_vendor(session)
    acme = await create_account(session, name="Acme")
    globex = await create_account(session, name="Globex")
    casey_details = {
        "title": "Data engineer",
        "bio": "Pipelines all day",
        "timezone": "Europe/Berlin",
        "products_used": ["Warehouse"],
    }
    people = {
        "admin": await create_member(session, vendor, {Role.ADMIN}, name="Ada Admin"),
        "casey": await create_member(session, acme, name="Casey Jones", **casey_details),
        "carla": await create_member(session, acme, name="Carla Colleague"),
        "gil": await create_member(session, globex, name="Gil Outsider"),
    }
    await session.commit()
    return people


async def _set(client: Any, token: str, visibility: str | None) -> dict[str, Any]:
    body = await gql(
        client, SET_VISIBILITY, {"input": {"profileVisibility": visibility}}, token=token
    )
    assert "errors" not in body, body
    return dict(body["data"]["updateProfile"])


async def _directory(client: Any, token: str) -> set[str]:
    body = await gql(client, DIRECTORY, token=token)
    return {edge["node"]["name"] for edge in body["data"]["members"]["edges"]}


async def _profile(client: Any, token: str, member_id: int) -> dict[str, Any]:
    body = await gql(client, PROFILE, {"id": global_id("Member", member_id)}, token=token)
    assert "errors" not in body, body
    return dict(body["data"]["node"])


async def test_profiles_are_open_to_the_community_by_default(app, client, session):
    people = await _people(session)
    casey = people["casey"]
    # when gil, from another customer, looks
    profile = await _profile(client, bearer(app, people["gil"]), casey.id)
    # then he sees the profile, but not the setting (it is casey's and staff's business)
    assert profile["title"] == "Data engineer"
    assert profile["productsUsed"] == ["Warehouse"]
    assert profile["profileVisibility"] is None
    assert "Casey Jones" in await _directory(client, bearer(app, people["gil"]))
    own = await _profile(client, bearer(app, casey), casey.id)
    assert own["profileVisibility"] == "COMMUNITY"


async def test_account_visibility_hides_a_member_from_other_customers(app, client, session):
    # given
    people = await _people(session)
    casey = people["casey"]
    tokens = {who: bearer(app, member) for who, member in people.items()}
    # when
    payload = await _set(client, tokens["casey"], "ACCOUNT")
    # then
    assert payload == {
        "member": {"id": global_id("Member", casey.id), "profileVisibility": "ACCOUNT"},
        "userErrors": [],
    }
    assert "Casey Jones" not in await _directory(client, tokens["gil"])
    assert "Casey Jones" in await _directory(client, tokens["carla"])  # a colleague
    assert "Casey Jones" in await _directory(client, tokens["admin"])  # staff
    assert "Casey Jones" in await _directory(client, tokens["casey"])  # herself
    outsider_view = await _profile(client, tokens["gil"], casey.id)
    # the name still shows (it stands beside her posts), the details do not
    assert outsider_view == {
        "name": "Casey Jones",
        "handle": casey.handle,
        "profileVisibility": None,
        **HIDDEN_PROFILE,
    }
    colleague_view = await _profile(client, tokens["carla"], casey.id)
    assert colleague_view["title"] == "Data engineer"
    assert colleague_view["profileVisibility"] is None
    staff_view = await _profile(client, tokens["admin"], casey.id)
    assert staff_view["bio"] == "Pipelines all day"
    assert staff_view["profileVisibility"] == "ACCOUNT"


async def test_staff_visibility_hides_a_member_from_colleagues_too(app, client, session):
    # given
    people = await _people(session)
    casey = people["casey"]
    tokens = {who: bearer(app, member) for who, member in people.items()}
    # when
    await _set(client, tokens["casey"], "STAFF")
    # then
    assert "Casey Jones" not in await _directory(client, tokens["carla"])
    assert "Casey Jones" not in await _directory(client, tokens["gil"])
    assert "Casey Jones" in await _directory(client, tokens["admin"])
    colleague_view = await _profile(client, tokens["carla"], casey.id)
    assert {k: colleague_view[k] for k in HIDDEN_PROFILE} == HIDDEN_PROFILE
    own_view = await _profile(client, tokens["casey"], casey.id)
    assert own_view["title"] == "Data engineer"
    assert own_view["profileVisibility"] == "STAFF"
    # and back to everyone
    await _set(client, tokens["casey"], "COMMUNITY")
    assert "Casey Jones" in await _directory(client, tokens["gil"])
    assert (await _profile(client, tokens["gil"], casey.id))["title"] == "Data engineer"


async def test_posts_keep_their_authors_name_whatever_the_setting(app, client, session):
    # given a thread by casey in a public space, and casey going private
    people = await _people(session)
    space = await create_space(session)
    await create_thread(session, space, people["casey"].id)
    await session.commit()
    await _set(client, bearer(app, people["casey"]), "STAFF")
    # when gil reads the space
    body = await gql(client, FEED, {"slug": space.slug}, token=bearer(app, people["gil"]))
    # then the post is attributed, the profile detail is not shown
    authors = [e["node"]["author"] for e in body["data"]["space"]["threads"]["edges"]]
    assert authors == [{"name": "Casey Jones", "title": None}]


async def test_the_setting_cannot_be_cleared_or_set_for_someone_else(app, client, session):
    # given
    people = await _people(session)
    casey, gil = people["casey"], people["gil"]
    # when casey sends null
    payload = await _set(client, bearer(app, casey), None)
    # then
    assert payload["member"] is None
    assert payload["userErrors"] == [
        {"field": ["input", "profileVisibility"], "code": "INVALID_VALUE"}
    ]
    assert (await _profile(client, bearer(app, casey), casey.id))[
        "profileVisibility"
    ] == "COMMUNITY"
    # when gil tries to change casey's setting
    body = await gql(
        client,
        SET_VISIBILITY,
        {"input": {"memberId": global_id("Member", casey.id), "profileVisibility": "STAFF"}},
        token=bearer(app, gil),
    )
    # then it is refused and nothing changed
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await _profile(client, bearer(app, casey), casey.id))[
        "profileVisibility"
    ] == "COMMUNITY"
    # an admin may (as for every profile field)
    body = await gql(
        client,
        SET_VISIBILITY,
        {"input": {"memberId": global_id("Member", casey.id), "profileVisibility": "ACCOUNT"}},
        token=bearer(app, people["admin"]),
    )
    assert body["data"]["updateProfile"]["member"]["profileVisibility"] == "ACCOUNT"
