"""Abuse limits: query cost (reported and capped), batching, rate limits per IP and per member
with Retry-After, the request timeout, body size. Each refusal next to a request that passes."""

from pathlib import Path

import pytest
from sqlalchemy import select

from api.app import create_app
from api.settings import Settings
from domain.identity.models import Member
from domain.shared.database import create_session_factory
from tests.hardening.conftest import client_for
from tests.support.factories import create_account, create_member
from tests.support.graphql import bearer

OPERATIONS = Path(__file__).parents[2] / "frontend-contract" / "operations"
SPACE_FEED = (OPERATIONS / "SpaceFeed.graphql").read_text()
UPDATE_TITLE = "mutation($t: String) { updateProfile(input: {title: $t}) { member { title } userErrors { code } } }"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
async def people(session):
    account = await create_account(session)
    casey = await create_member(session, account, name="Casey", title="Engineer")
    gil = await create_member(session, account, name="Gil")
    await session.commit()
    return casey, gil


def codes(response):
    return [e["extensions"]["code"] for e in response.json().get("errors") or []]


# --- cost -----------------------------------------------------------------------------------


async def test_cost_is_reported_when_asked_for(app, client, people):
    token = bearer(app, people[0])
    headers = {**JSON, "Authorization": f"Bearer {token}", "GraphQL-Cost": "report"}
    query = "query { viewer { name } members(first: 10) { edges { node { name } } } }"
    body = (await client.post("/graphql", json={"query": query}, headers=headers)).json()
    # the documented rule: a field costs 1, a paginated field multiplies its selection by `first`
    viewer = 1 + 1  # viewer, name
    members = 1 + 10 * (1 + (1 + 1))  # members x 10 (edges, node, name)
    assert body["extensions"]["cost"] == {"requested": viewer + members, "maximum": 20_000}
    assert len(body["data"]["members"]["edges"]) == 2
    # not asked: not reported
    plain = await client.post(
        "/graphql", json={"query": query}, headers={**JSON, "Authorization": f"Bearer {token}"}
    )
    assert "extensions" not in plain.json()


async def test_cost_is_always_reported_when_configured(make_app, people):
    app = make_app(query_cost_report="always", max_query_cost=500)
    async with client_for(app) as client:
        body = (
            await client.post(
                "/graphql",
                json={"query": "{ viewer { name } }"},
                headers={**JSON, "Authorization": f"Bearer {bearer(app, people[0])}"},
            )
        ).json()
    assert body["extensions"]["cost"] == {"requested": 2, "maximum": 500}


async def test_a_frontend_feed_passes_every_limit_and_an_oversized_one_is_refused(make_app, people):
    app = make_app(max_query_cost=3000)
    headers = {
        **JSON,
        "Authorization": f"Bearer {bearer(app, people[0])}",
        "GraphQL-Cost": "report",
    }
    async with client_for(app) as client:
        feed = (
            await client.post(
                "/graphql",
                json={"query": SPACE_FEED, "variables": {"slug": "none", "first": 50}},
                headers=headers,
            )
        ).json()
        assert "errors" not in feed and feed["data"] == {"space": None}
        cost = feed["extensions"]["cost"]["requested"]
        assert 0 < cost <= 3000
        # 100 threads per space with 100 posts each is refused before it runs
        costly = "query { spaces { threads(first: 100) { edges { node { posts(first: 100) { edges { node { id } } } } } } } }"
        refused = await client.post("/graphql", json={"query": costly}, headers=headers)
    assert codes(refused) == ["QUERY_TOO_COSTLY"] and refused.json()["data"] is None
    assert refused.json()["errors"][0]["extensions"]["cost"] > 3000
    assert refused.json()["extensions"]["cost"]["requested"] > 3000


# --- batching ---------------------------------------------------------------------------------


async def test_a_batch_is_refused_with_a_clear_400(client):
    response = await client.post(
        "/graphql", json=[{"query": "{ viewer { name } }"}] * 3, headers=JSON
    )
    assert response.status_code == 400
    assert codes(response) == ["BATCHING_NOT_SUPPORTED"]
    assert "one operation per request" in response.json()["errors"][0]["message"]


# --- rate limits ------------------------------------------------------------------------------


async def test_per_ip_rate_limit_with_retry_after(make_app):
    app = make_app(rate_limit_per_ip="3/minute")
    query = {"query": "{ viewer { name } }"}
    async with (
        client_for(app, client=("203.0.113.7", 5000)) as busy,
        client_for(app, client=("203.0.113.8", 5000)) as other,
    ):
        for _ in range(3):
            assert (await busy.post("/graphql", json=query, headers=JSON)).status_code == 200
        refused = await busy.post("/graphql", json=query, headers=JSON)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert codes(refused) == ["RATE_LIMITED"]
        # another address is not affected
        assert (await other.post("/graphql", json=query, headers=JSON)).status_code == 200


