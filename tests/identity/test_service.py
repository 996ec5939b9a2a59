from datetime import date, timedelta

import pytest
from sqlalchemy import select

from domain.identity import credentials, service
from domain.identity.errors import IdentityErrorCode as Code
from domain.identity.models import Account, ApiToken, MemberStatus, Role, TokenScope
from domain.identity.policies import actor_for
from domain.identity.repository import count_admins
from domain.shared.audit import AuditEntry
from domain.shared.errors import ValidationFailed
from domain.shared.models import utcnow
from domain.shared.outbox import OutboxEvent
from tests.support.factories import create_account, create_member, create_vendor


async def _admin(session):
    vendor = await create_vendor(session)
    admin = await create_member(session, vendor, {Role.ADMIN})
    return admin, actor_for(admin, vendor.kind)


async def test_profile_update_reports_every_problem_and_changes_nothing(session):
    account = await create_account(session)
    member = await create_member(session, account, name="Before", title="Engineer")
    actor = actor_for(member, account.kind)
    changes = service.ProfileChanges(
        name="  ",
        timezone="Mars/Olympus",
        avatar_url="javascript:alert(1)",
        using_product_since=date.today() + timedelta(days=3),
        title="Staff engineer",
    )
    with pytest.raises(ValidationFailed) as failure:
        await service.update_profile(session, actor, member.id, changes)
    fields = sorted(p.field[-1] for p in failure.value.problems)
    assert fields == ["avatarUrl", "name", "timezone", "usingProductSince"]
    assert (member.name, member.title) == ("Before", "Engineer")


async def test_profile_update_applies_changes_and_records_an_event(session):
    account = await create_account(session)
    member = await create_member(session, account)
    actor = actor_for(member, account.kind)
    await service.update_profile(
        session,
        actor,
        member.id,
        service.ProfileChanges(
            title=" VP Data ",
            timezone="Europe/Berlin",
            products_used=["Analytics", "Analytics", " "],
        ),
    )
    assert (member.title, member.timezone, member.products_used) == (
        "VP Data",
        "Europe/Berlin",
        ["Analytics"],
    )
    await session.flush()
    topics = (await session.scalars(select(OutboxEvent.topic))).all()
    assert "identity.member.updated" in topics


async def test_customers_cannot_hold_staff_roles(session):
    _, admin = await _admin(session)
    account = await create_account(session)
    customer = await create_member(session, account)
    with pytest.raises(ValidationFailed) as failure:
        await service.set_roles(session, admin, customer.id, {Role.CSM})
    assert failure.value.problems[0].code == Code.STAFF_ROLE_FOR_CUSTOMER
    updated = await service.set_roles(session, admin, customer.id, {Role.MODERATOR})
    assert updated.roles == {Role.MEMBER, Role.MODERATOR}


async def test_the_last_admin_cannot_be_demoted_or_deactivated(session):
    # given: the only admin (each test starts from an empty, rolled-back database)
    admin_member, admin = await _admin(session)
    assert await count_admins(session) == 1
    # then: neither demotion nor deactivation is possible, and nothing changes
    with pytest.raises(ValidationFailed) as failure:
        await service.set_roles(session, admin, admin_member.id, set())
    assert failure.value.problems[0].code == Code.LAST_ADMIN
    assert Role.ADMIN in admin_member.roles
    # with a second admin, the first may step down
    vendor_member = await create_member(
        session, await session.get(Account, admin_member.account_id)
    )
    await service.set_roles(session, admin, vendor_member.id, {Role.ADMIN})
    await session.flush()
    await service.set_roles(session, admin, admin_member.id, set())
    assert admin_member.roles == {Role.MEMBER}


async def test_role_changes_are_audited(session):
    _, admin = await _admin(session)
    account = await create_account(session)
    customer = await create_member(session, account)
    await service.set_roles(session, admin, customer.id, {Role.MODERATOR})
    entry = await session.scalar(
        select(AuditEntry).where(
            AuditEntry.target_id == customer.id, AuditEntry.action == "member.set_roles"
        )
    )
    assert entry is not None and entry.actor_member_id == admin.member_id
    assert entry.details["after"] == ["MEMBER", "MODERATOR"]


async def test_competitors_must_be_other_existing_customer_accounts(session):
    account = await create_account(session)
    other = await create_account(session)
    member = await create_member(session, account)
    actor = actor_for(member, account.kind)
    with pytest.raises(ValidationFailed) as failure:
        await service.set_competitors(session, actor, account.id, [account.id, 999_999])
    codes = {p.code for p in failure.value.problems}
    assert codes == {Code.COMPETITOR_IS_SELF, Code.NOT_FOUND}
    await service.set_competitors(session, actor, account.id, [other.id, other.id])
    from domain.identity.repository import competitor_ids_by_account

    assert (await competitor_ids_by_account(session, [account.id]))[account.id] == [other.id]


async def test_create_member_normalises_email_and_rejects_duplicates(session):
    _, admin = await _admin(session)
    account = await create_account(session, domain="dup.example")
    first = await service.create_member(
        session, admin, account=account, email=" Jo.Doe@Dup.Example ", name="Jo"
    )
    assert first.email == "jo.doe@dup.example"
    assert first.handle == "jo_doe"
    with pytest.raises(ValidationFailed) as failure:
        await service.create_member(
            session, admin, account=account, email="JO.DOE@dup.example", name="Jo"
        )
    assert failure.value.problems[0].code == Code.EMAIL_TAKEN
    second = await service.create_member(
        session, admin, account=account, email="jo.doe@other.example", name="Jo"
    )
    assert second.handle == "jo_doe2"


async def test_api_token_is_stored_hashed_and_stops_working_when_revoked_or_expired(session):
    account = await create_account(session)
    member = await create_member(session, account)
    actor = actor_for(member, account.kind)
    issued = await credentials.create_api_token(
        session, actor, name="CI", scopes={TokenScope.READ}, expires_in_days=30
    )
    stored = await session.get(ApiToken, issued.token.id)
    assert issued.secret.startswith("bf_pat_") and issued.secret not in (
        stored.secret_hash,
        stored.prefix,
    )
    found = await credentials.member_for_api_token(session, issued.secret, utcnow())
    assert found is not None and found[0].id == member.id and found[1] == {TokenScope.READ}
    # expiry
    later = utcnow() + timedelta(days=31)
    assert await credentials.member_for_api_token(session, issued.secret, later) is None
    # an inactive member's tokens stop working
    member.status = MemberStatus.SUSPENDED
    assert await credentials.member_for_api_token(session, issued.secret, utcnow()) is None
    member.status = MemberStatus.ACTIVE
    # revocation
    await credentials.revoke_api_token(session, actor, issued.token.id)
    assert await credentials.member_for_api_token(session, issued.secret, utcnow()) is None


async def test_api_token_cannot_exceed_its_creators_scopes(session):
    account = await create_account(session)
    member = await create_member(session, account)
    actor = actor_for(member, account.kind)
    with pytest.raises(ValidationFailed) as failure:
        await credentials.create_api_token(session, actor, name="", scopes=set(), expires_in_days=0)
    assert sorted(p.field[-1] for p in failure.value.problems) == [
        "expiresInDays",
        "name",
        "scopes",
    ]
