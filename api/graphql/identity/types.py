from collections.abc import Awaitable
from datetime import date, datetime
from typing import Annotated, Self

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.errors import UserError
from api.graphql.money import Money
from api.graphql.relay import node_ints
from domain.identity import models, policies
from domain.identity.errors import IdentityErrorCode
from domain.identity.models import (
    AccountKind,
    AccountSegment,
    EmployeeBand,
    LifecycleStage,
    MemberStatus,
    ProfileVisibility,
    Role,
    TokenScope,
    TouchTier,
)
from domain.shared.errors import Problem

# The domain's enums are the wire's enums: registering them here keeps one definition.
strawberry.enum(Role, description="What a member may do. Everyone has MEMBER.")
strawberry.enum(AccountKind)
strawberry.enum(EmployeeBand, description="Employee count band.")
strawberry.enum(LifecycleStage)
strawberry.enum(TouchTier, description="How the vendor serves this account.")
strawberry.enum(AccountSegment, description="Go-to-market segment.")
strawberry.enum(MemberStatus)
strawberry.enum(
    ProfileVisibility,
    description="Who finds a member in search and the member directory and sees their profile "
    "details (staff and the member always do): COMMUNITY: every signed-in member; ACCOUNT: "
    "colleagues at their account; STAFF: the vendor's staff only. Their name beside their "
    "posts shows to whoever may read the posts.",
)
_PRIVATE = "Null when the member's privacy setting (profileVisibility) hides it from you."
strawberry.enum(TokenScope, description="READ: queries only; WRITE: mutations too.")
strawberry.enum(IdentityErrorCode)


@strawberry.type(name="IdentityUserError")
class IdentityUserError(UserError):
    code: IdentityErrorCode

    @classmethod
    def from_problems(cls, problems: list[Problem]) -> list["IdentityUserError"]:
        return [
            cls(field=p.field, message=p.message, code=IdentityErrorCode(p.code)) for p in problems
        ]


@strawberry.type(
    name="Account", description="A customer company, or the vendor's own organisation."
)
class AccountNode(relay.Node):
    id: relay.NodeID[int]
    kind: AccountKind
    name: str
    domain: str | None
    industry: str | None
    employee_band: EmployeeBand | None
    region: str | None
    created_at: datetime
    model: strawberry.Private[models.Account]

    @classmethod
    def from_model(cls, account: models.Account) -> Self:
        return cls(
            id=account.id,
            kind=account.kind,
            name=account.name,
            domain=account.domain,
            industry=account.industry,
            employee_band=account.employee_band,
            region=account.region,
            created_at=account.created_at,
            model=account,
        )

    @strawberry.field(description="Staff only; null for others.")
    def lifecycle_stage(self, info: Info) -> LifecycleStage | None:
        actor = info.context.require_actor()
        return (
            self.model.lifecycle_stage
            if policies.can_view_account_internals(actor, self.model)
            else None
        )

    @strawberry.field(description="Staff only; null for others.")
    def tier(self, info: Info) -> TouchTier | None:
        actor = info.context.require_actor()
        return self.model.tier if policies.can_view_account_internals(actor, self.model) else None

    @strawberry.field(description="Go-to-market segment. Staff only; null for others.")
    def segment(self, info: Info) -> AccountSegment | None:
        actor = info.context.require_actor()
        internal = policies.can_view_account_internals(actor, self.model)
        return self.model.segment if internal else None

    @strawberry.field(description="Annual recurring revenue. Staff only; null for others.")
    def arr(self, info: Info) -> Money | None:
        actor = info.context.require_actor()
        if not policies.can_view_account_internals(actor, self.model):
            return None
        return Money.of(self.model.arr, self.model.currency)

    @strawberry.field(description="The CSM who owns this account. Staff only; null for others.")
    async def owner_csm(
        self, info: Info
    ) -> Annotated["MemberNode", strawberry.lazy("api.graphql.identity.types")] | None:
        actor = info.context.require_actor()
        if self.model.owner_csm_id is None or not policies.can_view_account_internals(
            actor, self.model
        ):
            return None
        member = await info.context.identity.member_by_id.load(self.model.owner_csm_id)
        return MemberNode.from_model(member) if member else None

    @strawberry.field(
        description="Accounts this one declared as competitors. Visible to its own members and "
        "staff; null for others. Competition is symmetric: either side declaring it counts."
    )
    async def competitors(self, info: Info) -> list["AccountNode"] | None:
        actor = info.context.require_actor()
        if not policies.can_view_competitors(actor, self.model):
            return None
        ids = await info.context.identity.competitor_ids_by_account_id.load(self.model.id)
        accounts = await info.context.identity.account_by_id.load_many(ids)
        return [AccountNode.from_model(a) for a in accounts if a is not None]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # async form of strawberry's overloads
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        actor = info.context.require_actor()
        ids = node_ints(node_ids)
        accounts = await info.context.identity.account_by_id.load_many(ids)
        return [
            cls.from_model(a) if a is not None and policies.can_view_account(actor, a) else None
            for a in accounts
        ]


