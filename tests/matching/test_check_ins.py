"""Check-in reminders on their cadence with nobody pressing a button: the worker's periodic
sweep (api/worker.py, run by the embedded worker and `bondfire worker`) sends exactly the due
reminders, once."""

import asyncio
from datetime import timedelta

from sqlalchemy import select

from api.worker import check_in_sweep, run_every
from domain.community.models import Notification, NotificationKind
from domain.matching import events
from domain.matching.models import BuddyPair, PairOrigin, PairStatus
from domain.shared.models import utcnow
from domain.shared.outbox import OutboxEvent


def _pair(world, mentor: str, mentee: str, status: PairStatus, due_in: timedelta, every: int):
    return BuddyPair(
        mentor_id=world.members[mentor].id,
        mentee_id=world.members[mentee].id,
        status=status,
        origin=PairOrigin.REQUEST,
        score=1.0,
        breakdown=[],
        ended_badly=False,
        check_in_every_days=every,
        next_check_in_at=utcnow() + due_in,
    )


async def test_the_periodic_sweep_sends_exactly_the_due_reminders_once(world):
    # given two active pairs that are due (one three cadences late), an active one not due
    # yet, and pairs not running (accepted, completed) whose dates have passed
    now = utcnow()
    due = [
        _pair(world, "gil", "casey", PairStatus.ACTIVE, timedelta(hours=-1), 14),
        _pair(world, "ivy", "nia", PairStatus.ACTIVE, timedelta(days=-20), 7),
    ]
    others = [
        _pair(world, "uma", "colleague", PairStatus.ACTIVE, timedelta(days=2), 14),
        _pair(world, "rex", "nia", PairStatus.ACCEPTED, timedelta(days=-1), 14),
        _pair(world, "uma", "casey", PairStatus.COMPLETED, timedelta(days=-1), 14),
    ]
    world.session.add_all([*due, *others])
    await world.session.commit()
    before = {p.id: p.next_check_in_at for p in others}

    # when the worker's periodic task runs four sweeps
    app = world.app
    sweep = check_in_sweep(app.state.session_factory, app.state.dispatcher)
    stop, sent = asyncio.Event(), []

    async def four_sweeps() -> None:
        sent.append(await sweep())
        if len(sent) == 4:
            stop.set()

    await asyncio.wait_for(run_every(0.01, four_sweeps, stop), timeout=30)

    # then the first sweep reminded the two due pairs, the later ones nobody
    assert sent == [2, 0, 0, 0]
    reminders = list(
        await world.session.scalars(
            select(OutboxEvent).where(OutboxEvent.topic == events.CHECK_IN_DUE)
        )
    )
    assert sorted(e.payload["pair_id"] for e in reminders) == sorted(p.id for p in due)
    for pair in [*due, *others]:
        await world.session.refresh(pair)
    # the next check-in is one cadence ahead of the missed one, in the future
    assert due[0].next_check_in_at > now + timedelta(days=13)
    assert now < due[1].next_check_in_at <= now + timedelta(days=7)
    assert {p.id: p.next_check_in_at for p in others} == before
    # and each buddy of a due pair finds one reminder in their inbox
    await world.drain()
    reminded = sorted(
        await world.session.scalars(
            select(Notification.recipient_id).where(
                Notification.kind == NotificationKind.BUDDY_CHECK_IN
            )
        )
    )
    buddies = sorted(m for p in due for m in (p.mentor_id, p.mentee_id))
    assert reminded == buddies


async def test_a_failed_run_does_not_stop_the_periodic_task():
    runs: list[int] = []
    stop = asyncio.Event()

    async def flaky() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("database went away")
        if len(runs) == 3:
            stop.set()

    await asyncio.wait_for(run_every(0.01, flaky, stop), timeout=10)
    assert runs == [0, 1, 2]
