"""Rate limits (the `limits` library): in memory in one process, Redis when scaled.

Two kinds: posting (threads and replies per member, checked by the forum mutations) and
requests (every GraphQL request, per client IP and per signed-in member: anti-abuse ceilings
answered with HTTP 429 and `Retry-After`).
"""

import logging
import math
import time

from limits import RateLimitItem, parse, parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

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
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self._posting = parse(posting)
        self._per_member: list[RateLimitItem] = parse_many(per_member) if per_member else []
        self._per_ip: list[RateLimitItem] = parse_many(per_ip) if per_ip else []

    async def allow_post(self, member_id: int) -> bool:
        """Counts one post by this member; False once they are over the limit. With the store
        (Redis) down the post is accepted uncounted, like requests: a forum that refuses every
        post because a counter is unreachable is worse than a few minutes without the limit."""
        try:
            return await self._limiter.hit(self._posting, "post", str(member_id))
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
                allowed = await self._limiter.hit(item, "request", kind, key)
                if allowed:
                    continue
                stats = await self._limiter.get_window_stats(item, "request", kind, key)
            except Exception:  # the store (Redis) is down: serve rather than refuse everyone
                logger.warning("rate limit store unavailable; request not counted", exc_info=True)
                return None
            return max(1, math.ceil(stats.reset_time - time.time()))
        return None


def storage_uri(redis_url: str | None) -> str:
    if not redis_url:
        return "async+memory://"
    return "async+" + redis_url
