"""The frontend contract: the committed SDL matches the live schema; every operation validates."""

from pathlib import Path

import pytest
from graphql import parse, validate

from api.graphql.schema import build_schema
from api.settings import Settings

CONTRACT = Path(__file__).parents[2] / "frontend-contract"
OPERATIONS = sorted((CONTRACT / "operations").glob("*.graphql"))


def live_sdl() -> str:
    return build_schema(Settings(_env_file=None)).as_str() + "\n"  # type: ignore[call-arg]


def test_committed_schema_matches_the_live_schema():
    committed = (CONTRACT / "schema.graphql").read_text()
    assert committed == live_sdl(), (
        "frontend-contract/schema.graphql is stale: run `make schema`, review the diff for "
        "breaking changes and note them in frontend-contract/CHANGELOG.md"
    )


def test_there_are_example_operations():
    assert len(OPERATIONS) >= 5


@pytest.mark.parametrize("path", OPERATIONS, ids=[p.name for p in OPERATIONS])
def test_operation_validates_against_the_schema(path: Path):
    schema = build_schema(Settings(_env_file=None))._schema  # type: ignore[call-arg]
    errors = validate(schema, parse(path.read_text()))
    assert errors == [], [e.message for e in errors]
