"""Lookups and checks every community use case shares."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.community import policies, repository
from domain.community.errors import CommunityErrorCode as Code
from domain.community.markdown import Rendered, render
from domain.community.models import MemberStanding, Post, Space, Thread
from domain.community.policies import CommunityRules
from domain.identity.policies import Actor
from domain.shared.errors import DomainError, Forbidden
from domain.shared.validation import Checker


def not_found(what: str, field: str) -> DomainError:
    return DomainError(f"{what} not found", code=Code.NOT_FOUND, field=["input", field])


async def readable_space(session: AsyncSession, actor: Actor, space_id: int, field: str) -> Space:
    space = await session.scalar(
        policies.readable_spaces(actor, select(Space).where(Space.id == space_id))
    )
    if space is None:
        raise not_found("space", field)
    return space


async def readable_thread(
    session: AsyncSession, actor: Actor, thread_id: int, field: str = "threadId"
) -> Thread:
    thread = await session.scalar(
        policies.readable_threads(actor, select(Thread).where(Thread.id == thread_id))
    )
    if thread is None:
        raise not_found("thread", field)
    return thread


async def readable_post(
    session: AsyncSession, actor: Actor, post_id: int, field: str = "postId"
) -> tuple[Post, Thread]:
    post = await session.get(Post, post_id)
    if post is None or not policies.can_see_post(actor, post):
        raise not_found("post", field)
    thread = await readable_thread(session, actor, post.thread_id, field)
    return post, thread


async def poster_standing(session: AsyncSession, actor: Actor, now: datetime) -> MemberStanding:
    """The actor's standing, after checking they may post at all right now."""
    standing = await repository.standing_for_update(session, actor.member_id)
    reason = policies.posting_blocked_reason(actor, standing.suspended_until, now)
    if reason:
        raise Forbidden(reason)
    return standing


def checked_body(
    check: Checker, field: str, body: str, rules: CommunityRules, standing: MemberStanding
) -> Rendered:
    if not body.strip():
        check.fail(field, "write something first", Code.EMPTY_BODY)
    elif len(body) > rules.max_body_chars:
        check.fail(field, f"at most {rules.max_body_chars} characters", Code.BODY_TOO_LONG)
    rendered = render(body)
    if rendered.has_links and standing.trust_level < rules.links_min_trust_level:
        check.fail(field, "new members cannot post links yet", Code.LINKS_NOT_ALLOWED)
    return rendered


def held_for_review(actor: Actor, standing: MemberStanding, rules: CommunityRules) -> bool:
    threshold = rules.hold_posts_below_trust_level
    if threshold is None or actor.is_staff or policies.is_moderator(actor):
        return False
    return standing.trust_level < threshold
