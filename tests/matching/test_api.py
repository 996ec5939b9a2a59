"""Profiles, live suggestions and request/accept through GraphQL over HTTP: the hard
constraints hold in each mode, and bad input changes nothing."""

import base64

from sqlalchemy import func, insert, select

from domain.identity.models import account_competitors
from domain.matching.models import BuddyPair, BuddyProfile
from tests.support.graphql import error_codes, gql
from tests.support.ids import global_id

SAVE_PROFILE = """
mutation($input: SaveBuddyProfileInput!) {
  saveBuddyProfile(input: $input) {
    profile { id role products useCases maturity desiredOutcomes achievedOutcomes languages
              availability capacity openSeats optedIn paused meetupsOptIn events industry
              companySize region timezone member { name } }
    userErrors { field code message }
  }
}
"""
PAUSE = """
mutation($input: SetBuddyMatchingPausedInput!) {
  setBuddyMatchingPaused(input: $input) { profile { paused } userErrors { field code } }
}
"""
SUGGESTIONS = """
query($menteeId: ID, $programId: ID, $first: Int) {
  buddySuggestions(menteeId: $menteeId, programId: $programId, first: $first) {
    score
    mentor { id member { name } openSeats }
    breakdown { criterion weight value points explanation }
  }
}
"""
REQUEST = """
mutation($input: RequestBuddyInput!) {
  requestBuddy(input: $input) {
    pair { id status origin score mentor { name } mentee { name } message
           breakdown { criterion points } }
    userErrors { field code message }
  }
}
"""
ACCEPT = """
mutation($input: BuddyPairInput!) {
  acceptBuddyPair(input: $input) {
    pair { id status mentorAcceptedAt menteeAcceptedAt endsOn }
    userErrors { field code message }
  }
}
"""
DECLINE = """
mutation($input: DeclineBuddyPairInput!) {
  declineBuddyPair(input: $input) { pair { id status declineReason } userErrors { field code } }
}
"""
PROGRAM = """
mutation($input: SaveMatchingProgramInput!) {
  saveMatchingProgram(input: $input) {
    program { id slug sameIndustryRegionCompetes weights { criterion weight } }
    userErrors { field code }
  }
}
"""


def decode(global_id: str) -> str:
    return base64.b64decode(global_id).decode().split(":")[1]


async def _names(world, who="casey", **variables):
    data = await world.gql(who, SUGGESTIONS, variables)
    return [s["mentor"]["member"]["name"] for s in data["buddySuggestions"]]


async def _pairs(world) -> int:
    return await world.session.scalar(select(func.count()).select_from(BuddyPair))


async def test_save_profile_with_every_field_then_pause(world):
    data = await world.gql(
        "nia",
        SAVE_PROFILE,
        {
            "input": {
                "role": "BOTH",
                "products": ["Alerts", " alerts ", "Pipelines"],
                "useCases": ["Fleet tracking"],
                "desiredOutcomes": ["Fewer late shipments"],
                "achievedOutcomes": ["Self-serve reporting"],
                "languages": ["English", "Japanese"],
                "availability": "Tue afternoons",
                "capacity": 3,
                "meetupsOptIn": True,
                "events": ["Summit 2026"],
            }
        },
    )
    payload = data["saveBuddyProfile"]
    assert payload["userErrors"] == []
    profile = payload["profile"]
    assert profile["products"] == ["Alerts", "Pipelines"]  # de-duplicated, case-insensitive
    assert (profile["role"], profile["capacity"], profile["openSeats"]) == ("BOTH", 3, 3)
    assert profile["maturity"] == "NEW"  # no tenure on the member profile
    assert (profile["industry"], profile["region"], profile["companySize"]) == (
        "Software",
        "APAC",
        "B1001_5000",
    )
    assert profile["meetupsOptIn"] and profile["events"] == ["Summit 2026"]
    assert profile["member"]["name"] == "Nia"
    assert profile["id"] == global_id("BuddyProfile", world.members["nia"].id)

    paused = await world.gql("nia", PAUSE, {"input": {"paused": True}})
    assert paused["setBuddyMatchingPaused"] == {"profile": {"paused": True}, "userErrors": []}


