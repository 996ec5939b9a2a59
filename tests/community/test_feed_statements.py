"""The read path's statements are built once per audience and page shape and reused with the
viewer's ids as bind parameters: each viewer must still see exactly what the policies allow them,
whichever viewer's request ran the statement first, on every page in every direction."""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from domain.community import policies
from domain.community.models import (
    Post,
    PostStatus,
    SpaceVisibility,
    Thread,
    ThreadRead,
    ThreadWatch,
)
from domain.identity.models import Role
from domain.shared.models import utcnow
from tests.support.community import create_space, create_thread
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.graphql import bearer, gql
from tests.support.ids import global_id

OPERATIONS = Path(__file__).resolve().parents[2] / "frontend-contract" / "operations"
CATEGORY_PAGE = (OPERATIONS / "ForumCategoryPage.graphql").read_text()
FEED = """
query($slug: String!, $order: ThreadOrder, $days: Int, $first: Int, $after: String,
      $last: Int, $before: String) {
  space(slug: $slug) {
    threads(order: $order, topPeriodDays: $days, first: $first, after: $after, last: $last,
            before: $before) {
      edges { node { id } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}
"""
POSTS = """
query($id: ID!) {
  node(id: $id) { ... on Thread { posts { edges { node { number } } } } }
}
"""


@pytest.fixture
async def people(session):
    vendor = await create_vendor(session)
    acme = await create_account(session, name="Acme")
    globex = await create_account(session, name="Globex")
    return {
        "admin": await create_member(session, vendor, {Role.ADMIN}, name="Ada Admin"),
        "mod": await create_member(session, acme, {Role.MODERATOR}, name="Mo Moderator"),
        "casey": await create_member(session, acme, name="Casey", handle="casey"),
        "dana": await create_member(session, acme, name="Dana", handle="dana"),
        "gil": await create_member(session, globex, name="Gil", handle="gil"),
        "acme": acme,
    }


async def feed_ids(app, client, member, variables):  # type: ignore[no-untyped-def]
    body = await gql(client, FEED, variables, token=bearer(app, member))
    assert "errors" not in body, body
    space = body["data"]["space"]
    return None if space is None else [e["node"]["id"] for e in space["threads"]["edges"]]


async def test_each_viewer_sees_their_own_hidden_threads_in_turn(app, client, session, people):
    # given a visible thread, one hidden thread each by casey and dana, and a deleted one
    space = await create_space(session)
    visible = await create_thread(session, space, people["dana"].id)
    caseys = await create_thread(session, space, people["casey"].id, hidden=True)
    danas = await create_thread(session, space, people["dana"].id, hidden=True)
    deleted = await create_thread(session, space, people["dana"].id, deleted_at=utcnow())
    await session.commit()
    ids = {t.id: global_id("Thread", t.id) for t in (visible, caseys, danas, deleted)}
    variables = {"slug": space.slug, "order": "NEWEST"}
    # when the same statement answers one viewer after another
    seen = {}
    for name in ("casey", "dana", "casey", "gil", "mod"):
        seen.setdefault(name, []).append(await feed_ids(app, client, people[name], variables))
    # then each sees the visible thread and their own hidden one; a moderator sees everything
    assert seen["casey"] == [[ids[caseys.id], ids[visible.id]]] * 2
    assert seen["dana"] == [[ids[danas.id], ids[visible.id]]]
    assert seen["gil"] == [[ids[visible.id]]]
    assert seen["mod"] == [[ids[deleted.id], ids[danas.id], ids[caseys.id], ids[visible.id]]]


async def test_an_account_space_is_found_by_its_members_only(app, client, session, people):
    space = await create_space(session, SpaceVisibility.ACCOUNT, account_id=people["acme"].id)
    thread = await create_thread(session, space, people["casey"].id)
    await session.commit()
    variables = {"slug": space.slug}
    assert await feed_ids(app, client, people["casey"], variables) == [
        global_id("Thread", thread.id)
    ]
    assert await feed_ids(app, client, people["gil"], variables) is None
    assert await feed_ids(app, client, people["dana"], variables) == [
        global_id("Thread", thread.id)
    ]
    topic = {"id": global_id("Thread", thread.id)}
    outsider = await gql(client, POSTS, topic, token=bearer(app, people["gil"]))
    member = await gql(client, POSTS, topic, token=bearer(app, people["dana"]))
    assert outsider["data"]["node"] is None
    assert member["data"]["node"]["posts"]["edges"] == [{"node": {"number": 1}}]


