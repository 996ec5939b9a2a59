"""The outbox dispatcher: at-least-once delivery, retries with backoff, after-commit actions."""

from datetime import timedelta

from sqlalchemy import select

from domain.shared.models import utcnow
from domain.shared.outbox import Delivery, OutboxDispatcher, OutboxEvent, record_event


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


async def _events(session):
    statement = (
        select(OutboxEvent).order_by(OutboxEvent.id).execution_options(populate_existing=True)
    )
    return (await session.scalars(statement)).all()


async def test_events_reach_their_handlers_and_failures_retry_after_a_backoff(
    session, session_factory
):
    # given two events for the handler, one for nobody, and a handler that fails once on n=2
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

    clock = Clock()
    dispatcher = OutboxDispatcher(session_factory, {"test.ping": [handler]}, clock=clock)
    # when: the first pass handles all three; the failed one waits out its backoff
    assert await dispatcher.drain() == 3
    assert await dispatcher.drain() == 0
    rows = await _events(session)
    assert (rows[1].attempts, rows[1].last_error) == (1, "RuntimeError: transient")
    assert rows[1].next_attempt_at == clock.now + timedelta(seconds=1)
    clock.advance(1)
    assert await dispatcher.drain() == 1
    # then: each delivered once, after-commit actions ran once each
    assert seen == [1, 2] and committed == [1, 2]
    assert [r.processed_at is not None for r in await _events(session)] == [True, True, True]


async def test_an_event_that_keeps_failing_backs_off_exponentially_then_is_parked(
    session, session_factory
):
    record_event(session, "test.bad", {})
    await session.commit()

    async def broken(delivery: Delivery) -> None:
        raise ValueError("always")

    clock = Clock()
    dispatcher = OutboxDispatcher(
        session_factory, {"test.bad": [broken]}, max_attempts=4, clock=clock
    )
    waits = []
    for _ in range(4):
        assert await dispatcher.drain() == 1
        (event,) = await _events(session)
        waits.append((event.next_attempt_at - clock.now).total_seconds())
        clock.advance(3600)
    assert waits == [1, 2, 4, 8]
    assert await dispatcher.drain() == 0  # parked: four attempts used
    (event,) = await _events(session)
    assert (
        event.processed_at is None
        and event.attempts == 4
        and event.last_error == "ValueError: always"
    )


async def _append(values: list[int], n: int) -> None:
    values.append(n)
