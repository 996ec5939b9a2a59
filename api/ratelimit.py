"""Rate limits (the `limits` library): in memory in one process, Redis when scaled.

Two kinds: posting (threads and replies per member, checked by the forum mutations) and
requests (every GraphQL request, per client IP and per signed-in member: anti-abuse ceilings
answered with HTTP 429 and `Retry-After`).

In memory, the library's synchronous limiter: counting is a few dictionary operations, and its
asyncio twin sends every key ever counted through a worker thread on each hit to expire old
entries (eight thread hand-offs per request with the default ceilings, and more with every
client seen within the window). Redis is I/O and goes through the asyncio limiter.
"""

import inspect
import logging
import math
import time
from typing import Any

from limits import RateLimitItem, parse, parse_many
from limits import strategies as sync_strategies
from limits.aio import strategies as async_strategies
from limits.storage import MemoryStorage, storage_from_string

logger = logging.getLogger("bondfire.ratelimit")


class RateLimiter:
    def __init__(
        self,
        storage_uri: str,
        posting: str,
        *,
        per_member: str = "",
        per_ip: str = "",
    ) -> None:
        self._limiter: Any = (
            sync_strategies.MovingWindowRateLimiter(MemoryStorage())
            if storage_uri == IN_MEMORY
            else async_strategies.MovingWindowRateLimiter(storage_from_string(storage_uri))
        )
        self._posting = parse(posting)
        self._per_member: list[RateLimitItem] = parse_many(per_member) if per_member else []
        self._per_ip: list[RateLimitItem] = parse_many(per_ip) if per_ip else []

    async def allow_post(self, member_id: int) -> bool:
        """Counts one post by this member; False once they are over the limit. With the store
        (Redis) down the post is accepted uncounted, like requests: a forum that refuses every
        post because a counter is unreachable is worse than a few minutes without the limit."""
        try:
            return await _outcome(self._limiter.hit(self._posting, "post", str(member_id)))
        except Exception:
            logger.warning("rate limit store unavailable; post not counted", exc_info=True)
            return True

    async def request_by_ip(self, address: str) -> int | None:
        """Counts one request from this address: None if allowed, else seconds to wait."""
        return await self._hit(self._per_ip, "ip", address)

    async def request_by_member(self, member_id: int) -> int | None:
        """Counts one request by this member: None if allowed, else seconds to wait."""
        return await self._hit(self._per_member, "member", str(member_id))

    async def _hit(self, items: list[RateLimitItem], kind: str, key: str) -> int | None:
        for item in items:
            try:
                if await _outcome(self._limiter.hit(item, "request", kind, key)):
                    continue
                stats = await _outcome(self._limiter.get_window_stats(item, "request", kind, key))
            except Exception:  # the store (Redis) is down: serve rather than refuse everyone
                logger.warning("rate limit store unavailable; request not counted", exc_info=True)
                return None
            return max(1, math.ceil(stats.reset_time - time.time()))
        return None


async def _outcome(result: Any) -> Any:
    """The limiter's answer, whichever of the two limiters gave it."""
    return await result if inspect.isawaitable(result) else result


IN_MEMORY = "memory://"


def storage_uri(redis_url: str | None) -> str:
    if not redis_url:
        return IN_MEMORY
    return "async+" + redis_url
