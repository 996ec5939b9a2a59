"""The outbox worker: which handlers consume which domain events.

Embedded mode runs it inside the API process (woken after every commit); scaled out, run
`bondfire worker` processes (several are safe together on PostgreSQL).
"""

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.community.notifications import NOTIFICATION_CONSUMERS
from domain.shared.outbox import Handler, OutboxDispatcher
from search.factory import current_search_index
from search.indexer import search_consumers


def build_dispatcher(
    session_factory: async_sessionmaker[AsyncSession],
    subscriptions: Sequence[tuple[str, Handler]] = (),
) -> OutboxDispatcher:
    handlers: dict[str, list[Handler]] = defaultdict(list)
    for topic, handler in subscriptions:
        handlers[topic].append(handler)
    return OutboxDispatcher(session_factory, handlers)


def consumers(extra: Sequence[tuple[str, Handler]] = ()) -> list[tuple[str, Handler]]:
    """Every (topic, handler) pair the worker runs; `extra` holds the live-update fan-out."""
    return [*NOTIFICATION_CONSUMERS, *search_consumers(current_search_index), *extra]
