"""Moderators lock, close, pin or hide threads, move them between spaces and merge them."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.community import repository
from domain.community.errors import CommunityErrorCode as Code
from domain.community.models import (
    Post,
    PostStatus,
    Space,
    SpaceVisibility,
    Thread,
    ThreadKind,
    ThreadWatch,
)
from domain.community.services.common import readable_space, readable_thread
from domain.community.services.moderation import (
    ModerationAction,
    audit,
    checked_reason,
    count_threads,
    emit_thread,
    require_moderator,
    set_thread_hidden,
)
from domain.identity.policies import Actor
from domain.shared.errors import DomainError, Forbidden
from domain.shared.upsert import insert_ignoring_duplicates
from domain.shared.validation import Checker


class ThreadAction(StrEnum):
    LOCK = "LOCK"
    UNLOCK = "UNLOCK"
    CLOSE = "CLOSE"
    REOPEN = "REOPEN"
    PIN = "PIN"
    UNPIN = "UNPIN"
    HIDE = "HIDE"
    UNHIDE = "UNHIDE"


# action: (thread attribute, value it sets, the state's name for "already ...")
_THREAD_TOGGLES = {
    ThreadAction.LOCK: ("locked", True, "locked"),
    ThreadAction.UNLOCK: ("locked", False, "unlocked"),
    ThreadAction.CLOSE: ("closed", True, "closed"),
    ThreadAction.REOPEN: ("closed", False, "open"),
    ThreadAction.PIN: ("pinned", True, "pinned"),
    ThreadAction.UNPIN: ("pinned", False, "unpinned"),
    ThreadAction.HIDE: ("hidden", True, "hidden"),
    ThreadAction.UNHIDE: ("hidden", False, "visible"),
}


async def moderate_thread(
    session: AsyncSession,
    actor: Actor,
    now: datetime,
    thread_id: int,
    action: ThreadAction,
    reason: str | None = None,
) -> Thread:
    """Lock (no replies), close (answered or done), pin (top of its space) or hide a thread."""
    require_moderator(actor)
    thread = await readable_thread(session, actor, thread_id)
    reason = checked_reason(reason)
    thread = await repository.thread_for_update(session, thread.id)
    attribute, value, state = _THREAD_TOGGLES[action]
    if getattr(thread, attribute) == value:
        raise DomainError(
            f"this thread is already {state}", code=Code.INVALID_VALUE, field=["input", "action"]
        )
    if action is ThreadAction.UNHIDE:
        if thread.merged_into_id is not None:
            raise DomainError(
                "a merged thread stays hidden", code=Code.INVALID_VALUE, field=["input", "action"]
            )
        opening = await session.scalar(
            select(Post).where(Post.thread_id == thread.id, Post.number == 1)
        )
        if opening is not None and opening.status is not PostStatus.VISIBLE:
            raise DomainError(
                "its opening post is held or hidden: approve or restore that post instead",
                code=Code.INVALID_VALUE,
                field=["input", "action"],
            )
    if attribute == "hidden":
        await set_thread_hidden(session, thread, value)
    else:
        setattr(thread, attribute, value)
    verb = action.lower()
    audit(session, actor, ModerationAction(f"thread.{verb}"), "Thread", thread.id, reason)
    emit_thread(session, thread, actor.member_id, verb, reason)
    return thread


async def move_thread(
    session: AsyncSession,
    actor: Actor,
    now: datetime,
    thread_id: int,
    space_id: int,
    reason: str | None = None,
) -> Thread:
    """Moves a thread to another space the moderator can read."""
    require_moderator(actor)
    thread = await readable_thread(session, actor, thread_id)
    target = await readable_space(session, actor, space_id, "spaceId")
    reason = checked_reason(reason)
    if target.id == thread.space_id:
        raise DomainError(
            "the thread is already in this space",
            code=Code.INVALID_VALUE,
            field=["input", "spaceId"],
        )
    source = await session.get(Space, thread.space_id)
    assert source is not None
    _check_audience(actor, source, target)
    thread = await repository.thread_for_update(session, thread.id)
    thread.space_id = target.id
    if not thread.hidden:
        await count_threads(session, source.id, -1)
        await count_threads(session, target.id, +1)
    if target.last_activity_at is None or target.last_activity_at < thread.last_activity_at:
        target.last_activity_at = thread.last_activity_at
    audit(
        session,
        actor,
        ModerationAction.THREAD_MOVE,
        "Thread",
        thread.id,
        reason,
        {"from_space_id": source.id, "to_space_id": target.id},
    )
    emit_thread(session, thread, actor.member_id, "move", reason)
    return thread


async def merge_thread(
    session: AsyncSession,
    actor: Actor,
    now: datetime,
    source_id: int,
    target_id: int,
    reason: str | None = None,
) -> tuple[Thread, Thread]:
    """Moves every post of `source` to the end of `target`, numbered after its last post. The
    source stays behind hidden and locked, pointing at the target (merged_into_id), so old links
    can redirect; its watchers now watch the target."""
    require_moderator(actor)
    source = await readable_thread(session, actor, source_id, "sourceThreadId")
    target = await readable_thread(session, actor, target_id, "targetThreadId")
    reason = checked_reason(reason)
    if source.id == target.id:
        raise DomainError(
            "a thread cannot be merged into itself",
            code=Code.CANNOT_MERGE_INTO_ITSELF,
            field=["input", "targetThreadId"],
        )
    check = Checker(Code.INVALID_VALUE)
    for field, thread in (("sourceThreadId", source), ("targetThreadId", target)):
        if thread.merged_into_id is not None:
            check.fail(field, "this thread was already merged into another one")
        elif thread.deleted_at is not None:
            check.fail(field, "this thread was deleted")
    check.raise_if_any()
    if source.space_id != target.space_id:
        source_space = await session.get(Space, source.space_id)
        target_space = await session.get(Space, target.space_id)
        assert source_space is not None and target_space is not None
        _check_audience(actor, source_space, target_space)

    # Lock both in id order, so two merges of the same pair cannot deadlock.
    for locked_id in sorted((source.id, target.id)):
        await repository.thread_for_update(session, locked_id)
    highest, visible = await repository.merged_post_stats(session, source.id)
    await session.execute(
        update(Post)
        .where(Post.thread_id == source.id)
        .values(thread_id=target.id, number=Post.number + target.post_count)
        .execution_options(synchronize_session="fetch")
    )
    target.post_count += highest
    target.reply_count += visible
    if source.last_activity_at > target.last_activity_at:
        target.last_activity_at = source.last_activity_at
        target.last_poster_id = source.last_poster_id
    target.last_post_id = await repository.newest_visible_post_id(session, target.id)
    source.last_post_id = None
    if (
        target.kind is ThreadKind.QUESTION
        and target.accepted_post_id is None
        and source.accepted_post_id is not None
    ):
        target.accepted_post_id = source.accepted_post_id
    source.merged_into_id = target.id
    source.post_count = source.reply_count = source.reaction_count = 0
    source.accepted_post_id = None
    source.locked = True
    await set_thread_hidden(session, source, True)
    watchers = await repository.thread_watcher_ids(session, source.id)
    await insert_ignoring_duplicates(
        session, ThreadWatch, [{"member_id": m, "thread_id": target.id} for m in watchers]
    )
    audit(
        session,
        actor,
        ModerationAction.THREAD_MERGE,
        "Thread",
        source.id,
        reason,
        {"into_thread_id": target.id, "posts": highest},
    )
    emit_thread(session, source, actor.member_id, "merge", reason)
    return source, target


def _check_audience(actor: Actor, source: Space, target: Space) -> None:
    """Only staff take a thread out of a restricted space into a space with another audience:
    an account's or a programme's private talk must not leak through a customer moderator."""
    same_rule = (source.visibility, source.program_id, source.account_id) == (
        target.visibility,
        target.program_id,
        target.account_id,
    )
    if not (actor.is_staff or same_rule or source.visibility is SpaceVisibility.PUBLIC):
        raise Forbidden("only staff move threads out of a restricted space")
