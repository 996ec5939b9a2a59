"""Security headers, CORS allow-list, CSRF, production mode, and secrets kept out of the logs."""

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import uvicorn
from pydantic import ValidationError

from api.app import create_app
from api.settings import Settings
from tests.hardening.conftest import client_for
from tests.support.factories import create_account, create_member
from tests.support.graphql import bearer
from tests.support.oidc_provider import OidcProvider, running_provider

VIEWER = {"query": "query { viewer { name } }"}
JSON = {"Content-Type": "application/json"}
CLIENT_ID, CLIENT_SECRET = "bondfire-hardening", "hardening-client-secret"
REDIRECT_URL = "http://bondfire.test/auth/callback"


def assert_security_headers(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp


# --- headers ----------------------------------------------------------------------------------


async def test_every_response_carries_the_security_headers(client):
    answered = await client.post("/graphql", json=VIEWER, headers=JSON)
    refused = await client.post("/graphql", content=b"x", headers={"Content-Type": "text/plain"})
    too_big = await client.post("/graphql", content=b" " * (300 * 1024), headers=JSON)
    health = await client.get("/healthz")
    assert [r.status_code for r in (answered, refused, too_big, health)] == [200, 415, 413, 200]
    for response in (answered, refused, too_big, health):
        assert_security_headers(response)
        assert "strict-transport-security" not in response.headers  # not configured


async def test_hsts_when_configured(make_app):
    app = make_app(hsts_max_age_seconds=31_536_000)
    async with client_for(app) as client:
        response = await client.post("/graphql", json=VIEWER, headers=JSON)
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


async def test_graphiql_in_development_keeps_only_frame_ancestors(make_app):
    app = make_app(environment="development")
    async with client_for(app) as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert page.headers["x-content-type-options"] == "nosniff"


# --- production mode --------------------------------------------------------------------------


async def test_production_turns_graphiql_and_introspection_off(make_app, session):
    account = await create_account(session)
    member = await create_member(session, account, name="Casey")
    await session.commit()
    app = make_app(environment="production")
    headers = {**JSON, "Authorization": f"Bearer {bearer(app, member)}"}
    async with client_for(app) as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 404
        for probe in ("{ __schema { types { name } } }", '{ __type(name: "Member") { name } }'):
            body = (await client.post("/graphql", json={"query": probe}, headers=headers)).json()
            assert body.get("data") is None and body["errors"]
        normal = (await client.post("/graphql", json=VIEWER, headers=headers)).json()
    assert normal == {"data": {"viewer": {"name": "Casey"}}}
    # an operator may still turn introspection on explicitly
    explicit = Settings(environment="production", introspection=True, _env_file=None)  # type: ignore[call-arg]
    assert explicit.introspection and not explicit.graphiql_enabled
    assert Settings(environment="development", _env_file=None).introspection  # type: ignore[call-arg]


# --- CORS ---------------------------------------------------------------------------------------


async def test_cors_allows_listed_origins_without_credentials(make_app):
    app = make_app(cors_origins=["https://portal.example.com"])
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    async with client_for(app) as client:
        allowed = await client.options(
            "/graphql", headers={**preflight, "Origin": "https://portal.example.com"}
        )
        other = await client.options(
            "/graphql", headers={**preflight, "Origin": "https://evil.example"}
        )
        simple = await client.post(
            "/graphql", json=VIEWER, headers={**JSON, "Origin": "https://evil.example"}
        )
        listed = await client.post(
            "/graphql", json=VIEWER, headers={**JSON, "Origin": "https://portal.example.com"}
        )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://portal.example.com"
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in allowed.headers
    assert other.status_code == 400 and "access-control-allow-origin" not in other.headers
    assert "access-control-allow-origin" not in simple.headers
    assert listed.headers["access-control-allow-origin"] == "https://portal.example.com"
    assert "x-request-id" in listed.headers["access-control-expose-headers"].lower()


@pytest.mark.parametrize(
    "origin", ["*", "https://portal.example.com/", "portal.example.com", "ftp://x"]
)
def test_settings_refuse_wildcard_and_malformed_origins(origin):
    with pytest.raises(ValidationError, match="not an origin"):
        Settings(cors_origins=[origin], _env_file=None)  # type: ignore[call-arg]


# --- CSRF ----------------------------------------------------------------------------------------


async def test_graphql_reads_no_cookie_so_a_cross_site_request_has_no_ambient_authority(
    client, app, session
):
    account = await create_account(session)
    member = await create_member(session, account, name="Casey")
    await session.commit()
    token = bearer(app, member)
    # a browser's cookies (even one holding a valid token) authenticate nothing
    for cookies in ({"bondfire_login": token}, {"session": token, "access_token": token}):
        client.cookies.clear()
        for name, value in cookies.items():
            client.cookies.set(name, value)
        body = (await client.post("/graphql", json=VIEWER, headers=JSON)).json()
        assert body == {"data": {"viewer": None}}
    client.cookies.clear()
    # what a cross-site form can send without a CORS preflight is refused before it runs
    form = await client.post(
        "/graphql",
        content=b"query=mutation+%7B+updateProfile%28input%3A%7Btitle%3A%22x%22%7D%29%7BuserErrors%7Bcode%7D%7D%7D",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": f"Bearer {token}",
        },
    )
    assert form.status_code == 415
    # the API never sets a cookie
    answered = await client.post(
        "/graphql", json=VIEWER, headers={**JSON, "Authorization": f"Bearer {token}"}
    )
    assert answered.json() == {"data": {"viewer": {"name": "Casey"}}}
    assert "set-cookie" not in answered.headers


