"""Live updates: GraphQL subscriptions fed by the outbox through a broadcaster.

In-process for the embedded default; Redis pub/sub when BONDFIRE_REDIS_URL is set, so every
API process hears what any worker committed.
"""

from api.live.broadcaster import (
    Broadcaster,
    InMemoryBroadcaster,
    SubscriberLagged,
    Subscription,
    member_channel,
    thread_channel,
)
from api.live.consumers import LiveConsumers, live_consumers
from api.settings import Settings


def create_broadcaster(settings: Settings) -> Broadcaster:
    if settings.redis_url:
        from api.live.redis_broadcaster import RedisBroadcaster

        return RedisBroadcaster(settings.redis_url)
    return InMemoryBroadcaster()


__all__ = [
    "Broadcaster",
    "InMemoryBroadcaster",
    "LiveConsumers",
    "SubscriberLagged",
    "Subscription",
    "create_broadcaster",
    "live_consumers",
    "member_channel",
    "thread_channel",
]
