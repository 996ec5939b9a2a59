"""Moderators suspend members from posting, and lift suspensions early."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from domain.community import policies, repository
from domain.community.errors import CommunityErrorCode as Code
from domain.community.models import MemberStanding
from domain.community.services.common import not_found
from domain.community.services.moderation import (
    MAX_REASON_CHARS,
    ModerationAction,
    audit,
    checked_reason,
    emit_member,
    require_moderator,
)
from domain.identity.models import Member
from domain.identity.policies import Actor, actor_for, readable_members
from domain.shared.errors import DomainError, Forbidden
from domain.shared.validation import Checker

MAX_SUSPENSION = timedelta(days=365)


async def suspend_member(
    session: AsyncSession,
    actor: Actor,
    now: datetime,
    member_id: int,
    until: datetime,
    reason: str,
) -> MemberStanding:
    """No posting, replying, reacting or flagging until `until` (at most a year ahead). Customer
    moderators cannot suspend staff."""
    require_moderator(actor)
    member = await _member_to_moderate(session, actor, member_id)
    check = Checker(Code.INVALID_VALUE)
    reason_text = check.text("reason", reason, max_length=MAX_REASON_CHARS, required=True)
    if member.id == actor.member_id:
        check.fail("memberId", "you cannot suspend yourself")
    if until.tzinfo is None:
        check.fail("until", "give a time zone (e.g. 2030-01-01T00:00:00Z)")
    elif until <= now:
        check.fail("until", "must be in the future")
    elif until > now + MAX_SUSPENSION:
        check.fail("until", "at most one year ahead")
    check.raise_if_any()
    standing = await repository.standing_for_update(session, member.id)
    standing.suspended_until = until
    audit(
        session,
        actor,
        ModerationAction.MEMBER_SUSPEND,
        "Member",
        member.id,
        reason_text,
        {"until": until.isoformat()},
    )
    emit_member(session, member.id, actor.member_id, "suspend", reason_text)
    return standing


async def unsuspend_member(
    session: AsyncSession, actor: Actor, now: datetime, member_id: int, reason: str | None = None
) -> MemberStanding:
    """Lifts a suspension before its end."""
    require_moderator(actor)
    member = await _member_to_moderate(session, actor, member_id)
    reason = checked_reason(reason)
    standing = await repository.standing_for_update(session, member.id)
    if standing.suspended_until is None or standing.suspended_until <= now:
        raise DomainError(
            "this member is not suspended", code=Code.INVALID_VALUE, field=["input", "memberId"]
        )
    standing.suspended_until = None
    audit(session, actor, ModerationAction.MEMBER_UNSUSPEND, "Member", member.id, reason)
    emit_member(session, member.id, actor.member_id, "unsuspend", reason)
    return standing


async def _member_to_moderate(session: AsyncSession, actor: Actor, member_id: int) -> Member:
    """The member, if visible to the actor, after checking the actor may suspend them."""
    member = await session.scalar(
        readable_members(
            actor,
            select(Member)
            .where(Member.id == member_id)
            .options(selectinload(Member.role_rows), joinedload(Member.account)),
        )
    )
    if member is None:
        raise not_found("member", "memberId")
    target = actor_for(member, member.account.kind)
    if not policies.can_suspend(actor, target_is_staff=target.is_staff):
        raise Forbidden("customer moderators cannot suspend staff")
    return member
