"""Access tokens as JWTs: Bondfire's own (signed here) and an external issuer's (via its JWKS)."""

import base64
import json
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from api.auth.keys import ALGORITHM, SigningKeys

EXTERNAL_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "EdDSA"]
VERIFIED_CACHE_SIZE = 10_000  # tokens whose signature was checked, per process


class InvalidToken(Exception):
    """The presented token cannot be trusted; the message says why (safe to show)."""


@dataclass(frozen=True)
class VerifiedToken:
    issuer: str
    subject: str
    claims: dict[str, Any]


class BondfireTokens:
    """Signs and verifies Bondfire's own access tokens.

    With `reload`, a token signed by a key this process has not seen (another process ran
    `bondfire keys rotate`) makes it re-read the key store, at most every `reload_interval`.
    """

    def __init__(
        self,
        keys: SigningKeys,
        *,
        issuer: str,
        audience: str,
        ttl_seconds: int,
        leeway: int,
        reload: Callable[[], SigningKeys] | None = None,
        reload_interval: float = 10.0,
    ) -> None:
        self.keys, self.issuer, self.audience = keys, issuer, audience
        self.ttl_seconds, self.leeway = ttl_seconds, leeway
        self._reload, self._reload_interval = reload, reload_interval
        self._reloaded_at = time.monotonic()
        # A signature checked once stays valid (the token cannot change); the time claims are
        # checked again on every use. Saves the ECDSA verification on each request of a client.
        self._verified: OrderedDict[str, tuple[VerifiedToken, str]] = OrderedDict()

    def issue(self, member_id: int, ttl_seconds: int | None = None) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(member_id),
            "iat": now,
            "nbf": now,
            "exp": now + (ttl_seconds or self.ttl_seconds),
            "jti": secrets.token_urlsafe(12),
        }
        key = self.keys.current
        return jwt.encode({"alg": ALGORITHM, "kid": key.kid, "typ": "JWT"}, claims, key)

    def verify(self, token: str) -> VerifiedToken:
        cached = self._verified.get(token)
        if cached is not None:
            verified, signed_by = cached
            if _has_kid(self.keys.verification_set, signed_by) and self._in_time(verified):
                self._verified.move_to_end(token)
                return verified
            del self._verified[token]
        kid = _unverified_header(token).get("kid")
        if kid and not _has_kid(self.keys.verification_set, kid) and self._may_reload():
            assert self._reload is not None
            self.keys, self._reloaded_at = self._reload(), time.monotonic()
        verified = _verify(
            token, self.keys.verification_set, [ALGORITHM], self.issuer, self.audience, self.leeway
        )
        if isinstance(kid, str):
            self._verified[token] = (verified, kid)
            if len(self._verified) > VERIFIED_CACHE_SIZE:
                self._verified.popitem(last=False)
        return verified

    def _in_time(self, verified: VerifiedToken) -> bool:
        """exp and nbf as joserfc checks them, with the same leeway."""
        now = time.time()
        exp, nbf = verified.claims.get("exp"), verified.claims.get("nbf")
        if not isinstance(exp, int | float) or now > exp + self.leeway:
            return False
        return not (isinstance(nbf, int | float) and now < nbf - self.leeway)

    def _may_reload(self) -> bool:
        return (
            self._reload is not None
            and time.monotonic() - self._reloaded_at >= self._reload_interval
        )


class ExternalIssuer:
    """An OIDC issuer's access tokens, verified against its published JWKS.

    Keys are cached; a token signed with an unknown `kid` triggers one refetch (the issuer
    rotated its keys), at most once per `refetch_interval` so garbage tokens cannot make us
    hammer the issuer.
    """

    def __init__(
        self,
        issuer: str,
        audience: str,
        *,
        leeway: int,
        http: httpx.AsyncClient | None = None,
        refetch_interval: float = 10.0,
    ) -> None:
        self.issuer, self.audience, self.leeway = issuer, audience, leeway
        self._http = http or httpx.AsyncClient(timeout=10.0)
        self._refetch_interval = refetch_interval
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._jwks_uri: str | None = None

    async def metadata(self) -> dict[str, Any]:
        response = await self._http.get(
            f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"
        )
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    async def _fetch_keys(self) -> KeySet:
        if self._jwks_uri is None:
            self._jwks_uri = str((await self.metadata())["jwks_uri"])
        response = await self._http.get(self._jwks_uri)
        response.raise_for_status()
        self._keys = KeySet.import_key_set(response.json())
        self._fetched_at = time.monotonic()
        return self._keys

    async def verify(self, token: str) -> VerifiedToken:
        kid = _unverified_header(token).get("kid")
        keys = self._keys
        try:
            if keys is None or (kid and not _has_kid(keys, kid) and self._may_refetch()):
                keys = await self._fetch_keys()
        except (httpx.HTTPError, KeyError, ValueError) as error:
            raise InvalidToken("the identity provider's keys could not be fetched") from error
        return _verify(token, keys, EXTERNAL_ALGORITHMS, self.issuer, self.audience, self.leeway)

    def _may_refetch(self) -> bool:
        return time.monotonic() - self._fetched_at >= self._refetch_interval

    async def aclose(self) -> None:
        await self._http.aclose()


def unverified_issuer(token: str) -> str | None:
    """Which issuer a JWT claims to be from: only to pick the verifier, never trusted."""
    try:
        issuer = _unverified_part(token, 1).get("iss")
    except InvalidToken:
        return None
    return issuer if isinstance(issuer, str) else None


def _unverified_header(token: str) -> dict[str, Any]:
    return _unverified_part(token, 0)


def _unverified_part(token: str, index: int) -> dict[str, Any]:
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidToken("malformed token")
    try:
        segment = parts[index]
        data = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidToken("malformed token") from error
    if not isinstance(data, dict):
        raise InvalidToken("malformed token")
    return data


def _has_kid(keys: KeySet, kid: str) -> bool:
    return any(key.kid == kid for key in keys.keys)


def _verify(
    token: str, keys: KeySet, algorithms: list[str], issuer: str, audience: str, leeway: int
) -> VerifiedToken:
    try:
        decoded = jwt.decode(token, keys, algorithms=algorithms)
        registry = jwt.JWTClaimsRegistry(
            leeway=leeway,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            sub={"essential": True},
            exp={"essential": True},
        )
        registry.validate(decoded.claims)
    except (JoseError, ValueError) as error:
        raise InvalidToken(f"invalid token: {error}") from error
    return VerifiedToken(issuer=issuer, subject=str(decoded.claims["sub"]), claims=decoded.claims)
