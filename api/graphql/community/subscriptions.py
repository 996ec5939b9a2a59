"""Live updates (graphql-transport-ws on /graphql): new posts in a thread, your notifications.

The broadcaster hands over ids only. Each item is re-read and re-checked against what the
subscriber may see at delivery time, in a unit of work of its own: a post from a space they
can no longer read, or one that is held or hidden from them, never reaches them.
"""

from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Hashable

import strawberry
from sqlalchemy import func, select
from strawberry import relay

from api.graphql.community.notifications import NotificationNode, notification_nodes
from api.graphql.community.types import PostNode
from api.graphql.context import Info
from api.graphql.relay import decode_id
from api.live.broadcaster import SubscriberLagged, member_channel, thread_channel
from api.live.websocket import SubscriptionContext
from domain.community import policies
from domain.community.errors import CommunityErrorCode
from domain.community.models import Notification, Post, Thread
from domain.shared.errors import DomainError

RECENTLY_SENT = 256  # ids remembered per subscription, so a repeated message is not re-sent


class SubscriptionLagged(DomainError):
    code = "SUBSCRIPTION_LAGGED"


def _live(info: Info) -> SubscriptionContext:
    context = info.context
    if not isinstance(context, SubscriptionContext):
        raise DomainError("subscriptions run over graphql-transport-ws", code="BAD_USER_INPUT")
    return context


class _Sent:
    """The last few ids sent: the outbox and the fan-out are at-least-once, and a moderator
    sees a held post both when it is written and when it is approved."""

    def __init__(self) -> None:
        self._order: deque[Hashable] = deque(maxlen=RECENTLY_SENT)
        self._ids: set[Hashable] = set()

    def __contains__(self, key: Hashable) -> bool:
        return key in self._ids

    def add(self, key: Hashable) -> None:
        if len(self._order) == self._order.maxlen:
            self._ids.discard(self._order[0])
        self._order.append(key)
        self._ids.add(key)


def _lagged() -> SubscriptionLagged:
    return SubscriptionLagged("you fell behind and missed updates: refetch, then subscribe again")


async def _new_posts(
    context: SubscriptionContext, thread_id: int
) -> AsyncGenerator[PostNode, None]:
    sent = _Sent()
    async with context.live.broadcaster.subscribe(thread_channel(thread_id)) as messages:
        try:
            async for message in messages:
                post_id = message.get("post_id")
                if not isinstance(post_id, int) or post_id in sent:
                    continue
                async with context.unit_of_work() as actor:
                    post = await context.session.scalar(
                        policies.readable_posts(
                            actor,
                            select(Post).where(Post.id == post_id, Post.thread_id == thread_id),
                        )
                    )
                    if post is not None:  # a held one may still come when approved
                        sent.add(post.id)
                        context.community.post_by_id.prime(post.id, post)
                        yield PostNode.from_model(post)
        except SubscriberLagged as error:
            raise _lagged() from error


async def _new_notifications(
    info: Info, context: SubscriptionContext, member_id: int, since: int
) -> AsyncGenerator[NotificationNode, None]:
    sent = _Sent()
    async with context.live.broadcaster.subscribe(member_channel(member_id)) as messages:
        try:
            async for message in messages:
                notification_id = message.get("notification_id")
                if (
                    not isinstance(notification_id, int)
                    or notification_id <= since
                    or notification_id in sent
                ):
                    continue
                async with context.unit_of_work() as actor:
                    notification = await context.session.scalar(
                        select(Notification).where(
                            Notification.id == notification_id,
                            Notification.recipient_id == actor.member_id,
                        )
                    )
                    if notification is not None:
                        sent.add(notification.id)
                        # Its thread and post re-checked against what the member may read now.
                        nodes = await notification_nodes(info, [notification])
                        yield nodes[0]
        except SubscriberLagged as error:
            raise _lagged() from error


@strawberry.type(name="Subscription")
class CommunitySubscriptions:
    # The resolvers check at once (so a refusal is the operation's `error` message) and return
    # the stream that follows.

    @strawberry.subscription(
        description="New posts in a thread that you may see, as they are published (replies, "
        "and held posts once approved). Fails with NOT_FOUND if you may not read the thread."
    )
    async def thread_posts(self, info: Info, thread_id: relay.GlobalID) -> AsyncIterator[PostNode]:
        context = _live(info)
        thread_pk = decode_id(thread_id, "Thread", ["threadId"])
        async with context.unit_of_work() as actor:
            statement = select(Thread).where(Thread.id == thread_pk)
            readable = await context.session.scalar(policies.readable_threads(actor, statement))
        if readable is None:
            raise DomainError("Thread not found", code=CommunityErrorCode.NOT_FOUND)
        return _new_posts(context, thread_pk)

    @strawberry.subscription(description="Your new notifications, as they arrive.")
    async def notification_received(self, info: Info) -> AsyncIterator[NotificationNode]:
        context = _live(info)
        async with context.unit_of_work() as actor:
            # Only what arrives from now on: an id at or below this one is not news.
            since = await context.session.scalar(
                select(func.max(Notification.id)).where(
                    Notification.recipient_id == actor.member_id
                )
            )
        return _new_notifications(info, context, actor.member_id, since or 0)
