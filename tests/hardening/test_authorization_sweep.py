"""Authorization sweep generated from the schema, on the demo community.

- `node`/`nodes`: for every Node type and every role, the objects shown are exactly those the
  type's policy in `domain/` lets the caller read (fuzz_policies.NODE_ORACLES); other tenants'
  objects, unknown ids and forged ids come back null with at most a NOT_FOUND/FORBIDDEN/
  BAD_USER_INPUT code, never another type's object.
- Every root query and mutation, called by every role with arguments that point at objects
  restricted to one account (Acme), to a confidential program or to staff: allowed or denied
  exactly as sweep_expectations.EXPECTED says. A new root field without an entry fails.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.shared.models import utcnow
from tests.hardening.fuzz_policies import NODE_MODELS, NODE_ORACLES, all_ids
from tests.hardening.fuzz_support import (
    Role,
    World,
    global_id,
    malformed_ids,
    node_type_names,
    open_world,
    served_schema,
)
from tests.hardening.sweep_calls import Outcome, build_call, classify, pick_targets
from tests.hardening.sweep_expectations import EXPECTED, OVERRIDES

SCHEMA = served_schema()
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on Node { id } } }"
NODE = "query($id: ID!) { node(id: $id) { __typename ... on Node { id } } }"
HIDDEN_CODES = {"NOT_FOUND", "FORBIDDEN", "BAD_USER_INPUT"}


@pytest.fixture(scope="module")
async def world(engine: AsyncEngine, database_url: str, keys_dir: Path) -> AsyncIterator[World]:
    async with open_world(engine, database_url, keys_dir) as world:
        yield world


def _codes(body: dict) -> set[str]:  # type: ignore[type-arg]
    return {(e.get("extensions") or {}).get("code") for e in body.get("errors") or []}


def test_every_node_type_has_a_policy_oracle():
    assert set(node_type_names(SCHEMA)) == set(NODE_ORACLES) == set(NODE_MODELS)


@pytest.mark.parametrize("role", list(Role))
async def test_nodes_show_exactly_what_the_policies_allow(world: World, role: Role):
    mismatches, populated = [], 0
    async with world.sessions() as session:
        for type_name in world.type_names:
            every = sorted(await all_ids(session, type_name))[:99]
            populated += bool(every)
            unknown = (every[-1] if every else 0) + 1000
            expected: set[int] = set()
            if role is not Role.ANONYMOUS:
                readable = await NODE_ORACLES[type_name](session, world.actors[role], utcnow())
                expected = readable & set(every)
            ids = [global_id(type_name, i) for i in [*every, unknown]]
            # when
            body = await world.ask(role, NODES, {"ids": ids})
            # then
            shown = body["data"]["nodes"] if body.get("data") else [None] * len(ids)
            for asked, node in zip(ids, shown, strict=True):
                assert node is None or node == {"__typename": type_name, "id": asked}, node
            got = {i for i, node in zip([*every, unknown], shown, strict=True) if node}
            if role is Role.ANONYMOUS:
                assert _codes(body) <= {"UNAUTHENTICATED"}, body
            else:
                assert _codes(body) <= HIDDEN_CODES, (type_name, body)
            if got != expected:
                mismatches.append((type_name, sorted(got - expected), sorted(expected - got)))
    # (type, shown though the policy hides them, hidden though the policy shows them)
    assert not mismatches, mismatches
    assert populated >= 25  # the demo has objects of nearly every type


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.OTHER_CUSTOMER, Role.MODERATOR])
async def test_node_of_another_tenant_is_null_and_not_found(world: World, role: Role):
    checked = 0
    async with world.sessions() as session:
        for type_name in world.type_names:
            readable = await NODE_ORACLES[type_name](session, world.actors[role], utcnow())
            foreign = sorted(await all_ids(session, type_name) - readable)[:3]
            for raw_id in foreign:
                body = await world.ask(role, NODE, {"id": global_id(type_name, raw_id)})
                assert body["data"] == {"node": None}, (type_name, raw_id, body)
                assert _codes(body) <= HIDDEN_CODES, body
                checked += 1
    assert checked > 20  # the demo has plenty that a customer may not see


@pytest.mark.parametrize("role", [Role.ANONYMOUS, Role.OTHER_CUSTOMER, Role.ADMIN])
async def test_forged_and_malformed_ids_never_resolve(world: World, role: Role):
    forged = malformed_ids(world.type_names)
    for bad in forged:
        body = await world.ask(role, NODE, {"id": bad})
        assert (body.get("data") or {}).get("node") is None, (bad, body)
        assert _codes(body) <= HIDDEN_CODES | {"UNAUTHENTICATED"}, (bad, body)
    body = await world.ask(role, NODES, {"ids": forged[:100]})
    assert all(n is None for n in (body.get("data") or {}).get("nodes") or []), body


def test_every_root_field_has_an_expectation():
    fields = {name for root in (SCHEMA.query_type, SCHEMA.mutation_type) for name in root.fields}  # type: ignore[union-attr]
    missing, stale = sorted(fields - set(EXPECTED)), sorted(set(EXPECTED) - fields)
    assert not missing, f"add these root fields to sweep_expectations.EXPECTED: {missing}"
    assert not stale, f"these are no longer root fields: {stale}"


ROOT_FIELDS = [
    (operation, name)
    for operation, root in (("query", SCHEMA.query_type), ("mutation", SCHEMA.mutation_type))
    for name in root.fields  # type: ignore[union-attr]
]


@pytest.fixture(scope="module")
async def targets(world: World) -> dict[str, str]:
    return await pick_targets(world)


@pytest.mark.parametrize(("operation", "name"), ROOT_FIELDS, ids=[n for _, n in ROOT_FIELDS])
async def test_root_field_allows_and_denies_as_the_policies_say(
    world: World, targets: dict[str, str], operation: str, name: str
):
    expectation = EXPECTED.get(name)
    assert expectation is not None, f"{name} has no entry in sweep_expectations.EXPECTED"
    call = build_call(SCHEMA, operation, name, targets, OVERRIDES.get(name))
    wrong = {}
    for role in Role:
        body = await world.ask(role, call.document, call.variables)
        outcome = classify(body, name, call.aimed)
        allowed = outcome is Outcome.ALLOWED
        if allowed != (role in expectation.allowed):
            wrong[role.value] = (outcome.value, body.get("errors") or body.get("data"))
    assert not wrong, (call.document, call.variables, wrong)
