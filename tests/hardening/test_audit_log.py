"""`auditLog`: privileged actions, queryable by staff admins only, with filters and paging."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.identity.models import Role
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.graphql import bearer, error_codes, gql
from tests.support.ids import global_id

CREATE_ACCOUNT = """
mutation($name: String) { createAccount(input: {name: $name}) { account { id } userErrors { code } } }
"""
AUDIT_LOG = """
query($first: Int, $after: String, $filters: AuditLogFilters) {
  auditLog(first: $first, after: $after, filters: $filters) {
    edges { cursor node { action targetType targetId reason details createdAt actor { id name } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@pytest.fixture
async def people(session):
    vendor = await create_vendor(session)
    customer = await create_account(session)
    people = {
        "admin": await create_member(session, vendor, {Role.ADMIN}, name="Ada Admin"),
        "csm": await create_member(session, vendor, {Role.CSM}, name="Cal CSM"),
        "moderator": await create_member(session, customer, {Role.MODERATOR}, name="Mo"),
        "member": await create_member(session, customer, name="Mem"),
    }
    await session.commit()
    return people


async def test_admins_read_every_privileged_action_with_filters_and_pages(app, client, people):
    # given accounts created by an admin and by a CSM (both audited)
    made = {}
    for who, name in (("admin", "Alpha"), ("csm", "Beta"), ("admin", "Gamma")):
        body = await gql(client, CREATE_ACCOUNT, {"name": name}, token=bearer(app, people[who]))
        made[name] = body["data"]["createAccount"]["account"]["id"]
    admin = bearer(app, people["admin"])

    # when the admin reads the log: newest first, with the actor and the target
    log = (await gql(client, AUDIT_LOG, {"first": 10}, token=admin))["data"]["auditLog"]
    nodes = [e["node"] for e in log["edges"]]
    assert [(n["action"], n["targetId"], n["actor"]["name"]) for n in nodes] == [
        ("account.create", made["Gamma"], "Ada Admin"),
        ("account.create", made["Beta"], "Cal CSM"),
        ("account.create", made["Alpha"], "Ada Admin"),
    ]
    assert all(n["targetType"] == "Account" for n in nodes)

    async def actions(filters, first=10):
        body = await gql(client, AUDIT_LOG, {"first": first, "filters": filters}, token=admin)
        assert "errors" not in body, body
        return [e["node"]["targetId"] for e in body["data"]["auditLog"]["edges"]]

    # then every filter narrows it
    csm_id = global_id("Member", people["csm"].id)
    assert await actions({"actorId": csm_id}) == [made["Beta"]]
    assert await actions({"action": "account.create"}) == [
        made["Gamma"],
        made["Beta"],
        made["Alpha"],
    ]
    assert await actions({"action": "account."}) == [made["Gamma"], made["Beta"], made["Alpha"]]
    assert await actions({"action": "member."}) == []
    assert await actions({"targetType": "Member"}) == []
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert await actions({"since": future}) == []
    assert len(await actions({"since": past, "targetType": "Account"})) == 3
    # and pages follow cursors
    first = (await gql(client, AUDIT_LOG, {"first": 2}, token=admin))["data"]["auditLog"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = await gql(
        client, AUDIT_LOG, {"first": 2, "after": first["pageInfo"]["endCursor"]}, token=admin
    )
    assert [e["node"]["targetId"] for e in rest["data"]["auditLog"]["edges"]] == [made["Alpha"]]


@pytest.mark.parametrize("who", ["csm", "moderator", "member"])
async def test_everyone_but_admins_is_refused(app, client, people, who):
    body = await gql(client, AUDIT_LOG, {"first": 5}, token=bearer(app, people[who]))
    assert error_codes(body) == ["FORBIDDEN"] and body["data"] is None


async def test_anonymous_is_unauthenticated_and_bad_input_is_reported(app, client, people):
    assert error_codes(await gql(client, AUDIT_LOG, {"first": 5})) == ["UNAUTHENTICATED"]
    admin = bearer(app, people["admin"])
    wrong_id = await gql(
        client, AUDIT_LOG, {"filters": {"actorId": global_id("Account", 1)}}, token=admin
    )
    assert error_codes(wrong_id) == ["BAD_USER_INPUT"]
    too_many = await gql(client, AUDIT_LOG, {"first": 101}, token=admin)
    assert error_codes(too_many) == ["BAD_USER_INPUT"]
