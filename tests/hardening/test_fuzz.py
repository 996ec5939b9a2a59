"""Schema-driven fuzzing: every root query and mutation, generated inputs, every role.

hypothesis-graphql generates operations from the schema the app serves (root fields are read
from it, not listed by hand) with arguments drawn from the whole input space, and ID arguments
drawn from real global ids of the demo community (every Node type, objects the caller owns and
objects of other tenants), ids of the wrong type and forged ids. Each example is sent over HTTP
through the ASGI app as one of the roles. Whatever the input, the answer must not be a 5xx,
must carry a code on every error, must not be a masked unexpected error, and must not leak
internals (tracebacks, SQL, exception class names).

Budget: BONDFIRE_FUZZ_EXAMPLES examples per root field (3 by default, derandomized, so CI runs
the same bounded sample every time); `BONDFIRE_FUZZ_EXAMPLES=5000 make fuzz` is the long run.
"""

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC
from pathlib import Path
from typing import Any

import graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, queries
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.hardening.fuzz_support import (
    FUZZ_DERANDOMIZE,
    FUZZ_EXAMPLES,
    Role,
    World,
    check_response,
    global_id,
    malformed_ids,
    node_type_names,
    open_world,
    root_fields,
    served_schema,
)
from tests.hardening.sweep_calls import build_call

SCHEMA = served_schema()
ROOT_FIELDS = root_fields(SCHEMA)
RAW_IDS = range(1, 13)  # the demo community has a handful to a few dozen rows of each type


def _string(value: str) -> graphql.StringValueNode:
    return graphql.StringValueNode(value=value)


def raw_values(schema: graphql.GraphQLSchema) -> dict[str, st.SearchStrategy[Any]]:
    """Values per scalar type: mostly plausible, sometimes hostile. IDs are real global ids
    of every Node type (the caller's own objects and other tenants'), or forged ones."""
    real_ids = [global_id(t, n) for t in node_type_names(schema) for n in RAW_IDS]
    return {
        "ID": st.one_of(
            st.sampled_from(real_ids),
            st.sampled_from(malformed_ids(node_type_names(schema))),
            st.text(max_size=12),
        ),
        "DateTime": st.one_of(
            st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()),
            st.sampled_from(["2026-13-45T00:00:00Z", "yesterday", "", "9999-12-31T23:59:59Z"]),
        ),
        "Date": st.one_of(
            st.dates().map(lambda d: d.isoformat()),
            st.sampled_from(["2026-02-30", "0000-01-01", "soon", ""]),
        ),
        "Decimal": st.one_of(
            st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
            st.sampled_from(["NaN", "Infinity", "-1", "1e400", "0.0000001", "abc", "", "1,5"]),
        ),
        "String": st.text(max_size=60),
        "Int": st.integers(-(2**31), 2**31 - 1),
        "Float": st.floats(allow_nan=False, allow_infinity=False),
        "Boolean": st.booleans(),
        "JSON": st.one_of(st.text(max_size=20), st.integers(-(2**31), 2**31 - 1), st.just({})),
    }


def scalar_strategies(schema: graphql.GraphQLSchema) -> dict[str, st.SearchStrategy]:  # type: ignore[type-arg]
    """The same values as literals, for hypothesis-graphql (ID and the custom scalars)."""
    raw = raw_values(schema)
    json_values = st.one_of(
        st.text(max_size=20).map(_string),
        st.integers(-(2**31), 2**31 - 1).map(lambda i: graphql.IntValueNode(value=str(i))),
        st.just(graphql.ObjectValueNode(fields=())),
    )
    return {name: raw[name].map(_string) for name in ("ID", "DateTime", "Date", "Decimal")} | {
        "JSON": json_values
    }


RAW = raw_values(SCHEMA)
TARGET_NAMES = [
    *node_type_names(SCHEMA),
    *("CsmMember", "ProductMember", "ApiToken", "BoardSeat", "FatigueRule"),
]
SCALARS = scalar_strategies(SCHEMA)


@pytest.fixture(scope="module")
async def world(engine: AsyncEngine, database_url: str, keys_dir: Path) -> AsyncIterator[World]:
    async with open_world(engine, database_url, keys_dir) as world:
        yield world


def operations(operation: str, name: str) -> st.SearchStrategy[str]:
    generate = queries if operation == "query" else mutations
    return generate(SCHEMA, fields=[name], custom_scalars=SCALARS, allow_x00=False)


@pytest.mark.parametrize(("operation", "name"), ROOT_FIELDS, ids=[n for _, n in ROOT_FIELDS])
async def test_no_generated_operation_breaks_the_api(world: World, operation: str, name: str):
    loop = asyncio.get_running_loop()
    sent: list[str] = []

    # Hypothesis drives examples synchronously; it runs in a worker thread and hands each
    # request to this test's event loop, which owns the database connection.
    @settings(
        max_examples=FUZZ_EXAMPLES,
        derandomize=FUZZ_DERANDOMIZE,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(role=st.sampled_from(list(Role)), query=operations(operation, name))
    def example(role: Role, query: str) -> None:
        response = asyncio.run_coroutine_threadsafe(world.send(role, query), loop).result()
        sent.append(query)
        problems = check_response(response)
        assert not problems, f"{problems}\nas {role}:\n{query}\n{response.text[:1500]}"

    started = time.monotonic()
    await asyncio.to_thread(example)
    assert sent, "no example was generated"
    if FUZZ_EXAMPLES > 100:  # the long run says what it did
        print(f"{name}: {len(sent)} operations in {time.monotonic() - started:.1f}s")


@pytest.mark.parametrize(("operation", "name"), ROOT_FIELDS, ids=[n for _, n in ROOT_FIELDS])
async def test_no_generated_variables_break_the_api(world: World, operation: str, name: str):
    """The same, with values sent as variables (the path where scalars parse a variable's
    value; inline literals are checked during validation instead)."""
    loop = asyncio.get_running_loop()

    @settings(
        max_examples=max(1, FUZZ_EXAMPLES // 3),
        derandomize=FUZZ_DERANDOMIZE,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(role=st.sampled_from(list(Role)), values=st.fixed_dictionaries(RAW))
    def example(role: Role, values: dict[str, Any]) -> None:
        targets = {t: values["ID"] for t in TARGET_NAMES} | {"slug": values["String"]}
        scalars = {k: v for k, v in values.items() if k != "ID"}
        call = build_call(SCHEMA, operation, name, targets, scalars=scalars)
        response = asyncio.run_coroutine_threadsafe(
            world.send(role, call.document, call.variables), loop
        ).result()
        problems = check_response(response)
        assert not problems, f"{problems}\nas {role}: {call}\n{response.text[:1500]}"

    await asyncio.to_thread(example)


def test_every_root_field_is_fuzzed():
    # given the schema the app serves, then both kinds of root field are covered
    assert {o for o, _ in ROOT_FIELDS} == {"query", "mutation"}
    assert ("query", "node") in ROOT_FIELDS and len(ROOT_FIELDS) > 150
    print(f"fuzz budget: {FUZZ_EXAMPLES} examples x {len(ROOT_FIELDS)} root fields")
