"""Live-update fan-out: publish small id-only messages on named channels; subscribers in this
process receive those published after they subscribed.

Every subscription has a bounded queue. A subscriber that falls `queue_size` messages behind
(a client that stops reading) is dropped with SubscriberLagged instead of growing memory: it
has missed updates, so it must refetch and subscribe again.
"""

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

logger = logging.getLogger("bondfire.live")

Message = Mapping[str, Any]

DEFAULT_QUEUE_SIZE = 100


def thread_channel(thread_id: int) -> str:
    return f"thread:{thread_id}"


def member_channel(member_id: int) -> str:
    return f"member:{member_id}"


class SubscriberLagged(Exception):
    """The subscriber fell too far behind and was dropped; it missed messages."""


class _End:
    def __init__(self, error: Exception | None) -> None:
        self.error = error


class Subscription:
    """The messages of one channel from the moment of subscribing, oldest first. Iteration ends
    when the broadcaster closes, and raises SubscriberLagged if this subscriber fell behind."""

    def __init__(self, channel: str, queue_size: int) -> None:
        self.channel = channel
        self._queue_size = queue_size
        # Unbounded as a type; offer() keeps it at queue_size messages plus one end marker.
        self._queue: asyncio.Queue[Message | _End] = asyncio.Queue()
        self._ended = False

    def __aiter__(self) -> "Subscription":
        return self

    async def __anext__(self) -> Message:
        item = await self._queue.get()
        if isinstance(item, _End):
            self._queue.put_nowait(item)  # stays ended for any later call
            raise item.error or StopAsyncIteration
        return item

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    def offer(self, message: Message) -> bool:
        """Queues the message; False if this subscriber has ended (now or before)."""
        if self._ended:
            return False
        if self._queue.qsize() >= self._queue_size:
            # Drop what it has not read: it must refetch anyway, and memory is freed at once.
            while not self._queue.empty():
                self._queue.get_nowait()
            self.end(SubscriberLagged(f"more than {self._queue_size} messages behind"))
            return False
        self._queue.put_nowait(message)
        return True

    def end(self, error: Exception | None = None) -> None:
        if not self._ended:
            self._ended = True
            self._queue.put_nowait(_End(error))


class Broadcaster(ABC):
    """Channels of id-only messages. InMemoryBroadcaster for one process (the embedded
    default); RedisBroadcaster when several API processes must share events."""

    def __init__(self, *, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self._queue_size = queue_size
        self._subscribers: dict[str, set[Subscription]] = {}
        self._closed = False

    @abstractmethod
    async def publish(self, channel: str, message: Message) -> None:
        """Sends the message to every current subscriber of the channel, in every process."""

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        """Once entered, every message published on the channel is delivered (until lag)."""
        if self._closed:
            raise RuntimeError("the broadcaster is closed")
        subscription = Subscription(channel, self._queue_size)
        await self._listen(channel)
        self._subscribers.setdefault(channel, set()).add(subscription)
        try:
            yield subscription
        finally:
            subscribers = self._subscribers.get(channel, set())
            subscribers.discard(subscription)
            if not subscribers:
                self._subscribers.pop(channel, None)
            subscription.end()
            # Shielded: an operation is usually left by cancellation, and the shared channel
            # must still be released.
            await asyncio.shield(self._unlisten(channel))

    def subscriber_count(self, channel: str) -> int:
        """Subscriptions to the channel in this process that are receiving."""
        return len(self._subscribers.get(channel, ()))

    async def close(self) -> None:
        """Ends every subscription in this process."""
        self._closed = True
        for subscribers in list(self._subscribers.values()):
            for subscription in list(subscribers):
                subscription.end()
        self._subscribers.clear()

    def _deliver(self, channel: str, message: Message) -> None:
        """Hands a message to this process's subscribers of the channel."""
        for subscription in list(self._subscribers.get(channel, ())):
            if not subscription.offer(message):
                logger.warning("dropped a lagging live-update subscriber on %s", channel)
                self._subscribers.get(channel, set()).discard(subscription)

    @abstractmethod
    async def _listen(self, channel: str) -> None:
        """Called before a subscription to the channel is added (a shared source may subscribe)."""

    @abstractmethod
    async def _unlisten(self, channel: str) -> None:
        """Called after a subscription to the channel was removed."""


class InMemoryBroadcaster(Broadcaster):
    """One process: publishing hands the message straight to the local subscribers."""

    async def publish(self, channel: str, message: Message) -> None:
        self._deliver(channel, dict(message))

    async def _listen(self, channel: str) -> None:
        pass

    async def _unlisten(self, channel: str) -> None:
        pass
