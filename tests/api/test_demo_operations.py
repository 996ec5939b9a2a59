"""Every example query of the frontend contract runs against the demo community and shows data."""

from pathlib import Path

import pytest
from graphql import OperationDefinitionNode, OperationType, parse
from sqlalchemy import select

from api.demo import ADMIN_EMAIL, MODERATOR_EMAIL, load_demo
from domain.community.models import Thread, ThreadKind
from domain.identity.repository import member_by_email
from tests.support.graphql import bearer
from tests.support.ids import global_id

OPERATIONS = Path(__file__).parents[2] / "frontend-contract" / "operations"


def example_queries() -> list[tuple[str, str]]:
    found = []
    for path in sorted(OPERATIONS.glob("*.graphql")):
        text = path.read_text()
        for definition in parse(text).definitions:
            if (
                isinstance(definition, OperationDefinitionNode)
                and definition.operation is OperationType.QUERY
            ):
                found.append((path.name, definition.name.value))
    return found


@pytest.mark.parametrize("who", [ADMIN_EMAIL, MODERATOR_EMAIL])
async def test_every_example_query_shows_something_on_the_demo(app, client, session, who):
    # given the demo community
    await load_demo(session)
    await session.commit()
    await app.state.dispatcher.drain()  # notifications
    viewer = await member_by_email(session, who)
    casey = await member_by_email(session, MODERATOR_EMAIL)
    question = await session.scalar(
        select(Thread).where(
            Thread.kind == ThreadKind.QUESTION, Thread.accepted_post_id.is_not(None)
        )
    )
    variables = {
        "id": global_id("Thread", question.id),
        "slug": "product-help",
        "memberId": global_id("Member", casey.id),
    }
    queries = example_queries()
    assert len(queries) >= 8
    for file_name, operation in queries:
        text = (OPERATIONS / file_name).read_text()
        if operation == "MemberProfile":
            run_variables = {"id": global_id("Member", viewer.id)}
        else:
            run_variables = variables
        response = await client.post(
            "/graphql",
            json={"query": text, "operationName": operation, "variables": run_variables},
            headers={"Authorization": f"Bearer {bearer(app, viewer)}"},
        )
        body = response.json()
        # then: no errors, and every top-level field has content
        assert "errors" not in body, (file_name, operation, body.get("errors"))
        for field, value in body["data"].items():
            assert value not in (None, [], {}), (file_name, operation, field)
            if isinstance(value, dict) and "edges" in value:
                assert value["edges"], (file_name, operation, field)
