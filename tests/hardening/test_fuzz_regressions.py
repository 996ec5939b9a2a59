"""What the fuzz found, pinned, for every root field it can happen on.

- Global ids whose node part is out of the primary keys' range (2**31 and beyond, 10**30) or
  made of non-ASCII digits ("²" passes str.isdigit but not int()) reached the database
  (OverflowError on SQLite, out of range on PostgreSQL) or int() and came back as masked
  INTERNAL_SERVER_ERRORs (programEligibility, nodes, memberActivity, ...). They must be "not
  found" like any other unknown id (api/graphql/relay.py: is_row_id).
- Decimal inputs "NaN" and "Infinity" were accepted and crashed the first comparison
  (setPointRule's weight). The Decimal scalar now refuses them (api/graphql/money.py).
- A scalar refusing a variable's value (any bad Decimal, Date or DateTime sent as a variable,
  not inline) came back masked as INTERNAL_SERVER_ERROR; it is BAD_USER_INPUT now
  (api/graphql/errors.py: CLIENT_ERRORS).
"""

import json
from collections.abc import AsyncIterator
from pathlib import Path

import graphql
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from api.graphql.relay import MAX_ROW_ID, is_row_id
from tests.hardening.fuzz_support import (
    Role,
    World,
    check_response,
    global_id,
    node_type_names,
    open_world,
    served_schema,
)
from tests.hardening.sweep_calls import build_call, pick_targets

SCHEMA = served_schema()
NOT_ROW_IDS = [str(MAX_ROW_ID + 1), str(10**30), "²", "1" * 5000]


def _takes(
    type_: graphql.GraphQLInputType, scalar: str, seen: frozenset[str] = frozenset()
) -> bool:
    """Whether an argument of this type holds `scalar` (in the argument itself or any input
    field, however deep)."""
    named = graphql.get_named_type(type_)
    if named.name == scalar:
        return True
    if isinstance(named, graphql.GraphQLInputObjectType) and named.name not in seen:
        return any(_takes(f.type, scalar, seen | {named.name}) for f in named.fields.values())
    return False


ID_FIELDS = [
    (operation, name)
    for operation, root in (("query", SCHEMA.query_type), ("mutation", SCHEMA.mutation_type))
    for name, field in root.fields.items()  # type: ignore[union-attr]
    if any(_takes(arg.type, "ID") for arg in field.args.values())
]


def test_row_ids_are_ascii_digits_in_range():
    assert is_row_id("1") and is_row_id(str(MAX_ROW_ID))
    assert not any(is_row_id(i) for i in [*NOT_ROW_IDS, "", "-1", "1.0", " 1", "0x1"])


@pytest.fixture(scope="module")
async def world(engine: AsyncEngine, database_url: str, keys_dir: Path) -> AsyncIterator[World]:
    async with open_world(engine, database_url, keys_dir) as world:
        yield world


@pytest.mark.parametrize("raw_id", NOT_ROW_IDS[:3], ids=["above-int32", "huge", "superscript"])
async def test_ids_that_cannot_be_rows_are_not_found_everywhere(world: World, raw_id: str):
    assert len(ID_FIELDS) > 60
    broken = {}
    for operation, name in ID_FIELDS:
        # every ID (argument or input field) is this type's id with the impossible node part
        targets = {t: global_id(t, raw_id) for t in node_type_names(SCHEMA)}
        targets |= {"slug": "x", "CsmMember": targets["Member"]}
        targets |= {t: global_id(t, raw_id) for t in ("ApiToken", "BoardSeat", "FatigueRule")}
        call = build_call(SCHEMA, operation, name, targets)
        problems = check_response(await world.send(Role.ADMIN, call.document, call.variables))
        if problems:
            broken[name] = problems
    assert not broken, " ".join(sorted(broken))


BAD_SCALARS = [
    ("Decimal", "NaN"),
    ("Decimal", "Infinity"),
    ("Decimal", "-Infinity"),
    ("Decimal", "sNaN"),
    ("Decimal", "12 apples"),
    ("DateTime", "yesterday"),
    ("Date", "2026-02-30"),
]


@pytest.mark.parametrize(("scalar", "value"), BAD_SCALARS, ids=[v for _, v in BAD_SCALARS])
async def test_scalar_values_a_scalar_refuses_are_bad_user_input(
    world: World, scalar: str, value: str
):
    # given every root field with an input of that scalar, the value passed as a variable
    fields = [
        (operation, name)
        for operation, root in (("query", SCHEMA.query_type), ("mutation", SCHEMA.mutation_type))
        for name, field in root.fields.items()  # type: ignore[union-attr]
        if any(_takes(arg.type, scalar) for arg in field.args.values())
    ]
    targets = await pick_targets(world)
    checked = 0
    for operation, name in fields:
        call = build_call(SCHEMA, operation, name, targets, scalars={scalar: value})
        if value not in json.dumps(call.variables):
            continue  # the scalar sits in an optional input object the builder leaves out
        checked += 1
        # when
        body = await world.ask(Role.ADMIN, call.document, call.variables)
        # then: refused before anything runs, with the client's code
        assert body.get("data") is None, (name, body)
        assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}, body
    assert checked >= 3


async def test_node_with_a_five_thousand_digit_id_is_null(world: World):
    body = await world.ask(
        Role.ADMIN,
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": global_id("Thread", "1" * 5000)},
    )
    assert body["data"] == {"node": None}