async def test_profile_bad_input_is_reported_and_changes_nothing(world):
    data = await world.gql(
        "ivy",
        SAVE_PROFILE,
        {"input": {"role": "MENTOR", "capacity": 11, "useCases": ["x" * 101], "products": []}},
    )
    errors = data["saveBuddyProfile"]["userErrors"]
    assert {tuple(e["field"]) for e in errors} == {("input", "capacity"), ("input", "useCases")}
    too_many = await world.gql(
        "ivy", SAVE_PROFILE, {"input": {"role": "MENTOR", "languages": ["x"] * 51}}
    )
    assert too_many["saveBuddyProfile"]["userErrors"][0]["code"] == "TOO_MANY_ITEMS"
    profile = await world.session.get(BuddyProfile, world.members["ivy"].id)
    await world.session.refresh(profile)
    assert (profile.capacity, profile.products) == (2, ["Pipelines"])
    # someone else's profile: only admins
    other = await gql(
        world.client,
        SAVE_PROFILE,
        {"input": {"role": "MENTOR", "memberId": world.id("gil")}},
        token=world.token("ivy"),
    )
    assert other["data"]["saveBuddyProfile"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_suggestions_keep_to_the_hard_constraints_and_explain_the_score(world):
    data = await world.gql("casey", SUGGESTIONS, {"first": 10})
    found = data["buddySuggestions"]
    # rex competes (declared by his company), uma is in the same industry and region, pat is
    # paused, col is a colleague, nia and casey are mentees only
    assert [s["mentor"]["member"]["name"] for s in found] == ["Gil", "Ivy"]
    gil = found[0]
    lines = {line["criterion"]: line for line in gil["breakdown"]}
    assert set(lines) == {
        "PRODUCT",
        "USE_CASE",
        "MATURITY",
        "OUTCOME",
        "INDUSTRY",
        "COMPANY_SIZE",
        "TIMEZONE",
        "LANGUAGE",
    }
    assert lines["PRODUCT"]["value"] == 1.0
    assert lines["PRODUCT"]["explanation"] == "shares Pipelines, Dashboards"
    assert lines["OUTCOME"]["explanation"] == "shares Faster reporting"
    assert lines["MATURITY"]["value"] == 1.0  # one level ahead
    assert lines["INDUSTRY"]["value"] == 0.0
    assert lines["COMPANY_SIZE"]["value"] == 1.0
    assert lines["TIMEZONE"]["value"] == 1.0  # Berlin and Paris
    assert abs(gil["score"] - sum(line["points"] for line in gil["breakdown"])) < 1e-3
    assert gil["score"] > found[1]["score"]
    # a manager may ask for any mentee; another member may not
    assert await _names(world, "admin", menteeId=world.id("casey")) == ["Gil", "Ivy"]
    assert await _names(world, "ivy", menteeId=world.id("casey")) == []


async def test_programme_weights_and_rule_change_the_suggestions(world):
    data = await world.gql(
        "admin",
        PROGRAM,
        {
            "input": {
                "slug": "emea-buddies",
                "name": "EMEA buddies",
                "sameIndustryRegionCompetes": False,
                "weights": [{"criterion": "INDUSTRY", "weight": 10}],
            }
        },
    )
    program = data["saveMatchingProgram"]["program"]
    weights = {w["criterion"]: w["weight"] for w in program["weights"]}
    assert weights["INDUSTRY"] == 10 and weights["PRODUCT"] == 3
    # with the rule off, Uma (same industry, same region) is allowed and, weighted so, first
    names = await _names(world, programId=program["id"])
    assert names[0] == "Uma" and set(names) == {"Uma", "Gil", "Ivy"}
    # managers only; bad values are userErrors
    body = await gql(
        world.client,
        PROGRAM,
        {"input": {"slug": "x y", "name": "", "weights": [{"criterion": "PRODUCT", "weight": 11}]}},
        token=world.token("admin"),
    )
    fields = {e["field"][1] for e in body["data"]["saveMatchingProgram"]["userErrors"]}
    assert fields == {"slug", "name", "weights"}
    body = await gql(
        world.client, PROGRAM, {"input": {"slug": "ok", "name": "Ok"}}, token=world.token("casey")
    )
    assert error_codes(body) == ["FORBIDDEN"]
    body = await gql(
        world.client, PROGRAM, {"input": {"slug": "ok", "name": "Ok"}}, token=world.token("product")
    )
    assert error_codes(body) == ["FORBIDDEN"]


async def test_requesting_someone_the_constraints_forbid_is_a_user_error(world):
    before = await _pairs(world)
    cases = {
        "casey": "CANNOT_MATCH_SELF",
        "rex": "COMPETITOR",
        "uma": "COMPETITOR",  # same industry and region
        "pat": "MENTOR_PAUSED",
        "colleague": "SAME_ACCOUNT",
        "nia": "MENTOR_UNAVAILABLE",  # a mentee, not a mentor
    }
    for mentor, code in cases.items():
        data = await world.gql(
            "casey", REQUEST, {"input": {"mentorId": world.id(mentor), "message": "hi"}}
        )
        payload = data["requestBuddy"]
        assert payload["pair"] is None, mentor
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
            (code, ["input", "mentorId"])
        ], mentor
    # the competitor is refused whichever side asks
    await world.gql("rex", SAVE_PROFILE, {"input": {"role": "BOTH"}})
    data = await world.gql("rex", REQUEST, {"input": {"mentorId": world.id("colleague")}})
    assert data["requestBuddy"]["userErrors"][0]["code"] == "COMPETITOR"
    assert await _pairs(world) == before


