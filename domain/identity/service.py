"""Identity use cases: accounts, members, roles and profiles. Services never commit."""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity import events, policies, repository
from domain.identity.errors import IdentityErrorCode as Code
from domain.identity.models import (
    STAFF_ROLES,
    Account,
    AccountKind,
    AccountSegment,
    EmployeeBand,
    LifecycleStage,
    Member,
    MemberRole,
    MemberStatus,
    ProfileVisibility,
    Role,
    TouchTier,
    account_competitors,
)
from domain.identity.policies import Actor
from domain.shared.audit import record_audit
from domain.shared.errors import DomainError, Forbidden
from domain.shared.validation import KEEP, Checker, Keep

MAX_PRODUCTS = 50
MAX_ARR = Decimal(10) ** 12  # fits Numeric(14, 2)
MAX_COMPETITORS = 100


def _not_found(what: str, field: str) -> DomainError:
    return DomainError(f"{what} not found", code=Code.NOT_FOUND, field=["input", field])


async def readable_account(session: AsyncSession, actor: Actor, account_id: int) -> Account:
    account = await repository.account_by_id(session, account_id)
    if account is None or not policies.can_view_account(actor, account):
        raise _not_found("account", "accountId")
    return account


async def readable_member(session: AsyncSession, actor: Actor, member_id: int) -> Member:
    member = await repository.member_by_id(session, member_id)
    if member is None or not policies.can_view_member(actor, member):
        raise _not_found("member", "memberId")
    return member


# --- profiles -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileChanges:
    name: str | Keep = KEEP
    title: str | None | Keep = KEEP
    timezone: str | None | Keep = KEEP
    products_used: list[str] | Keep = KEEP
    using_product_since: date | None | Keep = KEEP
    avatar_url: str | None | Keep = KEEP
    bio: str | None | Keep = KEEP
    profile_visibility: ProfileVisibility | None | Keep = KEEP


async def update_profile(
    session: AsyncSession, actor: Actor, member_id: int, changes: ProfileChanges
) -> Member:
    """A member edits their own profile; an admin may edit anyone's."""
    member = await readable_member(session, actor, member_id)
    if not policies.can_update_profile(actor, member):
        raise Forbidden("you may only edit your own profile")
    check = Checker(Code.INVALID_VALUE)
    values: dict[str, object] = {}
    if not isinstance(changes.name, Keep):
        values["name"] = check.text("name", changes.name, max_length=200, required=True)
    if not isinstance(changes.title, Keep):
        values["title"] = check.text("title", changes.title, max_length=200)
    if not isinstance(changes.timezone, Keep):
        values["timezone"] = check.timezone("timezone", changes.timezone)
    if not isinstance(changes.products_used, Keep):
        check.list_size(
            "productsUsed", list(changes.products_used), MAX_PRODUCTS, Code.TOO_MANY_ITEMS
        )
        products = [p.strip() for p in changes.products_used if p.strip()]
        if any(len(p) > 100 for p in products):
            check.fail("productsUsed", "product names must be at most 100 characters")
        values["products_used"] = list(dict.fromkeys(products))
    if not isinstance(changes.using_product_since, Keep):
        if changes.using_product_since and changes.using_product_since > date.today():
            check.fail("usingProductSince", "must not be in the future")
        values["using_product_since"] = changes.using_product_since
    if not isinstance(changes.avatar_url, Keep):
        values["avatar_url"] = check.url("avatarUrl", changes.avatar_url)
    if not isinstance(changes.bio, Keep):
        values["bio"] = check.text("bio", changes.bio, max_length=5000)
    if not isinstance(changes.profile_visibility, Keep):
        if changes.profile_visibility is None:
            check.fail("profileVisibility", "cannot be cleared; choose who may see your profile")
        values["profile_visibility"] = changes.profile_visibility
    check.raise_if_any()
    for name, value in values.items():
        setattr(member, name, value)
    events.member_changed(session, events.MEMBER_UPDATED, member)
    return member


# --- accounts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountFields:
    name: str | Keep = KEEP
    domain: str | None | Keep = KEEP
    industry: str | None | Keep = KEEP
    employee_band: EmployeeBand | None | Keep = KEEP
    region: str | None | Keep = KEEP
    lifecycle_stage: LifecycleStage | None | Keep = KEEP
    tier: TouchTier | None | Keep = KEEP
    segment: AccountSegment | None | Keep = KEEP
    arr: Decimal | None | Keep = KEEP
    currency: str | None | Keep = KEEP
    owner_csm_id: int | None | Keep = KEEP


