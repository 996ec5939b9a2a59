"""The forum read path (issue #11): the category and topic pages of frontend-contract, their
per-viewer fields in one round of SQL, views counted off the read path, and the last-post
pointer and excerpts the write path keeps exact."""

from pathlib import Path

import pytest
from sqlalchemy import select

from domain.community.markdown import excerpt, render
from domain.community.models import Post, PostStatus, Thread
from domain.community.policies import CommunityRules
from domain.community.services import posting, reading
from domain.community.services.post_actions import PostAction, approve_post, moderate_post
from domain.community.services.thread_actions import merge_thread
from domain.identity.models import AccountKind, Role
from domain.identity.policies import actor_for
from domain.shared.models import utcnow
from tests.support.community import create_space, create_thread
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.graphql import bearer, gql
from tests.support.ids import global_id

OPERATIONS = Path(__file__).resolve().parents[2] / "frontend-contract" / "operations"
CATEGORY_PAGE = (OPERATIONS / "ForumCategoryPage.graphql").read_text()
TOPIC_PAGE = (OPERATIONS / "ForumTopicPage.graphql").read_text()
WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
async def people(session):
    vendor = await create_vendor(session)
    acme = await create_account(session, name="Acme")
    return {
        "admin": await create_member(session, vendor, {Role.ADMIN}, name="Ada Admin"),
        "mod": await create_member(session, acme, {Role.MODERATOR}, name="Mo Moderator"),
        "casey": await create_member(session, acme, name="Casey", handle="casey"),
        "dana": await create_member(session, acme, name="Dana", handle="dana"),
    }


def customer(member):  # type: ignore[no-untyped-def]
    return actor_for(member, AccountKind.CUSTOMER)


async def expected_last_post(session, thread_id: int) -> int | None:  # type: ignore[no-untyped-def]
    """The rule, computed from the rows: the highest-numbered visible, undeleted post."""
    posts = (await session.scalars(select(Post).where(Post.thread_id == thread_id))).all()
    shown = [p for p in posts if p.status is PostStatus.VISIBLE and p.deleted_at is None]
    return max(shown, key=lambda p: p.number).id if shown else None


async def stored_last_post(session, thread_id: int) -> int | None:  # type: ignore[no-untyped-def]
    return await session.scalar(select(Thread.last_post_id).where(Thread.id == thread_id))


def test_excerpt_is_plain_text_without_quotes_cut_at_a_word():
    html = render("> **@gil** wrote:\n>\n> old text\n\nUse `x < y` & **bold**\n\n- one\n- two").html
    assert excerpt(html) == "Use x < y & bold one two"
    long = excerpt(render("word " * 100).html)
    assert long.endswith("word…") and len(long) <= 241 and "<" not in long


async def test_last_post_pointer_follows_every_write(session, people):
    # given a thread, and new members' posts held for review
    space = await create_space(session)
    rules = CommunityRules(hold_posts_below_trust_level=1)
    casey, dana, mod = customer(people["casey"]), customer(people["dana"]), customer(people["mod"])
    now = utcnow()
    new = posting.NewThread(space_id=space.id, kind="DISCUSSION", title="Exports", body="Opening")
    thread, opening = await posting.start_thread(session, mod, rules, now, new)

    async def check(expected_id: int | None) -> None:
        assert await expected_last_post(session, thread.id) == expected_id
        assert await stored_last_post(session, thread.id) == expected_id

    await check(opening.id)
    # a reply moves it; a held reply does not
    first = await posting.reply(
        session, mod, rules, now, posting.NewReply(thread.id, "First *reply*")
    )
    await check(first.id)
    assert first.excerpt == "First reply"
    held = await posting.reply(session, casey, rules, now, posting.NewReply(thread.id, "Held one"))
    assert held.status is PostStatus.HELD
    await check(first.id)
    # approving it, hiding it, restoring it
    await approve_post(session, mod, now, held.id)
    await check(held.id)
    await moderate_post(session, mod, now, held.id, PostAction.HIDE)
    await check(first.id)
    await moderate_post(session, mod, now, held.id, PostAction.RESTORE)
    await check(held.id)
    # deleting the newest visible post falls back to the one before; an edit rewrites the excerpt
    await posting.delete_post(session, casey, now, held.id)
    await check(first.id)
    await posting.edit_post(session, mod, rules, now, first.id, "Edited > text")
    teaser = await session.scalar(select(Post.excerpt).where(Post.id == first.id))
    assert teaser == "Edited > text"
    # merging another thread in: its posts come after, the source points nowhere
    other = await create_thread(session, space, people["dana"].id, replies=2)
    await merge_thread(session, mod, now, other.id, thread.id)
    newest = await expected_last_post(session, thread.id)
    assert newest is not None and newest != first.id
    await check(newest)
    assert await stored_last_post(session, other.id) is None
    assert dana  # a plain member's actor exists for symmetry with casey


