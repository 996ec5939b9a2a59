"""Role x operation: who may do what in identity, through the real domain services."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity import credentials, policies, service
from domain.identity.models import Account, Member, MemberStatus, Role, TokenScope
from domain.identity.policies import Actor, actor_for
from domain.shared.errors import DomainError, Forbidden
from tests.support.factories import create_account, create_member, create_vendor


@dataclass
class World:
    """Ids only: objects are re-read per attempt, since a rolled-back savepoint expires them."""

    a: int
    b: int
    people: dict[str, int]
    actors: dict[str, Actor]

    async def account(self, session: AsyncSession, account_id: int) -> Account:
        account = await session.get(Account, account_id)
        assert account is not None
        return account

    async def member(self, session: AsyncSession, name: str) -> Member:
        member = await session.get(Member, self.people[name])
        assert member is not None
        return member


async def build_world(session: AsyncSession) -> World:
    vendor = await create_vendor(session)
    people = {
        "admin": await create_member(session, vendor, {Role.ADMIN}),
        "csm_owner": await create_member(session, vendor, {Role.CSM}),
        "csm_other": await create_member(session, vendor, {Role.CSM}),
        "marketing": await create_member(session, vendor, {Role.MARKETING}),
        "product": await create_member(session, vendor, {Role.PRODUCT}),
    }
    a = await create_account(session, owner_csm_id=people["csm_owner"].id)
    b = await create_account(session)
    people["member_a"] = await create_member(session, a)
    people["moderator_a"] = await create_member(session, a, {Role.MODERATOR})
    people["member_b"] = await create_member(session, b)
    kinds = {vendor.id: vendor.kind, a.id: a.kind, b.id: b.kind}
    actors = {name: actor_for(m, kinds[m.account_id]) for name, m in people.items()}
    return World(a=a.id, b=b.id, people={n: m.id for n, m in people.items()}, actors=actors)


Operation = Callable[[AsyncSession, Actor, World], Awaitable[object]]

STAFF = {"admin", "csm_owner", "csm_other", "marketing", "product"}
EVERYONE = STAFF | {"member_a", "moderator_a", "member_b"}


async def _view_account_b(s: AsyncSession, actor: Actor, w: World) -> object:
    return await service.readable_account(s, actor, w.b)


async def _see_email_of_member_b(s: AsyncSession, actor: Actor, w: World) -> object:
    if not policies.can_view_member_contact(actor, await w.member(s, "member_b")):
        raise Forbidden("hidden")
    return True


async def _see_internals_of_a(s: AsyncSession, actor: Actor, w: World) -> object:
    if not policies.can_view_account_internals(actor, await w.account(s, w.a)):
        raise Forbidden("hidden")
    return True


async def _see_deactivated_member(s: AsyncSession, actor: Actor, w: World) -> object:
    (await w.member(s, "member_b")).status = MemberStatus.DEACTIVATED
    return await service.readable_member(s, actor, w.people["member_b"])


async def _revoke_token_of_member_a(s: AsyncSession, actor: Actor, w: World) -> object:
    owner = w.actors["member_a"]
    issued = await credentials.create_api_token(
        s, owner, name="ci", scopes={TokenScope.READ}, expires_in_days=None
    )
    return await credentials.revoke_api_token(s, actor, issued.token.id)


async def _add_member_to_a(s: AsyncSession, actor: Actor, w: World) -> object:
    account = await w.account(s, w.a)
    return await service.create_member(s, actor, account=account, email="new@a.example", name="New")


TABLE: list[tuple[str, Operation, set[str]]] = [
    (
        "create account",
        lambda s, a, w: service.create_account(s, a, service.AccountFields(name="New Co")),
        {"admin", "csm_owner", "csm_other"},
    ),
    (
        "update account A",
        lambda s, a, w: service.update_account(s, a, w.a, service.AccountFields(region="APAC")),
        {"admin", "csm_owner"},
    ),
    (
        "declare competitors of A",
        lambda s, a, w: service.set_competitors(s, a, w.a, [w.b]),
        {"admin", "csm_owner", "member_a", "moderator_a"},
    ),
    ("add member to A", _add_member_to_a, {"admin", "csm_owner"}),
    (
        "set roles of member A",
        lambda s, a, w: service.set_roles(s, a, w.people["member_a"], {Role.MODERATOR}),
        {"admin"},
    ),
    (
        "suspend member A",
        lambda s, a, w: service.set_status(
            s, a, w.people["member_a"], MemberStatus.SUSPENDED, "spam"
        ),
        {"admin"},
    ),
    (
        "edit profile of member A",
        lambda s, a, w: service.update_profile(
            s, a, w.people["member_a"], service.ProfileChanges(title="CTO")
        ),
        {"admin", "member_a"},
    ),
    ("read account B", _view_account_b, STAFF | {"member_b"}),
    ("read e-mail of member B", _see_email_of_member_b, STAFF | {"member_b"}),
    ("read tier/lifecycle of A", _see_internals_of_a, STAFF),
    ("read a deactivated member of B", _see_deactivated_member, STAFF | {"member_b"}),
    ("revoke member A's API token", _revoke_token_of_member_a, {"admin", "member_a"}),
]


@pytest.mark.parametrize(("operation", "run", "allowed"), TABLE, ids=[row[0] for row in TABLE])
async def test_role_operation_matrix(
    session: AsyncSession, operation: str, run: Operation, allowed: set[str]
) -> None:
    world = await build_world(session)
    permitted: set[str] = set()
    for name, actor in world.actors.items():
        savepoint = await session.begin_nested()
        try:
            await run(session, actor, world)
            permitted.add(name)
        except Forbidden:
            pass
        except DomainError as error:
            # "Not found" is how a thing you may not see answers; anything else is a real failure.
            assert str(error.code) == "NOT_FOUND", (name, error.code, error.message)
        finally:
            await savepoint.rollback()
    assert permitted == allowed, (
        f"{operation}: allowed {sorted(permitted)}, expected {sorted(allowed)}"
    )
    assert allowed <= EVERYONE