async def _apply_account_fields(
    session: AsyncSession, account: Account | None, fields: AccountFields, check: Checker
) -> dict[str, object]:
    values: dict[str, object] = {}
    if not isinstance(fields.name, Keep):
        values["name"] = check.text("name", fields.name, max_length=200, required=True)
    if not isinstance(fields.domain, Keep):
        domain = check.domain("domain", fields.domain)
        if domain and (other := await repository.account_by_domain(session, domain)):
            if account is None or other.id != account.id:
                check.fail("domain", "another account already has this domain", Code.DOMAIN_TAKEN)
        values["domain"] = domain
    for name in ("industry", "region"):
        value = getattr(fields, name)
        if not isinstance(value, Keep):
            values[name] = check.text(name, value, max_length=100)
    if not isinstance(fields.arr, Keep):
        if fields.arr is not None and not (0 <= fields.arr < MAX_ARR):
            check.fail("arr", "ARR must be zero or more and below 10^12")
        values["arr"] = None if fields.arr is None else round(fields.arr, 2)
    if not isinstance(fields.currency, Keep):
        currency = (fields.currency or "USD").strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            check.fail("currency", "currency must be a three-letter ISO 4217 code")
        values["currency"] = currency
    for name in ("employee_band", "lifecycle_stage", "tier", "segment"):
        value = getattr(fields, name)
        if not isinstance(value, Keep):
            values[name] = value
    if not isinstance(fields.owner_csm_id, Keep):
        if fields.owner_csm_id is not None:
            owner = await repository.member_by_id(session, fields.owner_csm_id)
            if owner is None or Role.CSM not in owner.roles:
                check.fail("ownerCsmId", "owner must be a staff member with the CSM role")
        values["owner_csm_id"] = fields.owner_csm_id
    return values


async def create_account(session: AsyncSession, actor: Actor, fields: AccountFields) -> Account:
    if not policies.can_create_accounts(actor):
        raise Forbidden("only admins and CSMs create accounts")
    check = Checker(Code.INVALID_VALUE)
    if isinstance(fields.name, Keep):
        check.fail("name", "name is required")
    values = await _apply_account_fields(session, None, fields, check)
    check.raise_if_any()
    account = Account(kind=AccountKind.CUSTOMER, **values)
    session.add(account)
    await session.flush()
    events.account_changed(session, events.ACCOUNT_CREATED, account)
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="account.create",
        target_type="Account",
        target_id=account.id,
    )
    return account


async def update_account(
    session: AsyncSession, actor: Actor, account_id: int, fields: AccountFields
) -> Account:
    account = await readable_account(session, actor, account_id)
    if not policies.can_update_account(actor, account):
        raise Forbidden("only admins and the owning CSM update an account")
    check = Checker(Code.INVALID_VALUE)
    values = await _apply_account_fields(session, account, fields, check)
    check.raise_if_any()
    for name, value in values.items():
        setattr(account, name, value)
    events.account_changed(session, events.ACCOUNT_UPDATED, account)
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="account.update",
        target_type="Account",
        target_id=account.id,
        details={"fields": sorted(values)},
    )
    return account


async def set_competitors(
    session: AsyncSession, actor: Actor, account_id: int, competitor_ids: list[int]
) -> Account:
    """Replace the accounts this one competes with. Competition is symmetric when read."""
    account = await readable_account(session, actor, account_id)
    if not policies.can_declare_competitors(actor, account):
        raise Forbidden("you may not declare competitors for this account")
    check = Checker(Code.INVALID_VALUE)
    check.list_size("competitorIds", list(competitor_ids), MAX_COMPETITORS, Code.TOO_MANY_ITEMS)
    wanted = list(dict.fromkeys(competitor_ids))
    if account.id in wanted:
        check.fail(
            "competitorIds", "an account cannot compete with itself", Code.COMPETITOR_IS_SELF
        )
    # Customers cannot read other accounts, so an id they could not know is just "not found".
    found = await repository.accounts_by_ids(session, wanted)
    if len(found) != len(wanted) or any(a.kind is not AccountKind.CUSTOMER for a in found.values()):
        check.fail(
            "competitorIds", "every competitor must be an existing customer account", Code.NOT_FOUND
        )
    check.raise_if_any()
    await session.execute(
        delete(account_competitors).where(account_competitors.c.account_id == account.id)
    )
    if wanted:
        await session.execute(
            insert(account_competitors),
            [{"account_id": account.id, "competitor_id": cid} for cid in wanted],
        )
    events.account_changed(session, events.ACCOUNT_UPDATED, account)
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="account.set_competitors",
        target_type="Account",
        target_id=account.id,
        details={"competitor_ids": wanted},
    )
    return account


