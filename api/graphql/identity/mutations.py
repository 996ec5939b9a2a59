from datetime import date
from decimal import Decimal

import strawberry
from strawberry import UNSET, relay

from api.graphql.context import Info
from api.graphql.errors import mutate
from api.graphql.identity.types import (
    AccountNode,
    AccountSegment,
    ApiTokenType,
    EmployeeBand,
    IdentityUserError,
    LifecycleStage,
    MemberNode,
    MemberStatus,
    ProfileVisibility,
    Role,
    TokenScope,
    TouchTier,
)
from api.graphql.relay import decode_id
from domain.identity import credentials, service
from domain.shared.validation import KEEP

MAX_LIST_INPUT = 100


def _keep_unset(value: object) -> object:
    return KEEP if value is UNSET else value


@strawberry.input(description="Omitted fields are left as they are; null clears a field.")
class UpdateProfileInput:
    member_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Whose profile; yours if omitted (admins may edit anyone's)."
    )
    name: str | None = UNSET
    title: str | None = UNSET
    timezone: str | None = UNSET
    products_used: list[str] | None = UNSET
    using_product_since: date | None = UNSET
    avatar_url: str | None = UNSET
    bio: str | None = UNSET
    profile_visibility: ProfileVisibility | None = strawberry.field(
        default=UNSET,
        description="Who finds you in search and the directory and sees your profile details; "
        "cannot be null.",
    )


@strawberry.type
class UpdateProfilePayload:
    member: MemberNode | None
    user_errors: list[IdentityUserError]


@strawberry.input(description="Omitted fields are left as they are (on create: unset).")
class AccountInput:
    name: str | None = UNSET
    domain: str | None = UNSET
    industry: str | None = UNSET
    employee_band: EmployeeBand | None = UNSET
    region: str | None = UNSET
    lifecycle_stage: LifecycleStage | None = UNSET
    tier: TouchTier | None = UNSET
    segment: AccountSegment | None = UNSET
    arr: Decimal | None = strawberry.field(
        default=UNSET, description="Annual recurring revenue, a decimal string in `currency`."
    )
    currency: str | None = strawberry.field(
        default=UNSET, description="ISO 4217 code of `arr`; USD when never set."
    )
    owner_csm_id: relay.GlobalID | None = UNSET


@strawberry.input
class UpdateAccountInput(AccountInput):
    account_id: relay.GlobalID


@strawberry.type
class AccountPayload:
    account: AccountNode | None
    user_errors: list[IdentityUserError]


@strawberry.input
class SetAccountCompetitorsInput:
    account_id: relay.GlobalID
    competitor_ids: list[relay.GlobalID] = strawberry.field(
        description=f"The full new list (replaces the old), at most {MAX_LIST_INPUT}."
    )


@strawberry.input
class CreateMemberInput:
    account_id: relay.GlobalID
    email: str
    name: str
    title: str | None = None
    roles: list[Role] = strawberry.field(default_factory=list)


@strawberry.input
class SetMemberRolesInput:
    member_id: relay.GlobalID
    roles: list[Role] = strawberry.field(description="The full set of roles beyond MEMBER.")


@strawberry.input
class SetMemberStatusInput:
    member_id: relay.GlobalID
    status: MemberStatus
    reason: str | None = None


@strawberry.type
class MemberPayload:
    member: MemberNode | None
    user_errors: list[IdentityUserError]


@strawberry.input
class CreateApiTokenInput:
    name: str
    scopes: list[TokenScope]
    expires_in_days: int | None = strawberry.field(default=90, description="1-366; null: never.")


@strawberry.type
class CreateApiTokenPayload:
    api_token: ApiTokenType | None
    secret: str | None = strawberry.field(description="The token itself. Shown only this once.")
    user_errors: list[IdentityUserError]


@strawberry.input
class RevokeApiTokenInput:
    id: relay.GlobalID


