"""Sign-in through a real OpenID Connect provider, end to end over HTTP, and its access tokens."""

import asyncio
import secrets

import httpx
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi import FastAPI
from joserfc import jws
from joserfc.jwk import RSAKey
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.auth.tokens import ExternalIssuer
from api.settings import Settings
from domain.identity.credentials import OidcClaims, member_for_login
from domain.identity.models import Account, ExternalIdentity, Member
from domain.shared.audit import AuditEntry
from domain.shared.outbox import OutboxEvent
from tests.auth.conftest import CLIENT_ID, CLIENT_SECRET, REDIRECT_URL, bondfire_client
from tests.support.factories import create_account, create_member
from tests.support.graphql import error_codes, gql
from tests.support.oidc_provider import OidcProvider

VIEWER = "query { viewer { email name } }"


# -- helpers ----------------------------------------------------------------------------------


async def start_login(bondfire: httpx.AsyncClient, idp: httpx.AsyncClient) -> tuple[str, str]:
    """Bondfire /auth/login, then the provider's /authorize: the authorize URL and the callback."""
    started = await bondfire.get("/auth/login")
    assert started.status_code == 302, started.text
    authorize_url = started.headers["location"]
    at_idp = await idp.get(authorize_url)
    assert at_idp.status_code == 302, at_idp.text
    callback = at_idp.headers["location"]
    assert callback.startswith(f"{REDIRECT_URL}?")
    return authorize_url, callback


async def sign_in(bondfire: httpx.AsyncClient, idp: httpx.AsyncClient) -> httpx.Response:
    _, callback = await start_login(bondfire, idp)
    return await bondfire.get(callback)


async def idp_access_token(idp: httpx.AsyncClient) -> str:
    """What another app of the vendor holds: an access token from the provider's own code flow."""
    verifier = secrets.token_urlsafe(48)
    authorized = await idp.get(
        "/authorize",
        params={
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URL,
            "scope": "openid email profile",
            "state": secrets.token_urlsafe(8),
            "nonce": secrets.token_urlsafe(8),
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        },
    )
    code = httpx.URL(authorized.headers["location"]).params["code"]
    issued = await idp.post(
        "/token",
        auth=(CLIENT_ID, CLIENT_SECRET),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URL,
            "code_verifier": verifier,
        },
    )
    assert issued.status_code == 200, issued.text
    token: str = issued.json()["access_token"]
    return token


def trust_idp_keys_eagerly(app: FastAPI, settings: Settings) -> ExternalIssuer:
    """Swap in our ExternalIssuer with no refetch pause, so a rotation is picked up at once."""
    assert settings.oidc_issuer
    external = ExternalIssuer(
        settings.oidc_issuer, CLIENT_ID, leeway=settings.clock_skew_seconds, refetch_interval=0
    )
    app.state.external_issuer = app.state.authenticator.external = external
    return external


async def count(session: AsyncSession, model: type, *where: object) -> int:
    return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


# -- the login flow ---------------------------------------------------------------------------


async def test_existing_member_signs_in_by_verified_email(
    bondfire, idp, oidc_provider, oidc_settings, session
):
    # given
    account = await create_account(session, domain="acme.example")
    member = await create_member(session, account, email="casey@acme.example", name="Casey")
    await session.commit()
    oidc_provider.login_as("casey@acme.example", "Casey at the IdP")

    # when
    authorize_url, callback = await start_login(bondfire, idp)
    signed_in = await bondfire.get(callback)

    # then: the redirect carried PKCE, state and nonce
    params = httpx.URL(authorize_url).params
    assert authorize_url.startswith(f"{oidc_provider.issuer}/authorize?")
    assert params["response_type"] == "code"
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == REDIRECT_URL
    assert set(params["scope"].split()) == {"openid", "email", "profile"}
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43  # base64url of a SHA-256
    assert params["state"] and params["nonce"]
    assert httpx.URL(callback).params["state"] == params["state"]
    # and the callback gave a Bondfire token for that member
    assert signed_in.status_code == 200, signed_in.text
    body = signed_in.json()
    assert body["tokenType"] == "Bearer"
    assert body["expiresIn"] == oidc_settings.access_token_ttl_seconds
    viewer = await gql(bondfire, VIEWER, token=body["accessToken"])
    assert viewer == {"data": {"viewer": {"email": "casey@acme.example", "name": "Casey"}}}
    identity = await session.scalar(
        select(ExternalIdentity).where(ExternalIdentity.member_id == member.id)
    )
    assert identity is not None and identity.issuer == oidc_provider.issuer


