"""Personal data export (GDPR Art. 15/20) through GraphQL over HTTP, and the registry that makes
every context declare what it holds about a member. Erasure: test_erasure.py."""

from typing import Any

import pytest

import domain.models  # noqa: F401  (every table in the metadata)
from domain.personal_data import CONTEXTS
from domain.shared.audit import AuditEntry
from domain.shared.models import Base
from domain.shared.personal_data import table
from tests.identity.privacy_world import PrivacyWorld, build_privacy_world, row_count
from tests.support.graphql import error_codes, gql
from tests.support.ids import global_id

EXPORT = "query($id: ID) { personalDataExport(memberId: $id) }"


@pytest.fixture
async def world(app, client, session) -> PrivacyWorld:
    return await build_privacy_world(app, client, session)


async def _export(world: PrivacyWorld, who: str, member: str | None = None) -> dict[str, Any]:
    variables = {"id": global_id("Member", world.member_id(member))} if member else {}
    data = await world.call(who, EXPORT, variables)
    return dict(data["personalDataExport"])


def test_every_foreign_key_to_members_is_declared_by_exactly_one_context():
    pointing_at_members = {
        (t.name, fk.parent.name)
        for t in Base.metadata.tables.values()
        for fk in t.foreign_keys
        if fk.column.table.name == "members"
    }
    declared: dict[tuple[str, str], list[str]] = {}
    for context in CONTEXTS:
        for pair in context.covered():
            declared.setdefault(pair, []).append(context.context)
    undeclared = sorted(pointing_at_members - set(declared))
    assert undeclared == [], (
        f"tables point at members but no domain/<context>/personal_data.py declares them: "
        f"{undeclared}; export and erase them (or list them as actor columns)"
    )
    twice = {pair: names for pair, names in declared.items() if len(names) > 1}
    assert twice == {}
    # and every declaration names a real column (a renamed one would export nothing)
    for table_name, column in declared:
        assert column in table(table_name).columns, f"{table_name}.{column} does not exist"
    assert ("members", "id") in declared  # the profile itself


async def test_a_member_exports_their_data_from_every_context(world, session):
    # when
    document = await _export(world, "casey")
    # then
    casey = world.people["casey"]
    assert document["format"] == "bondfire.personal-data/1"
    assert document["memberId"] == casey.id and document["erasedAt"] is None
    parts = document["contexts"]
    assert set(parts) == {c.context for c in CONTEXTS}
    identity = parts["identity"]
    assert identity["profile"][0]["name"] == "Casey Quillfeather"
    assert identity["profile"][0]["email"] == casey.email
    assert [t["name"] for t in identity["apiTokens"]] == ["CI export"]
    assert "secret_hash" not in identity["apiTokens"][0]  # never the secret, not even hashed
    assert world.ids["api_token_secret"] not in str(document)
    assert [i["issuer"] for i in identity["externalIdentities"]] == ["https://idp.example"]
    community = parts["community"]
    # her thread and reply, and the opening post of her idea's discussion thread
    assert [p["body_markdown"] for p in community["posts"]] == [
        "Quillfeather here.",
        "Thanks, that worked.",
        "Discussion of the idea “Faster backfills”.",
    ]
    assert [t["title"] for t in community["threads"]] == ["Backfill stalls", "Faster backfills"]
    assert [r["kind"] for r in community["reactions"]] == ["INSIGHTFUL"]
    assert len(community["mentionsOfMember"]) == 1  # gil's @casey
    assert [p["kind"] for p in community["notificationPreferences"]] == ["MENTION"]
    feedback = parts["feedback"]
    assert [i["title"] for i in feedback["ideas"]] == ["Faster backfills"]
    assert [v["importance"] for v in feedback["votes"]] == ["MUST_HAVE"]
    assert feedback["surveyResponses"][0]["comment"] == "Casey loves the warehouse"
    programs = parts["programs"]
    assert programs["applications"][0]["answers"] == [
        {"question": "Why?", "answer": "We run 40 pipelines"}
    ]
    assert [e["status"] for e in programs["enrolments"]] == ["ACTIVE"]
    advocacy = parts["advocacy"]
    assert advocacy["advocateProfile"][0]["notes"] == "Great storyteller"
    assert [c["activity"] for c in advocacy["consents"]] == ["TESTIMONIAL"]
    assert [t["text"] for t in advocacy["testimonials"]] == ["Bondfire halved our backfill time."]
    assert sum(e["points"] for e in advocacy["ledger"]) == 35
    assert advocacy["points"][0]["spendable"] == 35
    matching = parts["matching"]
    assert matching["buddyProfile"][0]["role"] == "MENTOR"
    assert [p["status"] for p in matching["pairs"]] == ["ACTIVE"]
    insights = parts["insights"]
    assert [t["touch_type"] for t in insights["advocacyTouches"]] == ["REFERENCE_CALL"]
    # an own export is not a privileged act: nothing in the audit log
    assert await row_count(session, AuditEntry, AuditEntry.action.startswith("member.export")) == 0


async def test_the_export_leaves_out_other_peoples_data(world):
    document = await _export(world, "casey")
    text = str(document)
    # gil's reply mentions casey, but it is gil's post: not in casey's export
    assert "Restart the @casey pipeline" not in text
    # gil's vote on casey's idea is gil's: only casey's own vote is listed
    assert len(document["contexts"]["feedback"]["votes"]) == 1


async def test_an_admin_exports_anyones_data_and_it_is_audited(world, session):
    document = await _export(world, "admin", "casey")
    assert document["memberId"] == world.member_id("casey")
    assert document["contexts"]["identity"]["profile"][0]["name"] == "Casey Quillfeather"
    entries = list(
        await session.scalars(
            AuditEntry.__table__.select().where(AuditEntry.action == "member.export_personal_data")
        )
    )
    assert len(entries) == 1
    log = await world.call(
        "admin",
        'query { auditLog(filters: {action: "member.export_personal_data"}) '
        "{ edges { node { targetId actor { name } } } } }",
    )
    [edge] = log["auditLog"]["edges"]
    assert edge["node"] == {
        "targetId": global_id("Member", world.member_id("casey")),
        "actor": {"name": "Ada Admin"},
    }


async def test_another_member_cannot_export_someone_elses_data(world, client):
    for who in ("gil", "carla", "marketing"):  # a stranger, a colleague, non-admin staff
        body = await gql(
            client,
            EXPORT,
            {"id": global_id("Member", world.member_id("casey"))},
            token=world.token(who),
        )
        assert error_codes(body) == ["FORBIDDEN"], body
        assert body["data"] is None
    unknown = await gql(
        client, EXPORT, {"id": global_id("Member", 999_999)}, token=world.token("admin")
    )
    assert error_codes(unknown) == ["NOT_FOUND"]
    anonymous = await gql(client, EXPORT)
    assert error_codes(anonymous) == ["UNAUTHENTICATED"]
