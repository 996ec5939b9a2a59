"""Breaking-change guard: the live schema against the last released contract.

`frontend-contract/schema.baseline.graphql` is the contract as last released. Every breaking
change graphql-core's `find_breaking_changes` finds between it and the live schema must be
recorded in `frontend-contract/CHANGELOG.md` on a line marked **breaking** that contains the
change's description, e.g.

    - **breaking** `Field Query.legacyFeed was removed.` (use `whatsNew`)

On a release, copy `schema.graphql` over `schema.baseline.graphql` (README, Operations).
"""

from pathlib import Path

from graphql import GraphQLSchema, build_schema, find_breaking_changes

from api.graphql.schema import build_schema as build_live_schema
from api.settings import Settings

CONTRACT = Path(__file__).parents[2] / "frontend-contract"


def unrecorded_breaking_changes(
    baseline: GraphQLSchema, live: GraphQLSchema, changelog: str
) -> list[str]:
    recorded = [line for line in changelog.splitlines() if "**breaking**" in line]
    return [
        change.description
        for change in find_breaking_changes(baseline, live)
        if not any(change.description in line for line in recorded)
    ]


def test_breaking_changes_since_the_released_contract_are_recorded():
    baseline = build_schema((CONTRACT / "schema.baseline.graphql").read_text())
    live = build_live_schema(Settings(_env_file=None))._schema  # type: ignore[call-arg]
    unrecorded = unrecorded_breaking_changes(
        baseline, live, (CONTRACT / "CHANGELOG.md").read_text()
    )
    assert unrecorded == [], (
        "breaking changes against frontend-contract/schema.baseline.graphql; record each in "
        "frontend-contract/CHANGELOG.md as `- **breaking** <description>` or undo it:\n"
        + "\n".join(unrecorded)
    )


BASE = """
type Query { viewer: Member, members(first: Int): [Member!]! }
type Member { id: ID!, name: String!, title: String }
"""


def test_the_guard_catches_a_removed_field_and_a_changed_type_until_recorded():
    baseline = build_schema(BASE)
    # additions are not breaking
    added = build_schema(BASE.replace("title: String", "title: String, bio: String"))
    assert unrecorded_breaking_changes(baseline, added, "") == []
    # a removed field and a narrowed argument are, until the changelog records them
    broken = build_schema(
        BASE.replace(", title: String", "").replace("members(first: Int)", "members(first: Int!)")
    )
    found = unrecorded_breaking_changes(baseline, broken, "")
    assert sorted(found) == [
        "Argument Query.members(first:) has changed type from Int to Int!.",
        "Field Member.title was removed.",
    ]
    changelog = "## next\n- **breaking** Field Member.title was removed.\n- Field Member.title was removed.\n"
    assert unrecorded_breaking_changes(baseline, broken, changelog) == [
        "Argument Query.members(first:) has changed type from Int to Int!."
    ]
