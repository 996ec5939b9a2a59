"""Test data as plain functions with sensible defaults: create_<thing>(session, **overrides)."""

import itertools
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import Account, AccountKind, Member, MemberRole, MemberStatus, Role

_sequence = itertools.count(1)


async def create_account(session: AsyncSession, **overrides: Any) -> Account:
    n = next(_sequence)
    values: dict[str, Any] = {
        "kind": AccountKind.CUSTOMER,
        "name": f"Company {n}",
        "domain": f"company{n}.example",
        "industry": "Software",
        "region": "EMEA",
    }
    values.update(overrides)
    account = Account(**values)
    session.add(account)
    await session.flush()
    return account


async def create_vendor(session: AsyncSession, **overrides: Any) -> Account:
    return await create_account(
        session,
        kind=AccountKind.VENDOR,
        name="Bondfire Inc.",
        domain=f"vendor{next(_sequence)}.example",
        **overrides,
    )


async def create_member(
    session: AsyncSession, account: Account, roles: set[Role] | None = None, **overrides: Any
) -> Member:
    n = next(_sequence)
    values: dict[str, Any] = {
        "account_id": account.id,
        "email": f"person{n}@{account.domain or 'x.example'}",
        "handle": f"person{n}",
        "name": f"Person {n:05d}",
        "products_used": [],
        "status": MemberStatus.ACTIVE,
    }
    values.update(overrides)
    member = Member(**values, role_rows=[MemberRole(role=r) for r in sorted(roles or set())])
    session.add(member)
    await session.flush()
    return member
