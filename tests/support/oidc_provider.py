"""A real OpenID Connect provider for tests: Authlib's server side, served over HTTP.

Authorization code flow with mandatory PKCE (S256), ID tokens and RFC 9068 JWT access tokens
signed with RS256 keys published at /jwks. There is no login page: /authorize approves at once
for the user chosen with `login_as` (or denies when none is chosen).
"""

import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error, OAuth2Request
from authlib.oauth2.rfc6749 import ClientMixin, InvalidRequestError, scope_to_list
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from authlib.oidc.core import AuthorizationCodeMixin, UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, Response, jsonify
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

CODE_TTL_SECONDS = 300
ACCESS_TOKEN_TTL_SECONDS = 3600


@dataclass(frozen=True)
class User:
    subject: str
    email: str | None
    name: str | None
    email_verified: bool

    def get_user_id(self) -> str:
        return self.subject

    def claims(self) -> dict[str, Any]:
        return {"email": self.email, "email_verified": self.email_verified, "name": self.name}


@dataclass(frozen=True)
class Client(ClientMixin):  # type: ignore[misc]
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    scope: str = "openid email profile"

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        allowed = set(scope_to_list(self.scope))
        return " ".join(s for s in scope_to_list(scope or "") if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(self.client_secret, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):  # type: ignore[misc]
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: User
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def is_expired(self) -> bool:
        return time.time() > self.auth_time + CODE_TTL_SECONDS


class OidcProvider:
    """Start with `start()`, stop with `stop()`; the issuer is `http://127.0.0.1:<port>`."""

    def __init__(self, client_id: str, client_secret: str, redirect_uris: list[str]) -> None:
        self.client = Client(client_id, client_secret, tuple(redirect_uris))
        self._keys = [_new_key()]  # newest first; all are published, the first signs
        self._user: User | None = None
        self._codes: dict[str, AuthorizationCode] = {}
        self._used_nonces: set[str] = set()
        self._id_token_overrides: dict[str, Any] = {}
        self._id_token_key: RSAKey | None = None
        self._lock = threading.Lock()
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler
        )
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self._app = self._flask_app()  # built once the port, and so the issuer, is known
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> "OidcProvider":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
        self._server.server_close()

    # -- what the tests control ---------------------------------------------------------

    def login_as(
        self,
        email: str | None,
        name: str | None = None,
        *,
        email_verified: bool = True,
        subject: str | None = None,
    ) -> User:
        """The person /authorize signs in from now on (a new subject unless one is given)."""
        self._user = User(subject or f"user-{uuid.uuid4().hex}", email, name, email_verified)
        return self._user

    def deny(self) -> None:
        """From now on /authorize answers `error=access_denied`, as when a person declines."""
        self._user = None

    def rotate_keys(self, *, keep_previous: bool = True) -> str:
        """Sign with a new key from now on; returns its kid."""
        with self._lock:
            self._keys = [_new_key(), *self._keys[:1]] if keep_previous else [_new_key()]
            return str(self._keys[0].kid)

    @contextmanager
    def tampered_id_tokens(
        self, claims: dict[str, Any], *, key: RSAKey | None = None
    ) -> Iterator[None]:
        """ID tokens issued inside the block carry these claims and are signed with `key`."""
        self._id_token_overrides, self._id_token_key = claims, key
        try:
            yield
        finally:
            self._id_token_overrides, self._id_token_key = {}, None

    @property
    def signing_key(self) -> RSAKey:
        return self._keys[0]

    def jwks(self) -> dict[str, Any]:
        with self._lock:
            return {"keys": [key.as_dict(private=False) for key in self._keys]}

    def access_token(
        self,
        user: User,
        *,
        audience: str | None = None,
        expires_in: int = ACCESS_TOKEN_TTL_SECONDS,
        key: RSAKey | None = None,
    ) -> str:
        """An access token shaped like the ones /token issues, with chosen faults for tests."""
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": audience or self.client.client_id,
            "sub": user.subject,
            "client_id": self.client.client_id,
            "iat": now,
            "exp": now + expires_in,
            "jti": uuid.uuid4().hex,
            "scope": "openid email profile",
            **user.claims(),
        }
        key = key or self.signing_key
        return jwt.encode({"alg": "RS256", "typ": "at+jwt", "kid": key.kid}, claims, key)

    # -- the HTTP side ------------------------------------------------------------------

    def _flask_app(self) -> Flask:
        app = Flask(__name__)
        server = AuthorizationServer(
            app, query_client=self._query_client, save_token=lambda token, req: None
        )
        provider = self

        class AccessTokens(JWTBearerTokenGenerator):  # type: ignore[misc]
            def get_jwks(self) -> KeySet:
                return KeySet([provider.signing_key])

            def get_extra_claims(
                self, client: Client, grant_type: str, user: User, scope: str
            ) -> dict[str, Any]:
                return user.claims()

        class CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
            def save_authorization_code(self, code: str, req: OAuth2Request) -> None:
                data = req.payload.data
                if data.get("nonce"):
                    provider._used_nonces.add(data["nonce"])
                provider._codes[code] = AuthorizationCode(
                    code=code,
                    client_id=req.client.client_id,
                    redirect_uri=req.payload.redirect_uri,
                    scope=req.payload.scope,
                    user=req.user,
                    nonce=data.get("nonce"),
                    code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"),
                )

            def query_authorization_code(
                self, code: str, client: Client
            ) -> AuthorizationCode | None:
                found = provider._codes.get(code)
                if found and found.client_id == client.client_id and not found.is_expired():
                    return found
                return None

            def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
                provider._codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: AuthorizationCode) -> User:
                return authorization_code.user

        class IdTokens(OpenIDCode):  # type: ignore[misc]
            def exists_nonce(self, nonce: str, req: OAuth2Request) -> bool:
                # Called while validating and again while approving: only issued codes count.
                return nonce in provider._used_nonces

            def resolve_client_private_key(self, client: Client) -> KeySet:
                return KeySet([provider._id_token_key or provider.signing_key])

            def get_client_claims(self, client: Client) -> dict[str, Any]:
                return {"iss": provider.issuer, "aud": [client.client_id]}

            def generate_user_info(self, user: User, scope: str) -> UserInfo:
                info = UserInfo(sub=user.subject)
                if "email" in scope_to_list(scope):
                    info.update(email=user.email, email_verified=user.email_verified)
                if "profile" in scope_to_list(scope):
                    info["name"] = user.name
                info.update(provider._id_token_overrides)  # applied last: may replace any claim
                return info

        server.register_token_generator(
            "default",
            AccessTokens(
                issuer=self.issuer,
                expires_generator=lambda client, grant_type: ACCESS_TOKEN_TTL_SECONDS,
            ),
        )
        server.register_grant(CodeGrant, [PkceRequired(), IdTokens(require_nonce=True)])

        @app.get("/.well-known/openid-configuration")
        def metadata() -> Response:
            return jsonify(
                issuer=self.issuer,
                authorization_endpoint=f"{self.issuer}/authorize",
                token_endpoint=f"{self.issuer}/token",
                jwks_uri=f"{self.issuer}/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                scopes_supported=["openid", "email", "profile"],
                code_challenge_methods_supported=["S256"],
                token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
            )

        @app.get("/jwks")
        def jwks() -> Response:
            return jsonify(self.jwks())

        @app.get("/authorize")
        def authorize() -> Response:
            try:
                grant = server.get_consent_grant(end_user=self._user)
            except OAuth2Error as error:
                # Back to the client when its redirect URI is known and valid, else a 400 here.
                failed: Response = server.handle_error_response(None, error)
                return failed
            response: Response = server.create_authorization_response(
                grant_user=self._user, grant=grant
            )
            return response

        @app.post("/token")
        def token() -> Response:
            response: Response = server.create_token_response()
            return response

        return app

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self._app(environ, start_response)

    def _query_client(self, client_id: str) -> Client | None:
        return self.client if client_id == self.client.client_id else None


class PkceRequired(CodeChallenge):  # type: ignore[misc]
    """PKCE for every client, confidential ones too (Authlib requires it of public ones only)."""

    def validate_code_challenge(self, grant: AuthorizationCodeGrant, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE with S256 is required", redirect_uri=redirect_uri)
        super().validate_code_challenge(grant, redirect_uri)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _new_key() -> RSAKey:
    return RSAKey.generate_key(
        2048, parameters={"kid": uuid.uuid4().hex, "use": "sig", "alg": "RS256"}, private=True
    )


def running_provider(
    client_id: str, client_secret: str, redirect_uris: list[str]
) -> Iterator[OidcProvider]:
    """For a fixture: `yield from running_provider(...)`."""
    provider = OidcProvider(client_id, client_secret, redirect_uris).start()
    try:
        yield provider
    finally:
        provider.stop()
