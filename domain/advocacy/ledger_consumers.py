"""Outbox consumers that write other contexts' acts to the advocacy ledger.

Each event is keyed by its outbox event id (or, where one act can arrive by two events, by the
act itself: an accepted answer by its post), so a replay never counts twice. Payloads carry
ids; the acting member is read from the payload's `member_id` or from the row it names.
Points from these are "automatic": withheld for members the community does not trust yet.
The feedback and programs topics are subscribed before those contexts exist; their events are
simply handled once they start coming.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select

from domain.advocacy import events
from domain.advocacy.ledger import record_activity
from domain.advocacy.models import LedgerActivity
from domain.community.models import Post, PostStatus, Thread
from domain.identity.models import Member
from domain.shared.outbox import Delivery, Handler

A = LedgerActivity


async def _member_account(delivery: Delivery, member_id: Any) -> int | None:
    if member_id is None or not str(member_id).isdigit():
        return None
    return await delivery.session.scalar(
        select(Member.account_id).where(Member.id == int(member_id))
    )


async def _record(
    delivery: Delivery,
    member_id: Any,
    activity: LedgerActivity,
    source_type: str,
    source_id: Any,
    dedupe_key: str,
    tags: list[str] | None = None,
) -> None:
    account_id = await _member_account(delivery, member_id)
    if account_id is None:
        return
    await record_activity(
        delivery.session,
        member_id=int(member_id),
        account_id=account_id,
        activity=activity,
        source_type=source_type,
        source_id=int(source_id) if str(source_id).isdigit() else 0,
        at=delivery.event.created_at,
        dedupe_key=dedupe_key,
        tags=tags or [],
        automatic=True,
    )


async def on_post_created(delivery: Delivery) -> None:
    """A visible forum post (opening post or reply), once per post."""
    post = await delivery.session.get(Post, int(delivery.event.payload["post_id"]))
    if post is None or post.deleted_at is not None or post.status is not PostStatus.VISIBLE:
        return
    await _record(delivery, post.author_id, A.FORUM_POST, "Post", post.id, f"post:{post.id}")


async def on_answer_accepted(delivery: Delivery) -> None:
    """The answer's author gets the credit; its thread's tags are the product area evidence."""
    payload = delivery.event.payload
    post = await delivery.session.get(Post, int(payload["post_id"]))
    if post is None:
        return
    tags = await delivery.session.scalar(select(Thread.tags).where(Thread.id == post.thread_id))
    await _record(
        delivery,
        post.author_id,
        A.ACCEPTED_ANSWER,
        "Post",
        post.id,
        f"answer:{post.id}",
        list(tags or []),
    )


def _generic(activity: LedgerActivity, source_type: str, id_key: str) -> Handler:
    """For feedback and programs events: `member_id` and the object's id in the payload;
    `products` or `tags` (optional) name the product area."""

    async def handle(delivery: Delivery) -> None:
        payload = delivery.event.payload
        tags = payload.get("products") or payload.get("tags") or []
        if isinstance(tags, str):
            tags = [tags]
        member_ids = payload.get("member_ids") or [payload.get("member_id")]
        for member_id in member_ids:
            await _record(
                delivery,
                member_id,
                activity,
                source_type,
                payload.get(id_key),
                f"event:{delivery.event.id}:{member_id}",
                [str(t) for t in tags],
            )

    return handle


async def on_buddy_pair_completed(delivery: Delivery) -> None:
    """The mentor gave their time: a completed buddy pairing is their act of advocacy."""
    payload = delivery.event.payload
    await _record(
        delivery,
        payload.get("mentor_member_id"),
        A.BUDDY_SESSION,
        "BuddyPair",
        payload.get("pair_id"),
        f"buddy:{payload.get('pair_id')}",
    )


LEDGER_CONSUMERS: list[tuple[str, Callable[[Delivery], Awaitable[None]]]] = [
    (events.COMMUNITY_POST_CREATED, on_post_created),
    (events.COMMUNITY_ANSWER_ACCEPTED, on_answer_accepted),
    (events.FEEDBACK_IDEA_CREATED, _generic(A.IDEA_SUBMITTED, "Idea", "idea_id")),
    (events.FEEDBACK_IDEA_VOTED, _generic(A.IDEA_VOTE, "Idea", "idea_id")),
    (events.FEEDBACK_IDEA_SHIPPED, _generic(A.IDEA_SHIPPED, "Idea", "idea_id")),
    (events.FEEDBACK_SURVEY_ANSWERED, _generic(A.SURVEY_ANSWER, "Survey", "survey_id")),
    (events.PROGRAMS_ENROLLED, _generic(A.PROGRAM_ENROLLED, "Program", "program_id")),
    (events.PROGRAMS_ATTENDED, _generic(A.PROGRAM_ATTENDED, "Program", "program_id")),
    (events.PROGRAMS_FEEDBACK_GIVEN, _generic(A.PROGRAM_FEEDBACK, "Program", "program_id")),
    (events.MATCHING_PAIR_COMPLETED, on_buddy_pair_completed),
]
