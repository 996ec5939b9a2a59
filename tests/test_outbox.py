"""The outbox dispatcher: at-least-once delivery, retries, and after-commit actions."""

from sqlalchemy import select

from domain.shared.outbox import Delivery, OutboxDispatcher, OutboxEvent, record_event


async def test_events_reach_their_handlers_once_and_failures_are_retried(session, session_factory):
    # given two events, and a handler that fails the first time it sees the second one
    record_event(session, "test.ping", {"n": 1})
    record_event(session, "test.ping", {"n": 2})
    record_event(session, "test.other", {"n": 3})
    await session.commit()
    seen: list[int] = []
    committed: list[int] = []
    failures = {2: 1}

    async def handler(delivery: Delivery) -> None:
        n = delivery.event.payload["n"]
        if failures.get(n):
            failures[n] -= 1
            raise RuntimeError("transient")
        seen.append(n)
        delivery.after_commit(lambda: _append(committed, n))

    dispatcher = OutboxDispatcher(session_factory, {"test.ping": [handler]})
    # when
    assert await dispatcher.drain() == 4  # three events, then the retry of the failed one
    assert await dispatcher.drain() == 0
    # then
    assert seen == [1, 2] and committed == [1, 2]
    rows = (
        await session.scalars(
            select(OutboxEvent).order_by(OutboxEvent.id).execution_options(populate_existing=True)
        )
    ).all()
    assert [(r.processed_at is not None, r.attempts) for r in rows] == [
        (True, 0),
        (True, 1),
        (True, 0),
    ]
    assert rows[1].last_error == "RuntimeError: transient"


async def test_an_event_that_keeps_failing_is_parked(session, session_factory):
    record_event(session, "test.bad", {})
    await session.commit()

    async def broken(delivery: Delivery) -> None:
        raise ValueError("always")

    dispatcher = OutboxDispatcher(session_factory, {"test.bad": [broken]}, max_attempts=3)
    assert await dispatcher.drain() == 3
    event = await session.scalar(select(OutboxEvent).execution_options(populate_existing=True))
    assert event.processed_at is None and event.attempts == 3


async def _append(values: list[int], n: int) -> None:
    values.append(n)