@strawberry.type
class RevokeApiTokenPayload:
    api_token: ApiTokenType | None
    user_errors: list[IdentityUserError]


def _account_fields(input: AccountInput) -> service.AccountFields:
    owner = input.owner_csm_id
    return service.AccountFields(
        name=_keep_unset(input.name),  # type: ignore[arg-type]
        domain=_keep_unset(input.domain),  # type: ignore[arg-type]
        industry=_keep_unset(input.industry),  # type: ignore[arg-type]
        employee_band=_keep_unset(input.employee_band),  # type: ignore[arg-type]
        region=_keep_unset(input.region),  # type: ignore[arg-type]
        lifecycle_stage=_keep_unset(input.lifecycle_stage),  # type: ignore[arg-type]
        tier=_keep_unset(input.tier),  # type: ignore[arg-type]
        segment=_keep_unset(input.segment),  # type: ignore[arg-type]
        arr=_keep_unset(input.arr),  # type: ignore[arg-type]
        currency=_keep_unset(input.currency),  # type: ignore[arg-type]
        owner_csm_id=KEEP
        if owner is UNSET
        else (None if owner is None else decode_id(owner, "Member", ["input", "ownerCsmId"])),
    )


def _too_many(field: str, values: list[object]) -> None:
    from domain.identity.errors import IdentityErrorCode
    from domain.shared.errors import DomainError

    if len(values) > MAX_LIST_INPUT:
        raise DomainError(
            f"at most {MAX_LIST_INPUT} items",
            code=IdentityErrorCode.TOO_MANY_ITEMS,
            field=["input", field],
        )


