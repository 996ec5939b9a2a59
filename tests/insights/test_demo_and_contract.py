"""The demo has non-trivial insights, and the staff-only example reads (kept as comments in
frontend-contract/operations/insights-*.graphql, since customers get FORBIDDEN) validate and
return data for the demo's admin."""

import re
from decimal import Decimal
from pathlib import Path

from graphql import parse, validate
from sqlalchemy import select

from api.demo import ADMIN_EMAIL, MODERATOR_EMAIL, load_demo
from api.graphql.schema import build_schema
from api.settings import Settings
from domain.identity.repository import member_by_email
from domain.insights.models import AdvocacyTouch, TouchSource, TouchType
from tests.support.graphql import bearer
from tests.support.ids import global_id

OPERATIONS = Path(__file__).parents[2] / "frontend-contract" / "operations"


def commented_operations() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(OPERATIONS.glob("insights-*.graphql")):
        text = "\n".join(
            line[4:] for line in path.read_text().splitlines() if line.startswith("#   ")
        )
        for match in re.finditer(r"query (\w+)", text):
            found[match.group(1)] = text
    return found


def test_the_commented_staff_reads_validate_against_the_schema():
    schema = build_schema(Settings(_env_file=None))._schema  # type: ignore[call-arg]
    operations = commented_operations()
    assert {"AccountInsights", "InsightsOverview", "InsightsByActivityType", "AccountsCsv"} <= set(
        operations
    )
    for text in set(operations.values()):
        assert validate(schema, parse(text)) == []


async def test_the_demo_has_insights_for_staff(app, client, session):
    await load_demo(session)
    await session.commit()
    await app.state.dispatcher.drain()
    admin = await member_by_email(session, ADMIN_EMAIL)
    casey = await member_by_email(session, MODERATOR_EMAIL)
    token = bearer(app, admin)
    for name, text in commented_operations().items():
        variables = (
            {"accountId": global_id("Account", casey.account_id)}
            if name == "AccountInsights"
            else {}
        )
        response = await client.post(
            "/graphql",
            json={"query": text, "operationName": name, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
        body = response.json()
        assert "errors" not in body, (name, body["errors"])
        for value in body["data"].values():
            assert value not in (None, [], {}), name
        if name == "AccountInsights":
            acme = body["data"]["accountInsights"]
            assert Decimal(acme["contractualClv"]["amount"]) > 0
            assert acme["bondingScore"] > 0 and acme["touches"]
            assert Decimal(acme["sourcedRevenue"]["amount"]) == Decimal(
                "112000.00"
            )  # OPP-2001 + OPP-2002
            assert any(Decimal(c["amount"]["amount"]) > 0 for c in acme["influencedRevenue"])
        if name == "InsightsOverview":
            # the advocacy demo's completed reference on OPP-1042 became a touch on the deal
            touches = await session.scalars(
                select(AdvocacyTouch).where(AdvocacyTouch.source == TouchSource.REFERENCE_REQUEST)
            )
            assert [t.touch_type for t in touches] == [TouchType.REFERENCE_CALL]
            assert {f["model"] for f in body["data"]["insightsOverview"]["fits"]} == {
                "SBG",
                "BGNBD",
                "GAMMA_GAMMA",
            }
