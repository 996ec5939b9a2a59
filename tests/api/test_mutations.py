"""Mutation conventions: input -> payload with userErrors; bad input changes nothing."""

from sqlalchemy import select

from domain.identity.models import Account, Member, Role
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.graphql import bearer, error_codes, gql
from tests.support.ids import global_id

UPDATE_PROFILE = """
mutation($input: UpdateProfileInput!) {
  updateProfile(input: $input) {
    member { name title timezone }
    userErrors { field message code }
  }
}
"""

CREATE_ACCOUNT = """
mutation($input: AccountInput!) {
  createAccount(input: $input) { account { id name domain tier } userErrors { field code } }
}
"""

SET_ROLES = """
mutation($input: SetMemberRolesInput!) {
  setMemberRoles(input: $input) { member { roles } userErrors { field code } }
}
"""


async def test_invalid_input_returns_user_errors_and_changes_nothing(app, client, session):
    account = await create_account(session)
    member = await create_member(session, account, name="Kim", title="Engineer")
    await session.commit()
    body = await gql(
        client,
        UPDATE_PROFILE,
        {"input": {"title": "CTO", "timezone": "Nowhere/Else", "name": ""}},
        token=bearer(app, member),
    )
    payload = body["data"]["updateProfile"]
    assert "errors" not in body
    assert payload["member"] is None
    assert {(tuple(e["field"]), e["code"]) for e in payload["userErrors"]} == {
        (("input", "timezone"), "INVALID_VALUE"),
        (("input", "name"), "INVALID_VALUE"),
    }
    await session.refresh(member)
    assert (member.name, member.title, member.timezone) == ("Kim", "Engineer", None)


async def test_valid_input_is_committed_and_returned(app, client, session):
    account = await create_account(session)
    member = await create_member(session, account)
    await session.commit()
    body = await gql(
        client,
        UPDATE_PROFILE,
        {"input": {"title": "CTO", "timezone": "Asia/Tokyo"}},
        token=bearer(app, member),
    )
    assert body["data"]["updateProfile"] == {
        "member": {"name": member.name, "title": "CTO", "timezone": "Asia/Tokyo"},
        "userErrors": [],
    }
    await session.refresh(member)
    assert member.title == "CTO"


async def test_mutation_without_credentials_is_unauthenticated(client):
    body = await gql(client, CREATE_ACCOUNT, {"input": {"name": "X"}})
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert body["data"] is None


async def test_mutation_without_permission_is_forbidden_and_writes_nothing(app, client, session):
    account = await create_account(session)
    member = await create_member(session, account)
    await session.commit()
    body = await gql(
        client, CREATE_ACCOUNT, {"input": {"name": "Sneaky Co"}}, token=bearer(app, member)
    )
    assert error_codes(body) == ["FORBIDDEN"]
    assert await session.scalar(select(Account).where(Account.name == "Sneaky Co")) is None


async def test_one_failing_mutation_does_not_undo_or_leak_into_another(app, client, session):
    # given an admin and a customer
    vendor = await create_vendor(session)
    admin = await create_member(session, vendor, {Role.ADMIN})
    account = await create_account(session)
    customer = await create_member(session, account)
    await session.commit()
    # when one request holds a valid and an invalid mutation
    body = await gql(
        client,
        """
      mutation($ok: SetMemberRolesInput!, $bad: SetMemberRolesInput!) {
        ok: setMemberRoles(input: $ok) { member { roles } userErrors { code } }
        bad: setMemberRoles(input: $bad) { member { roles } userErrors { code } }
      }""",
        {
            "ok": {"memberId": global_id("Member", customer.id), "roles": ["MODERATOR"]},
            "bad": {"memberId": global_id("Member", customer.id), "roles": ["ADMIN"]},
        },
        token=bearer(app, admin),
    )
    # then the valid one is kept, the invalid one changed nothing
    assert body["data"]["ok"] == {"member": {"roles": ["MEMBER", "MODERATOR"]}, "userErrors": []}
    assert body["data"]["bad"] == {
        "member": None,
        "userErrors": [{"code": "STAFF_ROLE_FOR_CUSTOMER"}],
    }
    roles = (await session.scalars(select(Member).where(Member.id == customer.id))).one()
    await session.refresh(roles, ["role_rows"])
    assert roles.roles == {Role.MEMBER, Role.MODERATOR}


async def test_wrong_kind_of_global_id_is_not_found(app, client, session):
    vendor = await create_vendor(session)
    admin = await create_member(session, vendor, {Role.ADMIN})
    await session.commit()
    body = await gql(
        client,
        SET_ROLES,
        {"input": {"memberId": global_id("Account", vendor.id), "roles": []}},
        token=bearer(app, admin),
    )
    assert body["data"]["setMemberRoles"]["userErrors"] == [
        {"field": ["input", "memberId"], "code": "NOT_FOUND"}
    ]


async def test_admin_creates_account_and_csm_owner_then_manages_it(app, client, session):
    vendor = await create_vendor(session)
    admin = await create_member(session, vendor, {Role.ADMIN})
    csm = await create_member(session, vendor, {Role.CSM})
    await session.commit()
    created = await gql(
        client,
        CREATE_ACCOUNT,
        {
            "input": {
                "name": "Globex",
                "domain": "Globex.example",
                "tier": "HIGH_TOUCH",
                "ownerCsmId": global_id("Member", csm.id),
            }
        },
        token=bearer(app, admin),
    )
    account = created["data"]["createAccount"]["account"]
    assert account["domain"] == "globex.example" and account["tier"] == "HIGH_TOUCH"
    duplicate = await gql(
        client,
        CREATE_ACCOUNT,
        {"input": {"name": "Globex 2", "domain": "globex.example"}},
        token=bearer(app, admin),
    )
    assert duplicate["data"]["createAccount"]["userErrors"] == [
        {"field": ["input", "domain"], "code": "DOMAIN_TAKEN"}
    ]
    updated = await gql(
        client,
        """
      mutation($input: UpdateAccountInput!) { updateAccount(input: $input) { account { region } userErrors { code } } }
    """,
        {"input": {"accountId": account["id"], "region": "APAC"}},
        token=bearer(app, csm),
    )
    assert updated["data"]["updateAccount"] == {"account": {"region": "APAC"}, "userErrors": []}
