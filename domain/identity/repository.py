"""Identity queries. No rules here: callers apply the readable_* policies."""

from collections.abc import Sequence

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from domain.identity.models import (
    Account,
    ApiToken,
    ExternalIdentity,
    Member,
    MemberRole,
    Role,
    account_competitors,
)


def members_statement() -> Select[Member]:
    return select(Member).options(selectinload(Member.role_rows))


def accounts_statement() -> Select[Account]:
    return select(Account)


def member_ids_with_role(role: Role) -> Select[int]:
    return select(MemberRole.member_id).where(MemberRole.role == role)


async def member_by_id(session: AsyncSession, member_id: int) -> Member | None:
    return await session.scalar(members_statement().where(Member.id == member_id))


async def member_for_authentication(session: AsyncSession, member_id: int) -> Member | None:
    """The member with roles and account, in one statement: authentication runs on every
    request (the account lands in the session, so `session.get(Account, ...)` is free)."""
    found = await session.scalars(
        select(Member)
        .options(joinedload(Member.role_rows), joinedload(Member.account))
        .where(Member.id == member_id)
    )
    return found.unique().one_or_none()


async def member_by_email(session: AsyncSession, email: str) -> Member | None:
    return await session.scalar(members_statement().where(Member.email == email.lower()))


# Built once: every page of posts or threads loads its authors through it, and building and
# keying the statement per call cost more CPU than running it.
_MEMBERS_BY_IDS = select(Member).where(Member.id.in_(bindparam("member_ids", expanding=True)))


async def members_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Member]:
    """Members without their role rows (read when asked for)."""
    rows = await session.scalars(_MEMBERS_BY_IDS, {"member_ids": list(ids)})
    return {member.id: member for member in rows}


async def roles_by_member_ids(
    session: AsyncSession, member_ids: Sequence[int]
) -> dict[int, list[Role]]:
    """Roles beyond MEMBER, per member."""
    rows = await session.execute(
        select(MemberRole.member_id, MemberRole.role).where(MemberRole.member_id.in_(member_ids))
    )
    result: dict[int, list[Role]] = {member_id: [] for member_id in member_ids}
    for member_id, role in rows:
        result[member_id].append(role)
    return result


async def account_by_id(session: AsyncSession, account_id: int) -> Account | None:
    return await session.get(Account, account_id)


async def account_by_domain(session: AsyncSession, domain: str) -> Account | None:
    return await session.scalar(select(Account).where(Account.domain == domain.lower()))


async def accounts_by_ids(
    session: AsyncSession, ids: Sequence[int], statement: Select[Account] | None = None
) -> dict[int, Account]:
    statement = accounts_statement() if statement is None else statement
    rows = await session.scalars(statement.where(Account.id.in_(ids)))
    return {account.id: account for account in rows}


async def competitor_ids_by_account(
    session: AsyncSession, account_ids: Sequence[int]
) -> dict[int, list[int]]:
    rows = await session.execute(
        select(account_competitors.c.account_id, account_competitors.c.competitor_id)
        .where(account_competitors.c.account_id.in_(account_ids))
        .order_by(account_competitors.c.competitor_id)
    )
    result: dict[int, list[int]] = {account_id: [] for account_id in account_ids}
    for account_id, competitor_id in rows:
        result[account_id].append(competitor_id)
    return result


async def count_admins(session: AsyncSession) -> int:
    return (
        await session.scalar(
            select(func.count()).select_from(MemberRole).where(MemberRole.role == Role.ADMIN)
        )
        or 0
    )


async def handle_exists(session: AsyncSession, handle: str) -> bool:
    return await session.scalar(select(Member.id).where(Member.handle == handle)) is not None


async def external_identity(
    session: AsyncSession, issuer: str, subject: str
) -> ExternalIdentity | None:
    return await session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.issuer == issuer, ExternalIdentity.subject == subject
        )
    )


async def api_token_by_hash(session: AsyncSession, secret_hash: str) -> ApiToken | None:
    return await session.scalar(select(ApiToken).where(ApiToken.secret_hash == secret_hash))


async def api_tokens_of(session: AsyncSession, member_id: int) -> list[ApiToken]:
    rows = await session.scalars(
        select(ApiToken).where(ApiToken.member_id == member_id).order_by(ApiToken.id.desc())
    )
    return list(rows)


async def api_token_by_id(session: AsyncSession, token_id: int) -> ApiToken | None:
    return await session.get(ApiToken, token_id)
