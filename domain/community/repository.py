"""Community queries. Callers pass statements through the readable_* policies first."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BindParameter,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from domain.community.models import (
    Flag,
    FlagStatus,
    MemberStanding,
    Post,
    PostStatus,
    Reaction,
    ReactionKind,
    Space,
    Thread,
    ThreadKind,
    ThreadRead,
    ThreadWatch,
)
from domain.identity.models import Member
from domain.shared.audit import AuditEntry
from domain.shared.models import UTCDateTime
from domain.shared.upsert import dialect_name, insert_ignoring_duplicates


class ThreadOrder(StrEnum):
    LATEST_ACTIVITY = "LATEST_ACTIVITY"
    NEWEST = "NEWEST"
    UNANSWERED = "UNANSWERED"
    TOP = "TOP"


_FEED_SINCE = bindparam("feed_since", type_=UTCDateTime(), required=True)


def thread_feed(
    statement: Select[Thread], order: ThreadOrder
) -> tuple[Select[Thread], list[InstrumentedAttribute[Any]]]:
    """A feed's filter and its keyset (all keys descending; the id breaks ties). The filter's
    values are bind parameters: thread_feed_parameters."""
    if order is ThreadOrder.LATEST_ACTIVITY:
        return statement, [Thread.pinned, Thread.last_activity_at, Thread.id]
    if order is ThreadOrder.NEWEST:
        return statement, [Thread.id]
    if order is ThreadOrder.UNANSWERED:
        unanswered = statement.where(
            Thread.kind == ThreadKind.QUESTION, Thread.accepted_post_id.is_(None)
        )
        return unanswered, [Thread.id]
    return statement.where(Thread.created_at >= _FEED_SINCE), [Thread.reaction_count, Thread.id]


def thread_feed_parameters(
    order: ThreadOrder, now: datetime, top_period_days: int
) -> dict[str, Any]:
    if order is ThreadOrder.TOP:
        return {"feed_since": now - timedelta(days=top_period_days)}
    return {}


async def space_slug_exists(session: AsyncSession, slug: str) -> bool:
    return await session.scalar(select(Space.id).where(Space.slug == slug)) is not None


async def member_ids_by_handles(session: AsyncSession, handles: Sequence[str]) -> dict[str, int]:
    if not handles:
        return {}
    rows = await session.execute(select(Member.handle, Member.id).where(Member.handle.in_(handles)))
    return {handle: member_id for handle, member_id in rows}


async def standing_for_update(session: AsyncSession, member_id: int) -> MemberStanding:
    """The member's standing row, created on first use (concurrency-safe upsert)."""
    await insert_ignoring_duplicates(session, MemberStanding, [{"member_id": member_id}])
    statement = select(MemberStanding).where(MemberStanding.member_id == member_id)
    if dialect_name(session) == "postgresql":
        statement = statement.with_for_update()
    standing = await session.scalar(statement.execution_options(populate_existing=True))
    assert standing is not None
    return standing


async def standings_by_member_ids(
    session: AsyncSession, member_ids: Sequence[int]
) -> dict[int, MemberStanding]:
    rows = await session.scalars(
        select(MemberStanding).where(MemberStanding.member_id.in_(member_ids))
    )
    return {row.member_id: row for row in rows}


async def next_post_number(
    session: AsyncSession, thread_id: int, *, visible: bool, poster_id: int, now: datetime
) -> int:
    """Claims the thread's next post number atomically (a row lock on PostgreSQL)."""
    values: dict[str, object] = {"post_count": Thread.post_count + 1}
    if visible:
        values |= {
            "reply_count": Thread.reply_count + 1,
            "last_activity_at": now,
            "last_poster_id": poster_id,
        }
    number = await session.scalar(
        update(Thread).where(Thread.id == thread_id).values(values).returning(Thread.post_count)
    )
    assert number is not None
    return number


