"""The indexer writes the documents of one outbox pass together, and stays at-least-once: a
crash after the index write but before the pass commits loses nothing, and a write that fails
is charged to its own event while the others of the pass go through."""

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from sqlalchemy import select

from api.worker import build_dispatcher
from domain.shared.outbox import OutboxEvent, record_event
from search.documents import DOCUMENT_TYPES, Document
from search.documents.base import payload_ids
from search.documents.threads import Threads
from search.engine import SearchIndex
from search.indexer import search_consumers

POISON_TOPIC = "test.poison"


class CountingWrites:
    """Counts the backend's upserts per type while passing them on."""

    def __init__(self, index: SearchIndex) -> None:
        self.calls: list[tuple[str, int]] = []
        self._upsert = index.backend.upsert

        async def upsert(doc_type: Any, documents: Sequence[Document]) -> None:
            self.calls.append((doc_type.name, len(documents)))
            await self._upsert(doc_type, documents)

        index.backend.upsert = upsert  # type: ignore[method-assign]


async def _pending(session) -> list[OutboxEvent]:
    rows = await session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.processed_at.is_(None))
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def test_one_pass_writes_each_type_once(world):
    # given several threads and replies written, none indexed yet
    threads = []
    for n in range(4):
        thread, _ = await world.start("casey", "general", f"Heron migration {n}", "heron")
        await world.reply("gil", thread, f"heron reply {n}")
        threads.append(thread)
    pending = len(await _pending(world.session))
    assert pending >= 12  # member events, thread and post events
    writes = CountingWrites(world.index)
    # when the worker drains them in one pass
    handled = await world.index_pending()
    # then each type was written once, with every document its events touched
    assert handled == pending
    by_type = dict(writes.calls)
    assert sorted(name for name, _ in writes.calls) == ["member", "post", "thread"]
    assert by_type["thread"] == 4 and by_type["post"] == 4
    assert {i for _, i in await world.find("hana", "heron", types=("thread",))} == {
        t.id for t in threads
    }


async def test_a_crash_after_the_batched_write_loses_nothing(world, open_index):
    # given a worker whose pass wrote the index and then died before committing
    thread, _ = await world.start("casey", "general", "Bittern sightings", "bittern")
    reply = await world.reply("gil", thread, "a bittern reply")

    class PowerCut(Exception):
        pass

    def dying_sessions():  # type: ignore[no-untyped-def]
        session = world.session_factory()

        async def commit() -> None:
            raise PowerCut

        session.commit = commit  # type: ignore[method-assign]
        return session

    dying = build_dispatcher(dying_sessions, search_consumers(world.index))  # type: ignore[arg-type]
    try:
        await dying.drain()
    except PowerCut:
        pass
    else:
        raise AssertionError("the pass should have died at its commit")
    # the index has the documents, but the outbox still holds every event
    assert await world.find("hana", "bittern", types=("thread",)) == [("thread", thread.id)]
    assert any(e.topic.startswith("community.") for e in await _pending(world.session))
    # when a new process starts with a fresh connection to the same index
    restarted = open_index()
    await world.index_pending(restarted)
    # then nothing is pending and every document is there exactly once
    assert await _pending(world.session) == []
    world.index = restarted
    assert set(await world.find("hana", "bittern")) == {("thread", thread.id), ("post", reply.id)}


class Poisoned(Threads):
    """A thread type whose loading fails for one id: a bug in one document's data."""

    name = "poisoned"
    topics: ClassVar[frozenset[str]] = frozenset({POISON_TOPIC})
    bad_id = -1

    async def load(self, session: Any, ids: Sequence[int]) -> list[Document]:
        if self.bad_id in ids:
            raise ValueError(f"cannot build document {self.bad_id}")
        return await super().load(session, ids)

    async def affected(self, session: Any, topic: str, payload: Mapping[str, Any]) -> set[int]:
        return payload_ids(payload, "thread_id")


async def test_a_failing_write_is_charged_to_its_own_event(world):
    # given an index with a type that cannot build one thread's document
    good, _ = await world.start("casey", "general", "Plover counts", "plover")
    bad, _ = await world.start("casey", "general", "Plover photos", "plover")
    await world.index_pending()
    poisoned = Poisoned()
    poisoned.bad_id = bad.id
    index = SearchIndex(world.index.backend, {**DOCUMENT_TYPES, poisoned.name: poisoned})
    for thread in (good, bad):
        record_event(world.session, POISON_TOPIC, {"thread_id": thread.id})
    await world.session.commit()
    dispatcher = build_dispatcher(world.session_factory, search_consumers(index, index.types))
    # when the pass's shared write fails
    await dispatcher.drain()
    # then the pass ran again event by event: the good event is done, the bad one waits
    # for a retry with its error, and the good thread's document was written
    events = (
        await world.session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.topic == POISON_TOPIC)
            .order_by(OutboxEvent.id)
            .execution_options(populate_existing=True)
        )
    ).all()
    assert [e.processed_at is not None for e in events] == [True, False]
    assert events[1].attempts == 1 and "cannot build document" in (events[1].last_error or "")
    found = await index.search(await world.viewer("admin"), _request("plover", "poisoned"))
    assert [h.id for h in found.hits] == [good.id]


def _request(query: str, doc_type: str) -> Any:
    from search.query import SearchRequest

    return SearchRequest(query=query, types=(doc_type,))
