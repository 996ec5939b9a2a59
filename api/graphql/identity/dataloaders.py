"""Identity DataLoaders, built fresh for every request (a module-level loader would leak data)."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from domain.identity import repository
from domain.identity.models import Account, Member, Role


class MemberByIdLoader(DataLoader[int, Member | None]):
    """Members without their role rows: MemberNode.roles reads them when asked for."""

    def __init__(self, session: AsyncSession) -> None:
        async def load(ids: Sequence[int]) -> list[Member | None]:
            found = await repository.members_by_ids(session, ids)
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class RolesByMemberIdLoader(DataLoader[int, list[Role]]):
    """Sorted roles, MEMBER included."""

    def __init__(self, session: AsyncSession) -> None:
        async def load(ids: Sequence[int]) -> list[list[Role]]:
            found = await repository.roles_by_member_ids(session, ids)
            return [sorted({Role.MEMBER, *found[i]}) for i in ids]

        super().__init__(load_fn=load)


class AccountByIdLoader(DataLoader[int, Account | None]):
    def __init__(self, session: AsyncSession) -> None:
        async def load(ids: Sequence[int]) -> list[Account | None]:
            found = await repository.accounts_by_ids(session, ids)
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class CompetitorIdsByAccountIdLoader(DataLoader[int, list[int]]):
    def __init__(self, session: AsyncSession) -> None:
        async def load(ids: Sequence[int]) -> list[list[int]]:
            found = await repository.competitor_ids_by_account(session, ids)
            return [found[i] for i in ids]

        super().__init__(load_fn=load)


class IdentityLoaders:
    def __init__(self, session: AsyncSession) -> None:
        self.member_by_id = MemberByIdLoader(session)
        self.roles_by_member_id = RolesByMemberIdLoader(session)
        self.account_by_id = AccountByIdLoader(session)
        self.competitor_ids_by_account_id = CompetitorIdsByAccountIdLoader(session)

    def prime_members(self, members: Sequence[Member]) -> None:
        for member in members:
            self.member_by_id.prime(member.id, member)