async def test_login_cookie_is_short_lived_lax_and_scoped_to_auth(bondfire):
    started = await bondfire.get("/auth/login")
    cookie = started.headers["set-cookie"].lower()
    assert cookie.startswith("bondfire_login=")
    assert "max-age=600" in cookie
    assert "path=/auth" in cookie
    assert "samesite=lax" in cookie
    assert "httponly" in cookie


async def test_state_mismatch_is_rejected_and_creates_nothing(
    bondfire, idp, oidc_provider, session
):
    # given: a person who would be provisioned
    await create_account(session, domain="state.example")
    await session.commit()
    oidc_provider.login_as("new@state.example")
    _, callback = await start_login(bondfire, idp)
    forged = httpx.URL(callback).copy_set_param("state", "forged-state")

    # when
    response = await bondfire.get(str(forged))

    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "LOGIN_FAILED"
    assert "state" in response.json()["error"]["message"].lower()
    assert await count(session, Member, Member.email == "new@state.example") == 0
    assert await count(session, ExternalIdentity) == 0


async def test_callback_from_another_browser_or_replayed_is_rejected(
    oidc_app, bondfire, idp, oidc_provider, session
):
    # given
    account = await create_account(session)
    member = await create_member(session, account)
    await session.commit()
    oidc_provider.login_as(member.email)
    _, callback = await start_login(bondfire, idp)

    # when: the callback arrives without the login cookie that started the flow
    async with bondfire_client(oidc_app) as other_browser:
        elsewhere = await other_browser.get(callback)
    first = await bondfire.get(callback)
    replayed = await bondfire.get(callback)

    # then
    assert elsewhere.status_code == 400
    assert elsewhere.json()["error"]["code"] == "LOGIN_FAILED"
    assert first.status_code == 200
    assert replayed.status_code == 400
    assert replayed.json()["error"]["code"] == "LOGIN_FAILED"


async def test_provider_error_is_login_failed(bondfire, idp, oidc_provider):
    oidc_provider.deny()

    _, callback = await start_login(bondfire, idp)
    response = await bondfire.get(callback)

    assert httpx.URL(callback).params["error"] == "access_denied"
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "LOGIN_FAILED"
    assert "denied" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "tampering",
    [
        {"nonce": "someone-elses-nonce"},
        {"aud": ["another-client"]},
        {"iss": "http://impostor.example"},
        {"exp": 1_000_000_000},
        {"key": "unpublished"},
    ],
    ids=["nonce", "audience", "issuer", "expired", "unknown-key"],
)
async def test_invalid_id_token_is_login_failed(bondfire, idp, oidc_provider, session, tampering):
    # given
    account = await create_account(session)
    member = await create_member(session, account)
    await session.commit()
    oidc_provider.login_as(member.email)
    claims = {k: v for k, v in tampering.items() if k != "key"}
    key = RSAKey.generate_key(2048, parameters={"kid": "unpublished"}, private=True)

    # when
    with oidc_provider.tampered_id_tokens(claims, key=key if "key" in tampering else None):
        response = await sign_in(bondfire, idp)

    # then
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "LOGIN_FAILED"
    assert "ID token" in response.json()["error"]["message"]
    assert await count(session, ExternalIdentity) == 0


async def test_unreachable_provider_is_a_clear_502(make_oidc_app):
    app = make_oidc_app(oidc_issuer="http://127.0.0.1:9")  # discard port: nothing listens

    async with bondfire_client(app) as bondfire:
        response = await bondfire.get("/auth/login")

    assert response.status_code == 502
    assert response.json()["error"]["code"] == "IDP_UNAVAILABLE"


async def test_session_secret_is_required_when_oidc_is_on(make_oidc_app):
    with pytest.raises(ValueError, match="SESSION_SECRET"):
        make_oidc_app(session_secret=None)


# -- mapping logins to members ----------------------------------------------------------------


async def test_first_login_provisions_member_in_account_of_email_domain(
    bondfire, idp, oidc_provider, session
):
    # given
    account = await create_account(session, domain="jit.example")
    await session.commit()
    oidc_provider.login_as("Robin.New@jit.example", "Robin New")

    # when
    response = await sign_in(bondfire, idp)

    # then
    assert response.status_code == 200, response.text
    viewer = await gql(bondfire, VIEWER, token=response.json()["accessToken"])
    assert viewer["data"]["viewer"] == {"email": "robin.new@jit.example", "name": "Robin New"}
    member = await session.scalar(select(Member).where(Member.email == "robin.new@jit.example"))
    assert member is not None and member.account_id == account.id
    assert await count(session, ExternalIdentity, ExternalIdentity.member_id == member.id) == 1


