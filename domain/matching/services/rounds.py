"""Matching rounds: a manager runs the optimiser over every waiting mentee and available
mentor, reviews the proposed assignment (leaving out pairs if they like) and publishes it.
Publishing checks every pair against the constraints again, as things stand at that moment."""

import time
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.policies import Actor
from domain.matching import events, policies, repository
from domain.matching.constraints import Facts, allowed, first_violation
from domain.matching.criteria import breakdown, score
from domain.matching.errors import MatchingErrorCode as Code
from domain.matching.models import (
    OPEN_PAIR_STATUSES,
    BuddyPair,
    BuddyProfile,
    MatchingRound,
    PairOrigin,
    PairStatus,
    RoundProposal,
    RoundStatus,
)
from domain.matching.optimizer import greedy_assignment, optimal_assignment
from domain.matching.people import Group
from domain.matching.services.common import fail, not_found, program_settings
from domain.shared.audit import record_audit
from domain.shared.errors import Forbidden


async def run_round(
    session: AsyncSession, actor: Actor, program_id: int | None, now: datetime
) -> MatchingRound:
    """Proposes the assignment with the highest total score (a DRAFT round to review)."""
    _require_manager(actor)
    settings = await program_settings(session, program_id)
    base = repository.people_statement()
    mentees = await repository.people(session, repository.waiting_mentees(base))
    mentors = await repository.people(session, repository.available_mentors(base))
    facts = await repository.facts(session)
    started = time.perf_counter()
    mentee_group, mentor_group = Group(mentees, now), Group(mentors, now)
    weights = settings.criteria_weights
    scores = score(mentee_group, mentor_group, weights)
    ok = allowed(mentee_group, mentor_group, facts, settings.rules)
    best = optimal_assignment(scores.total, ok, mentor_group.free_capacity)
    greedy = greedy_assignment(scores.total, ok, mentor_group.free_capacity)
    seconds = time.perf_counter() - started
    matching_round = MatchingRound(
        program_id=settings.program_id,
        status=RoundStatus.DRAFT,
        created_by_id=actor.member_id,
        mentee_count=len(mentees),
        mentor_count=len(mentors),
        total_score=best.total,
        greedy_score=greedy.total,
        solve_seconds=round(seconds, 3),
        created_at=now,
    )
    session.add(matching_round)
    await session.flush()
    rows = [
        {
            "round_id": matching_round.id,
            "mentor_id": mentors[j].member_id,
            "mentee_id": mentees[i].member_id,
            "score": float(scores.total[i, j]),
            "breakdown": breakdown(mentees[i], mentors[j], scores, (i, j), weights, now),
            "included": True,
        }
        for i, j in best.pairs
    ]
    for start in range(0, len(rows), 1000):
        await session.execute(insert(RoundProposal), rows[start : start + 1000])
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="matching.round.run",
        target_type="MatchingRound",
        target_id=matching_round.id,
        details={"pairs": len(rows), "total": best.total, "greedy": greedy.total},
    )
    return matching_round


async def set_proposal_included(
    session: AsyncSession, actor: Actor, proposal_id: int, included: bool
) -> RoundProposal:
    _require_manager(actor)
    proposal = await session.get(RoundProposal, proposal_id)
    if proposal is None:
        raise not_found("proposal", "proposalId")
    await _draft(session, proposal.round_id, "proposalId")
    proposal.included = included
    return proposal


async def discard_round(
    session: AsyncSession, actor: Actor, round_id: int, now: datetime
) -> MatchingRound:
    _require_manager(actor)
    matching_round = await _draft(session, round_id, "roundId")
    matching_round.status = RoundStatus.DISCARDED
    return matching_round