async def test_a_held_post_shows_to_its_author_only(app, client, session, people):
    space = await create_space(session)
    thread = await create_thread(session, space, people["dana"].id, replies=2)
    held = await session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 2))
    assert held is not None
    held.author_id, held.status = people["casey"].id, PostStatus.HELD
    await session.commit()
    numbers = {}
    for name in ("casey", "dana", "casey"):
        body = await gql(
            client, POSTS, {"id": global_id("Thread", thread.id)}, token=bearer(app, people[name])
        )
        edges = body["data"]["node"]["posts"]["edges"]
        numbers.setdefault(name, []).append([e["node"]["number"] for e in edges])
    assert numbers == {"casey": [[1, 2, 3], [1, 2, 3]], "dana": [[1, 3]]}


async def test_the_feed_pages_forwards_and_backwards_pinned_first(app, client, session, people):
    # given five threads, the oldest pinned
    space = await create_space(session)
    start = utcnow() - timedelta(hours=1)
    threads = [
        await create_thread(
            session, space, people["dana"].id, at=start + timedelta(minutes=n), pinned=n == 0
        )
        for n in range(5)
    ]
    await session.commit()
    expected = [global_id("Thread", t.id) for t in [threads[0], *reversed(threads[1:])]]
    token = bearer(app, people["casey"])

    async def page(**variables):  # type: ignore[no-untyped-def]
        body = await gql(client, FEED, {"slug": space.slug} | variables, token=token)
        threads = body["data"]["space"]["threads"]
        return [e["node"]["id"] for e in threads["edges"]], threads["pageInfo"]

    # when walking forwards two at a time
    walked, after = [], None
    while True:
        ids, info = await page(first=2, after=after)
        walked += ids
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    # and backwards from the end
    back, before_end = await page(last=2)
    earlier, info = await page(last=2, before=before_end["startCursor"])
    # then
    assert walked == expected
    assert back == expected[3:] and before_end["hasPreviousPage"]
    assert earlier == expected[1:3] and info["hasNextPage"] and info["hasPreviousPage"]


async def test_top_threads_count_only_the_chosen_period(app, client, session, people):
    space = await create_space(session)
    old = await create_thread(session, space, people["dana"].id, at=utcnow() - timedelta(days=40))
    liked = await create_thread(session, space, people["dana"].id)
    quiet = await create_thread(session, space, people["dana"].id)
    old.reaction_count, liked.reaction_count = 9, 5
    await session.commit()
    variables = {"slug": space.slug, "order": "TOP"}
    recent = await feed_ids(app, client, people["casey"], variables | {"days": 30})
    longer = await feed_ids(app, client, people["casey"], variables | {"days": 60})
    ids = {t: global_id("Thread", t.id) for t in (old, liked, quiet)}
    assert recent == [ids[liked], ids[quiet]]
    assert longer == [ids[old], ids[liked], ids[quiet]]


async def test_a_statement_built_for_an_audience_refuses_to_run_without_the_viewer(session):
    audience = policies.Audience(staff=False, moderator=False)
    statement = policies.readable_threads(audience, select(Thread))
    with pytest.raises(StatementError, match="viewer_member_id"):
        await session.execute(statement)


async def test_the_category_page_reads_viewer_state_with_its_threads(
    app, client, session, people, statements
):
    # given two threads, one of them watched and read to the end by casey
    space = await create_space(session)
    watched = await create_thread(session, space, people["dana"].id, replies=2)
    other = await create_thread(session, space, people["dana"].id, replies=1)
    session.add(ThreadWatch(member_id=people["casey"].id, thread_id=watched.id))
    session.add(ThreadRead(member_id=people["casey"].id, thread_id=watched.id, last_read_number=3))
    await session.commit()
    seen = {}
    for name in ("casey", "dana"):
        statements.reset()
        body = await gql(
            client, CATEGORY_PAGE, {"slug": space.slug}, token=bearer(app, people[name])
        )
        nodes = [e["node"] for e in body["data"]["space"]["threads"]["edges"]]
        state = {n["id"]: (n["unreadCount"], n["viewerIsFollowing"]) for n in nodes}
        seen[name] = (state, statements.count)
    # then: auth, space, threads (+ read state, watch, teaser), authors; each their own state.
    # Dana wrote every post: her member row came with authentication, no authors statement
    ids = {watched: global_id("Thread", watched.id), other: global_id("Thread", other.id)}
    assert seen["casey"] == ({ids[watched]: (0, True), ids[other]: (2, False)}, 4)
    assert seen["dana"] == ({ids[watched]: (3, False), ids[other]: (2, False)}, 3)
