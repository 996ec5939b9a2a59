"""Read positions and watching."""

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.community import repository
from domain.community.models import SpaceWatch, ThreadRead, ThreadWatch
from domain.community.services.common import readable_space, readable_thread
from domain.community.standing import recompute
from domain.identity.policies import Actor
from domain.shared.upsert import insert_ignoring_duplicates


async def mark_read(
    session: AsyncSession, actor: Actor, now: datetime, thread_id: int, up_to_number: int | None
) -> ThreadRead:
    """Moves the read position forward (never back); counts newly read posts for trust."""
    thread = await readable_thread(session, actor, thread_id)
    target = min(up_to_number or thread.post_count, thread.post_count)
    await insert_ignoring_duplicates(
        session,
        ThreadRead,
        [
            {
                "member_id": actor.member_id,
                "thread_id": thread.id,
                "last_read_number": 0,
                "read_at": now,
            }
        ],
    )
    position = await session.scalar(
        select(ThreadRead)
        .where(ThreadRead.member_id == actor.member_id, ThreadRead.thread_id == thread.id)
        .execution_options(populate_existing=True)
    )
    assert position is not None
    newly_read = target - position.last_read_number
    if newly_read > 0:
        position.last_read_number, position.read_at = target, now
        standing = await repository.standing_for_update(session, actor.member_id)
        standing.posts_read += newly_read
        recompute(standing)
    return position


async def watch_thread(session: AsyncSession, actor: Actor, thread_id: int, on: bool) -> None:
    thread = await readable_thread(session, actor, thread_id)
    if on:
        await insert_ignoring_duplicates(
            session, ThreadWatch, [{"member_id": actor.member_id, "thread_id": thread.id}]
        )
    else:
        await session.execute(
            delete(ThreadWatch).where(
                ThreadWatch.member_id == actor.member_id, ThreadWatch.thread_id == thread.id
            )
        )


async def watch_space(session: AsyncSession, actor: Actor, space_id: int, on: bool) -> None:
    space = await readable_space(session, actor, space_id, "spaceId")
    if on:
        await insert_ignoring_duplicates(
            session, SpaceWatch, [{"member_id": actor.member_id, "space_id": space.id}]
        )
    else:
        await session.execute(
            delete(SpaceWatch).where(
                SpaceWatch.member_id == actor.member_id, SpaceWatch.space_id == space.id
            )
        )