async def test_request_accept_and_the_mentor_at_capacity(world):
    data = await world.gql(
        "casey", REQUEST, {"input": {"mentorId": world.id("gil"), "message": " Hello Gil "}}
    )
    pair = data["requestBuddy"]["pair"]
    assert (pair["status"], pair["origin"], pair["message"]) == ("PROPOSED", "REQUEST", "Hello Gil")
    assert (pair["mentor"]["name"], pair["mentee"]["name"]) == ("Gil", "Casey")
    assert len(pair["breakdown"]) == 8 and pair["score"] > 0
    # asking again while the first is open
    again = await world.gql("casey", REQUEST, {"input": {"mentorId": world.id("gil")}})
    assert again["requestBuddy"]["userErrors"][0]["code"] == "ALREADY_PAIRED"
    # the mentee cannot accept their own request
    mine = await world.gql("casey", ACCEPT, {"input": {"pairId": pair["id"]}})
    assert mine["acceptBuddyPair"]["userErrors"][0]["code"] == "INVALID_TRANSITION"
    # a stranger does not see it
    hidden = await world.gql("ivy", ACCEPT, {"input": {"pairId": pair["id"]}})
    assert hidden["acceptBuddyPair"]["userErrors"][0]["code"] == "NOT_FOUND"

    accepted = await world.gql("gil", ACCEPT, {"input": {"pairId": pair["id"]}})
    assert accepted["acceptBuddyPair"]["userErrors"] == []
    assert accepted["acceptBuddyPair"]["pair"]["status"] == "ACCEPTED"
    assert accepted["acceptBuddyPair"]["pair"]["endsOn"] is not None  # 90 days by default
    twice = await world.gql("gil", ACCEPT, {"input": {"pairId": pair["id"]}})
    assert twice["acceptBuddyPair"]["userErrors"][0]["code"] == "ALREADY_ACCEPTED"

    # Gil's one seat is taken: no longer suggested, and requests are refused
    assert "Gil" not in await _names(world, "nia")
    full = await world.gql("nia", REQUEST, {"input": {"mentorId": world.id("gil")}})
    assert full["requestBuddy"]["userErrors"][0]["code"] == "MENTOR_AT_CAPACITY"


async def test_accepting_rechecks_capacity_and_competition(world):
    first = await world.gql("casey", REQUEST, {"input": {"mentorId": world.id("gil")}})
    second = await world.gql("nia", REQUEST, {"input": {"mentorId": world.id("gil")}})
    one = first["requestBuddy"]["pair"]["id"]
    two = second["requestBuddy"]["pair"]["id"]
    assert (await world.gql("gil", ACCEPT, {"input": {"pairId": one}}))["acceptBuddyPair"][
        "userErrors"
    ] == []
    full = await world.gql("gil", ACCEPT, {"input": {"pairId": two}})
    assert full["acceptBuddyPair"]["userErrors"][0]["code"] == "MENTOR_AT_CAPACITY"
    # a competitor declared after the request blocks the acceptance
    request = await world.gql("casey", REQUEST, {"input": {"mentorId": world.id("ivy")}})
    pair_id = request["requestBuddy"]["pair"]["id"]
    await world.session.execute(
        insert(account_competitors).values(
            account_id=world.accounts["acme"].id, competitor_id=world.accounts["initech"].id
        )
    )
    late = await world.gql("ivy", ACCEPT, {"input": {"pairId": pair_id}})
    assert late["acceptBuddyPair"]["userErrors"][0]["code"] == "COMPETITOR"
    pair = await world.session.get(BuddyPair, int(decode(pair_id)))
    await world.session.refresh(pair)
    assert (pair.status, pair.mentor_accepted_at) == ("PROPOSED", None)


async def test_decline_with_reason_then_never_again(world):
    data = await world.gql("casey", REQUEST, {"input": {"mentorId": world.id("ivy")}})
    pair_id = data["requestBuddy"]["pair"]["id"]
    declined = await world.gql(
        "ivy", DECLINE, {"input": {"pairId": pair_id, "reason": "No time this quarter"}}
    )
    assert declined["declineBuddyPair"]["pair"] == {
        "id": pair_id,
        "status": "DECLINED",
        "declineReason": "No time this quarter",
    }
    again = await world.gql("casey", REQUEST, {"input": {"mentorId": world.id("ivy")}})
    assert again["requestBuddy"]["userErrors"][0]["code"] == "PREVIOUSLY_DECLINED"
    assert await _names(world) == ["Gil"]
    late = await world.gql("ivy", ACCEPT, {"input": {"pairId": pair_id}})
    assert late["acceptBuddyPair"]["userErrors"][0]["code"] == "INVALID_TRANSITION"
