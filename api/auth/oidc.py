"""Sign-in through the vendor's OpenID Connect provider, ending in a Bondfire access token.

Authorization code flow with PKCE (S256), state and nonce, all by Authlib's Starlette client.
State, nonce and the PKCE verifier wait in the short signed login cookie (SessionMiddleware)
between /auth/login and /auth/callback.
"""

import logging
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.starlette_client import OAuth
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from joserfc.errors import JoseError

from api.auth.tokens import BondfireTokens
from api.settings import Settings
from domain.identity.credentials import OidcClaims, member_for_login
from domain.shared.errors import DomainError

logger = logging.getLogger("bondfire.auth")

LOGIN_FAILED = "LOGIN_FAILED"
IDP_UNAVAILABLE = "IDP_UNAVAILABLE"


def oidc_router(settings: Settings) -> APIRouter:
    issuer, client_id = settings.oidc_issuer, settings.oidc_client_id
    if not issuer or not client_id:
        raise ValueError("OpenID Connect login needs oidc_issuer and oidc_client_id")
    oauth = OAuth()
    idp: Any = oauth.register(
        "idp",
        client_id=client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=f"{issuer.rstrip('/')}/.well-known/openid-configuration",
        client_kwargs={
            "scope": "openid email profile",
            "code_challenge_method": "S256",
            "timeout": 10.0,
        },
    )
    router = APIRouter()

    @router.get("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        redirect_url = settings.oidc_redirect_url or str(request.url_for("oidc_callback"))
        try:
            response: Response = await idp.authorize_redirect(request, redirect_url)
        except httpx.HTTPError:
            logger.warning("identity provider unreachable at login", exc_info=True)
            return _error(502, IDP_UNAVAILABLE, "the identity provider cannot be reached")
        return response

    @router.get("/callback", name="oidc_callback", include_in_schema=False)
    async def callback(request: Request) -> Response:
        try:
            # Checks state, exchanges the code with the PKCE verifier and validates the ID
            # token (signature, iss, aud, nonce, exp, at_hash).
            token = await idp.authorize_access_token(
                request,
                claims_options={
                    "iss": {"essential": True, "values": [issuer]},
                    "aud": {"essential": True, "values": [client_id]},
                    "sub": {"essential": True},
                },
                leeway=settings.clock_skew_seconds,
            )
        except (AuthlibBaseError, JoseError) as error:
            logger.info("OpenID Connect login failed: %r", error)
            return _error(400, LOGIN_FAILED, f"sign-in failed: {_describe(error)}")
        except httpx.HTTPError:
            logger.warning("identity provider unreachable at callback", exc_info=True)
            return _error(502, IDP_UNAVAILABLE, "the identity provider cannot be reached")
        userinfo = token.get("userinfo")
        if not userinfo:
            return _error(
                400, LOGIN_FAILED, "sign-in failed: the identity provider sent no ID token"
            )
        claims = OidcClaims(
            issuer=issuer,
            subject=str(userinfo["sub"]),
            email=userinfo.get("email"),
            email_verified=userinfo.get("email_verified") is True,
            name=userinfo.get("name"),
        )
        tokens: BondfireTokens = request.app.state.tokens
        async with request.app.state.session_factory() as session:
            try:
                member = await member_for_login(
                    session, claims, jit_provisioning=settings.oidc_jit_provisioning
                )
                await session.commit()
            except DomainError as error:
                await session.rollback()
                return _error(403, str(error.code), error.message)
        return JSONResponse(
            {
                "accessToken": tokens.issue(member.id),
                "tokenType": "Bearer",
                "expiresIn": tokens.ttl_seconds,
            },
            headers={"Cache-Control": "no-store"},
        )

    return router


def _describe(error: Exception) -> str:
    if isinstance(error, AuthlibBaseError):
        return str(error.description or error.error)
    if isinstance(error, JoseError):
        return f"the ID token is invalid ({error.description or error.error})"
    return str(error)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
