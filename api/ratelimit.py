"""Rate limits on writes (the `limits` library): in memory in one process, Redis when scaled."""

from limits import parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string


class RateLimiter:
    def __init__(self, storage_uri: str, posting: str) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self._posting = parse(posting)

    async def allow_post(self, member_id: int) -> bool:
        """Counts one post by this member; False once they are over the limit."""
        return await self._limiter.hit(self._posting, "post", str(member_id))


def storage_uri(redis_url: str | None) -> str:
    if not redis_url:
        return "async+memory://"
    return "async+" + redis_url
