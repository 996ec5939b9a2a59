"""Community queries. Callers pass statements through the readable_* policies first."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from domain.community.models import (
    MemberStanding,
    Post,
    Reaction,
    ReactionKind,
    Space,
    Thread,
    ThreadKind,
    ThreadRead,
)
from domain.identity.models import Member
from domain.shared.upsert import dialect_name, insert_ignoring_duplicates


class ThreadOrder(StrEnum):
    LATEST_ACTIVITY = "LATEST_ACTIVITY"
    NEWEST = "NEWEST"
    UNANSWERED = "UNANSWERED"
    TOP = "TOP"


def thread_feed(
    statement: Select[Thread], order: ThreadOrder, now: datetime, top_period_days: int
) -> tuple[Select[Thread], list[InstrumentedAttribute[Any]]]:
    """A feed's filter and its keyset (all keys descending; the id breaks ties)."""
    if order is ThreadOrder.LATEST_ACTIVITY:
        return statement, [Thread.pinned, Thread.last_activity_at, Thread.id]
    if order is ThreadOrder.NEWEST:
        return statement, [Thread.id]
    if order is ThreadOrder.UNANSWERED:
        unanswered = statement.where(
            Thread.kind == ThreadKind.QUESTION, Thread.accepted_post_id.is_(None)
        )
        return unanswered, [Thread.id]
    since = now - timedelta(days=top_period_days)
    return statement.where(Thread.created_at >= since), [Thread.reaction_count, Thread.id]


def spaces_statement() -> Select[Space]:
    return select(Space)


def threads_statement() -> Select[Thread]:
    return select(Thread)


def posts_statement() -> Select[Post]:
    return select(Post)


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


async def viewer_reactions(
    session: AsyncSession, member_id: int, post_ids: Sequence[int]
) -> dict[int, list[ReactionKind]]:
    rows = await session.execute(
        select(Reaction.post_id, Reaction.kind)
        .where(Reaction.member_id == member_id, Reaction.post_id.in_(post_ids))
        .order_by(Reaction.kind)
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


async def opening_post_ids(session: AsyncSession, thread_ids: Sequence[int]) -> dict[int, int]:
    rows = await session.execute(
        select(Post.thread_id, Post.id).where(Post.thread_id.in_(thread_ids), Post.number == 1)
    )
    return dict(rows.all())
