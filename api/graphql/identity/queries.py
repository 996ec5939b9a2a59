import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.identity.types import (
    AccountConnection,
    AccountNode,
    ApiTokenType,
    MemberConnection,
    MemberNode,
    Role,
)
from api.graphql.relay import is_row_id, page_request, to_connection
from domain.identity import policies, repository
from domain.identity.models import Account, Member
from domain.shared.pagination import paginate


@strawberry.input(description="Narrow the member list. All given conditions must hold.")
class MemberFilter:
    account_id: relay.GlobalID | None = None
    role: Role | None = None


@strawberry.type
class IdentityQueries:
    @strawberry.field(description="The signed-in member, or null when no credentials were sent.")
    async def viewer(self, info: Info) -> MemberNode | None:
        context = info.context
        if context.actor is None and context.auth_error is None:
            return None
        actor = context.require_actor()
        member = await context.identity.member_by_id.load(actor.member_id)
        return MemberNode.from_model(member) if member else None

    @strawberry.field(
        description="The member directory, ordered by name, at most 100 per page: members you "
        "may see whose privacy setting (profileVisibility) lets you find them."
    )
    async def members(
        self,
        info: Info,
        filter: MemberFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> MemberConnection:
        actor = info.context.require_actor()
        statement = policies.discoverable_members(actor, repository.members_statement())
        if filter and filter.account_id is not None:
            account_id = (
                int(filter.account_id.node_id) if is_row_id(filter.account_id.node_id) else 0
            )
            statement = statement.where(Member.account_id == account_id)
        if filter and filter.role is not None and filter.role is not Role.MEMBER:
            statement = statement.where(Member.id.in_(repository.member_ids_with_role(filter.role)))
        page = await paginate(
            info.context.session,
            statement,
            [Member.name, Member.id],
            lambda m: (m.name, m.id),
            page_request(first, after, last, before),
        )
        info.context.identity.prime_members(page.items)
        return to_connection(MemberConnection, page, MemberNode.from_model)

    @strawberry.field(
        description="Accounts you may see (staff: all; customers: their own), by name."
    )
    async def accounts(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> AccountConnection:
        actor = info.context.require_actor()
        statement = policies.readable_accounts(actor, repository.accounts_statement())
        page = await paginate(
            info.context.session,
            statement,
            [Account.name, Account.id],
            lambda a: (a.name, a.id),
            page_request(first, after, last, before),
        )
        return to_connection(AccountConnection, page, AccountNode.from_model)

    @strawberry.field(description="Your personal API tokens, newest first (secrets are not shown).")
    async def api_tokens(self, info: Info) -> list[ApiTokenType]:
        actor = info.context.require_actor()
        tokens = await repository.api_tokens_of(info.context.session, actor.member_id)
        return [ApiTokenType.from_model(t) for t in tokens]


__all__ = ["IdentityQueries"]
