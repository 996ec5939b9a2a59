from collections.abc import Sequence
from dataclasses import replace
from functools import cache
from typing import Any, TypeVar

import strawberry
from graphql import OperationType
from sqlalchemy import Integer, Select, String, bindparam, select
from sqlalchemy.orm import InstrumentedAttribute
from strawberry import relay

from api.graphql.community.feed import (
    load_feed_page,
    load_post_page,
    node_selection,
    wants_viewer_state,
)
from api.graphql.community.types import (
    PostConnection,
    PostNode,
    SpaceNode,
    ThreadConnection,
    ThreadNode,
    ThreadOrder,
)
from api.graphql.context import Info
from api.graphql.relay import is_row_id, page_request, to_connection
from domain.community import policies, repository
from domain.community.models import Post, Space, Thread
from domain.identity.models import Member
from domain.shared.errors import BadRequest
from domain.shared.pagination import (
    Page,
    Walk,
    keyset_statement,
    page_of,
    page_parameters,
    paginate,
)

R = TypeVar("R", Space, Thread, Post)


async def readable_spaces_by_ids(info: Info, ids: Sequence[int]) -> dict[int, Space]:
    info.context.require_actor()
    return _found(ids, await info.context.community.readable_space_by_id.load_many(ids))


async def readable_threads_by_ids(info: Info, ids: Sequence[int]) -> dict[int, Thread]:
    info.context.require_actor()
    return _found(ids, await info.context.community.readable_thread_by_id.load_many(ids))


async def readable_posts_by_ids(info: Info, ids: Sequence[int]) -> dict[int, Post]:
    info.context.require_actor()
    return _found(ids, await info.context.community.readable_post_by_id.load_many(ids))


def _found(ids: Sequence[int], rows: Sequence[R | None]) -> dict[int, R]:
    return {i: row for i, row in zip(ids, rows, strict=True) if row is not None}


# The statements of the forum's read path are built once per audience and page shape, and run
# with bind parameters: building and keying a statement costs more CPU than SQLite takes to run it.
_SPACE_ID = bindparam("space_id", type_=Integer, required=True)
_THREAD_ID = bindparam("thread_id", type_=Integer, required=True)
_SLUG = bindparam("slug", type_=String, required=True)
_POST_KEYS = [Post.number]


@cache
def _space_threads_statement(
    audience: policies.Audience, order: ThreadOrder, walk: Walk, with_viewer_state: bool
) -> tuple[Select[Any], list[InstrumentedAttribute[Any]]]:
    statement = select(Thread).where(
        Thread.space_id == _SPACE_ID, policies.thread_state_filter(audience)
    )
    statement, keys = repository.thread_feed(statement, order)
    if with_viewer_state:
        statement = repository.with_viewer_state(statement)
    return keyset_statement(statement, keys, walk, descending=True), keys


@cache
def _thread_posts_statement(
    audience: policies.Audience, walk: Walk, with_authors: bool
) -> Select[Any]:
    statement: Select[Any] = select(Post).where(
        Post.thread_id == _THREAD_ID, policies.post_state_filter(audience)
    )
    if with_authors:
        statement = statement.add_columns(Member).join(Member, Member.id == Post.author_id)
    return keyset_statement(statement, _POST_KEYS, walk)


@cache
def _space_by_slug_statement(audience: policies.Audience) -> Select[Space]:
    return policies.readable_spaces(audience, select(Space).where(Space.slug == _SLUG))


