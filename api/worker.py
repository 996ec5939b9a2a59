"""The outbox worker: which handlers consume which domain events.

Embedded mode runs it inside the API process (woken after every commit); scaled out, run
`bondfire worker` processes (several are safe together on PostgreSQL).
"""

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.live import Broadcaster, create_broadcaster, live_consumers
from api.settings import Settings
from domain.community.notifications import NOTIFICATION_CONSUMERS
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
    return [*live.first, *NOTIFICATION_CONSUMERS, *search_consumers(search), *live.last]


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
