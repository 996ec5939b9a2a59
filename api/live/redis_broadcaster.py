"""Live updates across API processes through Redis pub/sub.

Each process keeps one subscribing connection: it SUBSCRIBEs to a channel while at least one
local subscriber wants it, and one reader task hands incoming messages to the local
subscribers. Publishing uses the client's connection pool. Redis pub/sub ignores the database
index, so channel names carry it (`bondfire:<db>:thread:<id>`): deployments sharing a Redis
server on different databases do not hear each other.

Delivery is best effort, like Redis pub/sub itself: messages published while the connection is
down are lost (the reader reconnects and resubscribes). Subscribers re-read rows anyway, so a
missed message only means a client learns of the change on its next fetch.
"""

import asyncio
import contextlib
import json
import logging

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from api.live.broadcaster import DEFAULT_QUEUE_SIZE, Broadcaster, Message

logger = logging.getLogger("bondfire.live")

SUBSCRIBE_TIMEOUT_SECONDS = 5.0
RECONNECT_DELAY_SECONDS = 1.0


class LiveUpdatesUnavailable(RuntimeError):
    """Redis did not confirm a subscription in time."""


class RedisBroadcaster(Broadcaster):
    def __init__(
        self,
        url: str,
        *,
        prefix: str | None = None,
        queue_size: int = DEFAULT_QUEUE_SIZE,
    ) -> None:
        super().__init__(queue_size=queue_size)
        self._redis = Redis.from_url(url)
        database = self._redis.connection_pool.connection_kwargs.get("db", 0)
        self._prefix = prefix if prefix is not None else f"bondfire:{database}:"
        self._pubsub: PubSub = self._redis.pubsub()
        self._lock = asyncio.Lock()  # orders SUBSCRIBE/UNSUBSCRIBE and the counts below
        self._listeners: dict[str, int] = {}
        self._confirmations: dict[str, asyncio.Future[None]] = {}
        self._reader: asyncio.Task[None] | None = None

    async def publish(self, channel: str, message: Message) -> None:
        await self._redis.publish(self._prefix + channel, json.dumps(message))

    async def close(self) -> None:
        await super().close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._pubsub.aclose()
        await self._redis.aclose()

    async def _listen(self, channel: str) -> None:
        async with self._lock:
            count = self._listeners.get(channel, 0)
            if count == 0:
                await self._subscribe(self._prefix + channel)
            self._listeners[channel] = count + 1

    async def _unlisten(self, channel: str) -> None:
        async with self._lock:
            count = self._listeners.get(channel, 0) - 1
            if count > 0:
                self._listeners[channel] = count
                return
            self._listeners.pop(channel, None)
            if self._closed:
                return
            try:
                await self._pubsub.unsubscribe(self._prefix + channel)
            except Exception:  # the reader resubscribes only what is still wanted
                logger.warning("could not unsubscribe from %s", channel, exc_info=True)

    async def _subscribe(self, name: str) -> None:
        """SUBSCRIBE and wait for Redis to confirm: from then on nothing published is missed."""
        confirmed = asyncio.get_running_loop().create_future()
        self._confirmations[name] = confirmed
        try:
            await self._pubsub.subscribe(name)
            if self._reader is None or self._reader.done():
                self._reader = asyncio.create_task(self._read(), name="live-updates-reader")
            await asyncio.wait_for(asyncio.shield(confirmed), SUBSCRIBE_TIMEOUT_SECONDS)
        except TimeoutError as error:
            with contextlib.suppress(Exception):
                await self._pubsub.unsubscribe(name)
            raise LiveUpdatesUnavailable("Redis did not confirm the subscription") from error
        finally:
            self._confirmations.pop(name, None)

    async def _read(self) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(timeout=None)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("live-updates connection to Redis failed; retrying", exc_info=True)
                await asyncio.sleep(RECONNECT_DELAY_SECONDS)
                continue
            if message is not None:
                self._handle(message)

    def _handle(self, message: dict[str, object]) -> None:
        raw_channel = message["channel"]
        name = raw_channel.decode() if isinstance(raw_channel, bytes) else str(raw_channel)
        if message["type"] == "subscribe":
            confirmed = self._confirmations.get(name)
            if confirmed is not None and not confirmed.done():
                confirmed.set_result(None)
        elif message["type"] == "message" and name.startswith(self._prefix):
            try:
                data = message["data"]
                payload = json.loads(data if isinstance(data, str | bytes) else str(data))
            except ValueError:
                logger.warning("ignored a malformed live-update message on %s", name)
                return
            if isinstance(payload, dict):
                self._deliver(name.removeprefix(self._prefix), payload)
