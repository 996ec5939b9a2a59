"""What every moderator action shares: the policy check, the audit entry, the event, the counters.

Members flag posts (flags.py); moderators work a queue and read the log (moderation_reads.py)
and act on posts (post_actions.py), threads (thread_actions.py) and members (suspensions.py).

Every moderator action checks the policy first (a non-moderator is refused whatever the input),
writes an audit entry (actor, action, target, reason) and emits an outbox event whose payload is
{"member_id": the member affected (author or suspended member), "actor_id": the moderator (None
when automatic), "action": a verb, "reason": ..., plus "thread_id"/"post_id"}. The verbs: post
hide, restore, approve, reject, uphold_flags, dismiss_flags, hide_pending_review (automatic);
thread lock, unlock, close, reopen, pin, unpin, hide, unhide, move, merge; member suspend,
unsuspend.

The counters feeds read stay right through every action: a thread's reply_count counts its
visible, undeleted replies; a space's thread_count counts its threads that are not hidden (a
held thread is hidden). An opening post's state and its thread's `hidden` move together.
"""

from enum import StrEnum

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.community import events, policies, repository
from domain.community.errors import CommunityErrorCode as Code
from domain.community.models import Post, PostStatus, Space, Thread
from domain.identity.policies import Actor
from domain.shared.audit import record_audit
from domain.shared.errors import Forbidden
from domain.shared.validation import Checker

MAX_REASON_CHARS = 1000


class ModerationAction(StrEnum):
    """Audit actions that make up the moderation log."""

    POST_HIDE = "post.hide"
    POST_RESTORE = "post.restore"
    POST_AUTO_HIDE = "post.auto_hide"
    POST_APPROVE = "post.approve"
    POST_REJECT = "post.reject"
    POST_FLAGS_UPHOLD = "post.flags_uphold"
    POST_FLAGS_DISMISS = "post.flags_dismiss"
    POST_EDIT = "post.edit"  # someone else's post (recorded by posting)
    POST_DELETE = "post.delete"  # someone else's post (recorded by posting)
    THREAD_LOCK = "thread.lock"
    THREAD_UNLOCK = "thread.unlock"
    THREAD_CLOSE = "thread.close"
    THREAD_REOPEN = "thread.reopen"
    THREAD_PIN = "thread.pin"
    THREAD_UNPIN = "thread.unpin"
    THREAD_HIDE = "thread.hide"
    THREAD_UNHIDE = "thread.unhide"
    THREAD_MOVE = "thread.move"
    THREAD_MERGE = "thread.merge"
    MEMBER_SUSPEND = "member.suspend"
    MEMBER_UNSUSPEND = "member.unsuspend"


# --- checks ---------------------------------------------------------------------------------


def require_moderator(actor: Actor) -> None:
    if not policies.can_moderate(actor):
        raise Forbidden("only moderators may do this")


def checked_reason(reason: str | None) -> str | None:
    check = Checker(Code.INVALID_VALUE)
    cleaned = check.text("reason", reason, max_length=MAX_REASON_CHARS)
    check.raise_if_any()
    return cleaned


# --- counters -------------------------------------------------------------------------------


async def set_post_status(session: AsyncSession, post: Post, status: PostStatus) -> Thread:
    """Changes a post's status and the counts that depend on it; returns its (locked) thread."""
    thread = await repository.thread_for_update(session, post.thread_id)
    counted_before = _counted(post)
    post.status = status
    if post.number == 1:
        await set_thread_hidden(session, thread, status is not PostStatus.VISIBLE)
    else:
        thread.reply_count += _counted(post) - counted_before
    thread.last_post_id = await repository.newest_visible_post_id(session, thread.id)
    return thread


def _counted(post: Post) -> int:
    return int(post.status is PostStatus.VISIBLE and post.deleted_at is None)


async def set_thread_hidden(session: AsyncSession, thread: Thread, hidden: bool) -> None:
    if thread.hidden == hidden:
        return
    thread.hidden = hidden
    await count_threads(session, thread.space_id, -1 if hidden else +1)


async def count_threads(session: AsyncSession, space_id: int, delta: int) -> None:
    await session.execute(
        update(Space).where(Space.id == space_id).values(thread_count=Space.thread_count + delta)
    )


# --- audit and events -----------------------------------------------------------------------


def audit(
    session: AsyncSession,
    actor: Actor,
    action: ModerationAction,
    target_type: str,
    target_id: int,
    reason: str | None,
    details: dict[str, object] | None = None,
) -> None:
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        details=details,
    )


def emit_post(
    session: AsyncSession, post: Post, actor_id: int | None, verb: str, reason: str | None
) -> None:
    events.emit(
        session,
        events.POST_MODERATED,
        member_id=post.author_id,
        actor_id=actor_id,
        action=verb,
        reason=reason,
        thread_id=post.thread_id,
        post_id=post.id,
    )


def emit_thread(
    session: AsyncSession, thread: Thread, actor_id: int, verb: str, reason: str | None
) -> None:
    events.emit(
        session,
        events.THREAD_MODERATED,
        member_id=thread.author_id,
        actor_id=actor_id,
        action=verb,
        reason=reason,
        thread_id=thread.id,
    )


def emit_member(
    session: AsyncSession, member_id: int, actor_id: int, verb: str, reason: str | None
) -> None:
    events.emit(
        session,
        events.MEMBER_SUSPENDED,
        member_id=member_id,
        actor_id=actor_id,
        action=verb,
        reason=reason,
    )
