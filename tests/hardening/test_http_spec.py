"""GraphQL over HTTP (graphql.github.io/graphql-over-http): methods, media types, status codes.

Every refusal is checked next to a normal frontend request that passes.
"""

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from domain.identity.models import Member
from tests.support.factories import create_account, create_member
from tests.support.graphql import bearer

CONTRACT = Path(__file__).parents[2] / "frontend-contract" / "operations"
VIEWER = (CONTRACT / "Viewer.graphql").read_text()
UPDATE_PROFILE = (CONTRACT / "UpdateProfile.graphql").read_text()
GRAPHQL_RESPONSE = "application/graphql-response+json"
BOTH = f"{GRAPHQL_RESPONSE}, application/json;q=0.9"


@pytest.fixture
async def member(session):
    account = await create_account(session)
    member = await create_member(session, account, name="Casey", title="Engineer")
    await session.commit()
    return member


@pytest.fixture
def auth(app, member):
    return {"Authorization": f"Bearer {bearer(app, member)}"}


def codes(response):
    return [e["extensions"]["code"] for e in response.json()["errors"]]


async def post(client, body, headers=None, **kwargs):
    return await client.post("/graphql", content=body, headers=headers or {}, **kwargs)


def json_body(payload) -> bytes:
    return json.dumps(payload).encode()


# --- a normal frontend request, under each response media type -----------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (BOTH, GRAPHQL_RESPONSE),
        ("application/json", "application/json"),
        ("application/json, application/graphql-response+json;q=0.5", "application/json"),
        ("*/*", "application/json"),
        ("application/*", "application/json"),
        (None, "application/json"),
        (f"{GRAPHQL_RESPONSE}; charset=utf-8", GRAPHQL_RESPONSE),
    ],
)
async def test_a_query_is_answered_in_the_media_type_the_client_accepts(
    client, auth, accept, expected
):
    headers = {**auth, "Content-Type": "application/json"}
    if accept is not None:
        headers["Accept"] = accept
    else:
        client.headers.pop("accept", None)
    response = await post(client, json_body({"query": VIEWER}), headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{expected}; charset=utf-8"
    assert response.json()["data"]["viewer"]["name"] == "Casey"


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "application/json;q=0"])
async def test_an_accept_header_naming_no_supported_type_is_406(client, auth, accept):
    response = await post(
        client,
        json_body({"query": VIEWER}),
        {**auth, "Accept": accept, "Content-Type": "application/json"},
    )
    assert response.status_code == 406
    assert codes(response) == ["NOT_ACCEPTABLE"]


# --- methods -------------------------------------------------------------------------------