async def test_per_member_rate_limit_with_retry_after(make_app, people):
    casey, gil = people
    app = make_app(rate_limit_per_member="2/minute", rate_limit_per_ip="100/minute")
    query = {"query": "{ viewer { name } }"}

    def auth(member):
        return {**JSON, "Authorization": f"Bearer {bearer(app, member)}"}

    async with client_for(app) as client:
        for _ in range(2):
            ok = await client.post("/graphql", json=query, headers=auth(casey))
            assert ok.json()["data"]["viewer"]["name"] == "Casey"
        refused = await client.post("/graphql", json=query, headers=auth(casey))
        assert refused.status_code == 429 and codes(refused) == ["RATE_LIMITED"]
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        # another member from the same address goes on
        other = await client.post("/graphql", json=query, headers=auth(gil))
        assert other.json()["data"]["viewer"]["name"] == "Gil"


async def test_rate_limits_in_redis_are_shared_by_every_api_process(make_app, people, redis_url):
    casey = people[0]
    settings = {"redis_url": redis_url, "rate_limit_per_member": "3/minute"}
    first, second = make_app(**settings), make_app(**settings)
    query = {"query": "{ viewer { name } }"}
    async with client_for(first) as one, client_for(second) as other:
        headers = {**JSON, "Authorization": f"Bearer {bearer(first, casey)}"}
        assert (await one.post("/graphql", json=query, headers=headers)).status_code == 200
        assert (await one.post("/graphql", json=query, headers=headers)).status_code == 200
        assert (await other.post("/graphql", json=query, headers=headers)).status_code == 200
        refused = await other.post("/graphql", json=query, headers=headers)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1


async def test_limits_with_redis_down_serve_rather_than_refuse(make_app, people):
    app = make_app(redis_url="redis://127.0.0.1:1/0", rate_limit_per_member="1/minute")
    headers = {**JSON, "Authorization": f"Bearer {bearer(app, people[0])}"}
    async with client_for(app) as client:
        for _ in range(2):
            response = await client.post(
                "/graphql", json={"query": "{ viewer { name } }"}, headers=headers
            )
            assert response.json()["data"]["viewer"]["name"] == "Casey"


def test_rate_limit_settings_are_checked():
    from pydantic import ValidationError

    from api.settings import Settings

    with pytest.raises(ValidationError, match="limits"):
        Settings(rate_limit_per_ip="lots", _env_file=None)  # type: ignore[call-arg]


# --- timeout ----------------------------------------------------------------------------------


async def test_a_request_over_its_time_limit_is_stopped_cleanly_and_changes_nothing(
    committed_database_url, committed_engine, keys_dir
):
    # given a member in a database whose commits are real, and an app with a tiny time limit
    async with create_session_factory(committed_engine)() as setup:
        account = await create_account(setup)
        casey = await create_member(setup, account, title="Engineer")
        await setup.commit()

    def app_with(**overrides):
        settings = Settings(
            database_url=committed_database_url,
            environment="test",
            keys_dir=keys_dir,
            _env_file=None,
            **overrides,
        )  # type: ignore[call-arg]
        return create_app(settings, engine=committed_engine, configure_logs=False)

    slow = app_with(request_timeout_seconds=0.0005)
    headers = {**JSON, "Authorization": f"Bearer {bearer(slow, casey)}"}
    mutation = {"query": UPDATE_TITLE, "variables": {"t": "Timed out"}}
    # when it runs a mutation: a coded error, and nothing saved
    async with client_for(slow) as client:
        response = await client.post("/graphql", json=mutation, headers=headers)
        assert response.status_code == 200 and codes(response) == ["REQUEST_TIMEOUT"]
        assert "nothing was changed" in response.json()["errors"][0]["message"]
        refused = await client.post(
            "/graphql",
            json=mutation,
            headers={**headers, "Accept": "application/graphql-response+json"},
        )
        assert refused.status_code == 503 and codes(refused) == ["REQUEST_TIMEOUT"]
        assert "data" not in refused.json()

    async def title() -> str | None:
        async with create_session_factory(committed_engine)() as check:
            return await check.scalar(select(Member.title).where(Member.id == casey.id))

    assert await title() == "Engineer"
    # then the same request within its limit goes through
    async with client_for(app_with()) as client:
        done = await client.post(
            "/graphql", json={"query": UPDATE_TITLE, "variables": {"t": "CTO"}}, headers=headers
        )
    assert done.json()["data"]["updateProfile"]["member"]["title"] == "CTO"
    assert await title() == "CTO"


# --- body size --------------------------------------------------------------------------------


async def test_a_streamed_body_over_the_limit_is_413_and_a_normal_one_passes(client, settings):
    async def chunks():
        yield b'{"query": "'
        for _ in range(settings.max_body_bytes // 1024 + 1):
            yield b" " * 1024
        yield b'{ viewer { name } }"}'

    response = await client.post("/graphql", content=chunks(), headers=JSON)  # no Content-Length
    assert response.status_code == 413
    assert codes(response) == ["PAYLOAD_TOO_LARGE"]
    ok = await client.post("/graphql", content=b'{"query": "{ viewer { name } }"}', headers=JSON)
    assert ok.status_code == 200 and ok.json() == {"data": {"viewer": None}}
