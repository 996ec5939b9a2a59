"""Reactions (one per member per kind) and accepted answers."""

from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.community import events, policies, repository
from domain.community.errors import CommunityErrorCode as Code
from domain.community.models import Post, Reaction, ReactionKind, Thread, ThreadKind
from domain.community.services.common import poster_standing, readable_post
from domain.community.standing import recompute
from domain.identity.policies import Actor
from domain.shared.audit import record_audit
from domain.shared.errors import DomainError, Forbidden
from domain.shared.upsert import insert_ignoring_duplicates


async def react(
    session: AsyncSession, actor: Actor, now: datetime, post_id: int, kind: ReactionKind
) -> Post:
    post, thread = await readable_post(session, actor, post_id)
    await poster_standing(session, actor, now)
    added = await insert_ignoring_duplicates(
        session,
        Reaction,
        [{"post_id": post.id, "member_id": actor.member_id, "kind": kind, "created_at": now}],
    )
    if not added:
        raise DomainError(
            f"you already reacted {kind}", code=Code.ALREADY_REACTED, field=["input", "kind"]
        )
    await _count(session, post, thread, +1)
    events.emit(
        session, events.REACTION_ADDED, post_id=post.id, member_id=actor.member_id, kind=str(kind)
    )
    return post


async def unreact(session: AsyncSession, actor: Actor, post_id: int, kind: ReactionKind) -> Post:
    post, thread = await readable_post(session, actor, post_id)
    result = await session.execute(
        delete(Reaction).where(
            Reaction.post_id == post.id,
            Reaction.member_id == actor.member_id,
            Reaction.kind == kind,
        )
    )
    if getattr(result, "rowcount", 0):
        await _count(session, post, thread, -1)
    return post


async def _count(session: AsyncSession, post: Post, thread: Thread, delta: int) -> None:
    # Atomic increments: concurrent reactions never lose a count.
    await session.execute(
        update(Post).where(Post.id == post.id).values(reaction_count=Post.reaction_count + delta)
    )
    if post.number == 1:
        await session.execute(
            update(Thread)
            .where(Thread.id == thread.id)
            .values(reaction_count=Thread.reaction_count + delta)
        )
    await session.refresh(post, ["reaction_count"])


async def accept_answer(session: AsyncSession, actor: Actor, post_id: int) -> Thread:
    """The asker or a moderator marks one reply as the answer; the previous one is un-accepted."""
    post, thread = await readable_post(session, actor, post_id)
    if thread.kind is not ThreadKind.QUESTION:
        raise DomainError(
            "only questions have accepted answers",
            code=Code.NOT_A_QUESTION,
            field=["input", "postId"],
        )
    if not policies.can_accept_answer(actor, thread):
        raise Forbidden("only the asker or a moderator accepts an answer")
    if post.number == 1:
        raise DomainError(
            "the question cannot answer itself", code=Code.NOT_IN_THREAD, field=["input", "postId"]
        )
    if thread.accepted_post_id == post.id:
        return thread
    if thread.accepted_post_id is not None:
        await _unaccept(session, actor, thread)
    thread.accepted_post_id = post.id
    standing = await repository.standing_for_update(session, post.author_id)
    standing.accepted_answers += 1
    recompute(standing)
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="answer.accept",
        target_type="Thread",
        target_id=thread.id,
        details={"post_id": post.id},
    )
    events.emit(
        session,
        events.ANSWER_ACCEPTED,
        thread_id=thread.id,
        post_id=post.id,
        member_id=actor.member_id,
    )
    return thread


async def unaccept_answer(session: AsyncSession, actor: Actor, thread: Thread) -> Thread:
    if not policies.can_accept_answer(actor, thread):
        raise Forbidden("only the asker or a moderator changes the accepted answer")
    if thread.accepted_post_id is not None:
        await _unaccept(session, actor, thread)
    return thread


async def _unaccept(session: AsyncSession, actor: Actor, thread: Thread) -> None:
    previous = await session.get(Post, thread.accepted_post_id)
    thread.accepted_post_id = None
    if previous is not None:
        standing = await repository.standing_for_update(session, previous.author_id)
        standing.accepted_answers = max(0, standing.accepted_answers - 1)
        recompute(standing)
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="answer.unaccept",
        target_type="Thread",
        target_id=thread.id,
        details={"post_id": previous.id if previous else None},
    )
    events.emit(
        session,
        events.ANSWER_UNACCEPTED,
        thread_id=thread.id,
        post_id=previous.id if previous else None,
    )
