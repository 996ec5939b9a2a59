"""Rebuilding the index from the database, without downtime.

Each type is written into a new index (a new table generation, or a temporary Meilisearch
index) while searches keep using the live one; then the new one is swapped in. Writes made
while the rebuild ran may have reached only the old index, so after the swap every document
touched by an event from the rebuild's start on (or still pending then) is written again.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.shared.models import utcnow
from domain.shared.outbox import OutboxEvent
from search.documents import DocumentType
from search.engine import SearchIndex
from search.indexer import SEARCH_RETRY, DocumentIds, Indexer, requeue_parked_retries

BATCH = 500
# Transactions commit their outbox rows a little after taking an id; look back this far for
# events that were not yet visible when the rebuild started.
CATCH_UP_MARGIN = timedelta(minutes=5)

Progress = Callable[[DocumentType, int, int], None]  # type, done, total


@dataclass(frozen=True)
class Rebuilt:
    type: str
    documents: int
    caught_up: int


async def reindex(
    session_factory: async_sessionmaker[AsyncSession],
    index: SearchIndex,
    types: Sequence[DocumentType],
    progress: Progress | None = None,
) -> list[Rebuilt]:
    done: list[Rebuilt] = []
    for doc_type in types:
        done.append(await _rebuild(session_factory, index, doc_type, progress))
    async with session_factory() as session, session.begin():
        await requeue_parked_retries(session)
    return done


async def _rebuild(
    session_factory: async_sessionmaker[AsyncSession],
    index: SearchIndex,
    doc_type: DocumentType,
    progress: Progress | None,
) -> Rebuilt:
    async with session_factory() as session:
        started = utcnow()
        first_pending = await session.scalar(
            select(func.min(OutboxEvent.id)).where(OutboxEvent.processed_at.is_(None))
        )
        counted = doc_type.ids_after(0, 1).limit(None).order_by(None).subquery()
        total = await session.scalar(select(func.count()).select_from(counted)) or 0
    rebuild = await index.backend.begin_rebuild(doc_type)
    written = 0
    try:
        after = 0
        while True:
            async with session_factory() as session:
                ids = list(await session.scalars(doc_type.ids_after(after, BATCH)))
                if not ids:
                    break
                documents = await doc_type.load(session, ids)
            await rebuild.add(documents)
            written += len(documents)
            after = ids[-1]
            if progress:
                progress(doc_type, written, total)
        await rebuild.publish()
    except BaseException:
        await rebuild.abandon()
        raise
    caught_up = await catch_up(session_factory, index, doc_type, started, first_pending)
    return Rebuilt(doc_type.name, written, caught_up)


async def catch_up(
    session_factory: async_sessionmaker[AsyncSession],
    index: SearchIndex,
    doc_type: DocumentType,
    started: datetime,
    first_pending: int | None,
) -> int:
    since = [OutboxEvent.created_at >= started - CATCH_UP_MARGIN]
    if first_pending is not None:
        since.append(OutboxEvent.id >= first_pending)
    indexer = Indexer(index)
    async with session_factory() as session:
        events = await session.execute(
            select(OutboxEvent.topic, OutboxEvent.payload)
            .where(or_(*since), OutboxEvent.topic.in_([*doc_type.topics, SEARCH_RETRY]))
            .order_by(OutboxEvent.id)
        )
        ids: set[int] = set()
        for topic, payload in events.all():
            if topic == SEARCH_RETRY:
                ids |= {int(i) for i in payload.get("documents", {}).get(doc_type.name, [])}
            else:
                ids |= await doc_type.affected(session, topic, payload)
        wanted: DocumentIds = {doc_type.name: ids} if ids else {}
        return await indexer.sync(session, wanted)