# --- members --------------------------------------------------------------------------------

_HANDLE_CHARS = re.compile(r"[^a-z0-9_]+")


async def unique_handle(session: AsyncSession, email: str) -> str:
    base = _HANDLE_CHARS.sub("_", email.split("@")[0].lower()).strip("_")[:30] or "member"
    candidate, suffix = base, 1
    while await repository.handle_exists(session, candidate):
        suffix += 1
        candidate = f"{base}{suffix}"
    return candidate


def _check_roles(check: Checker, account: Account, roles: set[Role]) -> None:
    if account.kind is AccountKind.CUSTOMER and roles & STAFF_ROLES:
        check.fail(
            "roles",
            "staff roles are only for members of the vendor organisation",
            Code.STAFF_ROLE_FOR_CUSTOMER,
        )


async def create_member(
    session: AsyncSession,
    actor: Actor | None,
    *,
    account: Account,
    email: str,
    name: str,
    roles: set[Role] | None = None,
    title: str | None = None,
) -> Member:
    """Add a person to an account. `actor` is None only for system provisioning (login, demo)."""
    if actor is not None and not policies.can_add_member(actor, account):
        raise Forbidden("only admins and the owning CSM add members to an account")
    roles = set(roles or ()) - {Role.MEMBER}
    if actor is not None and roles and not policies.can_set_roles(actor):
        raise Forbidden("only admins grant roles")
    check = Checker(Code.INVALID_VALUE)
    email = check.email("email", email, Code.INVALID_EMAIL)
    name_value = check.text("name", name, max_length=200, required=True)
    title = check.text("title", title, max_length=200)
    _check_roles(check, account, roles)
    if not check.problems and await repository.member_by_email(session, email):
        check.fail("email", "a member with this e-mail exists", Code.EMAIL_TAKEN)
    check.raise_if_any()
    member = Member(
        account_id=account.id,
        email=email,
        handle=await unique_handle(session, email),
        name=name_value,
        title=title,
        products_used=[],
        status=MemberStatus.ACTIVE,
        role_rows=[MemberRole(role=role) for role in sorted(roles)],
    )
    session.add(member)
    await session.flush()
    events.member_changed(session, events.MEMBER_CREATED, member)
    record_audit(
        session,
        actor_member_id=actor.member_id if actor else None,
        action="member.create",
        target_type="Member",
        target_id=member.id,
    )
    return member


async def set_roles(
    session: AsyncSession, actor: Actor, member_id: int, roles: set[Role]
) -> Member:
    if not policies.can_set_roles(actor):
        raise Forbidden("only admins change roles")
    member = await readable_member(session, actor, member_id)
    account = await repository.account_by_id(session, member.account_id)
    assert account is not None  # FK
    roles = set(roles) - {Role.MEMBER}
    check = Checker(Code.INVALID_VALUE)
    _check_roles(check, account, roles)
    if (
        Role.ADMIN in member.roles
        and Role.ADMIN not in roles
        and await repository.count_admins(session) <= 1
    ):
        check.fail("roles", "the last admin cannot lose the ADMIN role", Code.LAST_ADMIN)
    check.raise_if_any()
    before = sorted(member.roles)
    member.role_rows = [row for row in member.role_rows if row.role in roles]
    kept = {row.role for row in member.role_rows}
    member.role_rows.extend(MemberRole(role=role) for role in sorted(roles - kept))
    events.member_changed(session, events.MEMBER_UPDATED, member)
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="member.set_roles",
        target_type="Member",
        target_id=member.id,
        details={"before": before, "after": sorted(member.roles)},
    )
    return member


async def set_status(
    session: AsyncSession, actor: Actor, member_id: int, status: MemberStatus, reason: str | None
) -> Member:
    member = await readable_member(session, actor, member_id)
    if not policies.can_change_status(actor, member):
        raise Forbidden("only admins change another member's status")
    check = Checker(Code.INVALID_VALUE)
    reason = check.text("reason", reason, max_length=1000)
    if (
        Role.ADMIN in member.roles
        and status is not MemberStatus.ACTIVE
        and await repository.count_admins(session) <= 1
    ):
        check.fail("status", "the last admin cannot be deactivated", Code.LAST_ADMIN)
    check.raise_if_any()
    before = member.status
    member.status = status
    events.member_changed(session, events.MEMBER_UPDATED, member)
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="member.set_status",
        target_type="Member",
        target_id=member.id,
        reason=reason,
        details={"before": before, "after": status},
    )
    return member
