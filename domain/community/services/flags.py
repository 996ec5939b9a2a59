"""Members flag posts; enough flag weight hides a post until a moderator upholds or dismisses."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.community import repository
from domain.community.errors import CommunityErrorCode as Code
from domain.community.models import Flag, FlagStatus, Post, PostStatus
from domain.community.services.common import poster_standing, readable_post
from domain.community.services.moderation import (
    MAX_REASON_CHARS,
    ModerationAction,
    audit,
    checked_reason,
    emit_post,
    require_moderator,
    set_post_status,
)
from domain.community.standing import FLAG_WEIGHT_TO_HIDE, flag_weight, recompute
from domain.identity.policies import Actor
from domain.shared.audit import record_audit
from domain.shared.errors import DomainError
from domain.shared.upsert import insert_ignoring_duplicates
from domain.shared.validation import Checker

AUTO_HIDE_REASON = "hidden automatically: members flagged it; a moderator will review it"

# Actions that decide whether a post is out of sight, newest wins (dismissing flags restores a
# post only if the last of these hid it automatically).
_POST_STATUS_ACTIONS = [
    ModerationAction.POST_HIDE,
    ModerationAction.POST_RESTORE,
    ModerationAction.POST_AUTO_HIDE,
    ModerationAction.POST_APPROVE,
    ModerationAction.POST_REJECT,
    ModerationAction.POST_FLAGS_UPHOLD,
]


async def flag_post(
    session: AsyncSession, actor: Actor, now: datetime, post_id: int, reason: str
) -> Post:
    """A member flags a post they can read (not their own), once, with a reason. A flag weighs
    what the flagger's trust level earns; when a post's open flags weigh FLAG_WEIGHT_TO_HIDE it
    is hidden until a moderator reviews it."""
    post, _ = await readable_post(session, actor, post_id)
    standing = await poster_standing(session, actor, now)
    check = Checker(Code.INVALID_VALUE)
    reason_text = check.text("reason", reason, max_length=MAX_REASON_CHARS, required=True)
    if post.author_id == actor.member_id:
        check.fail("postId", "you cannot flag your own post")
    elif post.deleted_at is not None:
        check.fail("postId", "this post was deleted")
    check.raise_if_any()

    # The row lock makes concurrent flaggers of one post take turns, so exactly one of them
    # sees the weight cross the threshold.
    post = await repository.post_for_update(session, post.id)
    row = {
        "post_id": post.id,
        "member_id": actor.member_id,
        "reason": reason_text,
        "weight": flag_weight(standing.trust_level),
        "status": FlagStatus.OPEN,
        "created_at": now,
    }
    if not await insert_ignoring_duplicates(session, Flag, [row]):
        raise DomainError(
            "you already flagged this post", code=Code.ALREADY_FLAGGED, field=["input", "postId"]
        )
    weight = await repository.open_flag_weight(session, post.id)
    if weight >= FLAG_WEIGHT_TO_HIDE and post.status is PostStatus.VISIBLE:
        await set_post_status(session, post, PostStatus.HIDDEN)
        record_audit(
            session,
            actor_member_id=None,
            action=ModerationAction.POST_AUTO_HIDE,
            target_type="Post",
            target_id=post.id,
            reason=AUTO_HIDE_REASON,
            details={"flag_weight": weight},
        )
        emit_post(session, post, None, "hide_pending_review", AUTO_HIDE_REASON)
    return post


async def resolve_flags(
    session: AsyncSession,
    actor: Actor,
    now: datetime,
    post_id: int,
    uphold: bool,
    reason: str | None = None,
) -> Post:
    """Upholding hides the post and counts against its author's trust; dismissing clears the
    flags and brings the post back if the flags had hidden it."""
    require_moderator(actor)
    post, _ = await readable_post(session, actor, post_id)
    reason = checked_reason(reason)
    standing = await repository.standing_for_update(session, post.author_id) if uphold else None
    post = await repository.post_for_update(session, post.id)
    flags = (await repository.open_flags(session, [post.id]))[post.id]
    if not flags:
        raise DomainError(
            "this post has no open flags", code=Code.INVALID_VALUE, field=["input", "postId"]
        )
    for flag in flags:
        flag.status = FlagStatus.UPHELD if uphold else FlagStatus.DISMISSED
        flag.resolved_by_id, flag.resolved_at = actor.member_id, now
    if standing is not None:
        if post.status is not PostStatus.HIDDEN:
            await set_post_status(session, post, PostStatus.HIDDEN)
        standing.flags_upheld += 1
        recompute(standing)
        action, verb = ModerationAction.POST_FLAGS_UPHOLD, "uphold_flags"
    else:
        last = await repository.last_audit_action(session, "Post", post.id, _POST_STATUS_ACTIONS)
        if post.status is PostStatus.HIDDEN and last == ModerationAction.POST_AUTO_HIDE:
            await set_post_status(session, post, PostStatus.VISIBLE)
        action, verb = ModerationAction.POST_FLAGS_DISMISS, "dismiss_flags"
    audit(session, actor, action, "Post", post.id, reason, {"flags": len(flags)})
    emit_post(session, post, actor.member_id, verb, reason)
    return post