async def test_without_jit_provisioning_unknown_person_is_refused(
    make_oidc_app, idp, oidc_provider, session
):
    # given
    await create_account(session, domain="nojit.example")
    await session.commit()
    oidc_provider.login_as("someone@nojit.example")

    # when
    async with bondfire_client(make_oidc_app(oidc_jit_provisioning=False)) as bondfire:
        response = await sign_in(bondfire, idp)

    # then
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "NO_MATCHING_ACCOUNT"
    assert await count(session, Member, Member.email == "someone@nojit.example") == 0
    assert await count(session, ExternalIdentity) == 0


async def test_email_domain_without_account_is_refused(bondfire, idp, oidc_provider, session):
    oidc_provider.login_as("someone@nowhere.example")

    response = await sign_in(bondfire, idp)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "NO_MATCHING_ACCOUNT"
    assert await count(session, Member, Member.email == "someone@nowhere.example") == 0


async def test_unverified_email_is_refused_even_for_an_existing_member(
    bondfire, idp, oidc_provider, session
):
    # given: someone claims an existing member's address without the IdP vouching for it
    account = await create_account(session, domain="unverified.example")
    await create_member(session, account, email="owner@unverified.example")
    await session.commit()
    oidc_provider.login_as("owner@unverified.example", email_verified=False)

    # when
    response = await sign_in(bondfire, idp)

    # then
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "EMAIL_NOT_VERIFIED"
    assert await count(session, ExternalIdentity) == 0


async def test_second_login_with_same_subject_maps_to_same_member(
    bondfire, idp, oidc_provider, session
):
    # given: a first login bound the subject
    await create_account(session, domain="again.example")
    await session.commit()
    user = oidc_provider.login_as("sam@again.example", "Sam")
    first = await sign_in(bondfire, idp)
    assert first.status_code == 200, first.text

    # when: the same subject comes back, its e-mail since changed at the IdP
    oidc_provider.login_as("sam.renamed@elsewhere.example", "Sam", subject=user.subject)
    second = await sign_in(bondfire, idp)

    # then
    assert second.status_code == 200, second.text
    viewers = [
        (await gql(bondfire, VIEWER, token=r.json()["accessToken"]))["data"]["viewer"]
        for r in (first, second)
    ]
    assert viewers[0] == viewers[1] == {"email": "sam@again.example", "name": "Sam"}
    assert await count(session, ExternalIdentity, ExternalIdentity.subject == user.subject) == 1
    assert await count(session, Member, Member.email.like("sam%")) == 1


# -- the provider's own access tokens as bearer tokens ------------------------------------------


async def test_provider_access_token_works_as_bearer(bondfire, idp, oidc_provider, session):
    # given: a member who already signed in to Bondfire once
    account = await create_account(session, domain="bearer.example")
    await create_member(session, account, email="ada@bearer.example", name="Ada")
    await session.commit()
    user = oidc_provider.login_as("ada@bearer.example", "Ada")
    assert (await sign_in(bondfire, idp)).status_code == 200

    # when: another app of the vendor calls with the token the provider gave it
    token = await idp_access_token(idp)
    body = await gql(bondfire, VIEWER, token=token)

    # then: verified by JWKS and mapped through the identity the login bound
    assert body == {"data": {"viewer": {"email": "ada@bearer.example", "name": "Ada"}}}
    assert await count(session, ExternalIdentity, ExternalIdentity.subject == user.subject) == 1


async def test_faulty_provider_tokens_are_unauthenticated(
    oidc_app, oidc_settings, bondfire, oidc_provider, session
):
    # given
    account = await create_account(session, domain="faulty.example")
    await create_member(session, account, email="eve@faulty.example")
    await session.commit()
    trust_idp_keys_eagerly(oidc_app, oidc_settings)
    user = oidc_provider.login_as("eve@faulty.example")
    stranger = RSAKey.generate_key(2048, parameters={"kid": "not-published"}, private=True)
    tokens = {
        "good": oidc_provider.access_token(user),
        "wrong audience": oidc_provider.access_token(user, audience="another-api"),
        "expired": oidc_provider.access_token(user, expires_in=-3600),
        "unknown key": oidc_provider.access_token(user, key=stranger),
    }

    # when
    bodies = {name: await gql(bondfire, VIEWER, token=token) for name, token in tokens.items()}

    # then
    assert bodies.pop("good")["data"]["viewer"]["email"] == "eve@faulty.example"
    for name, body in bodies.items():
        assert error_codes(body) == ["UNAUTHENTICATED"], name
        assert body["data"] == {"viewer": None}, name


