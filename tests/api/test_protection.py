"""Edges of the API: tokens and scopes, error masking, query limits, body size, health."""

import httpx
import pytest
from sqlalchemy import text

from api.app import DatabaseNotMigrated, create_app
from domain.identity.models import Role
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.graphql import bearer, error_codes, gql

VIEWER = "query { viewer { name } }"
CREATE_TOKEN = """
mutation($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { secret apiToken { id prefix scopes } userErrors { field code } }
}
"""
REVOKE_TOKEN = """
mutation($input: RevokeApiTokenInput!) { revokeApiToken(input: $input) { apiToken { revokedAt } userErrors { code } } }
"""
UPDATE_TITLE = """
mutation { updateProfile(input: {title: "x"}) { userErrors { code } } }
"""


async def test_personal_api_token_lifecycle(app, client, session):
    account = await create_account(session)
    member = await create_member(session, account, name="Integrator")
    await session.commit()
    session_token = bearer(app, member)

    created = (
        await gql(
            client,
            CREATE_TOKEN,
            {"input": {"name": "CRM sync", "scopes": ["READ"]}},
            token=session_token,
        )
    )["data"]["createApiToken"]
    secret = created["secret"]
    assert secret.startswith(created["apiToken"]["prefix"]) and created["userErrors"] == []

    # the secret works for reads, is never listed again, and a READ token cannot write
    assert (await gql(client, VIEWER, token=secret))["data"]["viewer"]["name"] == "Integrator"
    listed = await gql(client, "query { apiTokens { name prefix } }", token=session_token)
    assert listed["data"]["apiTokens"] == [
        {"name": "CRM sync", "prefix": created["apiToken"]["prefix"]}
    ]
    assert secret not in str(listed)
    assert error_codes(await gql(client, UPDATE_TITLE, token=secret)) == ["FORBIDDEN"]

    # revoked: unauthenticated at once
    revoked = await gql(
        client, REVOKE_TOKEN, {"input": {"id": created["apiToken"]["id"]}}, token=session_token
    )
    assert revoked["data"]["revokeApiToken"]["apiToken"]["revokedAt"] is not None
    assert error_codes(await gql(client, VIEWER, token=secret)) == ["UNAUTHENTICATED"]


async def test_unknown_api_token_and_wrong_scheme_are_unauthenticated(client):
    assert error_codes(await gql(client, VIEWER, token="bf_pat_nope")) == ["UNAUTHENTICATED"]
    response = await client.post(
        "/graphql", json={"query": VIEWER}, headers={"Authorization": "Basic abc"}
    )
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["UNAUTHENTICATED"]


async def test_token_for_a_suspended_member_is_refused(app, client, session):
    account = await create_account(session)
    member = await create_member(session, account, status="SUSPENDED")
    await session.commit()
    assert error_codes(await gql(client, VIEWER, token=bearer(app, member))) == ["UNAUTHENTICATED"]


async def test_expired_and_foreign_audience_tokens_are_refused(app, client, session):
    from api.auth.tokens import BondfireTokens

    account = await create_account(session)
    member = await create_member(session, account)
    await session.commit()
    tokens = app.state.tokens
    expired = BondfireTokens(
        tokens.keys, issuer=tokens.issuer, audience=tokens.audience, ttl_seconds=60, leeway=0
    ).issue(member.id, ttl_seconds=-120)
    other_audience = BondfireTokens(
        tokens.keys, issuer=tokens.issuer, audience="another-api", ttl_seconds=60, leeway=0
    ).issue(member.id)
    for token in (expired, other_audience):
        assert error_codes(await gql(client, VIEWER, token=token)) == ["UNAUTHENTICATED"]


