"""Invariants under parallel requests: post numbers, counts and rate limits.

The parallel tests need real concurrent transactions, so they run on PostgreSQL against
committed data through an app with its own connection pool, and empty the tables afterwards.
"""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select, text

from api.app import create_app
from domain.community.models import Post, Thread
from domain.identity.models import Role
from domain.shared.database import create_session_factory
from domain.shared.models import Base
from tests.support.community import create_space, create_thread
from tests.support.factories import create_account, create_member
from tests.support.graphql import bearer, gql
from tests.support.ids import global_id

REPLY = "mutation($i: ReplyInput!) { reply(input: $i) { post { number } userErrors { code } } }"
REACT = (
    "mutation($i: ReactionInput!) { addReaction(input: $i) { post { id } userErrors { code } } }"
)
START = "mutation($i: StartThreadInput!) { startThread(input: $i) { thread { id } userErrors { code } } }"


@pytest.fixture
async def committed(engine, settings) -> AsyncIterator[tuple[httpx.AsyncClient, object, object]]:
    if engine.dialect.name != "postgresql":
        pytest.skip("parallel transactions need PostgreSQL; SQLite serialises writers")
    app = create_app(
        settings.model_copy(update={"posting_rate_limit": "1000/minute"}),
        engine=engine,
        configure_logs=False,
    )
    factory = create_session_factory(engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bondfire.test") as client:
        try:
            yield client, app, factory
        finally:
            tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
            async with engine.begin() as connection:
                await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


async def test_parallel_replies_get_unique_consecutive_numbers(committed):
    client, app, factory = committed
    async with factory() as session:
        account = await create_account(session)
        members = [await create_member(session, account) for _ in range(5)]
        space = await create_space(session)
        thread = await create_thread(session, space, members[0].id)
        await session.commit()
    # when: 20 replies at once from 5 members
    replies = [
        gql(
            client,
            REPLY,
            {"i": {"threadId": global_id("Thread", thread.id), "body": f"reply {n}"}},
            token=bearer(app, members[n % 5]),
        )
        for n in range(20)
    ]
    results = await asyncio.gather(*replies)
    # then
    numbers = sorted(r["data"]["reply"]["post"]["number"] for r in results)
    assert numbers == list(range(2, 22))
    async with factory() as session:
        stored = await session.get(Thread, thread.id)
        assert (stored.post_count, stored.reply_count) == (21, 20)
        assert await session.scalar(select(func.count()).where(Post.thread_id == thread.id)) == 21


async def test_parallel_reactions_count_exactly_once_per_member(committed):
    client, app, factory = committed
    async with factory() as session:
        account = await create_account(session)
        members = [await create_member(session, account) for _ in range(10)]
        space = await create_space(session)
        thread = await create_thread(session, space, members[0].id)
        post_id = await session.scalar(select(Post.id).where(Post.thread_id == thread.id))
        await session.commit()
    variables = {"i": {"postId": global_id("Post", post_id), "kind": "HEART"}}
    # when: each member reacts, and the first member tries three times at once
    attempts = [gql(client, REACT, variables, token=bearer(app, m)) for m in members]
    attempts += [gql(client, REACT, variables, token=bearer(app, members[0])) for _ in range(2)]
    results = await asyncio.gather(*attempts)
    # then
    codes = sorted(e["code"] for r in results for e in r["data"]["addReaction"]["userErrors"])
    assert codes == ["ALREADY_REACTED", "ALREADY_REACTED"]
    async with factory() as session:
        post = await session.get(Post, post_id)
        stored = await session.get(Thread, thread.id)
        assert post.reaction_count == 10 and stored.reaction_count == 10


async def test_posting_respects_the_rate_limit(engine, settings, session, session_factory):
    # given a limit of 3 posts a minute per member
    account = await create_account(session)
    member = await create_member(session, account, {Role.MODERATOR})
    other = await create_member(session, account)
    space = await create_space(session)
    await session.commit()
    limited = settings.model_copy(update={"posting_rate_limit": "3/minute"})
    app = create_app(limited, engine=engine, session_factory=session_factory, configure_logs=False)
    variables = {"i": {"spaceId": global_id("Space", space.id), "title": "t", "body": "b"}}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bondfire.test") as client:
        # when: five posts in a row, then one by someone else
        results = [await gql(client, START, variables, token=bearer(app, member)) for _ in range(5)]
        others = await gql(client, START, variables, token=bearer(app, other))
    # then: the fourth and fifth are refused and create nothing; the limit is per member
    codes = [[e["code"] for e in r["data"]["startThread"]["userErrors"]] for r in results]
    assert codes == [[], [], [], ["RATE_LIMITED"], ["RATE_LIMITED"]]
    assert others["data"]["startThread"]["userErrors"] == []
    assert await session.scalar(select(func.count()).select_from(Thread)) == 4