# --- secrets never logged ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def oidc_provider() -> Iterator[OidcProvider]:
    yield from running_provider(CLIENT_ID, CLIENT_SECRET, [REDIRECT_URL])


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # leave Ctrl-C to pytest


@contextlib.asynccontextmanager
async def served_like_bondfire_serve(make) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    """uvicorn with its default logging config, then the app factory, as `bondfire serve` does
    (so uvicorn's access log goes through Bondfire's JSON handler)."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(make, factory=True, lifespan="off", log_level="info")
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(10):
            while not server.started:
                if task.done():
                    raise RuntimeError("uvicorn did not start")
                await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
            logging.getLogger(name).handlers[:] = []


async def test_tokens_and_login_codes_never_reach_the_logs(
    settings, engine, session_factory, session, oidc_provider, capsys
):
    # given a member the IdP signs in, and the app logging JSON lines as in production
    account = await create_account(session, domain="acme.example")
    member = await create_member(session, account, email="casey@acme.example", name="Casey")
    await session.commit()
    oidc_provider.login_as("casey@acme.example", "Casey")
    app_settings = settings.model_copy(
        update={
            "log_format": "json",
            "log_level": "INFO",
            "oidc_issuer": oidc_provider.issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": CLIENT_SECRET,
            "oidc_redirect_url": REDIRECT_URL,
            "session_secret": "hardening-session-secret",
        }
    )
    apps = []

    def make():  # type: ignore[no-untyped-def]
        app = create_app(app_settings, engine=engine, session_factory=session_factory)
        apps.append(app)
        return app

    secrets: list[str] = []
    async with served_like_bondfire_serve(make) as base_url:
        app = apps[0]
        token = bearer(app, member)
        secrets.append(token)
        async with (
            httpx.AsyncClient(base_url=base_url, timeout=10) as bondfire,
            httpx.AsyncClient(base_url=oidc_provider.issuer, timeout=10) as idp,
        ):
            # when: a GraphQL request with a bearer token, a bad token, and a personal token
            ok = await bondfire.post(
                "/graphql", json=VIEWER, headers={**JSON, "Authorization": f"Bearer {token}"}
            )
            assert ok.json() == {"data": {"viewer": {"name": "Casey"}}}
            await bondfire.post(
                "/graphql", json=VIEWER, headers={**JSON, "Authorization": f"Bearer {token}x"}
            )
            await bondfire.post(
                "/graphql",
                json=VIEWER,
                headers={**JSON, "Authorization": "Bearer bf_pat_notarealtokenbutsecret"},
            )
            secrets.append("bf_pat_notarealtokenbutsecret")
            # and an OIDC sign-in, then the same callback replayed (a failure that is logged)
            started = await bondfire.get("/auth/login")
            at_idp = await idp.get(started.headers["location"])
            callback = httpx.URL(at_idp.headers["location"])
            secrets += [callback.params["code"], callback.params["state"]]
            signed_in = await bondfire.get(f"/auth/callback?{callback.query.decode()}")
            assert signed_in.status_code == 200, signed_in.text
            secrets.append(signed_in.json()["accessToken"])
            replayed = await bondfire.get(f"/auth/callback?{callback.query.decode()}")
            assert replayed.status_code == 400
        await app.state.external_issuer.aclose()
    logs = capsys.readouterr().err
    # then: the requests were logged (uvicorn's access log included) but no secret was
    lines = [line for line in logs.splitlines() if line.startswith("{")]
    assert any("/auth/callback?" in line for line in lines), logs[-2000:]
    assert any("OpenID Connect login failed" in line for line in lines), logs[-2000:]
    for secret in secrets:
        assert secret not in logs
