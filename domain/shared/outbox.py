"""Transactional outbox: domain events written with the change, handled after commit.

Consumers (notifications, live updates, search indexing, ledger, webhooks) drain it at least
once, so they must be idempotent; the event id is their de-duplication key. On PostgreSQL several
workers share the work (`FOR UPDATE SKIP LOCKED`); on SQLite one in-process worker drains it.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import JSON, Index, String, Text, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from domain.shared.database import begin_writing
from domain.shared.models import Base, Id, UTCDateTime, utcnow

logger = logging.getLogger("bondfire.outbox")

MAX_BACKOFF_SECONDS = 3600
EVENTS_RECORDED = "bondfire.outbox.events_recorded"


class OutboxEvent(Base):
    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_pending", "processed_at", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    topic: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # after a failure


def record_event(session: AsyncSession, topic: str, payload: dict[str, Any]) -> OutboxEvent:
    event = OutboxEvent(topic=topic, payload=payload, attempts=0)
    session.add(event)
    session.info[EVENTS_RECORDED] = True
    return event


def events_recorded(session: AsyncSession) -> bool:
    """Whether this session's unit of work wrote outbox events (the worker has news)."""
    return bool(session.info.get(EVENTS_RECORDED))


AfterCommit = Callable[[], Awaitable[None]]


class Batch(Protocol):
    """Work several events of one pass share (see Delivery.batch)."""

    async def flush(self, session: AsyncSession) -> None: ...


B = TypeVar("B", bound=Batch)


class BatchFailed(Exception):
    """A pass's shared batch failed: the pass is rolled back and run again event by event."""


@dataclass
class Delivery:
    """One event handed to a handler, in the handler's own savepoint of the worker's transaction."""

    session: AsyncSession
    event: OutboxEvent
    _after_commit: list[AfterCommit] = field(default_factory=list)
    _batches: dict[object, Batch] = field(default_factory=dict)

    def after_commit(self, action: AfterCommit) -> None:
        """Run `action` once the handler's writes are committed (e.g. push a live update)."""
        self._after_commit.append(action)

    def batch(self, key: object, new: Callable[[], B]) -> B:
        """The batch under `key` that the events of this pass share, flushed once in the pass's
        transaction before it commits: e.g. one search index write for many events instead of
        one each. If a flush fails, the pass is rolled back and run again with a batch per
        event, flushed in the event's own savepoint, so the failure is charged to its event."""
        if key not in self._batches:
            self._batches[key] = new()
        return self._batches[key]  # type: ignore[return-value]

    async def flush_batches(self) -> None:
        for batch in self._batches.values():
            await batch.flush(self.session)
        self._batches.clear()


Handler = Callable[[Delivery], Awaitable[None]]


class OutboxDispatcher:
    """Hands pending events to the handlers registered for their topic, oldest first.

    A handler that raises rolls back its savepoint (the other handlers' work stays) and the
    event is tried again after an exponential backoff (1 s, 2 s, 4 s, ... at most an hour);
    after `max_attempts` it is parked with its last error for an operator to look at.
    """

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        handlers: Mapping[str, Sequence[Handler]],
        *,
        batch_size: int = 200,
        max_attempts: int = 12,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._session_factory = session_factory
        self._handlers = handlers
        self._batch_size = batch_size
        self._max_attempts = max_attempts
        self._clock = clock
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        """Called after a request commits, so events are handled at once rather than on a poll."""
        self._wakeup.set()

    async def drain(self) -> int:
        """Handles every pending event; returns how many were handled."""
        total = 0
        while handled := await self._pass():
            total += handled
        return total

    async def run(self, poll_seconds: float = 2.0) -> None:
        while True:
            try:
                await self.drain()
            except Exception:  # keep the worker alive; the failure is logged with its cause
                logger.exception("outbox pass failed")
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=poll_seconds)
            except TimeoutError:
                pass
            self._wakeup.clear()

    async def _pass(self) -> int:
        try:
            return await self._pass_once(shared_batches=True)
        except BatchFailed as failure:
            logger.warning("outbox batch failed, handling the pass event by event: %s", failure)
            return await self._pass_once(shared_batches=False)

    async def _pass_once(self, *, shared_batches: bool) -> int:
        after_commit: list[AfterCommit] = []
        batches: dict[object, Batch] = {}
        async with self._session_factory() as session:
            await begin_writing(session)
            statement = (
                select(OutboxEvent)
                .where(
                    OutboxEvent.processed_at.is_(None),
                    OutboxEvent.attempts < self._max_attempts,
                    or_(
                        OutboxEvent.next_attempt_at.is_(None),
                        OutboxEvent.next_attempt_at <= self._clock(),
                    ),
                )
                .order_by(OutboxEvent.id)
                .limit(self._batch_size)
            )
            if session.get_bind().dialect.name == "postgresql":
                statement = statement.with_for_update(skip_locked=True)
            events = list(await session.scalars(statement))
            for event in events:
                await self._deliver(session, event, after_commit, batches, shared_batches)
            try:
                for batch in batches.values():
                    await batch.flush(session)
            except Exception as error:
                await session.rollback()
                raise BatchFailed(f"{type(error).__name__}: {error}") from error
            await session.commit()
        for action in after_commit:
            try:
                await action()
            except Exception:
                logger.exception("after-commit action failed")
        return len(events)

    async def _deliver(
        self,
        session: AsyncSession,
        event: OutboxEvent,
        after_commit: list[AfterCommit],
        batches: dict[object, Batch],
        shared_batches: bool,
    ) -> None:
        delivery = Delivery(session, event, _batches=batches if shared_batches else {})
        try:
            async with session.begin_nested():
                for handler in self._handlers.get(event.topic, ()):
                    await handler(delivery)
                if not shared_batches:
                    await delivery.flush_batches()
        except Exception as error:
            event.attempts += 1
            event.last_error = f"{type(error).__name__}: {error}"[:2000]
            backoff = min(2 ** (event.attempts - 1), MAX_BACKOFF_SECONDS)
            event.next_attempt_at = self._clock() + timedelta(seconds=backoff)
            logger.warning("outbox event %s (%s) failed: %s", event.id, event.topic, error)
            return
        event.processed_at = self._clock()
        after_commit.extend(delivery._after_commit)