async def test_category_page_shows_teasers_counts_and_viewer_state(
    app, client, session, people, statements
):
    # given two threads: one the viewer follows and read to the end, one with an unread reply
    space = await create_space(session)
    read = await create_thread(session, space, people["casey"].id, replies=1)
    fresh = await create_thread(session, space, people["dana"].id, replies=2)
    casey = customer(people["casey"])
    await reading.mark_read(session, casey, utcnow(), read.id, None)
    await reading.mark_read(session, casey, utcnow(), fresh.id, 1)
    await reading.watch_thread(session, casey, read.id, True)
    fresh.view_count = 7
    await session.commit()
    statements.reset()
    # when
    body = await gql(
        client, CATEGORY_PAGE, {"slug": space.slug}, token=bearer(app, people["casey"])
    )
    # then: newest activity first, with the teaser of each thread's last post
    assert "errors" not in body, body
    nodes = [e["node"] for e in body["data"]["space"]["threads"]["edges"]]
    assert [n["id"] for n in nodes] == [global_id("Thread", fresh.id), global_id("Thread", read.id)]
    first, second = nodes
    assert (first["replyCount"], first["viewCount"], first["unreadCount"]) == (2, 7, 2)
    assert (first["viewerIsFollowing"], second["viewerIsFollowing"]) == (False, True)
    assert second["unreadCount"] == 0
    assert first["lastPost"]["number"] == 3
    assert first["lastPost"]["excerpt"] == f"Post 3 of thread {fresh.title.split()[-1]}"
    assert first["lastPost"]["author"]["name"] == "Dana"
    assert first["author"]["handle"] == "dana"
    last_post = await stored_last_post(session, fresh.id)
    assert first["lastPost"]["postId"] == global_id("Post", last_post)
    # and nothing was written to answer it
    assert not [s for s in statements.sql if s.lstrip().upper().startswith(WRITES)]


async def test_category_page_sql_does_not_grow_with_the_page(
    app, client, session, people, statements
):
    space = await create_space(session)
    for n in range(12):
        author = people["dana"] if n % 2 else people["casey"]  # the newest: not the viewer
        await create_thread(session, space, author.id, replies=n % 3)
    await session.commit()
    token = bearer(app, people["casey"])
    counts = {}
    for size in (1, 5, 12):
        statements.reset()
        body = await gql(client, CATEGORY_PAGE, {"slug": space.slug, "first": size}, token=token)
        assert len(body["data"]["space"]["threads"]["edges"]) == size
        counts[size] = statements.count
    assert len(set(counts.values())) == 1, counts


async def test_topic_page_counts_views_off_the_read_path(app, client, session, people, statements):
    # given a thread with five posts
    space = await create_space(session)
    thread = await create_thread(session, space, people["dana"].id, replies=4)
    await session.commit()
    token = bearer(app, people["casey"])
    variables = {"id": global_id("Thread", thread.id), "first": 2}
    views = app.state.view_counter
    # when: the first page is read twice, a later page once
    statements.reset()
    first = await gql(client, TOPIC_PAGE, variables, token=token)
    assert not [s for s in statements.sql if s.lstrip().upper().startswith(WRITES)]
    await gql(client, TOPIC_PAGE, variables, token=token)
    cursor = first["data"]["node"]["posts"]["pageInfo"]["endCursor"]
    later = await gql(client, TOPIC_PAGE, variables | {"after": cursor}, token=token)
    # then: two views wait in memory, the page showed none yet
    assert [e["node"]["number"] for e in later["data"]["node"]["posts"]["edges"]] == [3, 4]
    assert first["data"]["node"]["viewCount"] == 0
    posts = first["data"]["node"]["posts"]["edges"]
    assert [p["node"]["author"]["name"] for p in posts] == ["Dana", "Dana"]
    assert views.pending == {thread.id: 2}
    # and a flush adds them to the thread, once
    assert await views.flush(app.state.session_factory) == 2
    assert views.pending == {}
    assert await views.flush(app.state.session_factory) == 0
    again = await gql(client, TOPIC_PAGE, variables | {"after": cursor}, token=token)
    assert again["data"]["node"]["viewCount"] == 2


async def test_topic_page_sql_does_not_grow_with_the_page(app, client, session, people, statements):
    space = await create_space(session)
    thread = await create_thread(session, space, people["dana"].id, replies=15)
    await session.commit()
    token = bearer(app, people["casey"])
    counts = {}
    for size in (1, 5, 16):
        statements.reset()
        body = await gql(
            client, TOPIC_PAGE, {"id": global_id("Thread", thread.id), "first": size}, token=token
        )
        assert len(body["data"]["node"]["posts"]["edges"]) == size
        counts[size] = statements.count
    assert len(set(counts.values())) == 1, counts


