"""Many votes on one idea at once (and importance changes and unvotes) leave exact counts and
ARR sums.

PostgreSQL: parallel requests through an app with its own connection pool (real concurrent
transactions; the idea's row lock serialises the demand update). SQLite serialises writers
(BEGIN IMMEDIATE): the same requests, in parallel, must queue and still add up.
"""

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select, text

from api.app import create_app
from domain.feedback.models import Idea, IdeaAccountDemand, IdeaVote
from domain.feedback.services.demand import recompute
from domain.identity.models import AccountSegment
from domain.shared.database import create_session_factory
from domain.shared.models import Base
from tests.feedback.world import SUBMIT, VOTE
from tests.support.factories import create_account, create_member
from tests.support.graphql import bearer, error_codes, gql

ACCOUNTS = 20
# SQLite runs writers one at a time; fewer members keep the suite's runtime reasonable.
SQLITE_VOTERS = 1000


@pytest.fixture
async def committed(engine, settings) -> AsyncIterator[tuple[httpx.AsyncClient, object, object]]:
    app = create_app(settings, engine=engine, configure_logs=False)
    factory = create_session_factory(engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bondfire.test") as client:
        try:
            yield client, app, factory
        finally:
            async with engine.begin() as connection:
                if engine.dialect.name == "postgresql":
                    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
                    await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
                else:
                    for table in reversed(Base.metadata.sorted_tables):
                        await connection.execute(delete(table))


# Per member, in order (members run in parallel): 0 votes twice (the second is refused),
# 1 votes NICE_TO_HAVE then raises it to MUST_HAVE, 2 votes then takes it back; the rest vote.
TWICE, RAISE, UNVOTE_AFTER = 0, 1, 2
LEVELS = ("NICE_TO_HAVE", "IMPORTANT", "MUST_HAVE")
CHANGE = """
mutation($i: VoteIdeaInput!) { changeVoteImportance(input: $i) { vote { importance } userErrors { code } } }
"""
UNVOTE = "mutation($i: IdeaRefInput!) { unvoteIdea(input: $i) { userErrors { code } } }"


async def _until_served(
    client: httpx.AsyncClient, query: str, variables: dict[str, object], token: str
) -> dict[str, Any]:
    """As a client does: SQLite answers SERVICE_UNAVAILABLE ("nothing was changed") when a
    writer waited past its busy timeout in the queue; such a request is sent again, and the
    exact sums below show it really changed nothing the first time."""
    for _ in range(20):
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
        result: dict[str, Any] = response.json()
        if error_codes(result) != ["SERVICE_UNAVAILABLE"]:
            assert response.status_code == 200, response.text
            return result
        await asyncio.sleep(0.2)
    raise AssertionError("still busy after 20 attempts")


async def test_parallel_votes_leave_exact_counts_and_arr(committed, engine):
    """1,000 members of 20 accounts vote on one idea at once (PostgreSQL: concurrent
    transactions; SQLite: writers queue), some twice, some changing their importance, some
    taking the vote back, and the 10 members of one more account all take theirs back: the
    counts, each account's demand and the ARR (each remaining account once) come out exact."""
    client, app, factory = committed
    voters = 1000 if engine.dialect.name == "postgresql" else SQLITE_VOTERS
    async with factory() as session:
        accounts = [
            await create_account(
                session, segment=AccountSegment.MID_MARKET, arr=Decimal(f"{1000 * (n + 1)}.10")
            )
            for n in range(ACCOUNTS)
        ]
        leaving = await create_account(session, arr=Decimal("999999.99"))
        members = [await create_member(session, accounts[n % ACCOUNTS]) for n in range(voters)]
        leavers = [await create_member(session, leaving) for _ in range(10)]
        await session.commit()
    body = await gql(
        client,
        SUBMIT,
        {"i": {"title": "Hot idea", "productArea": "Core"}},
        token=bearer(app, members[0]),
    )
    idea_id = body["data"]["submitIdea"]["idea"]["id"]

    async def act(n: int, member: object, role: int) -> list[str]:
        token = bearer(app, member)
        level = "NICE_TO_HAVE" if role == RAISE else LEVELS[n % 3]
        codes = []
        steps = [(VOTE, {"ideaId": idea_id, "importance": level}, "voteIdea")]
        if role == TWICE:
            steps.append((VOTE, {"ideaId": idea_id, "importance": "MUST_HAVE"}, "voteIdea"))
        elif role == RAISE:
            steps.append(
                (CHANGE, {"ideaId": idea_id, "importance": "MUST_HAVE"}, "changeVoteImportance")
            )
        elif role == UNVOTE_AFTER:
            steps.append((UNVOTE, {"ideaId": idea_id}, "unvoteIdea"))
        for query, variables, field in steps:
            result = await _until_served(client, query, {"i": variables}, token)
            assert "errors" not in result, result
            codes += [e["code"] for e in result["data"][field]["userErrors"]]
        return codes

    # every role in every account; the leaving account's members all take their votes back
    roles = [(n // ACCOUNTS) % 10 for n in range(voters)] + [UNVOTE_AFTER] * len(leavers)
    everyone = members + leavers
    results = await asyncio.gather(
        *(act(n, m, role) for n, (m, role) in enumerate(zip(everyone, roles, strict=True)))
    )
    # then only the second votes were refused
    assert sorted(code for codes in results for code in codes) == ["ALREADY_VOTED"] * roles.count(
        TWICE
    )
    staying = [
        (n, m)
        for n, (m, role) in enumerate(zip(everyone, roles, strict=True))
        if role != UNVOTE_AFTER
    ]
    final = {m.id: ("MUST_HAVE" if roles[n] == RAISE else LEVELS[n % 3]) for n, m in staying}
    per_level = [sum(1 for level in final.values() if level == name) for name in LEVELS]
    async with factory() as session:
        idea = await session.scalar(select(Idea).where(Idea.title == "Hot idea"))
        assert idea is not None
        assert idea.voter_count == len(staying)
        assert [idea.nice_to_have_count, idea.important_count, idea.must_have_count] == per_level
        # every account keeps a voter except the leaving one: its ARR is gone, the rest once
        assert idea.account_count == ACCOUNTS
        assert idea.arr_cents == sum(100 * 1000 * (n + 1) + 10 for n in range(ACCOUNTS))
        assert await session.scalar(select(func.count()).where(IdeaVote.idea_id == idea.id)) == len(
            staying
        )
        kept = (
            await session.execute(
                select(
                    IdeaAccountDemand.account_id,
                    IdeaAccountDemand.voter_count,
                    IdeaAccountDemand.max_importance_rank,
                    IdeaAccountDemand.arr_cents,
                )
                .where(IdeaAccountDemand.idea_id == idea.id)
                .order_by(IdeaAccountDemand.account_id)
            )
        ).all()
        assert sum(row.voter_count for row in kept) == len(staying)
        assert leaving.id not in {row.account_id for row in kept}
        # the demand kept one vote at a time equals a rebuild from the votes
        counters = (idea.voter_count, idea.account_count, idea.arr_cents, idea.impact_score)
        await recompute(session, [idea.id])
        rebuilt = (
            await session.execute(
                select(
                    IdeaAccountDemand.account_id,
                    IdeaAccountDemand.voter_count,
                    IdeaAccountDemand.max_importance_rank,
                    IdeaAccountDemand.arr_cents,
                )
                .where(IdeaAccountDemand.idea_id == idea.id)
                .order_by(IdeaAccountDemand.account_id)
            )
        ).all()
        assert rebuilt == kept
        assert (idea.voter_count, idea.account_count, idea.arr_cents, idea.impact_score) == (
            counters
        )
