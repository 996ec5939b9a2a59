"""Community DataLoaders, fresh per request. Viewer-specific ones are bound to the viewer."""

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import BindParameter, Integer, Select, and_, bindparam, false, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from domain.community import policies, repository
from domain.community.models import (
    Post,
    PostRevision,
    Reaction,
    ReactionKind,
    Space,
    Thread,
    ThreadWatch,
)
from domain.identity.policies import Actor
from domain.shared.models import Base

R = TypeVar("R", bound=Base)  # any model with an integer `id`


class RowByIdLoader(DataLoader[int, R | None], Generic[R]):
    """Rows of one model by id, read through `restrict`: none, or a policy's readable_*
    statement, so a loader bound to the viewer returns None for what they may not see. The
    statement is built when first needed: most requests use few of these loaders."""

    def __init__(
        self,
        session: AsyncSession,
        model: type[R],
        restrict: Callable[[Select[R]], Select[R]] | None = None,
    ) -> None:
        async def load(ids: Sequence[int]) -> list[R | None]:
            statement = select(model) if restrict is None else restrict(select(model))
            rows = await session.scalars(statement.where(model.id.in_(ids)))  # type: ignore[attr-defined]
            found = {row.id: row for row in rows}  # type: ignore[attr-defined]
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class ViewerReactionsByPostIdLoader(DataLoader[int, list[ReactionKind]]):
    def __init__(self, session: AsyncSession, member_id: int) -> None:
        async def load(ids: Sequence[int]) -> list[list[ReactionKind]]:
            found = await repository.viewer_reactions(session, member_id, ids)
            return [found[i] for i in ids]

        super().__init__(load_fn=load)


class ViewerReactionsByThreadIdLoader(DataLoader[int, list[ReactionKind]]):
    """The viewer's reactions to each thread's opening post, in one query for a whole feed."""

    def __init__(self, session: AsyncSession, member_id: int) -> None:
        async def load(ids: Sequence[int]) -> list[list[ReactionKind]]:
            # Start from the page's opening posts (unique (thread_id, number)), not from the
            # viewer's reactions: SQLite would otherwise walk every reaction the viewer ever made.
            opening = select(Post.id).where(Post.thread_id.in_(ids), Post.number == 1)
            rows = await session.execute(
                select(Post.thread_id, Reaction.kind)
                .join(Reaction, Reaction.post_id == Post.id)
                .where(Reaction.post_id.in_(opening), Reaction.member_id == member_id)
                .order_by(Reaction.kind)
            )
            result: dict[int, list[ReactionKind]] = {i: [] for i in ids}
            for thread_id, kind in rows:
                result[thread_id].append(kind)
            return [result[i] for i in ids]

        super().__init__(load_fn=load)


class ReactionCountsByPostIdLoader(DataLoader[int, dict[ReactionKind, int]]):
    def __init__(self, session: AsyncSession) -> None:
        async def load(ids: Sequence[int]) -> list[dict[ReactionKind, int]]:
            found = await repository.reaction_counts(session, ids)
            return [found[i] for i in ids]

        super().__init__(load_fn=load)


class ReadPositionByThreadIdLoader(DataLoader[int, int]):
    def __init__(self, session: AsyncSession, member_id: int) -> None:
        async def load(ids: Sequence[int]) -> list[int]:
            found = await repository.read_positions(session, member_id, ids)
            return [found.get(i, 0) for i in ids]

        super().__init__(load_fn=load)


class TeaserByPostIdLoader(DataLoader[int, repository.Teaser | None]):
    """Narrow rows (no body) for thread lists' last-post teasers."""

    def __init__(self, session: AsyncSession) -> None:
        async def load(ids: Sequence[int]) -> list[repository.Teaser | None]:
            found = await repository.teasers(session, ids)
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class FollowingByThreadIdLoader(DataLoader[int, bool]):
    """Whether the viewer watches each thread: one query for a whole page."""

    def __init__(self, session: AsyncSession, member_id: int) -> None:
        async def load(ids: Sequence[int]) -> list[bool]:
            watched = await repository.watched_thread_ids(session, member_id, ids)
            return [i in watched for i in ids]

        super().__init__(load_fn=load)


_THREAD_IDS: BindParameter[Any] = bindparam("thread_ids", expanding=True)
_WATCHER_ID = bindparam("watcher_id", type_=Integer, required=True)


