"""Notifications: outbox consumers that fill members' inboxes.

Payloads carry ids only, so every handler re-reads the rows: an event handled late never
notifies about a post that has since been held, hidden or deleted. A member is notified only if
they are active, have not turned that kind off, and may read the post (or thread) at handling
time, checked through the same readable statements every other surface uses (see
notification_delivery.py).

The unique key (recipient, dedupe_key, kind) de-duplicates. For notifications about a post
it holds the post's id, so a post notifies a member at most once per kind, whichever event
brought it: THREAD_CREATED and POST_CREATED both announce an opening post, POST_CREATED comes
again when a moderator approves a held post, and the outbox may redeliver. Moderation notices
hold the outbox event's id: every moderator action is news of its own.
"""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.community import events
from domain.community.models import (
    Mention,
    NotificationKind,
    Post,
    PostStatus,
    SpaceWatch,
    Thread,
    ThreadWatch,
)
from domain.community.notification_delivery import Subject, notify
from domain.shared.outbox import Delivery, Handler

Kind = NotificationKind

_MESSAGE_LENGTH = 500


# --- handlers -------------------------------------------------------------------------------


async def on_thread_created(delivery: Delivery) -> None:
    await _thread_opened(delivery, int(delivery.event.payload["post_id"]))


async def on_post_created(delivery: Delivery) -> None:
    """A reply notifies the thread's watchers (REPLY) and the members it mentions (MENTION,
    instead of REPLY). An opening post is announced like THREAD_CREATED: when a held thread
    is approved, POST_CREATED is the event that comes."""
    post = await _visible_post(delivery.session, delivery.event.payload["post_id"])
    if post is None:
        return
    if post.number == 1:
        await _thread_opened(delivery, post.id)
        return
    session = delivery.session
    # Watchers who have posted in the thread since (the worker may run late) have seen it.
    posted_since = select(Post.author_id).where(
        Post.thread_id == post.thread_id, Post.number > post.number
    )
    watchers = await session.scalars(
        select(ThreadWatch.member_id).where(
            ThreadWatch.thread_id == post.thread_id, ThreadWatch.member_id.not_in(posted_since)
        )
    )
    wanted = _prefer(await _mentioned(session, post.id), Kind.MENTION)
    _add(wanted, watchers, Kind.REPLY)
    await notify(delivery, wanted, Subject(post.thread_id, post.id), actor_id=post.author_id)


async def on_post_edited(delivery: Delivery) -> None:
    """An edit may mention new members; those mentioned before were notified already."""
    post = await _visible_post(delivery.session, delivery.event.payload["post_id"])
    if post is None:
        return
    wanted = _prefer(await _mentioned(delivery.session, post.id), Kind.MENTION)
    await notify(delivery, wanted, Subject(post.thread_id, post.id), actor_id=post.author_id)


async def on_answer_accepted(delivery: Delivery) -> None:
    """The answer's author hears of it, unless they accepted it themselves (as moderator)."""
    payload = delivery.event.payload
    post = await _visible_post(delivery.session, payload["post_id"])
    accepted_by = payload.get("member_id")
    if post is None or post.author_id == accepted_by:
        return
    await notify(
        delivery,
        {post.author_id: [Kind.ANSWER_ACCEPTED]},
        Subject(post.thread_id, post.id),
        actor_id=accepted_by,
    )


_MODERATED = {
    events.THREAD_MODERATED: "your thread",
    events.POST_MODERATED: "your post",
    events.MEMBER_SUSPENDED: "your account",
}


async def on_moderation(delivery: Delivery) -> None:
    """Tells the affected member what a moderator did and why. The notice always arrives; it
    links the thread or post only while the member may still read it (a hidden post is gone
    from their view). It does not name the moderator."""
    event = delivery.event
    payload = event.payload
    if payload.get("actor_id") == payload["member_id"]:
        return  # a moderator acting on their own content needs no telling
    action = " ".join(str(payload.get("action") or "review").replace("_", " ").split()).lower()
    message = f"A moderator acted on {_MODERATED.get(event.topic, 'your content')}: {action}."
    if payload.get("reason"):
        message += f" Reason: {payload['reason']}"
    thread_id, post_id = payload.get("thread_id"), payload.get("post_id")
    if post_id is not None and thread_id is None:
        post = await delivery.session.get(Post, int(post_id))
        thread_id = post.thread_id if post else None
    subject = Subject(thread_id, post_id)
    await notify(
        delivery,
        {int(payload["member_id"]): [Kind.MODERATION]},
        subject,
        actor_id=None,
        message=message[:_MESSAGE_LENGTH],
        key=event.id,
        subject_required=False,
    )


NOTIFICATION_CONSUMERS: list[tuple[str, Handler]] = [
    (events.THREAD_CREATED, on_thread_created),
    (events.POST_CREATED, on_post_created),
    (events.POST_EDITED, on_post_edited),
    (events.ANSWER_ACCEPTED, on_answer_accepted),
    (events.THREAD_MODERATED, on_moderation),
    (events.POST_MODERATED, on_moderation),
    (events.MEMBER_SUSPENDED, on_moderation),
]


# --- who hears of it ------------------------------------------------------------------------


async def _thread_opened(delivery: Delivery, post_id: int) -> None:
    """Watchers of the space hear of a new thread (NEW_THREAD); members mentioned in its opening
    post get MENTION instead."""
    session = delivery.session
    post = await _visible_post(session, post_id)
    if post is None or post.number != 1:
        return
    thread = await session.get(Thread, post.thread_id)
    if thread is None:
        return
    watchers = await session.scalars(
        select(SpaceWatch.member_id).where(SpaceWatch.space_id == thread.space_id)
    )
    wanted = _prefer(await _mentioned(session, post.id), Kind.MENTION)
    _add(wanted, watchers, Kind.NEW_THREAD)
    await notify(delivery, wanted, Subject(thread.id, post.id), actor_id=post.author_id)


async def _visible_post(session: AsyncSession, post_id: Any) -> Post | None:
    """The post if it is out in the open: held posts notify no one until approved."""
    post = await session.get(Post, int(post_id), populate_existing=True)
    if post is None or post.status is not PostStatus.VISIBLE or post.deleted_at is not None:
        return None
    return post


async def _mentioned(session: AsyncSession, post_id: int) -> list[int]:
    rows = await session.scalars(select(Mention.member_id).where(Mention.post_id == post_id))
    return list(rows)


def _prefer(member_ids: Iterable[int], kind: Kind) -> dict[int, list[Kind]]:
    return {member_id: [kind] for member_id in member_ids}


def _add(wanted: dict[int, list[Kind]], member_ids: Iterable[int], kind: Kind) -> None:
    """`kind` as the member's next choice: a mentioned watcher who turned mentions off still
    hears of the reply."""
    for member_id in member_ids:
        wanted.setdefault(member_id, []).append(kind)
