"""A pair's life after acceptance: start, check-ins on a cadence, completion or an early end,
and a short feedback form from each buddy at the end."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy.fatigue import AskKind, record_ask
from domain.identity.policies import Actor
from domain.matching import events, policies, repository
from domain.matching.errors import MatchingErrorCode as Code
from domain.matching.models import BuddyPair, PairFeedback, PairStatus
from domain.matching.services.common import fail, not_found, readable_pair
from domain.shared.errors import Forbidden
from domain.shared.outbox import record_event
from domain.shared.validation import Checker

MAX_TEXT = 2000
MAX_CHECK_INS_PER_RUN = 1000


async def start_pair(
    session: AsyncSession, actor: Actor, pair_id: int, ends_on: date | None, now: datetime
) -> BuddyPair:
    """The buddies have met: the pair is ACTIVE and check-in reminders start."""
    pair = await _runnable(session, actor, pair_id, (PairStatus.ACCEPTED,))
    if ends_on is not None:
        _check_end_date(ends_on, now)
        pair.ends_on = ends_on
    pair.status = PairStatus.ACTIVE
    pair.started_at = now
    pair.next_check_in_at = now + timedelta(days=pair.check_in_every_days)
    await _emit(session, events.PAIR_STARTED, pair, actor)
    return pair


async def set_end_date(
    session: AsyncSession, actor: Actor, pair_id: int, ends_on: date | None, now: datetime
) -> BuddyPair:
    pair = await _runnable(session, actor, pair_id, (PairStatus.ACCEPTED, PairStatus.ACTIVE))
    if ends_on is not None:
        _check_end_date(ends_on, now)
    pair.ends_on = ends_on
    return pair


async def complete_pair(
    session: AsyncSession, actor: Actor, pair_id: int, now: datetime
) -> BuddyPair:
    """The pairing ran its course. The mentor's buddy sessions go to the advocacy ledger (the
    PAIR_COMPLETED event) and count as one ask of their fatigue budget."""
    pair = await _runnable(session, actor, pair_id, (PairStatus.ACTIVE,))
    pair.status = PairStatus.COMPLETED
    pair.ended_at = now
    pair.next_check_in_at = None
    accounts = await _emit(session, events.PAIR_COMPLETED, pair, actor)
    await record_ask(
        session,
        member_id=pair.mentor_id,
        account_id=accounts[pair.mentor_id],
        kind=AskKind.BUDDY_SESSION,
        source_type="BuddyPair",
        source_id=pair.id,
        at=now,
    )
    return pair


async def end_pair_early(
    session: AsyncSession,
    actor: Actor,
    pair_id: int,
    reason: str | None,
    ended_badly: bool,
    now: datetime,
) -> BuddyPair:
    """Ends an accepted or active pair before its time. `ended_badly`: the two are never
    proposed to each other again."""
    check = Checker(Code.INVALID_VALUE)
    reason = check.text("reason", reason, max_length=MAX_TEXT)
    check.raise_if_any()
    pair = await _runnable(session, actor, pair_id, (PairStatus.ACCEPTED, PairStatus.ACTIVE))
    pair.status = PairStatus.ENDED_EARLY
    pair.ended_at = now
    pair.end_reason = reason
    pair.ended_badly = ended_badly
    pair.next_check_in_at = None
    await _emit(session, events.PAIR_ENDED_EARLY, pair, actor)
    return pair


@dataclass(frozen=True)
class FeedbackInput:
    rating: int
    goals_met: bool
    would_recommend: bool
    comment: str | None = None


async def give_feedback(
    session: AsyncSession, actor: Actor, pair_id: int, form: FeedbackInput, now: datetime
) -> PairFeedback:
    """Each buddy fills in the form once, after the pair has ended."""
    pair = await readable_pair(session, actor, pair_id)
    if not policies.is_party(actor, pair):
        raise Forbidden("only the buddies give feedback")
    if pair.status not in (PairStatus.COMPLETED, PairStatus.ENDED_EARLY):
        raise fail("feedback comes when the pair has ended", Code.INVALID_TRANSITION, "pairId")
    check = Checker(Code.INVALID_VALUE)
    if not 1 <= form.rating <= 5:
        check.fail("rating", "a rating from 1 to 5")
    comment = check.text("comment", form.comment, max_length=MAX_TEXT)
    check.raise_if_any()
    if await session.get(PairFeedback, (pair.id, actor.member_id)) is not None:
        raise fail("you gave feedback already", Code.FEEDBACK_ALREADY_GIVEN, "pairId")
    feedback = PairFeedback(
        pair_id=pair.id,
        member_id=actor.member_id,
        rating=form.rating,
        goals_met=form.goals_met,
        would_recommend=form.would_recommend,
        comment=comment,
        created_at=now,
    )
    session.add(feedback)
    await session.flush()
    return feedback


async def send_due_check_ins(session: AsyncSession, now: datetime) -> int:
    """For every active pair whose check-in is due: one reminder event (the notification
    consumer tells both buddies) and the next check-in a cadence later. Safe to run often and
    from several processes: the rows are locked and skipped by the others."""
    statement = (
        select(BuddyPair)
        .where(BuddyPair.status == PairStatus.ACTIVE, BuddyPair.next_check_in_at <= now)
        .order_by(BuddyPair.next_check_in_at, BuddyPair.id)
        .limit(MAX_CHECK_INS_PER_RUN)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    due = list(await session.scalars(statement))
    for pair in due:
        assert pair.next_check_in_at is not None
        cadence = timedelta(days=max(pair.check_in_every_days, 1))
        while pair.next_check_in_at <= now:
            pair.next_check_in_at += cadence
        record_event(
            session,
            events.CHECK_IN_DUE,
            {
                "pair_id": pair.id,
                "mentor_member_id": pair.mentor_id,
                "mentee_member_id": pair.mentee_id,
            },
        )
    await session.flush()
    return len(due)


async def _runnable(
    session: AsyncSession, actor: Actor, pair_id: int, statuses: tuple[PairStatus, ...]
) -> BuddyPair:
    pair = await readable_pair(session, actor, pair_id, lock=True)
    if not policies.can_run_pair(actor, pair):
        raise not_found("buddy pair", "pairId")
    if pair.status not in statuses:
        raise fail(f"the pair is {pair.status.lower()}", Code.INVALID_TRANSITION, "pairId")
    return pair


def _check_end_date(ends_on: date, now: datetime) -> None:
    if ends_on <= now.date():
        raise fail("the end date is in the future", Code.INVALID_VALUE, "endsOn")


async def _emit(session: AsyncSession, topic: str, pair: BuddyPair, actor: Actor) -> dict[int, int]:
    accounts = await repository.account_ids_of(session, [pair.mentor_id, pair.mentee_id])
    events.emit_pair(
        session,
        topic,
        pair,
        mentor_account_id=accounts[pair.mentor_id],
        mentee_account_id=accounts[pair.mentee_id],
        actor_id=actor.member_id,
    )
    await session.flush()
    return accounts
