"""The indexer: outbox consumers that keep the index in step with the database.

Events carry ids only; the indexer re-reads the rows and writes whole documents, so handling an
event twice, late or out of order leaves the same index. The outbox marks an event done in the
same transaction as its handlers' work, after the index confirmed the write: a crash between the
domain commit and the index write leaves the event pending, and it is indexed on the next pass.

The documents the events of one outbox pass touch are written together, once per type, before
the pass commits (Delivery.batch): one index transaction for up to a pass's events instead of
one per event and type. If that write fails otherwise than by the index being unreachable, the
outbox runs the pass again event by event, and the failure is charged to its own event.

When the index is unreachable (Meilisearch down), the handler does not fail the domain event,
which would hold back every other consumer of it (notifications, live updates). It records the
documents still to write as a `search.sync.retry` event of its own, in the same transaction, and
that event is retried until the index takes it. The dispatcher retries without delay and parks
an event after a few attempts, so parked retries are queued again as soon as a later write
reaches the index (in the process that saw the failure), and by `bondfire search setup` and
`bondfire search reindex`.
"""

import logging
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.shared.outbox import Delivery, Handler, OutboxEvent, record_event
from search.documents import DOCUMENT_TYPES, DocumentType
from search.engine import SearchIndex
from search.errors import SearchUnavailable

logger = logging.getLogger("bondfire.search")

SEARCH_RETRY = "search.sync.retry"
LOAD_BATCH = 500

DocumentIds = dict[str, set[int]]  # document type name -> ids
IndexSource = SearchIndex | Callable[[], SearchIndex]


class Indexer:
    def __init__(self, source: IndexSource) -> None:
        self._source = source
        # Set when this process deferred an update; retries parked by an earlier process are
        # queued again by `bondfire search setup` (or reindex).
        self._may_have_parked = False

    @property
    def index(self) -> SearchIndex:
        return self._source if isinstance(self._source, SearchIndex) else self._source()

    async def affected(
        self, session: AsyncSession, topic: str, payload: Mapping[str, Any]
    ) -> DocumentIds:
        found: DocumentIds = {}
        for doc_type in self.index.types.values():
            if topic in doc_type.topics:
                if ids := await doc_type.affected(session, topic, payload):
                    found[doc_type.name] = ids
        return found

    async def sync(self, session: AsyncSession, ids: DocumentIds) -> int:
        """Writes the current documents for these ids and removes those with no document any
        more. Returns how many documents were written."""
        written = 0
        for name, wanted in ids.items():
            doc_type = self.index.types[name]
            ordered = sorted(wanted)
            for start in range(0, len(ordered), LOAD_BATCH):
                chunk = ordered[start : start + LOAD_BATCH]
                documents = await doc_type.load(session, chunk)
                await self.index.backend.upsert(doc_type, documents)
                gone = set(chunk) - {d["id"] for d in documents}
                await self.index.backend.delete(doc_type, sorted(gone))
                written += len(documents)
        return written

    async def on_event(self, delivery: Delivery) -> None:
        event = delivery.event
        if any(event.topic in t.topics for t in self.index.types.values()):
            delivery.batch(self, lambda: PendingDocuments(self)).add(event.topic, event.payload)

    async def write_or_defer(self, session: AsyncSession, ids: DocumentIds) -> None:
        """Writes the documents; if the index is unreachable, records them as a retry event in
        the same transaction instead of failing the domain events they came from."""
        try:
            await self.sync(session, ids)
        except SearchUnavailable as error:
            logger.warning("search index unavailable; updates will be indexed later: %s", error)
            record_event(session, SEARCH_RETRY, {"documents": _listed(ids)})
            self._may_have_parked = True
            return
        await self._requeue_parked(session)

    async def on_retry(self, delivery: Delivery) -> None:
        documents = delivery.event.payload.get("documents", {})
        ids = {
            name: {int(i) for i in values}
            for name, values in documents.items()
            if name in self.index.types
        }
        await self.sync(delivery.session, ids)  # SearchUnavailable: the outbox retries it
        await self._requeue_parked(delivery.session)

    async def _requeue_parked(self, session: AsyncSession) -> None:
        if self._may_have_parked:
            count = await requeue_parked_retries(session)
            if count:
                logger.info("search index reachable again: %s parked updates queued", count)
            self._may_have_parked = False


class PendingDocuments:
    """The events of one outbox pass, by topic; at the end, the documents they touched are
    found (one lookup per topic, over every event's ids) and written once per type. Payloads
    carry ids, and what a document type finds for several ids is what it finds for each."""

    def __init__(self, indexer: Indexer) -> None:
        self._indexer = indexer
        self._payloads: dict[str, dict[str, list[Any]]] = {}

    def add(self, topic: str, payload: Mapping[str, Any]) -> None:
        merged = self._payloads.setdefault(topic, {})
        for key, value in payload.items():
            merged.setdefault(key, []).extend(value if isinstance(value, list) else [value])

    async def flush(self, session: AsyncSession) -> None:
        ids: DocumentIds = {}
        for topic, payload in self._payloads.items():
            for name, found in (await self._indexer.affected(session, topic, payload)).items():
                ids.setdefault(name, set()).update(found)
        self._payloads = {}
        if ids:
            await self._indexer.write_or_defer(session, ids)


async def requeue_parked_retries(session: AsyncSession) -> int:
    """Gives failed index updates their attempts back and ends their backoff: the index is
    reachable again, so the outbox tries them at once."""
    pending = select(OutboxEvent.id).where(
        OutboxEvent.topic == SEARCH_RETRY,
        OutboxEvent.processed_at.is_(None),
        OutboxEvent.attempts > 0,
    )
    if session.get_bind().dialect.name == "postgresql":
        pending = pending.with_for_update(skip_locked=True)  # rows another worker is handling
    ids = list(await session.scalars(pending))
    if ids:
        await session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_(ids))
            .values(attempts=0, next_attempt_at=None)
            .execution_options(synchronize_session=False)
        )
    return len(ids)


def search_consumers(
    source: IndexSource, types: Mapping[str, DocumentType] = DOCUMENT_TYPES
) -> list[tuple[str, Handler]]:
    """The (topic, handler) pairs the outbox worker runs for search."""
    indexer = Indexer(source)
    # Known without the index: a worker builds its consumers before it opens the index.
    topics = sorted({topic for t in types.values() for topic in t.topics})
    return [*((topic, indexer.on_event) for topic in topics), (SEARCH_RETRY, indexer.on_retry)]


def _listed(ids: DocumentIds) -> dict[str, list[int]]:
    return {name: sorted(values) for name, values in ids.items()}
