"""Erasures at once: one member erased by several admins at the same time is erased once, and
two admins erasing each other at once leave one admin.

PostgreSQL: parallel requests through an app with its own connection pool (real concurrent
transactions; the member row and the admins' role rows are locked). SQLite serialises writers
(BEGIN IMMEDIATE): the same requests must queue and give the same outcome.
"""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import delete, func, select, text

from api.app import create_app
from domain.identity.models import Member, MemberRole, Role
from domain.shared.audit import AuditEntry
from domain.shared.database import create_session_factory
from domain.shared.models import Base
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.graphql import gql
from tests.support.ids import global_id

ERASE = """
mutation($input: EraseMemberInput!) {
  eraseMember(input: $input) { alreadyErased userErrors { code } }
}
"""


@pytest.fixture
async def committed(engine, settings) -> AsyncIterator[tuple[httpx.AsyncClient, object, object]]:
    app = create_app(settings, engine=engine, configure_logs=False)
    factory = create_session_factory(engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bondfire.test") as client:
        try:
            yield client, app, factory
        finally:
            async with engine.begin() as connection:
                if engine.dialect.name == "postgresql":
                    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
                    await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
                else:
                    for table in reversed(Base.metadata.sorted_tables):
                        await connection.execute(delete(table))


async def test_parallel_erasures_of_one_member_erase_once(committed):
    client, app, factory = committed
    async with factory() as session:
        vendor = await create_vendor(session)
        admins = [await create_member(session, vendor, {Role.ADMIN}) for _ in range(3)]
        casey = await create_member(session, await create_account(session))
        await session.commit()
        tokens = [app.state.tokens.issue(a.id) for a in admins]  # type: ignore[attr-defined]
        target = {"input": {"memberId": global_id("Member", casey.id)}}
    # when nine requests erase her at once
    results = await asyncio.gather(
        *(gql(client, ERASE, target, token=tokens[n % 3]) for n in range(9))
    )
    # then one did it, and the others found it done
    payloads = [r["data"]["eraseMember"] for r in results]
    assert all(p["userErrors"] == [] for p in payloads), payloads
    assert sorted(p["alreadyErased"] for p in payloads) == [False] + [True] * 8
    async with factory() as session:
        erased = await session.scalar(
            select(func.count()).where(AuditEntry.action == "member.erase")
        )
        assert erased == 1
        member = await session.get(Member, casey.id)
        assert member is not None and member.name == "Former member"


async def test_two_admins_erasing_each_other_at_once_leave_one_admin(committed):
    client, app, factory = committed
    async with factory() as session:
        vendor = await create_vendor(session)
        first, second = [await create_member(session, vendor, {Role.ADMIN}) for _ in range(2)]
        await session.commit()
        ids = (first.id, second.id)
    issue = app.state.tokens.issue  # type: ignore[attr-defined]
    # when each erases the other, several times over, at once
    work = []
    for _ in range(4):
        work.append(
            gql(
                client,
                ERASE,
                {"input": {"memberId": global_id("Member", ids[1])}},
                token=issue(ids[0]),
            )
        )
        work.append(
            gql(
                client,
                ERASE,
                {"input": {"memberId": global_id("Member", ids[0])}},
                token=issue(ids[1]),
            )
        )
    results = await asyncio.gather(*work)
    # then exactly one of them was erased; the other is still an admin
    async with factory() as session:
        admins = list(
            await session.scalars(select(MemberRole.member_id).where(MemberRole.role == Role.ADMIN))
        )
        erased = list(await session.scalars(select(Member.id).where(Member.erased_at.is_not(None))))
    assert len(admins) == 1 and len(erased) == 1 and set(admins + erased) == set(ids)
    outcomes = set()
    for result in results:
        if result.get("errors"):  # the loser's token stopped working once it was erased
            outcomes.add(result["errors"][0]["extensions"]["code"])
        else:
            payload = result["data"]["eraseMember"]
            outcomes.add("DONE" if not payload["userErrors"] else payload["userErrors"][0]["code"])
    assert "DONE" in outcomes
    assert outcomes <= {"DONE", "LAST_ADMIN", "UNAUTHENTICATED"}, outcomes