async def test_rotated_provider_keys_are_fetched_again(
    oidc_app, oidc_settings, bondfire, idp, oidc_provider, session
):
    # given: keys were fetched for a login and for a bearer token
    account = await create_account(session, domain="rotate.example")
    await create_member(session, account, email="rory@rotate.example")
    await session.commit()
    trust_idp_keys_eagerly(oidc_app, oidc_settings)
    oidc_provider.login_as("rory@rotate.example")
    assert (await sign_in(bondfire, idp)).status_code == 200
    old = await idp_access_token(idp)
    assert error_codes(await gql(bondfire, VIEWER, token=old)) == []

    # when
    new_kid = oidc_provider.rotate_keys(keep_previous=False)
    new = await idp_access_token(idp)
    login_after = await sign_in(bondfire, idp)
    body = await gql(bondfire, VIEWER, token=new)

    # then
    assert _kid(new) == new_kid
    assert login_after.status_code == 200, login_after.text  # ID token under the new key
    assert body["data"]["viewer"]["email"] == "rory@rotate.example"
    assert error_codes(await gql(bondfire, VIEWER, token=old)) == ["UNAUTHENTICATED"]


async def test_unknown_key_refetches_at_most_once_per_interval(
    oidc_app, oidc_settings, bondfire, idp, oidc_provider, session
):
    # given: keys fetched recently, with a long pause between refetches
    account = await create_account(session, domain="pause.example")
    await create_member(session, account, email="pat@pause.example")
    await session.commit()
    assert oidc_settings.oidc_issuer
    external = ExternalIssuer(oidc_settings.oidc_issuer, CLIENT_ID, leeway=0, refetch_interval=3600)
    oidc_app.state.authenticator.external = external
    user = oidc_provider.login_as("pat@pause.example")
    try:
        assert (
            error_codes(await gql(bondfire, VIEWER, token=oidc_provider.access_token(user))) == []
        )

        # when: the provider rotates right away
        oidc_provider.rotate_keys()
        body = await gql(bondfire, VIEWER, token=oidc_provider.access_token(user))
    finally:
        await external.aclose()

    # then: not refetched yet, so the new key is not trusted
    assert error_codes(body) == ["UNAUTHENTICATED"]


def _kid(token: str) -> str:
    return str(jws.extract_compact(token.encode()).headers()["kid"])


# -- concurrency --------------------------------------------------------------------------------


async def test_concurrent_first_logins_create_one_member_and_one_identity(
    engine: AsyncEngine, oidc_provider: OidcProvider
):
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent first logins need real concurrent transactions: PostgreSQL only")
    # given: committed data, since every login runs in its own transaction
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as setup:
        account = await create_account(setup, domain=f"race-{secrets.token_hex(4)}.example")
        await setup.commit()

    async def login(claims: OidcClaims, delay: float) -> int:
        # Staggered starts: later logins find the first one mid-flight or just committed.
        await asyncio.sleep(delay)
        async with sessions() as session:
            member = await member_for_login(session, claims, jit_provisioning=True)
            await session.commit()
            return member.id

    try:
        for person in range(ROUNDS):
            claims = OidcClaims(
                issuer=oidc_provider.issuer,
                subject=f"race-{secrets.token_hex(8)}",
                email=f"racer{person}@{account.domain}",
                email_verified=True,
                name="Racer",
            )

            # when
            results = await asyncio.gather(
                *(login(claims, 0.003 * i) for i in range(8)), return_exceptions=True
            )

            # then
            assert [r for r in results if isinstance(r, BaseException)] == []
            assert len(set(results)) == 1
            async with sessions() as check:
                assert await count(check, Member, Member.email == claims.email) == 1
                assert (
                    await count(check, ExternalIdentity, ExternalIdentity.subject == claims.subject)
                    == 1
                )
    finally:
        await _delete_account(sessions, account)


ROUNDS = 5


async def _delete_account(sessions: async_sessionmaker[AsyncSession], account: Account) -> None:
    async with sessions() as cleanup:
        member_ids = select(Member.id).where(Member.account_id == account.id)
        await cleanup.execute(
            delete(AuditEntry).where(
                AuditEntry.target_type == "Member", AuditEntry.target_id.in_(member_ids)
            )
        )
        await cleanup.execute(
            delete(OutboxEvent).where(OutboxEvent.payload["account_id"].as_integer() == account.id)
        )
        await cleanup.execute(
            delete(ExternalIdentity).where(ExternalIdentity.member_id.in_(member_ids))
        )
        await cleanup.execute(delete(Member).where(Member.account_id == account.id))
        await cleanup.execute(delete(Account).where(Account.id == account.id))
        await cleanup.commit()