@strawberry.type(name="Member", description="A person in the community.")
class MemberNode(relay.Node):
    id: relay.NodeID[int]
    handle: str = strawberry.field(description="Unique, for @mentions.")
    name: str
    avatar_url: str | None
    status: MemberStatus
    created_at: datetime
    model: strawberry.Private[models.Member]
    # The member's account when the caller already has it (a feed page loads them at once).
    account_model: strawberry.Private[models.Account | None] = None

    @classmethod
    def from_model(cls, member: models.Member, account: models.Account | None = None) -> Self:
        return cls(
            id=member.id,
            handle=member.handle,
            name=member.name,
            avatar_url=member.avatar_url,
            status=member.status,
            created_at=member.created_at,
            model=member,
            account_model=account,
        )

    @strawberry.field(graphql_type=list[Role])
    def roles(self, info: Info) -> list[Role] | Awaitable[list[Role]]:
        # Role rows are read only when asked for (lists of authors seldom do).
        if "role_rows" in self.model.__dict__:
            return sorted(self.model.roles)
        return info.context.identity.roles_by_member_id.load(self.model.id)

    # Profile details follow the member's privacy setting (profileVisibility); name, handle and
    # avatar show wherever the member does (beside their posts).
    @strawberry.field(description=f"Job title. {_PRIVATE}")
    def title(self, info: Info) -> str | None:
        return self.model.title if self._profile_shown(info) else None

    @strawberry.field(description=f"IANA time zone, e.g. Europe/Berlin. {_PRIVATE}")
    def timezone(self, info: Info) -> str | None:
        return self.model.timezone if self._profile_shown(info) else None

    @strawberry.field(
        description="Products the member uses; empty when the member's privacy setting "
        "(profileVisibility) hides them from you."
    )
    def products_used(self, info: Info) -> list[str]:
        return list(self.model.products_used) if self._profile_shown(info) else []

    @strawberry.field(description=_PRIVATE)
    def using_product_since(self, info: Info) -> date | None:
        return self.model.using_product_since if self._profile_shown(info) else None

    @strawberry.field(description=_PRIVATE)
    def bio(self, info: Info) -> str | None:
        return self.model.bio if self._profile_shown(info) else None

    @strawberry.field(
        description="Who finds this member in search and the directory and sees their profile "
        "details. Shown to the member and staff; null for others."
    )
    def profile_visibility(self, info: Info) -> ProfileVisibility | None:
        actor = info.context.require_actor()
        if actor.is_staff or actor.member_id == self.model.id:
            return self.model.profile_visibility
        return None

    def _profile_shown(self, info: Info) -> bool:
        return policies.can_view_profile(info.context.require_actor(), self.model)

    @strawberry.field(description="Visible to the member, colleagues at their account and staff.")
    def email(self, info: Info) -> str | None:
        actor = info.context.require_actor()
        return self.model.email if policies.can_view_member_contact(actor, self.model) else None

    @strawberry.field(
        description="The member's company. Null when you may not see it: a customer's name is "
        "only shown to its own people and staff.",
        graphql_type=AccountNode | None,
    )
    def account(self, info: Info) -> AccountNode | None | Awaitable[AccountNode | None]:
        actor = info.context.require_actor()
        if not policies.can_view_account_of(actor, self.model.account_id):
            return None  # not even loaded
        if self.account_model is not None:
            return AccountNode.from_model(self.account_model)
        return self._load_account(info)

    async def _load_account(self, info: Info) -> AccountNode | None:
        account = await info.context.identity.account_by_id.load(self.model.account_id)
        return AccountNode.from_model(account) if account else None

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # async form of strawberry's overloads
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        actor = info.context.require_actor()
        ids = node_ints(node_ids)
        members = await info.context.identity.member_by_id.load_many(ids)
        return [
            cls.from_model(m) if m is not None and policies.can_view_member(actor, m) else None
            for m in members
        ]


@strawberry.type(
    name="ApiToken", description="A personal API token. The secret is never shown again."
)
class ApiTokenType:
    id: relay.GlobalID
    name: str
    prefix: str = strawberry.field(description="The first characters, to tell tokens apart.")
    scopes: list[TokenScope]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_model(cls, token: models.ApiToken) -> Self:
        return cls(
            id=relay.GlobalID("ApiToken", str(token.id)),
            name=token.name,
            prefix=token.prefix,
            scopes=[TokenScope(s) for s in token.scopes],
            created_at=token.created_at,
            expires_at=token.expires_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
        )


@strawberry.type(name="MemberConnection")
class MemberConnection(relay.Connection[MemberNode]):
    pass


@strawberry.type(name="AccountConnection")
class AccountConnection(relay.Connection[AccountNode]):
    pass
