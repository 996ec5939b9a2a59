"""Meilisearch unreachable: a clear error, and writes that still succeed and are indexed once an
index takes them again. The unreachable server is a real closed port, not a stand-in."""

import pytest
from sqlalchemy import select

from api.worker import build_dispatcher
from domain.shared.outbox import OutboxEvent
from search.backends.meili import MeilisearchBackend
from search.engine import SearchIndex
from search.errors import SearchErrorCode, SearchUnavailable
from search.indexer import SEARCH_RETRY, requeue_parked_retries, search_consumers
from search.permissions import Viewer
from search.query import SearchRequest
from tests.search.world import build_world

UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens there
VIEWER = Viewer(
    member_id=1, account_id=1, is_staff=False, is_moderator=False, program_ids=frozenset()
)


async def _events(session) -> list[OutboxEvent]:
    rows = await session.scalars(
        select(OutboxEvent).order_by(OutboxEvent.id).execution_options(populate_existing=True)
    )
    return list(rows)


async def test_an_unreachable_meilisearch_is_a_clear_error():
    index = SearchIndex(MeilisearchBackend(UNREACHABLE))
    assert not await index.is_available()
    for _ in range(2):  # the second fails at once, without waiting on the network again
        with pytest.raises(SearchUnavailable) as failed:
            await index.search(VIEWER, SearchRequest("pipelines"))
        assert failed.value.code is SearchErrorCode.UNAVAILABLE
        assert f"Meilisearch at {UNREACHABLE} is unreachable" in failed.value.message


@pytest.mark.parametrize("recovery", ["next write", "search setup"])
async def test_writes_made_while_the_index_is_down_are_indexed_later(
    session, session_factory, open_index, recovery
):
    # given a worker whose index is unreachable
    down = SearchIndex(MeilisearchBackend(UNREACHABLE))
    world = await build_world(session, session_factory, down)
    worker = build_dispatcher(session_factory, search_consumers(lambda: world.index))
    # when members write
    thread, _ = await world.start("casey", "general", "Meerkat watch", "meerkat")
    await world.reply("gil", thread, "a meerkat reply")
    await worker.drain()
    # then the writes stand, the domain events are done (other consumers are not held back),
    # and the documents wait in retry events that carry the error
    events = await _events(session)
    assert all(e.processed_at is not None for e in events if e.topic != SEARCH_RETRY)
    retries = [e for e in events if e.topic == SEARCH_RETRY]
    assert retries and all(e.processed_at is None and e.attempts > 0 for e in retries)
    assert "SearchUnavailable" in (retries[0].last_error or "")
    # when the index is back (this run's backend stands in for the returning server) ...
    world.index = open_index()
    if recovery == "next write":  # ... the next write that reaches it queues the rest again
        await world.start("hana", "general", "Another meerkat", "meerkat")
    else:  # ... or `bondfire search setup` does
        await world.index.setup()
        async with session_factory() as requeue, requeue.begin():
            assert await requeue_parked_retries(requeue) == len(retries)
    await worker.drain()
    # then everything is indexed and nothing is left pending
    assert all(e.processed_at is not None for e in await _events(session))
    found = {t for t, _ in await world.find("hana", "meerkat")}
    assert found == {"thread", "post"}