async def test_get_runs_queries(client, auth):
    response = await client.get(
        "/graphql",
        params={
            "query": "query($n: Int) { viewer { name } members(first: $n) { edges { cursor } } }",
            "variables": json.dumps({"n": 1}),
        },
        headers={**auth, "Accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["viewer"] == {"name": "Casey"}
    assert len(response.json()["data"]["members"]["edges"]) == 1


async def test_a_mutation_by_get_is_405_with_allow_post_and_changes_nothing(
    client, auth, member, session
):
    variables = json.dumps({"input": {"title": "Hacker"}})
    for accept in (GRAPHQL_RESPONSE, "application/json"):
        response = await client.get(
            "/graphql",
            params={"query": UPDATE_PROFILE, "variables": variables},
            headers={**auth, "Accept": accept},
        )
        assert response.status_code == 405
        assert response.headers["allow"] == "POST"
        assert codes(response) == ["METHOD_NOT_ALLOWED"]
    assert await session.scalar(select(Member.title).where(Member.id == member.id)) == "Engineer"
    # the same mutation by POST works
    response = await post(
        client,
        json_body({"query": UPDATE_PROFILE, "variables": {"input": {"title": "CTO"}}}),
        {**auth, "Content-Type": "application/json", "Accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 200
    assert response.json()["data"]["updateProfile"]["member"]["title"] == "CTO"


async def test_other_methods_are_405(client):
    response = await client.put("/graphql", json={"query": "{ viewer { name } }"})
    assert response.status_code == 405


# --- request media type -------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",  # what a cross-site form could send without a CORS preflight
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/graphql",
        "application/json; charset=latin-1",
    ],
)
async def test_a_post_that_is_not_json_in_utf8_is_415(client, auth, content_type):
    headers = dict(auth)
    if content_type:
        headers["Content-Type"] = content_type
    response = await post(client, json_body({"query": VIEWER}), headers)
    assert response.status_code == 415
    assert codes(response) == ["UNSUPPORTED_MEDIA_TYPE"]


async def test_json_with_a_utf8_charset_is_accepted(client, auth):
    response = await post(
        client,
        json_body({"query": VIEWER}),
        {**auth, "Content-Type": "application/json; charset=UTF-8"},
    )
    assert response.status_code == 200 and response.json()["data"]["viewer"]["name"] == "Casey"


# --- malformed requests are 400 under both media types --------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "BAD_REQUEST"),
        (b"", "BAD_REQUEST"),
        (b"42", "BAD_REQUEST"),
        (b'"query { viewer { name } }"', "BAD_REQUEST"),
        (b"[]", "BATCHING_NOT_SUPPORTED"),
        (
            b'[{"query": "{ viewer { name } }"}, {"query": "{ viewer { name } }"}]',
            "BATCHING_NOT_SUPPORTED",
        ),
        (b"{}", "BAD_REQUEST"),
        (b'{"query": null}', "BAD_REQUEST"),
        (b'{"query": 1}', "BAD_REQUEST"),
        (b'{"query": {"a": 1}}', "BAD_REQUEST"),
        (b'{"query": ["{ viewer { name } }"]}', "BAD_REQUEST"),
        (b'{"query": "{ viewer { name } }", "variables": "{}"}', "BAD_REQUEST"),
        (b'{"query": "{ viewer { name } }", "variables": []}', "BAD_REQUEST"),
        (b'{"query": "{ viewer { name } }", "operationName": 5}', "BAD_REQUEST"),
        (b'{"query": "{ viewer { name } }", "extensions": [1]}', "BAD_REQUEST"),
    ],
)
@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, "application/json"])
async def test_malformed_requests_are_400(client, auth, body, code, accept):
    response = await post(
        client, body, {**auth, "Content-Type": "application/json", "Accept": accept}
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == f"{accept}; charset=utf-8"
    assert codes(response) == [code]
    assert "data" not in response.json()


async def test_null_variables_operation_name_and_extensions_are_allowed(client, auth):
    body = {"query": VIEWER, "variables": None, "operationName": None, "extensions": None}
    response = await post(client, json_body(body), {**auth, "Content-Type": "application/json"})
    assert response.status_code == 200 and response.json()["data"]["viewer"]["name"] == "Casey"


async def test_malformed_get_parameters_are_400(client, auth):
    for params in (
        {"query": VIEWER, "variables": "{oops"},
        {"query": VIEWER, "variables": "[1]"},
        {},
    ):
        response = await client.get(
            "/graphql", params=params, headers={**auth, "Accept": GRAPHQL_RESPONSE}
        )
        assert response.status_code == 400, (params, response.text)


# --- GraphQL request errors vs execution ----------------------------------------------------

REQUEST_ERRORS = [
    ({"query": "query { viewer { name "}, "GRAPHQL_PARSE_FAILED"),
    ({"query": "query { viewer { nope } }"}, "GRAPHQL_VALIDATION_FAILED"),
    (
        {
            "query": "query($n: Int!) { members(first: $n) { edges { cursor } } }",
            "variables": {"n": "ten"},
        },
        "GRAPHQL_VALIDATION_FAILED",
    ),
    ({"query": "query A { viewer { name } }", "operationName": "B"}, "OPERATION_NOT_FOUND"),
    ({"query": "query A { viewer { name } } query B { viewer { id } }"}, "OPERATION_NOT_FOUND"),
]


@pytest.mark.parametrize(("payload", "code"), REQUEST_ERRORS)
async def test_request_errors_are_400_without_data_under_graphql_response_json(
    client, auth, payload, code
):
    response = await post(
        client,
        json_body(payload),
        {**auth, "Content-Type": "application/json", "Accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    body = response.json()
    assert "data" not in body and body["errors"]


@pytest.mark.parametrize(("payload", "code"), REQUEST_ERRORS)
async def test_request_errors_are_200_under_application_json(client, auth, payload, code):
    response = await post(
        client,
        json_body(payload),
        {**auth, "Content-Type": "application/json", "Accept": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["errors"]


async def test_field_errors_are_200_with_data_under_graphql_response_json(client, auth):
    # given a mutation refused for want of credentials: execution ran, the field failed
    response = await post(
        client,
        json_body({"query": UPDATE_PROFILE, "variables": {"input": {"title": "x"}}}),
        {"Content-Type": "application/json", "Accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 200
    body = response.json()
    assert "data" in body and body["data"] is None
    assert codes(response) == ["UNAUTHENTICATED"]
    # and a partial result: one field fails, the other is data
    response = await post(
        client,
        json_body({"query": 'query { viewer { name } node(id: "not-an-id") { id } }'}),
        {**auth, "Content-Type": "application/json", "Accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 200
    assert response.json()["data"]["viewer"] == {"name": "Casey"}
    assert codes(response) == ["BAD_USER_INPUT"]


async def test_subscriptions_over_http_are_a_request_error(client, auth):
    response = await post(
        client,
        json_body({"query": "subscription { notificationReceived { id } }"}),
        {**auth, "Content-Type": "application/json", "Accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 400
    assert codes(response) == ["BAD_USER_INPUT"] and "data" not in response.json()
