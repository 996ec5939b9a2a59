"""Thread view counts, recorded off the read path.

Reading a thread must not write (a GET that takes SQLite's write lock, or a row lock on a hot
thread in PostgreSQL, would serialise readers). A read only bumps an in-memory counter; a
periodic job adds the sums to `threads.view_count` in one short write transaction. Each API
process flushes its own counter, so the total is exact up to the views of a process that dies
between two flushes (a few seconds' worth): a view count is a popularity hint, not a ledger.
"""

from collections import Counter

from sqlalchemy import bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.community.models import Thread
from domain.shared.database import begin_writing


class ViewCounter:
    def __init__(self) -> None:
        self._pending: Counter[int] = Counter()

    def record(self, thread_id: int) -> None:
        self._pending[thread_id] += 1

    @property
    def pending(self) -> dict[int, int]:
        return dict(self._pending)

    async def flush(self, session_factory: async_sessionmaker[AsyncSession]) -> int:
        """Adds the views counted since the last flush; returns how many. On failure they stay
        pending for the next flush."""
        if not self._pending:
            return 0
        batch, self._pending = self._pending, Counter()
        try:
            async with session_factory() as session:
                await add_views(session, batch)
                await session.commit()
        except BaseException:
            self._pending.update(batch)
            raise
        return sum(batch.values())


async def add_views(session: AsyncSession, views: dict[int, int]) -> None:
    """One executemany; rows in id order so two processes flushing at once cannot deadlock."""
    await begin_writing(session)
    connection = await session.connection()  # Core executemany, not ORM bulk by primary key
    await connection.execute(
        update(Thread)
        .where(Thread.id == bindparam("b_id"))
        .values(view_count=Thread.view_count + bindparam("b_views")),
        [{"b_id": i, "b_views": n} for i, n in sorted(views.items())],
    )
