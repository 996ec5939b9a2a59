"""Who may see and do what in identity. Every surface (lists, node, search, exports) asks these."""

from dataclasses import dataclass, field

from sqlalchemy import Select, and_, or_

from domain.identity.models import (
    STAFF_ROLES,
    Account,
    AccountKind,
    Member,
    MemberStatus,
    ProfileVisibility,
    Role,
    TokenScope,
)

ALL_SCOPES = frozenset(TokenScope)


@dataclass(frozen=True)
class Actor:
    """The authenticated caller, as every policy and service sees it."""

    member_id: int
    account_id: int
    account_kind: AccountKind
    roles: frozenset[Role]
    scopes: frozenset[TokenScope] = field(default=ALL_SCOPES)

    def has_role(self, role: Role) -> bool:
        return role in self.roles or Role.ADMIN in self.roles

    @property
    def is_staff(self) -> bool:
        return self.account_kind is AccountKind.VENDOR and bool(self.roles & STAFF_ROLES)

    @property
    def can_write(self) -> bool:
        return TokenScope.WRITE in self.scopes


def actor_for(
    member: Member, account_kind: AccountKind, scopes: frozenset[TokenScope] = ALL_SCOPES
) -> Actor:
    return Actor(
        member_id=member.id,
        account_id=member.account_id,
        account_kind=account_kind,
        roles=member.roles,
        scopes=scopes,
    )


# --- accounts -------------------------------------------------------------------------------


def readable_accounts(actor: Actor, statement: Select[Account]) -> Select[Account]:
    """Customers see only their own company: being named as a customer needs consent."""
    if actor.is_staff:
        return statement
    return statement.where(Account.id == actor.account_id)


def can_view_account(actor: Actor, account: Account) -> bool:
    return can_view_account_of(actor, account.id)


def can_view_account_of(actor: Actor, account_id: int) -> bool:
    """The same rule by id, so lists skip loading accounts the viewer may not see anyway."""
    return actor.is_staff or account_id == actor.account_id


def can_view_account_internals(actor: Actor, account: Account) -> bool:
    """Tier, lifecycle stage and owning CSM are the vendor's own segmentation."""
    return actor.is_staff


def can_view_competitors(actor: Actor, account: Account) -> bool:
    return actor.is_staff or account.id == actor.account_id


def can_create_accounts(actor: Actor) -> bool:
    return actor.has_role(Role.ADMIN) or (actor.is_staff and actor.has_role(Role.CSM))


def can_update_account(actor: Actor, account: Account) -> bool:
    if actor.has_role(Role.ADMIN):
        return True
    return actor.is_staff and actor.has_role(Role.CSM) and account.owner_csm_id == actor.member_id


def can_declare_competitors(actor: Actor, account: Account) -> bool:
    """Customers may say whom they compete with (it protects them in buddy matching)."""
    return can_update_account(actor, account) or (
        account.id == actor.account_id and account.kind is AccountKind.CUSTOMER
    )


# --- members --------------------------------------------------------------------------------


def readable_members(actor: Actor, statement: Select[Member]) -> Select[Member]:
    """Staff see everyone; members see active members and everyone in their own account."""
    if actor.is_staff:
        return statement
    return statement.where(
        or_(Member.status == MemberStatus.ACTIVE, Member.account_id == actor.account_id)
    )


def can_view_member(actor: Actor, member: Member) -> bool:
    return (
        actor.is_staff
        or member.status is MemberStatus.ACTIVE
        or member.account_id == actor.account_id
    )


def can_view_profile(actor: Actor, member: Member) -> bool:
    """The member's privacy setting: who sees their profile details (title, bio, products,
    time zone). Staff and the member always do."""
    if actor.is_staff or member.id == actor.member_id:
        return True
    if member.profile_visibility is ProfileVisibility.COMMUNITY:
        return True
    return (
        member.profile_visibility is ProfileVisibility.ACCOUNT
        and member.account_id == actor.account_id
    )


def discoverable_members(actor: Actor, statement: Select[Member]) -> Select[Member]:
    """Who shows up in the member directory and in search: readable members whose privacy
    setting lets this viewer see their profile (can_view_profile, as SQL)."""
    statement = readable_members(actor, statement)
    if actor.is_staff:
        return statement
    return statement.where(
        or_(
            Member.id == actor.member_id,
            Member.profile_visibility == ProfileVisibility.COMMUNITY,
            and_(
                Member.profile_visibility == ProfileVisibility.ACCOUNT,
                Member.account_id == actor.account_id,
            ),
        )
    )


def can_view_member_contact(actor: Actor, member: Member) -> bool:
    """E-mail addresses: yourself, your colleagues and staff."""
    return actor.is_staff or member.account_id == actor.account_id


def can_update_profile(actor: Actor, member: Member) -> bool:
    return member.id == actor.member_id or actor.has_role(Role.ADMIN)


def can_add_member(actor: Actor, account: Account) -> bool:
    return can_update_account(actor, account)


def can_set_roles(actor: Actor) -> bool:
    return actor.has_role(Role.ADMIN)


def can_change_status(actor: Actor, member: Member) -> bool:
    return actor.has_role(Role.ADMIN) and member.id != actor.member_id


def can_manage_api_token(actor: Actor, owner_member_id: int) -> bool:
    return owner_member_id == actor.member_id or actor.has_role(Role.ADMIN)