@strawberry.type
class IdentityMutations:
    @strawberry.mutation(description="Edit a profile: your own, or anyone's as an admin.")
    async def update_profile(self, info: Info, input: UpdateProfileInput) -> UpdateProfilePayload:
        async def run() -> MemberNode:
            actor = info.context.require_actor()
            member_id = (
                actor.member_id
                if input.member_id is None
                else decode_id(input.member_id, "Member", ["input", "memberId"])
            )
            if isinstance(input.products_used, list):
                _too_many("productsUsed", list(input.products_used))
            changes = service.ProfileChanges(
                name=KEEP if input.name is UNSET or input.name is None else input.name,
                title=_keep_unset(input.title),  # type: ignore[arg-type]
                timezone=_keep_unset(input.timezone),  # type: ignore[arg-type]
                products_used=KEEP
                if input.products_used is UNSET
                else list(input.products_used or []),
                using_product_since=_keep_unset(input.using_product_since),  # type: ignore[arg-type]
                avatar_url=_keep_unset(input.avatar_url),  # type: ignore[arg-type]
                bio=_keep_unset(input.bio),  # type: ignore[arg-type]
                profile_visibility=_keep_unset(input.profile_visibility),  # type: ignore[arg-type]
            )
            member = await service.update_profile(info.context.session, actor, member_id, changes)
            return MemberNode.from_model(member)

        member, problems = await mutate(info, run)
        return UpdateProfilePayload(
            member=member, user_errors=IdentityUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Add a customer account. Admins and CSMs.")
    async def create_account(self, info: Info, input: AccountInput) -> AccountPayload:
        async def run() -> AccountNode:
            account = await service.create_account(
                info.context.session, info.context.require_actor(), _account_fields(input)
            )
            return AccountNode.from_model(account)

        account, problems = await mutate(info, run)
        return AccountPayload(
            account=account, user_errors=IdentityUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Change an account. Admins and the owning CSM.")
    async def update_account(self, info: Info, input: UpdateAccountInput) -> AccountPayload:
        async def run() -> AccountNode:
            account_id = decode_id(input.account_id, "Account", ["input", "accountId"])
            account = await service.update_account(
                info.context.session,
                info.context.require_actor(),
                account_id,
                _account_fields(input),
            )
            return AccountNode.from_model(account)

        account, problems = await mutate(info, run)
        return AccountPayload(
            account=account, user_errors=IdentityUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Declare whom an account competes with (replaces the list).")
    async def set_account_competitors(
        self, info: Info, input: SetAccountCompetitorsInput
    ) -> AccountPayload:
        async def run() -> AccountNode:
            _too_many("competitorIds", list(input.competitor_ids))
            account_id = decode_id(input.account_id, "Account", ["input", "accountId"])
            ids = [
                decode_id(g, "Account", ["input", "competitorIds"]) for g in input.competitor_ids
            ]
            account = await service.set_competitors(
                info.context.session, info.context.require_actor(), account_id, ids
            )
            return AccountNode.from_model(account)

        account, problems = await mutate(info, run)
        return AccountPayload(
            account=account, user_errors=IdentityUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Add a person to an account. Admins and the owning CSM.")
    async def create_member(self, info: Info, input: CreateMemberInput) -> MemberPayload:
        async def run() -> MemberNode:
            actor = info.context.require_actor()
            account_id = decode_id(input.account_id, "Account", ["input", "accountId"])
            account = await service.readable_account(info.context.session, actor, account_id)
            member = await service.create_member(
                info.context.session,
                actor,
                account=account,
                email=input.email,
                name=input.name,
                title=input.title,
                roles=set(input.roles),
            )
            return MemberNode.from_model(member)

        member, problems = await mutate(info, run)
        return MemberPayload(member=member, user_errors=IdentityUserError.from_problems(problems))

    @strawberry.mutation(description="Replace a member's roles. Admins only.")
    async def set_member_roles(self, info: Info, input: SetMemberRolesInput) -> MemberPayload:
        async def run() -> MemberNode:
            member_id = decode_id(input.member_id, "Member", ["input", "memberId"])
            member = await service.set_roles(
                info.context.session, info.context.require_actor(), member_id, set(input.roles)
            )
            return MemberNode.from_model(member)

        member, problems = await mutate(info, run)
        return MemberPayload(member=member, user_errors=IdentityUserError.from_problems(problems))

    @strawberry.mutation(description="Suspend, deactivate or reactivate a member. Admins only.")
    async def set_member_status(self, info: Info, input: SetMemberStatusInput) -> MemberPayload:
        async def run() -> MemberNode:
            member_id = decode_id(input.member_id, "Member", ["input", "memberId"])
            member = await service.set_status(
                info.context.session,
                info.context.require_actor(),
                member_id,
                input.status,
                input.reason,
            )
            return MemberNode.from_model(member)

        member, problems = await mutate(info, run)
        return MemberPayload(member=member, user_errors=IdentityUserError.from_problems(problems))

    @strawberry.mutation(description="Create a personal API token; the secret is returned once.")
    async def create_api_token(
        self, info: Info, input: CreateApiTokenInput
    ) -> CreateApiTokenPayload:
        async def run() -> credentials.IssuedApiToken:
            return await credentials.create_api_token(
                info.context.session,
                info.context.require_actor(),
                name=input.name,
                scopes=set(input.scopes),
                expires_in_days=input.expires_in_days,
            )

        issued, problems = await mutate(info, run)
        return CreateApiTokenPayload(
            api_token=ApiTokenType.from_model(issued.token) if issued else None,
            secret=issued.secret if issued else None,
            user_errors=IdentityUserError.from_problems(problems),
        )

    @strawberry.mutation(description="Revoke an API token at once. Yours, or anyone's as an admin.")
    async def revoke_api_token(
        self, info: Info, input: RevokeApiTokenInput
    ) -> RevokeApiTokenPayload:
        async def run() -> ApiTokenType:
            token_id = decode_id(input.id, "ApiToken", ["input", "id"])
            token = await credentials.revoke_api_token(
                info.context.session, info.context.require_actor(), token_id
            )
            return ApiTokenType.from_model(token)

        token, problems = await mutate(info, run)
        return RevokeApiTokenPayload(
            api_token=token, user_errors=IdentityUserError.from_problems(problems)
        )