async def space_threads(
    info: Info,
    space: Space,
    order: ThreadOrder,
    top_period_days: int,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> ThreadConnection:
    """A space's feed. The space was reached through readable_spaces, so only the thread state
    filter is left to apply here."""
    actor = info.context.require_actor()
    if not 1 <= top_period_days <= 3650:
        raise BadRequest("topPeriodDays must be between 1 and 3650")
    request = page_request(first, after, last, before)
    selected = node_selection(info)
    # The viewer's state of each thread (read position, watch, last post) comes with the page.
    with_state = wants_viewer_state(selected)
    audience = policies.audience_of(actor)
    statement, keys = _space_threads_statement(audience, order, request.walk, with_state)
    parameters = {
        "space_id": space.id,
        "member_id": actor.member_id,
        **policies.viewer_parameters(actor),
        **repository.thread_feed_parameters(order, info.context.now, top_period_days),
        **page_parameters(keys, request),
    }
    rows = await info.context.session.execute(statement, parameters)
    page = page_of(list(rows.all()), request, lambda row: [getattr(row[0], k.key) for k in keys])
    states = [repository.viewer_state(row[0].id, row) for row in page.items] if with_state else None
    threads = replace(page, items=[row[0] for row in page.items])
    feed = await load_feed_page(info, threads.items, selected, states)
    return to_connection(ThreadConnection, threads, lambda t: ThreadNode.from_model(t, feed))


async def _thread_connection(info: Info, page: Page[Thread]) -> ThreadConnection:
    feed = await load_feed_page(info, page.items)
    return to_connection(ThreadConnection, page, lambda t: ThreadNode.from_model(t, feed))


async def thread_posts(
    info: Info,
    thread: Thread,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> PostConnection:
    actor = info.context.require_actor()
    request = page_request(first, after, last, before)
    selected = node_selection(info)
    # Each post's author comes with the page.
    with_authors = "author" in selected
    audience = policies.audience_of(actor)
    rows = await info.context.session.execute(
        _thread_posts_statement(audience, request.walk, with_authors),
        {
            "thread_id": thread.id,
            **policies.viewer_parameters(actor),
            **page_parameters(_POST_KEYS, request),
        },
    )
    page = page_of(list(rows.all()), request, lambda row: [row[0].number])
    authors = [row[1] for row in page.items] if with_authors else None
    posts = replace(page, items=[row[0] for row in page.items])
    for post in posts.items:
        info.context.community.post_by_id.prime(post.id, post)
    if after is None and before is None and info.operation.operation is OperationType.QUERY:
        _record_view(info, thread)
    loaded = await load_post_page(info, posts.items, selected, authors)
    return to_connection(PostConnection, posts, lambda p: PostNode.from_model(p, loaded))


def _record_view(info: Info, thread: Thread) -> None:
    """A read of a thread's first page is a view. Counted in memory and saved by a periodic
    job (domain/community/views.py): no write on the read path."""
    if info.context.views is not None:
        info.context.views.record(thread.id)


@strawberry.type
class CommunityQueries:
    @strawberry.field(description="Every space you may read, parents before their sub-spaces.")
    async def spaces(self, info: Info) -> list[SpaceNode]:
        actor = info.context.require_actor()
        rows = await info.context.session.scalars(
            policies.readable_spaces(actor, select(Space)).order_by(
                Space.parent_id.is_not(None), Space.position, Space.name, Space.id
            )
        )
        return [SpaceNode.from_model(space) for space in rows]

    @strawberry.field(description="A space by its slug; null if missing or not readable.")
    async def space(self, info: Info, slug: str) -> SpaceNode | None:
        actor = info.context.require_actor()
        found = await info.context.session.scalar(
            _space_by_slug_statement(policies.audience_of(actor)),
            {"slug": slug, **policies.viewer_parameters(actor)},
        )
        return SpaceNode.from_model(found) if found else None

    @strawberry.field(description="What's new: threads across every space you may read.")
    async def whats_new(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ThreadConnection:
        actor = info.context.require_actor()
        statement = policies.readable_threads(actor, select(Thread))
        keys = [Thread.last_activity_at, Thread.id]
        page = await paginate(
            info.context.session,
            statement,
            keys,
            lambda t: [t.last_activity_at, t.id],
            page_request(first, after, last, before),
            descending=True,
        )
        return await _thread_connection(info, page)

    @strawberry.field(description="A member's posts you may read, newest first.")
    async def member_activity(
        self,
        info: Info,
        member_id: relay.GlobalID,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> PostConnection:
        actor = info.context.require_actor()
        if member_id.type_name != "Member" or not is_row_id(member_id.node_id):
            raise BadRequest("memberId is not a member's id")
        statement = policies.readable_posts(
            actor, select(Post).where(Post.author_id == int(member_id.node_id))
        )
        page = await paginate(
            info.context.session,
            statement,
            [Post.id],
            lambda p: [p.id],
            page_request(first, after, last, before),
            descending=True,
        )
        return to_connection(PostConnection, page, PostNode.from_model)