async def newest_visible_post_id(session: AsyncSession, thread_id: int) -> int | None:
    """The post a thread's teaser shows: its highest-numbered visible, undeleted post (a
    backward walk of the unique (thread_id, number) index, stopping at the first match)."""
    return await session.scalar(
        select(Post.id)
        .where(
            Post.thread_id == thread_id,
            Post.status == PostStatus.VISIBLE,
            Post.deleted_at.is_(None),
        )
        .order_by(Post.number.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class Teaser:
    """What a thread list shows of a post: no body, just the plain-text excerpt."""

    post_id: int
    thread_id: int
    number: int
    author_id: int
    excerpt: str
    created_at: datetime


_POST_IDS: BindParameter[Any] = bindparam("post_ids", expanding=True)
_THREAD_IDS: BindParameter[Any] = bindparam("thread_ids", expanding=True)
_MEMBER_ID = bindparam("member_id", type_=Integer, required=True)
# The read path's hot statements, built once: building and keying a statement costs more CPU than
# SQLite takes to run it.
_TEASERS = select(
    Post.id, Post.thread_id, Post.number, Post.author_id, Post.excerpt, Post.created_at
).where(Post.id.in_(_POST_IDS))


async def teasers(session: AsyncSession, post_ids: Sequence[int]) -> dict[int, Teaser]:
    rows = await session.execute(_TEASERS, {"post_ids": list(post_ids)})
    return {row[0]: Teaser(*row) for row in rows}


@dataclass(frozen=True)
class ThreadViewerState:
    """A thread list's per-viewer fields and teaser for one thread, read together."""

    thread_id: int
    read_position: int
    following: bool
    teaser: Teaser | None


def with_viewer_state(statement: Select[Any]) -> Select[Any]:
    """`statement` over threads with seven more columns, read by viewer_state: the viewer's
    (bind parameter member_id) read position and watch, and the last post's teaser. Primary-key
    and (member, thread) lookups per thread."""
    return (
        statement.add_columns(
            ThreadRead.last_read_number,
            ThreadWatch.member_id,
            Post.id,
            Post.number,
            Post.author_id,
            Post.excerpt,
            Post.created_at,
        )
        .outerjoin(
            ThreadRead,
            and_(ThreadRead.thread_id == Thread.id, ThreadRead.member_id == _MEMBER_ID),
        )
        .outerjoin(
            ThreadWatch,
            and_(ThreadWatch.thread_id == Thread.id, ThreadWatch.member_id == _MEMBER_ID),
        )
        .outerjoin(Post, Post.id == Thread.last_post_id)
    )


def viewer_state(thread_id: int, columns: Sequence[Any]) -> ThreadViewerState:
    """The state from the columns with_viewer_state added (the last seven of a row)."""
    position, watcher, post_id, number, author_id, excerpt, created_at = columns[-7:]
    return ThreadViewerState(
        thread_id=thread_id,
        read_position=position or 0,
        following=watcher is not None,
        teaser=None
        if post_id is None
        else Teaser(post_id, thread_id, number, author_id, excerpt, created_at),
    )


_THREADS_VIEWER_STATE = with_viewer_state(select(Thread.id)).where(Thread.id.in_(_THREAD_IDS))


async def threads_viewer_state(
    session: AsyncSession, member_id: int, thread_ids: Sequence[int]
) -> list[ThreadViewerState]:
    """Read position, watching and last-post teaser of each thread in one statement: one round
    trip instead of three per page."""
    rows = await session.execute(
        _THREADS_VIEWER_STATE, {"member_id": member_id, "thread_ids": list(thread_ids)}
    )
    return [viewer_state(row[0], row) for row in rows]


async def watched_thread_ids(
    session: AsyncSession, member_id: int, thread_ids: Sequence[int]
) -> set[int]:
    rows = await session.scalars(
        select(ThreadWatch.thread_id).where(
            ThreadWatch.member_id == member_id, ThreadWatch.thread_id.in_(thread_ids)
        )
    )
    return set(rows)


_VIEWER_REACTIONS = (
    select(Reaction.post_id, Reaction.kind)
    .where(Reaction.member_id == _MEMBER_ID, Reaction.post_id.in_(_POST_IDS))
    .order_by(Reaction.kind)
)


async def viewer_reactions(
    session: AsyncSession, member_id: int, post_ids: Sequence[int]
) -> dict[int, list[ReactionKind]]:
    rows = await session.execute(
        _VIEWER_REACTIONS, {"member_id": member_id, "post_ids": list(post_ids)}
    )
    result: dict[int, list[ReactionKind]] = {post_id: [] for post_id in post_ids}
    for post_id, kind in rows:
        result[post_id].append(kind)
    return result


async def reaction_counts(
    session: AsyncSession, post_ids: Sequence[int]
) -> dict[int, dict[ReactionKind, int]]:
    from sqlalchemy import func

    rows = await session.execute(
        select(Reaction.post_id, Reaction.kind, func.count())
        .where(Reaction.post_id.in_(post_ids))
        .group_by(Reaction.post_id, Reaction.kind)
    )
    result: dict[int, dict[ReactionKind, int]] = {post_id: {} for post_id in post_ids}
    for post_id, kind, count in rows:
        result[post_id][kind] = count
    return result


async def read_positions(
    session: AsyncSession, member_id: int, thread_ids: Sequence[int]
) -> dict[int, int]:
    rows = await session.execute(
        select(ThreadRead.thread_id, ThreadRead.last_read_number).where(
            ThreadRead.member_id == member_id, ThreadRead.thread_id.in_(thread_ids)
        )
    )
    return dict(rows.all())


# --- moderation -----------------------------------------------------------------------------


def _for_update(session: AsyncSession, statement: Select[Any]) -> Select[Any]:
    # FOR NO KEY UPDATE: these rows change, their keys never do, so foreign-key checks of other
    # transactions (KEY SHARE, e.g. a thread's last_post_id set to this post) are not blocked.
    # Plain FOR UPDATE made them wait here while holding the thread this one waits for.
    if dialect_name(session) == "postgresql":
        statement = statement.with_for_update(key_share=True)
    return statement.execution_options(populate_existing=True)


async def post_for_update(session: AsyncSession, post_id: int) -> Post:
    """The post, re-read under a row lock on PostgreSQL (flaggers of one post queue up here)."""
    post = await session.scalar(_for_update(session, select(Post).where(Post.id == post_id)))
    assert post is not None
    return post


async def thread_for_update(session: AsyncSession, thread_id: int) -> Thread:
    thread = await session.scalar(
        _for_update(session, select(Thread).where(Thread.id == thread_id))
    )
    assert thread is not None
    return thread


async def open_flag_weight(session: AsyncSession, post_id: int) -> int:
    weight = await session.scalar(
        select(func.coalesce(func.sum(Flag.weight), 0)).where(
            Flag.post_id == post_id, Flag.status == FlagStatus.OPEN
        )
    )
    return int(weight or 0)


async def open_flags(session: AsyncSession, post_ids: Sequence[int]) -> dict[int, list[Flag]]:
    """Open flags per post, oldest first."""
    rows = await session.scalars(
        select(Flag)
        .where(Flag.post_id.in_(post_ids), Flag.status == FlagStatus.OPEN)
        .order_by(Flag.id)
    )
    result: dict[int, list[Flag]] = {post_id: [] for post_id in post_ids}
    for flag in rows:
        result[flag.post_id].append(flag)
    return result


async def last_audit_action(
    session: AsyncSession, target_type: str, target_id: int, actions: Sequence[str]
) -> str | None:
    """The most recent of `actions` recorded against a target."""
    return await session.scalar(
        select(AuditEntry.action)
        .where(
            AuditEntry.target_type == target_type,
            AuditEntry.target_id == target_id,
            AuditEntry.action.in_(actions),
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class QueueRow:
    post: Post
    queued_at: datetime
    flag_count: int
    flag_weight: int


async def moderation_queue(
    session: AsyncSession,
    readable_thread_ids: Select[int],
    *,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[QueueRow]:
    """Posts awaiting a moderator: held ones, and those with open flags (one row per post, with
    the flags' count and weight), oldest first by when they entered the queue. Keyset-paged on
    (queued_at, post id)."""
    flagged = (
        select(
            Flag.post_id,
            func.min(Flag.created_at).label("first_flagged_at"),
            func.count().label("flag_count"),
            func.sum(Flag.weight).label("flag_weight"),
        )
        .where(Flag.status == FlagStatus.OPEN)
        .group_by(Flag.post_id)
        .subquery()
    )
    queued_at = case(
        (flagged.c.first_flagged_at.is_(None), Post.created_at),
        (Post.status == PostStatus.HELD, Post.created_at),
        else_=flagged.c.first_flagged_at,
    )
    statement = (
        select(
            Post,
            queued_at.label("queued_at"),
            func.coalesce(flagged.c.flag_count, 0),
            func.coalesce(flagged.c.flag_weight, 0),
        )
        .join(Thread, Thread.id == Post.thread_id)
        .outerjoin(flagged, flagged.c.post_id == Post.id)
        .where(
            (Post.status == PostStatus.HELD) | flagged.c.post_id.is_not(None),
            Post.deleted_at.is_(None),
            Thread.deleted_at.is_(None),
            Post.thread_id.in_(readable_thread_ids),
        )
    )
    if after is not None:
        # Typed binds, so the time compares in stored format on SQLite too.
        statement = statement.where(
            tuple_(queued_at, Post.id)
            > tuple_(literal(after[0], type_=UTCDateTime()), literal(after[1], type_=Post.id.type))
        )
    rows = await session.execute(statement.order_by(queued_at, Post.id).limit(limit))
    return [
        QueueRow(post=post, queued_at=at, flag_count=int(count), flag_weight=int(weight))
        for post, at, count, weight in rows
    ]


async def merged_post_stats(session: AsyncSession, thread_id: int) -> tuple[int, int]:
    """(highest post number, visible undeleted posts) of a thread about to be merged away."""
    row = (
        await session.execute(
            select(
                func.coalesce(func.max(Post.number), 0),
                func.coalesce(
                    func.sum(
                        case(
                            (
                                (Post.status == PostStatus.VISIBLE) & Post.deleted_at.is_(None),
                                1,
                            ),
                            else_=0,
                        )
                    ),
                    0,
                ),
            ).where(Post.thread_id == thread_id)
        )
    ).one()
    return int(row[0]), int(row[1])


async def thread_watcher_ids(session: AsyncSession, thread_id: int) -> list[int]:
    rows = await session.scalars(
        select(ThreadWatch.member_id).where(ThreadWatch.thread_id == thread_id)
    )
    return list(rows)
