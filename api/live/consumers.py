"""Outbox consumers that announce changes to live subscribers once they are committed.

Messages carry ids only; each subscriber re-reads the row and re-checks what it may see.

New posts go to `thread:<id>` on POST_CREATED (which also comes when a held post is approved).

New notifications go to `member:<recipient>`. The notification consumers insert rows in bulk
(their ids are not handed out), so the live fan-out brackets them: for every topic that makes
notifications, a consumer registered *before* the notification consumers notes the highest
notification id, and one registered *after* them reads the rows above it. All handlers of an
event share one transaction, so those are exactly the rows this event created (on PostgreSQL,
plus any that another worker committed meanwhile: those are announced twice, and subscribers drop
repeats). Both are single index lookups.
"""

import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from api.live.broadcaster import Broadcaster, Message, member_channel, thread_channel
from domain.community import events
from domain.community.models import Notification
from domain.community.notifications import NOTIFICATION_CONSUMERS
from domain.shared.outbox import Delivery, Handler, OutboxEvent

logger = logging.getLogger("bondfire.live")


@dataclass(frozen=True)
class LiveConsumers:
    """`first` must run before the notification consumers, `last` after them."""

    first: list[tuple[str, Handler]]
    last: list[tuple[str, Handler]]


def live_consumers(
    broadcaster: Broadcaster,
    notification_topics: Sequence[str] | None = None,
) -> LiveConsumers:
    if notification_topics is None:
        notification_topics = list(dict.fromkeys(topic for topic, _ in NOTIFICATION_CONSUMERS))
    # Per event, the highest notification id before its notification consumers ran. Keyed by
    # the event row, which lives as long as the worker's transaction.
    marks: weakref.WeakKeyDictionary[OutboxEvent, int] = weakref.WeakKeyDictionary()

    def publish_after_commit(delivery: Delivery, channel: str, message: Message) -> None:
        async def publish() -> None:
            await broadcaster.publish(channel, message)

        delivery.after_commit(publish)

    async def new_post(delivery: Delivery) -> None:
        payload = delivery.event.payload
        publish_after_commit(
            delivery, thread_channel(int(payload["thread_id"])), {"post_id": payload["post_id"]}
        )

    async def mark_notifications(delivery: Delivery) -> None:
        highest = await delivery.session.scalar(select(func.max(Notification.id)))
        marks[delivery.event] = highest or 0

    async def new_notifications(delivery: Delivery) -> None:
        mark = marks.pop(delivery.event, None)
        if mark is None:  # not bracketed: registered in the wrong order
            logger.error("live notifications: no mark for outbox event %s", delivery.event.id)
            return
        rows = await delivery.session.execute(
            select(Notification.id, Notification.recipient_id)
            .where(Notification.id > mark)
            .order_by(Notification.id)
        )
        for notification_id, recipient_id in rows:
            publish_after_commit(
                delivery, member_channel(recipient_id), {"notification_id": notification_id}
            )

    return LiveConsumers(
        first=[(topic, mark_notifications) for topic in notification_topics],
        last=[
            (events.POST_CREATED, new_post),
            *((topic, new_notifications) for topic in notification_topics),
        ],
    )
