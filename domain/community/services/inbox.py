"""A member's notification inbox: what it lists, read state, and which kinds they receive."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.community import policies
from domain.community.errors import CommunityErrorCode as Code
from domain.community.models import (
    Notification,
    NotificationKind,
    NotificationPreference,
    Post,
    Thread,
)
from domain.identity.policies import Actor
from domain.shared.errors import DomainError
from domain.shared.upsert import insert_ignoring_duplicates

MAX_IDS = 100


def inbox_statement(actor: Actor, *, unread_only: bool = False) -> Select[Notification]:
    """The actor's own notifications; nobody reads another member's inbox."""
    statement = select(Notification).where(Notification.recipient_id == actor.member_id)
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    return statement


async def notifications_by_ids(
    session: AsyncSession, actor: Actor, ids: Sequence[int]
) -> dict[int, Notification]:
    rows = await session.scalars(inbox_statement(actor).where(Notification.id.in_(ids)))
    return {notification.id: notification for notification in rows}


async def unread_count(session: AsyncSession, actor: Actor) -> int:
    statement = inbox_statement(actor, unread_only=True).with_only_columns(func.count())
    return await session.scalar(statement) or 0


async def readable_subjects(
    session: AsyncSession, actor: Actor, notifications: Sequence[Notification]
) -> tuple[dict[int, Thread], dict[int, Post]]:
    """The threads and posts the notifications point at that the actor may read *now* (a post
    may have been hidden, or the actor may have lost access, since they were notified).
    Two queries for any number of notifications."""
    thread_ids = {n.thread_id for n in notifications if n.thread_id is not None}
    post_ids = {n.post_id for n in notifications if n.post_id is not None}
    threads: dict[int, Thread] = {}
    posts: dict[int, Post] = {}
    if thread_ids:
        rows = await session.scalars(
            policies.readable_threads(actor, select(Thread).where(Thread.id.in_(thread_ids)))
        )
        threads = {thread.id: thread for thread in rows}
    if post_ids:
        found = await session.scalars(
            policies.readable_posts(actor, select(Post).where(Post.id.in_(post_ids)))
        )
        posts = {post.id: post for post in found}
    return threads, posts


async def mark_read(
    session: AsyncSession, actor: Actor, now: datetime, ids: Sequence[int]
) -> list[Notification]:
    """Marks some of the actor's notifications read; all or nothing if any id is not theirs.
    A notification read before keeps its first read time."""
    if len(ids) > MAX_IDS:
        raise DomainError(
            f"at most {MAX_IDS} ids at once", code=Code.TOO_MANY_ITEMS, field=["input", "ids"]
        )
    found = await notifications_by_ids(session, actor, ids)
    missing = [i for i in ids if i not in found]
    if missing:
        raise DomainError("notification not found", code=Code.NOT_FOUND, field=["input", "ids"])
    for notification in found.values():
        if notification.read_at is None:
            notification.read_at = now
    return [found[i] for i in dict.fromkeys(ids)]


async def mark_all_read(session: AsyncSession, actor: Actor, now: datetime) -> int:
    """Marks every unread notification of the actor read; returns how many there were."""
    result = await session.execute(
        update(Notification)
        .where(Notification.recipient_id == actor.member_id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def preferences(session: AsyncSession, actor: Actor) -> dict[NotificationKind, bool]:
    """Every kind with whether the actor receives it (all are on until turned off)."""
    rows = await session.execute(
        select(NotificationPreference.kind, NotificationPreference.enabled).where(
            NotificationPreference.member_id == actor.member_id
        )
    )
    chosen = {kind: enabled for kind, enabled in rows}
    return {kind: chosen.get(kind, True) for kind in NotificationKind}


async def set_preference(
    session: AsyncSession, actor: Actor, kind: NotificationKind, enabled: bool
) -> bool:
    """Turns a kind on or off for the actor. Only "off" is stored: on is the default."""
    if enabled:
        await session.execute(
            delete(NotificationPreference).where(
                NotificationPreference.member_id == actor.member_id,
                NotificationPreference.kind == kind,
            )
        )
    else:
        await insert_ignoring_duplicates(
            session,
            NotificationPreference,
            [{"member_id": actor.member_id, "kind": kind, "enabled": False}],
        )
    return enabled