async def test_a_thread_outside_the_viewers_reach_shows_no_teaser(app, client, session, people):
    """Read what you may: a teaser is only ever shown on a thread the viewer can read."""
    from domain.community.models import SpaceVisibility

    staff_space = await create_space(session, SpaceVisibility.STAFF)
    thread = await create_thread(session, staff_space, people["admin"].id, replies=1)
    await session.commit()
    body = await gql(
        client,
        TOPIC_PAGE,
        {"id": global_id("Thread", thread.id)},
        token=bearer(app, people["casey"]),
    )
    assert body["data"]["node"] is None
    assert app.state.view_counter.pending == {}


REPLY = "mutation($i: ReplyInput!) { reply(input: $i) { post { number } userErrors { code } } }"
DELETE = "mutation($i: DeletePostInput!) { deletePost(input: $i) { userErrors { code } } }"
HIDE = "mutation($i: ModeratePostInput!) { moderatePost(input: $i) { userErrors { code } } }"


@pytest.fixture
async def committed(engine, settings):  # type: ignore[no-untyped-def]
    """An app on its own connection pool over committed data (tables emptied afterwards)."""
    import httpx
    from sqlalchemy import text

    from api.app import create_app
    from domain.shared.database import create_session_factory
    from domain.shared.models import Base

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


@pytest.mark.postgres_only
async def test_parallel_replies_hides_and_deletes_keep_counts_and_pointer_exact(committed):
    import asyncio

    client, app, factory = committed
    async with factory() as session:
        account = await create_account(session)
        members = [await create_member(session, account) for _ in range(5)]
        mod = await create_member(session, account, {Role.MODERATOR})
        space = await create_space(session)
        thread = await create_thread(session, space, members[0].id, replies=6)
        rows = await session.execute(
            select(Post.number, Post.id).where(Post.thread_id == thread.id)
        )
        ids = {number: post_id for number, post_id in rows}
        await session.commit()
    moderator = bearer(app, mod)
    # when: 12 replies, while a moderator deletes the newest reply and hides two others
    work = [
        gql(
            client,
            REPLY,
            {"i": {"threadId": global_id("Thread", thread.id), "body": f"reply {n}"}},
            token=bearer(app, members[n % 5]),
        )
        for n in range(12)
    ]
    work.append(gql(client, DELETE, {"i": {"postId": global_id("Post", ids[7])}}, token=moderator))
    for number in (5, 6):
        variables = {"i": {"postId": global_id("Post", ids[number]), "action": "HIDE"}}
        work.append(gql(client, HIDE, variables, token=moderator))
    results = await asyncio.gather(*work)
    # then: every request succeeded, and the counters match the rows
    for result in results:
        payload = next(iter(result["data"].values()))
        assert payload["userErrors"] == [], result
    async with factory() as session:
        stored = await session.get(Thread, thread.id)
        posts = (await session.scalars(select(Post).where(Post.thread_id == thread.id))).all()
        shown = [p for p in posts if p.status is PostStatus.VISIBLE and p.deleted_at is None]
        assert stored.post_count == len(posts) == 19
        assert stored.reply_count == len(shown) - 1 == 18 - 3
        assert stored.last_post_id == max(shown, key=lambda p: p.number).id
        assert stored.last_post_id != ids[7]


def test_a_token_verified_once_still_expires(tmp_path, monkeypatch):
    """Per-request overhead: a token's signature is checked once per process, its time every
    time (api/auth/tokens.py)."""
    import time

    from api.auth.keys import SigningKeys
    from api.auth.tokens import BondfireTokens, InvalidToken

    tokens = BondfireTokens(
        SigningKeys.load_or_create(tmp_path), issuer="i", audience="a", ttl_seconds=60, leeway=5
    )
    token = tokens.issue(7, ttl_seconds=30)
    assert tokens.verify(token).subject == "7"
    assert tokens.verify(token).subject == "7"  # from the cache
    with pytest.raises(InvalidToken):
        tokens.verify(token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))
    later = time.time() + 36
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(InvalidToken):
        tokens.verify(token)


def test_the_lean_executor_answers_exactly_as_graphql_core():
    """Plain attribute fields skip graphql-core's per-field machinery (api/graphql/execution.py):
    values, nulls, coercion failures and their error paths must come out the same."""
    from enum import Enum

    import strawberry

    from api.graphql.execution import LeanExecutionContext

    @strawberry.enum
    class Colour(Enum):
        RED = "red"

    @strawberry.type
    class Thing:
        name: str
        maybe: str | None
        colour: Colour
        count: int

    @strawberry.type
    class Query:
        @strawberry.field
        def things(self) -> list[Thing]:
            return [
                Thing(name="a", maybe=None, colour=Colour.RED, count=3),
                Thing(name=None, maybe="m", colour=Colour.RED, count=1),  # type: ignore[arg-type]
                Thing(name="c", maybe="m", colour="blue", count="x"),  # type: ignore[arg-type]
            ]

    query = "{ things { name maybe colour count alias: count } }"
    lean = strawberry.Schema(Query, execution_context_class=LeanExecutionContext).execute_sync(
        query
    )
    plain = strawberry.Schema(Query).execute_sync(query)
    assert lean.data == plain.data
    assert [e.formatted for e in lean.errors or []] == [e.formatted for e in plain.errors or []]
    assert lean.errors  # the bad values were reported, not silently passed


