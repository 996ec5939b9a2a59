"""Persisted queries: the allow-list from frontend-contract/operations, Apollo's APQ, and off."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from graphql import OperationDefinitionNode, parse

from api.graphql.persisted import build_manifest
from tests.hardening.conftest import client_for
from tests.support.factories import create_account, create_member
from tests.support.graphql import bearer

ROOT = Path(__file__).parents[2]
OPERATIONS = ROOT / "frontend-contract" / "operations"
VIEWER_FILE = (OPERATIONS / "Viewer.graphql").read_text()
JSON = {"Content-Type": "application/json"}
GRAPHQL_RESPONSE = "application/graphql-response+json"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def by_id(digest: str) -> dict:
    return {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}


def manifest_entry(name: str) -> dict:
    (entry,) = [o for o in MANIFEST["operations"] if o["name"] == name]
    return entry


MANIFEST = json.loads(
    subprocess.run(
        [sys.executable, "-m", "api.cli", "schema", "operations-manifest"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
)


@pytest.fixture
async def member(session):
    account = await create_account(session)
    member = await create_member(session, account, name="Casey")
    await session.commit()
    return member


def codes(response):
    return [e["extensions"]["code"] for e in response.json().get("errors") or []]


async def send(client, app, member, payload, accept="application/json"):
    headers = {**JSON, "Accept": accept, "Authorization": f"Bearer {bearer(app, member)}"}
    return await client.post("/graphql", json=payload, headers=headers)


# --- the manifest --------------------------------------------------------------------------


def test_the_manifest_lists_every_operation_of_the_contract_by_its_hash():
    assert MANIFEST["format"] == "apollo-persisted-query-manifest" and MANIFEST["version"] == 1
    names = {
        d.name.value
        for path in OPERATIONS.glob("*.graphql")
        for d in parse(path.read_text()).definitions
        if isinstance(d, OperationDefinitionNode) and d.name
    }
    assert {o["name"] for o in MANIFEST["operations"]} == names
    for operation in MANIFEST["operations"]:
        assert operation["id"] == sha(operation["body"])  # the documented hash rule
        document = parse(operation["body"])  # one operation plus exactly the fragments it uses
        assert sum(isinstance(d, OperationDefinitionNode) for d in document.definitions) == 1
    assert [o.id for o in build_manifest(OPERATIONS)] == [o["id"] for o in MANIFEST["operations"]]


# --- allow-list -----------------------------------------------------------------------------


async def test_allowlist_runs_registered_operations_by_id_or_in_full(make_app, member):
    app = make_app(persisted_queries="allowlist")
    viewer = manifest_entry("Viewer")
    async with client_for(app) as client:
        # by id alone (what a frontend built from the manifest sends)
        response = await send(client, app, member, by_id(viewer["id"]))
        assert response.json()["data"]["viewer"]["name"] == "Casey"
        # the manifest body in full, with its id, and the contract file as written
        for payload in (
            {"query": viewer["body"], **by_id(viewer["id"])},
            {"query": VIEWER_FILE, "operationName": "Viewer"},
            {"query": viewer["body"]},
        ):
            response = await send(client, app, member, payload)
            assert (
                response.status_code == 200 and response.json()["data"]["viewer"]["name"] == "Casey"
            )
        # by GET too (cacheable): id in the extensions parameter
        response = await client.get(
            "/graphql",
            params={"extensions": json.dumps(by_id(viewer["id"])["extensions"])},
            headers={"Authorization": f"Bearer {bearer(app, member)}", "Accept": GRAPHQL_RESPONSE},
        )
        assert response.status_code == 200 and response.json()["data"]["viewer"]["name"] == "Casey"


@pytest.mark.parametrize(
    "payload",
    [
        {"query": "query { viewer { name email } }"},  # not in the contract
        {"query": "{ __schema { types { name } } }"},  # introspection
        {"query": "query Viewer { viewer { id name } }", "operationName": "Viewer"},  # a look-alike
        by_id(sha("query { viewer { name } }")),  # an id that is not listed
    ],
)
async def test_allowlist_refuses_anything_else(make_app, member, payload):
    app = make_app(persisted_queries="allowlist")
    async with client_for(app) as client:
        refused = await send(client, app, member, payload, accept=GRAPHQL_RESPONSE)
        assert refused.status_code == 400
        assert codes(refused) == ["PERSISTED_QUERY_NOT_IN_LIST"] and "data" not in refused.json()
        legacy = await send(client, app, member, payload)
        assert legacy.status_code == 200 and codes(legacy) == ["PERSISTED_QUERY_NOT_IN_LIST"]


async def test_a_hash_that_does_not_match_the_query_is_refused(make_app, member):
    for mode in ("allowlist", "apq"):
        app = make_app(persisted_queries=mode)
        viewer = manifest_entry("Viewer")
        async with client_for(app) as client:
            payload = {"query": "query { viewer { email } }", **by_id(viewer["id"])}
            response = await send(client, app, member, payload)
            assert codes(response) == ["PERSISTED_QUERY_HASH_MISMATCH"]
            assert response.json()["data"] is None


@pytest.mark.parametrize(
    "extension",
    [{"version": 2, "sha256Hash": "0" * 64}, {"version": 1, "sha256Hash": "xyz"}, "yes"],
)
async def test_malformed_persisted_query_extensions_are_refused(make_app, member, extension):
    app = make_app(persisted_queries="apq")
    async with client_for(app) as client:
        response = await send(client, app, member, {"extensions": {"persistedQuery": extension}})
        assert codes(response) == ["PERSISTED_QUERY_INVALID"]


# --- automatic persisted queries ----------------------------------------------------------


async def test_apq_round_trip(make_app, member):
    app = make_app(persisted_queries="apq")
    query = "query Mine { viewer { name } }"
    digest = sha(query)
    async with client_for(app) as client:
        # an unknown id: the client is told to send the query
        first = await send(client, app, member, by_id(digest), accept=GRAPHQL_RESPONSE)
        assert first.status_code == 400 and codes(first) == ["PERSISTED_QUERY_NOT_FOUND"]
        assert first.json()["errors"][0]["message"] == "PersistedQueryNotFound"
        # query and id together: checked, run and kept
        second = await send(client, app, member, {"query": query, **by_id(digest)})
        assert second.json() == {"data": {"viewer": {"name": "Casey"}}}
        # from now on the id alone is enough
        third = await send(client, app, member, by_id(digest))
        assert third.json() == {"data": {"viewer": {"name": "Casey"}}}
        # plain queries still run, and the contract's operations are known from the start
        assert (await send(client, app, member, {"query": "{ viewer { name } }"})).json()["data"]
        listed = await send(client, app, member, by_id(manifest_entry("Viewer")["id"]))
        assert listed.json()["data"]["viewer"]["name"] == "Casey"


async def test_a_mismatched_registration_is_not_kept(make_app, member):
    app = make_app(persisted_queries="apq")
    digest = sha("query { viewer { name } }")
    async with client_for(app) as client:
        await send(client, app, member, {"query": "query { viewer { email } }", **by_id(digest)})
        response = await send(client, app, member, by_id(digest))
        assert codes(response) == ["PERSISTED_QUERY_NOT_FOUND"]


async def test_the_apq_cache_is_bounded(make_app, member):
    app = make_app(persisted_queries="apq", apq_cache_entries=10)
    queries = [f"query Q{i} {{ viewer {{ name }} }}" for i in range(11)]
    async with client_for(app) as client:
        for query in queries:
            response = await send(client, app, member, {"query": query, **by_id(sha(query))})
            assert response.json()["data"]["viewer"]["name"] == "Casey"
        assert len(app.state.persisted_queries.store) == 10
        oldest = await send(client, app, member, by_id(sha(queries[0])))
        newest = await send(client, app, member, by_id(sha(queries[-1])))
    assert codes(oldest) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert newest.json()["data"]["viewer"]["name"] == "Casey"


async def test_apq_in_redis_is_shared_by_every_api_process(make_app, member, redis_url):
    # given two API processes on one Redis
    first, second = make_app(redis_url=redis_url), make_app(redis_url=redis_url)
    query = "query Shared { viewer { name } }"
    async with client_for(first) as one, client_for(second) as other:
        # when one registers a query
        registered = await send(one, first, member, {"query": query, **by_id(sha(query))})
        assert registered.json()["data"]["viewer"]["name"] == "Casey"
        # then the other runs it by id
        response = await send(other, second, member, by_id(sha(query)))
        assert response.json()["data"]["viewer"]["name"] == "Casey"


async def test_apq_with_redis_down_falls_back_to_full_queries(make_app, member):
    app = make_app(redis_url="redis://127.0.0.1:1/0")  # nothing listens on port 1
    query = "query Down { viewer { name } }"
    async with client_for(app) as client:
        missing = await send(client, app, member, by_id(sha(query)))
        assert codes(missing) == ["PERSISTED_QUERY_NOT_FOUND"]
        response = await send(client, app, member, {"query": query, **by_id(sha(query))})
        assert response.json()["data"]["viewer"]["name"] == "Casey"


async def test_persisted_queries_off(make_app, member):
    app = make_app(persisted_queries="off")
    async with client_for(app) as client:
        refused = await send(client, app, member, by_id(manifest_entry("Viewer")["id"]))
        assert codes(refused) == ["PERSISTED_QUERY_NOT_SUPPORTED"]
        plain = await send(client, app, member, {"query": "{ viewer { name } }"})
        assert plain.json() == {"data": {"viewer": {"name": "Casey"}}}