async def publish_round(
    session: AsyncSession, actor: Actor, round_id: int, now: datetime
) -> MatchingRound:
    """Creates a PROPOSED pair for every included proposal that still passes the constraints,
    best first; the others are kept with the reason they were skipped."""
    _require_manager(actor)
    matching_round = await _draft(session, round_id, "roundId")
    settings = await program_settings(session, matching_round.program_id)
    proposals = list(
        await session.scalars(
            select(RoundProposal)
            .where(RoundProposal.round_id == round_id, RoundProposal.included.is_(True))
            .order_by(RoundProposal.score.desc(), RoundProposal.id)
        )
    )
    mentor_ids = sorted({p.mentor_id for p in proposals})
    # Lock the mentors' rows (in one order, so publishers and requests never deadlock).
    await session.execute(
        select(BuddyProfile.member_id)
        .where(BuddyProfile.member_id.in_(mentor_ids))
        .order_by(BuddyProfile.member_id)
        .with_for_update()
    )
    ids = mentor_ids + [p.mentee_id for p in proposals]
    people = await repository.people_by_ids(session, ids) if ids else {}
    facts = await repository.facts(session)
    busy = set(
        await session.scalars(
            select(BuddyPair.mentee_id).where(
                BuddyPair.status.in_(OPEN_PAIR_STATUSES),
                BuddyPair.mentee_id.in_([p.mentee_id for p in proposals]),
            )
        )
    )
    taken: dict[int, int] = {}
    new_pairs: set[tuple[int, int]] = set()
    for proposal in proposals:
        mentee, mentor = people.get(proposal.mentee_id), people.get(proposal.mentor_id)
        if mentee is None or mentor is None:
            proposal.skipped_reason = "NO_PROFILE"
            continue
        if mentee.member_id in busy:
            # Paired some other way since the round ran: a mentee has one buddy at a time.
            proposal.skipped_reason = "MENTEE_ALREADY_PAIRED"
            continue
        current = Facts(facts.competitors, facts.blocked, facts.open_pairs | new_pairs, taken)
        violation = first_violation(
            Group([mentee], now), Group([mentor], now), current, settings.rules
        )
        if violation is not None:
            proposal.skipped_reason = str(violation)
            continue
        pair = BuddyPair(
            program_id=settings.program_id,
            round_id=round_id,
            mentor_id=mentor.member_id,
            mentee_id=mentee.member_id,
            status=PairStatus.PROPOSED,
            origin=PairOrigin.ROUND,
            score=proposal.score,
            breakdown=proposal.breakdown,
            check_in_every_days=settings.check_in_every_days,
            ended_badly=False,
            created_at=now,
        )
        session.add(pair)
        await session.flush()
        proposal.pair_id = pair.id
        taken[mentor.member_id] = taken.get(mentor.member_id, 0) + 1
        busy.add(mentee.member_id)
        new_pairs |= {(mentor.member_id, mentee.member_id), (mentee.member_id, mentor.member_id)}
        events.emit_pair(
            session,
            events.PAIR_PROPOSED,
            pair,
            mentor_account_id=mentor.account_id,
            mentee_account_id=mentee.account_id,
            actor_id=actor.member_id,
        )
    matching_round.status = RoundStatus.PUBLISHED
    matching_round.published_at = now
    matching_round.published_by_id = actor.member_id
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="matching.round.publish",
        target_type="MatchingRound",
        target_id=round_id,
        details={"pairs": sum(taken.values())},
    )
    await session.flush()
    return matching_round


def _require_manager(actor: Actor) -> None:
    if not policies.can_manage_matching(actor):
        raise Forbidden("only community managers run matching rounds")


async def _draft(session: AsyncSession, round_id: int, field: str) -> MatchingRound:
    matching_round = await session.scalar(
        select(MatchingRound)
        .where(MatchingRound.id == round_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if matching_round is None:
        raise not_found("round", field)
    if matching_round.status is not RoundStatus.DRAFT:
        raise fail(f"the round is {matching_round.status.lower()}", Code.ROUND_NOT_DRAFT, field)
    return matching_round
