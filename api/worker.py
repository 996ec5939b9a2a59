"""The outbox worker: which handlers consume which domain events.

Embedded mode runs it inside the API process (woken after every commit); scaled out, run
`bondfire worker` processes (several are safe together on PostgreSQL).
"""

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.live import Broadcaster, create_broadcaster, live_consumers
from api.settings import Settings
from domain.advocacy.ledger_consumers import LEDGER_CONSUMERS
from domain.community.notifications import NOTIFICATION_CONSUMERS
from domain.feedback.notifications import FEEDBACK_CONSUMERS
from domain.insights.services.recompute import INSIGHTS_CONSUMERS
from domain.matching.notifications import MATCHING_CONSUMERS
from domain.matching.services.lifecycle import send_due_check_ins
from domain.shared.database import begin_writing
from domain.shared.models import utcnow
from domain.shared.outbox import Handler, OutboxDispatcher
from search.engine import SearchIndex
from search.factory import build_search_index
from search.indexer import search_consumers


def build_dispatcher(
    session_factory: async_sessionmaker[AsyncSession],
    subscriptions: Sequence[tuple[str, Handler]] = (),
) -> OutboxDispatcher:
    handlers: dict[str, list[Handler]] = defaultdict(list)
    for topic, handler in subscriptions:
        handlers[topic].append(handler)
    return OutboxDispatcher(session_factory, handlers)


def consumers(search: SearchIndex, broadcaster: Broadcaster) -> list[tuple[str, Handler]]:
    """Every (topic, handler) pair the worker runs, in order: the live fan-out brackets the
    notification consumers so it can push what they created (see api/live/consumers.py)."""
    live = live_consumers(broadcaster)
    return [
        *live.first,
        *NOTIFICATION_CONSUMERS,
        *FEEDBACK_CONSUMERS,
        *MATCHING_CONSUMERS,
        *LEDGER_CONSUMERS,
        *INSIGHTS_CONSUMERS,
        *search_consumers(search),
        *live.last,
    ]


@asynccontextmanager
async def standalone_dispatcher(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIterator[OutboxDispatcher]:
    """A dispatcher for a process without the API (`bondfire worker`, `bondfire demo`)."""
    broadcaster = create_broadcaster(settings)
    try:
        search = build_search_index(settings)
        yield build_dispatcher(session_factory, consumers(search, broadcaster))
    finally:
        await broadcaster.close()


logger = logging.getLogger("bondfire.worker")


async def run_every(
    seconds: float, job: Callable[[], Awaitable[object]], stop: asyncio.Event | None = None
) -> None:
    """Runs `job` now and then every `seconds` until `stop` is set (or the task is cancelled).
    A failed run is logged; the next one comes on time."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            await job()
        except Exception:
            logger.exception("periodic job failed")
        try:
            await asyncio.wait_for(stop.wait(), timeout=seconds)
        except TimeoutError:
            pass


def check_in_sweep(
    session_factory: async_sessionmaker[AsyncSession], dispatcher: OutboxDispatcher
) -> Callable[[], Awaitable[int]]:
    """One sweep of due buddy check-in reminders, in its own transaction (idempotent: a pair's
    next check-in moves on as its reminder is recorded, and workers skip each other's rows)."""

    async def sweep() -> int:
        async with session_factory() as session:
            await begin_writing(session)
            sent = await send_due_check_ins(session, utcnow())
            await session.commit()
        if sent:
            dispatcher.wake()
        return sent

    return sweep
