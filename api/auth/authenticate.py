"""Turn an Authorization header into an Actor (or None for an anonymous caller)."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.tokens import BondfireTokens, ExternalIssuer, InvalidToken, unverified_issuer
from domain.identity import credentials, repository
from domain.identity.models import Account, Member, MemberStatus, TokenScope
from domain.identity.policies import ALL_SCOPES, Actor, actor_for
from domain.shared.errors import DomainError, NotAuthenticated
from domain.shared.models import utcnow


class Authenticator:
    def __init__(
        self,
        bondfire_tokens: BondfireTokens,
        external: ExternalIssuer | None = None,
        *,
        jit_provisioning: bool = True,
    ) -> None:
        self.bondfire_tokens = bondfire_tokens
        self.external = external
        self.jit_provisioning = jit_provisioning

    async def authenticate(
        self, session: AsyncSession, authorization: str | None
    ) -> "Authenticated | None":
        """None when no credentials were sent; NotAuthenticated when they were but are bad."""
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise NotAuthenticated("use an `Authorization: Bearer <token>` header")
        if token.startswith(credentials.API_TOKEN_PREFIX):
            found = await credentials.member_for_api_token(session, token, utcnow())
            if found is None:
                raise NotAuthenticated("API token is unknown, expired or revoked")
            token_member, scopes = found
            return await _authenticated(session, token_member, scopes)
        try:
            member = await self._member_for_jwt(session, token)
        except InvalidToken as error:
            raise NotAuthenticated(str(error)) from error
        if member is None or member.status is not MemberStatus.ACTIVE:
            raise NotAuthenticated("token does not belong to an active member")
        return await _authenticated(session, member, ALL_SCOPES)

    async def _member_for_jwt(self, session: AsyncSession, token: str) -> Member | None:
        issuer = unverified_issuer(token)
        if issuer == self.bondfire_tokens.issuer:
            verified = self.bondfire_tokens.verify(token)
            if not verified.subject.isdigit():
                raise InvalidToken("invalid token subject")
            return await repository.member_for_authentication(session, int(verified.subject))
        if self.external is not None and issuer == self.external.issuer:
            verified = await self.external.verify(token)
            claims = credentials.OidcClaims(
                issuer=verified.issuer,
                subject=verified.subject,
                email=verified.claims.get("email"),
                email_verified=verified.claims.get("email_verified") is True,
                name=verified.claims.get("name"),
            )
            try:
                return await credentials.member_for_login(
                    session, claims, jit_provisioning=self.jit_provisioning
                )
            except DomainError as error:
                raise InvalidToken(error.message) from error
        raise InvalidToken("token is from an issuer this server does not trust")


@dataclass(frozen=True)
class Authenticated:
    """The caller, and the rows authentication already read (requests reuse them)."""

    actor: Actor
    member: Member
    account: Account


async def _authenticated(
    session: AsyncSession, member: Member, scopes: frozenset[TokenScope]
) -> Authenticated:
    account = await session.get(Account, member.account_id)
    assert account is not None  # FK
    return Authenticated(actor_for(member, account.kind, scopes), member, account)
