"""A member asks for erasure; it is carried out after the grace period (or by an admin)."""

from datetime import timedelta
from typing import Any

import pytest

from domain.identity import erasure
from domain.identity.models import ErasureRequest, Member, Role
from domain.shared.audit import AuditEntry
from domain.shared.models import utcnow
from tests.identity.privacy_world import PrivacyWorld, row_count
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.graphql import error_codes, gql

REQUEST = """
mutation($input: RequestErasureInput!) {
  requestErasure(input: $input) {
    erasureRequest { id status requestedAt dueAt closedAt member { name } }
    userErrors { field code }
  }
}
"""
CANCEL = """
mutation { cancelErasureRequest {
  erasureRequest { id status closedAt } userErrors { field code }
} }
"""
MINE = "query { myErasureRequest { id status } }"
LIST = "query($s: ErasureStatus!) { erasureRequests(status: $s) { id status member { name } } }"


@pytest.fixture
async def world(app, client, session) -> PrivacyWorld:
    vendor = await create_vendor(session)
    acme = await create_account(session, name="Acme")
    world = PrivacyWorld(app, client)
    world.people = {
        "admin": await create_member(session, vendor, {Role.ADMIN}, name="Ada Admin"),
        "casey": await create_member(session, acme, name="Casey Jones"),
        "carla": await create_member(session, acme, name="Carla Colleague"),
    }
    world.member_ids = {who: m.id for who, m in world.people.items()}
    world.ids["casey_email"] = world.people["casey"].email
    await session.commit()
    return world


async def _request(world: PrivacyWorld, who: str, email: str) -> Any:
    data = await world.call(who, REQUEST, {"input": {"confirmEmail": email}})
    return data["requestErasure"]


async def test_a_member_asks_confirming_with_their_email_and_may_cancel(world, session):
    # a wrong confirmation changes nothing
    wrong = await _request(world, "casey", "someone@else.example")
    assert wrong == {
        "erasureRequest": None,
        "userErrors": [{"field": ["input", "confirmEmail"], "code": "CONFIRMATION_MISMATCH"}],
    }
    assert await row_count(session, ErasureRequest) == 0
    # the right one (any case) records a pending request due after the grace period
    asked = await _request(world, "casey", world.ids["casey_email"].upper())
    request = asked["erasureRequest"]
    assert asked["userErrors"] == [] and request["status"] == "PENDING"
    assert request["member"] == {"name": "Casey Jones"}
    assert request["dueAt"] > request["requestedAt"]
    # asking again returns the same request
    again = await _request(world, "casey", world.ids["casey_email"])
    assert again["erasureRequest"]["id"] == request["id"]
    assert (await world.call("casey", MINE))["myErasureRequest"]["id"] == request["id"]
    assert (await world.call("carla", MINE))["myErasureRequest"] is None
    # the admins see it waiting
    pending = (await world.call("admin", LIST, {"s": "PENDING"}))["erasureRequests"]
    assert [r["id"] for r in pending] == [request["id"]]
    # she takes it back
    cancelled = (await world.call("casey", CANCEL))["cancelErasureRequest"]
    assert cancelled["erasureRequest"]["status"] == "CANCELLED"
    assert (await world.call("casey", MINE))["myErasureRequest"] is None
    nothing = (await world.call("casey", CANCEL))["cancelErasureRequest"]
    assert nothing["userErrors"] == [{"field": None, "code": "NO_ERASURE_REQUEST"}]
    actions = [
        a
        for a in await session.scalars(
            AuditEntry.__table__.select()
            .with_only_columns(AuditEntry.action)
            .where(AuditEntry.action.startswith("member."))
            .order_by(AuditEntry.id)
        )
    ]
    assert actions == ["member.request_erasure", "member.cancel_erasure"]


async def test_a_due_request_is_carried_out_and_an_early_run_does_nothing(
    world, session, session_factory
):
    asked = await _request(world, "casey", world.ids["casey_email"])
    casey_id = world.member_id("casey")
    # when the daily run comes before the grace period is over
    async with session_factory() as worker_session:
        assert await erasure.erase_due(worker_session, utcnow()) == []
        # and when it comes after
        later = utcnow() + erasure.GRACE_PERIOD + timedelta(minutes=1)
        assert await erasure.erase_due(worker_session, later) == [casey_id]
        await worker_session.commit()
    # then
    session.expire_all()
    casey = await session.get(Member, casey_id)
    assert casey is not None and casey.name == "Former member" and casey.erased_at is not None
    done = (await world.call("admin", LIST, {"s": "COMPLETED"}))["erasureRequests"]
    assert [(r["id"], r["status"], r["member"]["name"]) for r in done] == [
        (asked["erasureRequest"]["id"], "COMPLETED", "Former member")
    ]
    assert (await world.call("admin", LIST, {"s": "PENDING"}))["erasureRequests"] == []


async def test_customers_do_not_list_erasure_requests(world, client):
    body = await gql(client, LIST, {"s": "PENDING"}, token=world.token("casey"))
    assert error_codes(body) == ["FORBIDDEN"]


async def test_the_last_admin_cannot_ask_for_erasure(world, session):
    admin_email = world.people["admin"].email
    refused = await _request(world, "admin", admin_email)
    assert refused["userErrors"] == [{"field": None, "code": "LAST_ADMIN"}]
    assert await row_count(session, ErasureRequest) == 0
