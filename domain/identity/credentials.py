"""Credentials: personal API tokens and sign-in through an OpenID Connect issuer."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity import policies, repository, service
from domain.identity.errors import IdentityErrorCode as Code
from domain.identity.models import ApiToken, ExternalIdentity, Member, MemberStatus, TokenScope
from domain.identity.policies import Actor
from domain.shared.audit import record_audit
from domain.shared.errors import DomainError, Forbidden, ValidationFailed
from domain.shared.models import utcnow
from domain.shared.validation import Checker

API_TOKEN_PREFIX = "bf_pat_"
MAX_TOKEN_DAYS = 366


def hash_secret(secret: str) -> str:
    # The secret has 256 bits of entropy, so a fast hash is enough; no salt or KDF is needed.
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedApiToken:
    token: ApiToken
    secret: str  # shown once, never stored


async def create_api_token(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str,
    scopes: set[TokenScope],
    expires_in_days: int | None,
) -> IssuedApiToken:
    if not actor.can_write:
        raise Forbidden("a read-only token cannot create tokens")
    check = Checker(Code.INVALID_VALUE)
    name_value = check.text("name", name, max_length=100, required=True)
    if not scopes:
        check.fail("scopes", "choose at least one scope")
    if not scopes <= actor.scopes:
        check.fail("scopes", "a token cannot have scopes its creator lacks")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        check.fail("expiresInDays", f"must be between 1 and {MAX_TOKEN_DAYS} days")
    check.raise_if_any()
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        member_id=actor.member_id,
        name=name_value,
        prefix=secret[: len(API_TOKEN_PREFIX) + 4],
        secret_hash=hash_secret(secret),
        scopes=sorted(scopes),
        expires_at=utcnow() + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    session.add(token)
    await session.flush()
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="api_token.create",
        target_type="ApiToken",
        target_id=token.id,
        details={"scopes": token.scopes},
    )
    return IssuedApiToken(token=token, secret=secret)


async def revoke_api_token(session: AsyncSession, actor: Actor, token_id: int) -> ApiToken:
    token = await repository.api_token_by_id(session, token_id)
    if token is None or not policies.can_manage_api_token(actor, token.member_id):
        raise DomainError("token not found", code=Code.NOT_FOUND, field=["input", "id"])
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_audit(
            session,
            actor_member_id=actor.member_id,
            action="api_token.revoke",
            target_type="ApiToken",
            target_id=token.id,
        )
    return token


async def member_for_api_token(
    session: AsyncSession, secret: str, now: datetime
) -> tuple[Member, frozenset[TokenScope]] | None:
    """The active member behind a presented API token and its scopes, or None if unusable."""
    token = await repository.api_token_by_hash(session, hash_secret(secret))
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    member = await repository.member_by_id(session, token.member_id)
    if member is None or member.status is not MemberStatus.ACTIVE:
        return None
    # Touch at most once a minute so a busy integration does not write on every request.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
    return member, frozenset(TokenScope(s) for s in token.scopes)


@dataclass(frozen=True)
class OidcClaims:
    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None


async def member_for_login(
    session: AsyncSession, claims: OidcClaims, *, jit_provisioning: bool
) -> Member:
    """Map a verified OIDC login to a member, creating one in the matching account if allowed.

    Order: an identity already bound to (issuer, subject); else a member with the verified
    e-mail (then bound); else, with just-in-time provisioning on, a new member of the account
    whose domain matches the e-mail's.
    """
    identity = await repository.external_identity(session, claims.issuer, claims.subject)
    if identity is not None:
        member = await repository.member_by_id(session, identity.member_id)
    else:
        if not claims.email or not claims.email_verified:
            raise DomainError(
                "the identity provider did not vouch for an e-mail address",
                code=Code.EMAIL_NOT_VERIFIED,
            )
        member = await repository.member_by_email(session, claims.email)
        if member is None:
            member = await _provision(session, claims, jit_provisioning)
        await _bind_identity(session, member, claims)
    if member is None or member.status is not MemberStatus.ACTIVE:
        raise DomainError("this member is not active", code=Code.MEMBER_INACTIVE)
    return member


async def _bind_identity(session: AsyncSession, member: Member, claims: OidcClaims) -> None:
    try:
        async with session.begin_nested():
            session.add(
                ExternalIdentity(
                    member_id=member.id,
                    issuer=claims.issuer,
                    subject=claims.subject,
                    last_login_at=utcnow(),
                )
            )
    except IntegrityError:
        # A concurrent first login of the same person bound it already; that is the same result.
        if await repository.external_identity(session, claims.issuer, claims.subject) is None:
            raise


async def _provision(session: AsyncSession, claims: OidcClaims, jit_provisioning: bool) -> Member:
    assert claims.email is not None
    domain = claims.email.rsplit("@", 1)[-1].lower()
    account = await repository.account_by_domain(session, domain)
    if not jit_provisioning or account is None:
        raise DomainError(
            "no Bondfire account matches this e-mail domain", code=Code.NO_MATCHING_ACCOUNT
        )
    try:
        async with session.begin_nested():
            return await service.create_member(
                session,
                None,
                account=account,
                email=claims.email,
                name=claims.name or claims.email.split("@")[0],
            )
    except (IntegrityError, ValidationFailed) as error:
        # A concurrent first login created the same member: our insert collided with theirs, or
        # they committed before create_member's own e-mail check (EMAIL_TAKEN). Use theirs.
        if isinstance(error, ValidationFailed) and error.code != Code.EMAIL_TAKEN:
            raise
        member = await repository.member_by_email(session, claims.email)
        if member is None:
            raise
        return member