async def test_unexpected_errors_are_masked_with_a_request_id(app, client, session, caplog):
    # given a row the code cannot represent (corrupt data is one real way to hit a bug)
    account = await create_account(session)
    member = await create_member(session, account)
    await session.execute(
        text("UPDATE members SET products_used = '5' WHERE id = :id"), {"id": member.id}
    )
    await session.commit()
    # when
    response = await client.post(
        "/graphql",
        json={"query": "query { viewer { productsUsed } }"},
        headers={"Authorization": f"Bearer {bearer(app, member)}", "X-Request-ID": "req-123"},
    )
    # then: no internals leak, the id ties the answer to the log line
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-123"}
    assert "int" not in error["message"] and "Traceback" not in response.text
    assert response.headers["x-request-id"] == "req-123"
    assert any(getattr(r, "request_id", None) == "req-123" and r.exc_info for r in caplog.records)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        (
            "query { viewer { " + "account { competitors { " * 7 + "name" + " } }" * 7 + " } }",
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "query { " + " ".join(f"a{i}: viewer {{ name }}" for i in range(40)) + " }",
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "query { "
            + " ".join(
                f"m{i}: members(first: 100) {{ edges {{ node {{ name handle title bio account {{ name competitors {{ name }} }} }} }} }}"
                for i in range(25)
            )
            + " }",
            "QUERY_TOO_COSTLY",
        ),
    ],
)
async def test_query_limits(client, query, code):
    body = (await client.post("/graphql", json={"query": query})).json()
    assert body.get("data") is None
    assert code in error_codes(body)


async def test_token_limit(client):
    query = "query { viewer { " + " ".join(["name"] * 4000) + " } }"
    body = (await client.post("/graphql", json={"query": query})).json()
    assert body.get("data") is None and body["errors"]


async def test_body_size_limit(client, settings):
    response = await client.post(
        "/graphql",
        content=b"{" + b" " * settings.max_body_bytes + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_introspection_can_be_turned_off(settings, engine, session_factory):
    app = create_app(
        settings.model_copy(update={"introspection": False}),
        engine=engine,
        session_factory=session_factory,
        configure_logs=False,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        body = (
            await client.post("/graphql", json={"query": "{ __schema { types { name } } }"})
        ).json()
    assert body.get("data") is None and body["errors"]


async def test_health_and_readiness(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}


async def test_refuses_to_start_on_an_unmigrated_database(tmp_path, keys_dir):
    from api.settings import Settings

    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}",
        keys_dir=keys_dir,
        _env_file=None,
    )  # type: ignore[call-arg]
    app = create_app(settings, configure_logs=False)
    with pytest.raises(DatabaseNotMigrated, match="bondfire db upgrade"):
        async with app.router.lifespan_context(app):
            pass
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        assert (await client.get("/readyz")).status_code == 503
    await app.state.engine.dispose()


def test_bad_settings_are_refused_with_a_clear_message():
    from pydantic import ValidationError

    from api.settings import Settings

    with pytest.raises(ValidationError, match="sqlite\\+aiosqlite"):
        Settings(database_url="mysql://root@localhost/x", _env_file=None)  # type: ignore[call-arg]


async def test_admin_sees_staff_only_fields_customer_does_not(app, client, session):
    vendor = await create_vendor(session)
    admin = await create_member(session, vendor, {Role.ADMIN})
    account = await create_account(session, tier="LOW_TOUCH", lifecycle_stage="AT_RISK")
    customer = await create_member(session, account)
    await session.commit()
    query = "query { accounts(first: 50) { edges { node { name tier lifecycleStage } } } }"
    staff_view = (await gql(client, query, token=bearer(app, admin)))["data"]["accounts"]["edges"]
    customer_view = (await gql(client, query, token=bearer(app, customer)))["data"]["accounts"][
        "edges"
    ]
    assert {"name": account.name, "tier": "LOW_TOUCH", "lifecycleStage": "AT_RISK"} in [
        e["node"] for e in staff_view
    ]
    assert [e["node"] for e in customer_view] == [
        {"name": account.name, "tier": None, "lifecycleStage": None}
    ]
