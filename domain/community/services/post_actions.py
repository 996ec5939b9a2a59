"""Moderators approve or reject held posts, and hide or restore posts."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.community import events, repository
from domain.community.errors import CommunityErrorCode as Code
from domain.community.models import Post, PostStatus, Space
from domain.community.services.common import readable_post
from domain.community.services.moderation import (
    ModerationAction,
    audit,
    checked_reason,
    emit_post,
    require_moderator,
    set_post_status,
)
from domain.community.standing import recompute
from domain.identity.policies import Actor
from domain.shared.errors import DomainError


class PostAction(StrEnum):
    HIDE = "HIDE"
    RESTORE = "RESTORE"


async def approve_post(
    session: AsyncSession, actor: Actor, now: datetime, post_id: int, reason: str | None = None
) -> Post:
    """A held post goes out: it counts from now, and its notifications go out now."""
    require_moderator(actor)
    post = await _post_to_moderate(session, actor, post_id)
    reason = checked_reason(reason)
    standing = await repository.standing_for_update(session, post.author_id)
    post = await repository.post_for_update(session, post.id)
    if post.status is not PostStatus.HELD:
        raise DomainError(
            "this post is not awaiting review", code=Code.INVALID_VALUE, field=["input", "postId"]
        )
    thread = await set_post_status(session, post, PostStatus.VISIBLE)
    thread.last_activity_at, thread.last_poster_id = now, post.author_id
    await session.execute(
        update(Space).where(Space.id == thread.space_id).values(last_activity_at=now)
    )
    standing.approved_posts += 1
    recompute(standing)
    audit(session, actor, ModerationAction.POST_APPROVE, "Post", post.id, reason)
    emit_post(session, post, actor.member_id, "approve", reason)
    if post.number == 1:
        events.emit(session, events.THREAD_CREATED, thread_id=thread.id, post_id=post.id)
    events.emit(session, events.POST_CREATED, thread_id=thread.id, post_id=post.id)
    return post


async def reject_post(
    session: AsyncSession, actor: Actor, now: datetime, post_id: int, reason: str | None = None
) -> Post:
    """A held post stays out of sight for good (hidden; a moderator may still restore it)."""
    require_moderator(actor)
    post = await _post_to_moderate(session, actor, post_id)
    reason = checked_reason(reason)
    post = await repository.post_for_update(session, post.id)
    if post.status is not PostStatus.HELD:
        raise DomainError(
            "this post is not awaiting review", code=Code.INVALID_VALUE, field=["input", "postId"]
        )
    await set_post_status(session, post, PostStatus.HIDDEN)
    audit(session, actor, ModerationAction.POST_REJECT, "Post", post.id, reason)
    emit_post(session, post, actor.member_id, "reject", reason)
    return post


async def moderate_post(
    session: AsyncSession,
    actor: Actor,
    now: datetime,
    post_id: int,
    action: PostAction,
    reason: str | None = None,
) -> Post:
    """Hide a post, or restore a hidden one. Hiding an opening post hides its thread."""
    require_moderator(actor)
    post = await _post_to_moderate(session, actor, post_id)
    reason = checked_reason(reason)
    post = await repository.post_for_update(session, post.id)
    if action is PostAction.HIDE:
        if post.status is PostStatus.HIDDEN:
            raise DomainError(
                "this post is already hidden", code=Code.INVALID_VALUE, field=["input", "postId"]
            )
        await set_post_status(session, post, PostStatus.HIDDEN)
        audit_action, verb = ModerationAction.POST_HIDE, "hide"
    else:
        if post.status is not PostStatus.HIDDEN:
            raise DomainError(
                "only a hidden post can be restored (approve a held one)",
                code=Code.INVALID_VALUE,
                field=["input", "postId"],
            )
        await set_post_status(session, post, PostStatus.VISIBLE)
        audit_action, verb = ModerationAction.POST_RESTORE, "restore"
    audit(session, actor, audit_action, "Post", post.id, reason)
    emit_post(session, post, actor.member_id, verb, reason)
    return post


async def _post_to_moderate(session: AsyncSession, actor: Actor, post_id: int) -> Post:
    """The post, if readable and not deleted. Callers lock it after any standing they need:
    locks are taken standing, then post, then thread, in that order everywhere."""
    post, _ = await readable_post(session, actor, post_id)
    if post.deleted_at is not None:
        raise DomainError(
            "this post was deleted", code=Code.INVALID_VALUE, field=["input", "postId"]
        )
    return post
