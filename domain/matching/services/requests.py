"""Request and accept: a mentee asks a mentor; proposals (requests and round proposals) are
accepted or declined. The constraints are checked again at every step, under a lock on the
mentor's profile row, so two acceptances racing for a mentor's last seat cannot both win."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.policies import Actor
from domain.matching import events, policies, repository
from domain.matching.errors import MatchingErrorCode as Code
from domain.matching.models import BuddyPair, PairOrigin, PairStatus
from domain.matching.services.common import (
    ProgramSettings,
    evaluate_pair,
    fail,
    not_found,
    program_settings,
    readable_pair,
)
from domain.shared.validation import Checker

MAX_MESSAGE = 2000
MAX_REASON = 1000


@dataclass(frozen=True)
class BuddyRequest:
    mentor_id: int
    program_id: int | None = None
    message: str | None = None


async def request_buddy(
    session: AsyncSession, actor: Actor, request: BuddyRequest, now: datetime
) -> BuddyPair:
    """The actor, as mentee, asks a mentor. The pair waits for the mentor's answer."""
    check = Checker(Code.INVALID_VALUE)
    message = check.text("message", request.message, max_length=MAX_MESSAGE)
    check.raise_if_any()
    settings = await program_settings(session, request.program_id)
    if request.mentor_id == actor.member_id:
        raise fail("you cannot be your own buddy", Code.CANNOT_MATCH_SELF, "mentorId")
    mentor_profile = await repository.profile_for_update(session, request.mentor_id)
    if mentor_profile is None or not policies.can_view_profile(actor, mentor_profile):
        raise not_found("mentor", "mentorId")
    evaluation = await evaluate_pair(session, actor.member_id, request.mentor_id, settings, now)
    evaluation.raise_if_violated("mentorId")
    pair = BuddyPair(
        program_id=settings.program_id,
        mentor_id=request.mentor_id,
        mentee_id=actor.member_id,
        status=PairStatus.PROPOSED,
        origin=PairOrigin.REQUEST,
        score=evaluation.score,
        breakdown=evaluation.breakdown,
        message=message,
        mentee_accepted_at=now,
        check_in_every_days=settings.check_in_every_days,
        ended_badly=False,
        created_at=now,
    )
    session.add(pair)
    await session.flush()
    events.emit_pair(
        session,
        events.PAIR_PROPOSED,
        pair,
        mentor_account_id=evaluation.mentor.account_id,
        mentee_account_id=evaluation.mentee.account_id,
        actor_id=actor.member_id,
    )
    return pair


async def accept_pair(
    session: AsyncSession, actor: Actor, pair_id: int, now: datetime
) -> BuddyPair:
    """The mentor accepts a request; each buddy accepts a round's proposal. When both have, the
    pair is ACCEPTED. The constraints must still hold (a competitor may have been declared, or
    the mentor's seats filled, since the proposal)."""
    pair = await _answerable(session, actor, pair_id)
    side = "mentor_accepted_at" if actor.member_id == pair.mentor_id else "mentee_accepted_at"
    if getattr(pair, side) is not None:
        raise fail("you already accepted", Code.ALREADY_ACCEPTED, "pairId")
    await repository.profile_for_update(session, pair.mentor_id)
    settings = await program_settings(session, pair.program_id)
    evaluation = await evaluate_pair(
        session, pair.mentee_id, pair.mentor_id, settings, now, existing=pair
    )
    evaluation.raise_if_violated("pairId")
    setattr(pair, side, now)
    if pair.mentor_accepted_at is not None and pair.mentee_accepted_at is not None:
        pair.status = PairStatus.ACCEPTED
        pair.ends_on = _default_end(settings, now)
        events.emit_pair(
            session,
            events.PAIR_ACCEPTED,
            pair,
            mentor_account_id=evaluation.mentor.account_id,
            mentee_account_id=evaluation.mentee.account_id,
            actor_id=actor.member_id,
        )
    await session.flush()
    return pair


async def decline_pair(
    session: AsyncSession, actor: Actor, pair_id: int, reason: str | None, now: datetime
) -> BuddyPair:
    """Declines a proposal, with an optional reason. The two are never proposed again."""
    check = Checker(Code.INVALID_VALUE)
    reason = check.text("reason", reason, max_length=MAX_REASON)
    check.raise_if_any()
    pair = await _answerable(session, actor, pair_id)
    pair.status = PairStatus.DECLINED
    pair.declined_by_id = actor.member_id
    pair.decline_reason = reason
    pair.ended_at = now
    accounts = await repository.account_ids_of(session, [pair.mentor_id, pair.mentee_id])
    events.emit_pair(
        session,
        events.PAIR_DECLINED,
        pair,
        mentor_account_id=accounts[pair.mentor_id],
        mentee_account_id=accounts[pair.mentee_id],
        actor_id=actor.member_id,
    )
    await session.flush()
    return pair


async def _answerable(session: AsyncSession, actor: Actor, pair_id: int) -> BuddyPair:
    pair = await readable_pair(session, actor, pair_id, lock=True)
    if not policies.is_party(actor, pair):
        raise not_found("buddy pair", "pairId")
    if pair.status is not PairStatus.PROPOSED:
        accepted = pair.status in (PairStatus.ACCEPTED, PairStatus.ACTIVE)
        if accepted:
            raise fail("this pair was accepted already", Code.ALREADY_ACCEPTED, "pairId")
        raise fail(f"the pair is {pair.status.lower()}", Code.INVALID_TRANSITION, "pairId")
    if not policies.may_answer(actor, pair):
        raise fail("the mentor answers a request", Code.INVALID_TRANSITION, "pairId")
    return pair


def _default_end(settings: ProgramSettings, now: datetime) -> date | None:
    if settings.default_length_days is None:
        return None
    return (now + timedelta(days=settings.default_length_days)).date()