@cache
def _readable_threads_statement(audience: policies.Audience) -> Select[Thread, Space, int | None]:
    """Built once per audience: a thread page reads it on every request."""
    watch = and_(ThreadWatch.thread_id == Thread.id, ThreadWatch.member_id == _WATCHER_ID)
    statement = (
        select(Thread, Space, ThreadWatch.member_id)
        .join(Space, Space.id == Thread.space_id)
        .outerjoin(ThreadWatch, watch)
        .where(Thread.id.in_(_THREAD_IDS))
    )
    # readable_threads is typed for select(Thread); it only adds WHERE clauses
    readable = policies.readable_threads(audience, statement)  # type: ignore[arg-type]
    return cast(Select[Thread, Space, int | None], readable)


class ReadableThreadByIdLoader(DataLoader[int, Thread | None]):
    """Threads the viewer may read, each with its space and whether the viewer watches it,
    primed into those two loaders. A thread page shows both: one statement instead of three."""

    def __init__(
        self,
        session: AsyncSession,
        actor: Actor,
        space_by_id: RowByIdLoader[Space],
        following_by_thread_id: "FollowingByThreadIdLoader",
    ) -> None:
        async def load(ids: Sequence[int]) -> list[Thread | None]:
            rows = await session.execute(
                _readable_threads_statement(policies.audience_of(actor)),
                {
                    "thread_ids": list(ids),
                    "watcher_id": actor.member_id,
                    **policies.viewer_parameters(actor),
                },
            )
            found: dict[int, Thread] = {}
            for thread, space, watcher in rows:
                found[thread.id] = thread
                space_by_id.prime(space.id, space)
                following_by_thread_id.prime(thread.id, watcher is not None)
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class RevisionsByPostIdLoader(DataLoader[int, list[PostRevision]]):
    def __init__(self, session: AsyncSession) -> None:
        async def load(ids: Sequence[int]) -> list[list[PostRevision]]:
            rows = await session.scalars(
                select(PostRevision)
                .where(PostRevision.post_id.in_(ids))
                .order_by(PostRevision.post_id, PostRevision.id.desc())
            )
            result: dict[int, list[PostRevision]] = {i: [] for i in ids}
            for revision in rows:
                result[revision.post_id].append(revision)
            return [result[i] for i in ids]

        super().__init__(load_fn=load)


class CommunityLoaders:
    def __init__(self, session: AsyncSession, actor: Actor | None) -> None:
        self.space_by_id = RowByIdLoader(session, Space)
        self.thread_by_id = RowByIdLoader(session, Thread)
        self.post_by_id = RowByIdLoader(session, Post)
        # What the viewer may see; anonymous callers are refused before they get here.
        self.readable_space_by_id = RowByIdLoader(session, Space, _readable(actor, Space))
        self.readable_post_by_id = RowByIdLoader(session, Post, _readable(actor, Post))
        self.reaction_counts_by_post_id = ReactionCountsByPostIdLoader(session)
        self.revisions_by_post_id = RevisionsByPostIdLoader(session)
        viewer = actor.member_id if actor else 0
        self.viewer_reactions_by_post_id = ViewerReactionsByPostIdLoader(session, viewer)
        self.viewer_reactions_by_thread_id = ViewerReactionsByThreadIdLoader(session, viewer)
        self.read_position_by_thread_id = ReadPositionByThreadIdLoader(session, viewer)
        self.following_by_thread_id = FollowingByThreadIdLoader(session, viewer)
        self.readable_thread_by_id: DataLoader[int, Thread | None] = (
            ReadableThreadByIdLoader(session, actor, self.space_by_id, self.following_by_thread_id)
            if actor is not None
            else RowByIdLoader(session, Thread, _readable(actor, Thread))
        )
        self.teaser_by_post_id = TeaserByPostIdLoader(session)


def _readable(actor: Actor | None, model: type[R]) -> Callable[[Select[R]], Select[R]]:
    if actor is None:
        return lambda statement: statement.where(false())
    readable = {
        Space: policies.readable_spaces,
        Thread: policies.readable_threads,
        Post: policies.readable_posts,
    }[model]
    return lambda statement: readable(actor, statement)  # type: ignore[operator, arg-type, no-any-return]