def test_the_lean_executor_answers_relay_ids_and_lists_exactly_as_graphql_core():
    """Relay ids and lists of scalars take the short path too (api/graphql/execution.py); a
    node class with its own resolve_id, null items, other iterables and bad items do not."""
    from collections.abc import Iterable

    import strawberry
    from strawberry import relay

    from api.graphql.execution import LeanExecutionContext

    @strawberry.type
    class Plain(relay.Node):
        id: relay.NodeID[int]
        tags: list[str]
        maybe_tags: list[str | None] | None
        counts: list[int]

    @strawberry.type
    class Custom(relay.Node):
        code: relay.NodeID[str]

        @classmethod
        def resolve_id(cls, root: "Custom", *, info: strawberry.Info) -> str:
            return f"custom-{root.code}"

    @strawberry.type
    class Query:
        @strawberry.field
        def plains(self) -> list[Plain]:
            tuple_tags: Iterable[str] = ("t",)
            return [
                Plain(id=1, tags=["a", "b"], maybe_tags=None, counts=[1, 2]),
                Plain(id=2, tags=[], maybe_tags=["x", None], counts=[3]),
                Plain(id=3, tags=tuple_tags, maybe_tags=[], counts=[4, "x"]),  # type: ignore[arg-type, list-item]
                Plain(id=None, tags=[None], maybe_tags=None, counts=[]),  # type: ignore[arg-type, list-item]
            ]

        @strawberry.field
        def customs(self) -> list[Custom]:
            return [Custom(code="q")]

    lean_schema = strawberry.Schema(Query, execution_context_class=LeanExecutionContext)
    plain_schema = strawberry.Schema(Query)
    for query in ("{ plains { id tags maybeTags counts } }", "{ customs { id } }"):
        lean = lean_schema.execute_sync(query)
        plain = plain_schema.execute_sync(query)
        assert lean.data == plain.data
        assert [e.formatted for e in lean.errors or []] == [e.formatted for e in plain.errors or []]
    # the null id, the null tag and the bad count were reported, not passed
    reported = lean_schema.execute_sync("{ plains { id tags counts } }").errors or []
    assert [e.path for e in reported] == [["plains", 2, "counts", 1]]  # the first to null out
    assert lean_schema.execute_sync("{ plains { tags } }").errors
    assert lean_schema.execute_sync("{ plains { id } }").errors
    # the custom resolve_id was used (by strawberry's own path)
    assert lean.data == {"customs": [{"id": relay.to_base64("Custom", "custom-q")}]}
    # and the plain fields took the short path's plans
    fields = lean_schema._schema.type_map["Plain"].fields  # type: ignore[attr-defined]
    assert fields["id"]._bondfire_lean_plan is not None
    assert fields["tags"]._bondfire_lean_plan is not None


async def test_topic_page_reads_the_threads_space_and_following_with_the_thread(
    app, client, session, people, statements
):
    """The thread node's statement brings its space and the viewer's watch (dataloaders.py
    ReadableThreadByIdLoader), the posts' statement their authors: 4 statements for the page,
    each viewer sees their own state."""
    from domain.community.models import ThreadWatch

    space = await create_space(session)
    thread = await create_thread(session, space, people["dana"].id, replies=3)
    session.add(ThreadWatch(member_id=people["casey"].id, thread_id=thread.id))
    await session.commit()
    variables = {"id": global_id("Thread", thread.id)}
    seen = {}
    for name in ("casey", "dana"):
        statements.reset()
        body = await gql(client, TOPIC_PAGE, variables, token=bearer(app, people[name]))
        node = body["data"]["node"]
        edges = node["posts"]["edges"]
        seen[name] = (
            node["viewerIsFollowing"],
            node["space"]["slug"],
            len(edges),
            statements.count,
        )
        separate = ("SELECT spaces.", "SELECT thread_watches.", "SELECT members.")
        assert [s for s in statements.sql[1:] if s.lstrip().startswith(separate)] == []
    # auth, thread (+ space, watch), posts (+ authors), reactions
    assert seen == {"casey": (True, space.slug, 4, 4), "dana": (False, space.slug, 4, 4)}
