"""Community DataLoaders, fresh per request. Viewer-specific ones are bound to the viewer."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from domain.community import repository
from domain.community.models import Post, PostRevision, Reaction, ReactionKind, Space, Thread


class SpaceByIdLoader(DataLoader[int, Space | None]):
    def __init__(self, session: AsyncSession) -> None:
        async def load(ids: Sequence[int]) -> list[Space | None]:
            rows = {s.id: s for s in await session.scalars(select(Space).where(Space.id.in_(ids)))}
            return [rows.get(i) for i in ids]

        super().__init__(load_fn=load)


class ThreadByIdLoader(DataLoader[int, Thread | None]):
    def __init__(self, session: AsyncSession) -> None:
        async def load(ids: Sequence[int]) -> list[Thread | None]:
            rows = {
                t.id: t for t in await session.scalars(select(Thread).where(Thread.id.in_(ids)))
            }
            return [rows.get(i) for i in ids]

        super().__init__(load_fn=load)


class PostByIdLoader(DataLoader[int, Post | None]):
    def __init__(self, session: AsyncSession) -> None:
        async def load(ids: Sequence[int]) -> list[Post | None]:
            rows = {p.id: p for p in await session.scalars(select(Post).where(Post.id.in_(ids)))}
            return [rows.get(i) for i in ids]

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
    def __init__(self, session: AsyncSession, viewer_id: int | None) -> None:
        self.space_by_id = SpaceByIdLoader(session)
        self.thread_by_id = ThreadByIdLoader(session)
        self.post_by_id = PostByIdLoader(session)
        self.reaction_counts_by_post_id = ReactionCountsByPostIdLoader(session)
        self.revisions_by_post_id = RevisionsByPostIdLoader(session)
        viewer = viewer_id or 0  # anonymous callers never reach viewer fields
        self.viewer_reactions_by_post_id = ViewerReactionsByPostIdLoader(session, viewer)
        self.viewer_reactions_by_thread_id = ViewerReactionsByThreadIdLoader(session, viewer)
        self.read_position_by_thread_id = ReadPositionByThreadIdLoader(session, viewer)
