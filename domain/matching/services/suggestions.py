"""Suggestions: the top-k mentors for a mentee, live, through the same constraints and score as
requests and rounds.

The fast path scores the cached mentor pool (domain/matching/pool.py) with numpy, takes the
best candidates and checks them again, as they are now, with the same constraint function;
`reference_suggestions` is the plain evaluation over freshly loaded mentors, which the fast path
must always agree with (tests/matching/test_suggestions.py).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import Member
from domain.identity.policies import Actor
from domain.matching import policies, repository
from domain.matching.constraints import Facts, allowed
from domain.matching.criteria import breakdown, score
from domain.matching.people import Group, Person
from domain.matching.pool import POOLS, PoolCache
from domain.matching.services.common import ProgramSettings
from domain.shared.errors import BadRequest

MAX_SUGGESTIONS = 50
# Candidates checked again beyond the `first` wanted, so one that no longer qualifies (the pool
# is older than the rows) rarely costs a second look-up.
MARGIN = 10


@dataclass(frozen=True)
class Suggestion:
    mentor: Person
    score: float
    breakdown: list[dict[str, Any]]


async def suggestions(
    session: AsyncSession,
    actor: Actor,
    mentee_id: int,
    settings: ProgramSettings,
    now: datetime,
    first: int = 10,
    *,
    pools: PoolCache = POOLS,
) -> list[Suggestion]:
    """The best `first` mentors the mentee may be paired with now, best first (ties: lower
    member id). Nobody the constraints rule out, and nobody with nothing in common."""
    if not 1 <= first <= MAX_SUGGESTIONS:
        raise BadRequest(f"first must be between 1 and {MAX_SUGGESTIONS}")
    if not policies.can_see_suggestions_for(actor, mentee_id):
        return []
    mentee = (await repository.people_by_ids(session, [mentee_id])).get(mentee_id)
    if mentee is None:
        return []
    pool = await pools.get(session, now)
    facts = await repository.facts(session, mentee_ids=[mentee_id], account_ids=[mentee.account_id])
    mentee_group = Group([mentee], now)
    weights = settings.criteria_weights
    total = score(mentee_group, pool.mentors, weights).total[0]
    ok = allowed(mentee_group, pool.mentors, facts, settings.rules)[0] & (total > 0)
    candidates = np.flatnonzero(ok)
    found: list[Suggestion] = []
    checked, batch = 0, first + MARGIN
    while len(found) < first and checked < len(candidates):
        best = _best(candidates, total, pool.mentors.member_ids, checked + batch)[checked:]
        checked += batch
        batch *= 4
        # The same constraint function again, on the rows as they are now.
        ids = pool.mentors.member_ids[best].tolist()
        current = await repository.people_by_ids(session, ids)
        mentors = [current[i] for i in ids if i in current]
        found += _evaluate(mentee, mentors, facts, settings, now, first)
    found.sort(key=lambda s: (-s.score, s.mentor.member_id))
    return found[:first]


async def reference_suggestions(
    session: AsyncSession, mentee_id: int, settings: ProgramSettings, now: datetime, first: int
) -> list[Suggestion]:
    """Every available mentor of another company loaded and evaluated: slow, plainly right."""
    mentee = (await repository.people_by_ids(session, [mentee_id])).get(mentee_id)
    if mentee is None:
        return []
    statement = repository.available_mentors(repository.people_statement()).where(
        Member.account_id != mentee.account_id
    )
    mentors = await repository.people(session, statement)
    facts = await repository.facts(session, mentee_ids=[mentee_id], account_ids=[mentee.account_id])
    return _evaluate(mentee, mentors, facts, settings, now, first)


def _best(candidates: np.ndarray, total: np.ndarray, member_ids: np.ndarray, count: int) -> Any:
    """The best `count` of the candidate columns, best first, ties by member id."""
    scores = total[candidates]
    if count < len(candidates):
        # Everything scoring at least the count-th best (ties at the border included), then
        # sorted: a partition, not a sort of every candidate.
        border = np.partition(-scores, count - 1)[count - 1]
        keep = -scores <= border
        candidates, scores = candidates[keep], scores[keep]
    order = np.lexsort((member_ids[candidates], -scores))
    return candidates[order][:count]


def _evaluate(
    mentee: Person,
    mentors: list[Person],
    facts: Facts,
    settings: ProgramSettings,
    now: datetime,
    first: int,
) -> list[Suggestion]:
    """The best `first` of the mentors the constraints allow and who share something with the
    mentee, best first."""
    if not mentors:
        return []
    mentee_group, mentor_group = Group([mentee], now), Group(mentors, now)
    weights = settings.criteria_weights
    scores = score(mentee_group, mentor_group, weights)
    total = scores.total[0]
    ok = allowed(mentee_group, mentor_group, facts, settings.rules)[0] & (total > 0)
    best = _best(np.flatnonzero(ok), total, mentor_group.member_ids, first)
    return [
        Suggestion(
            mentors[j],
            float(total[j]),
            breakdown(mentee, mentors[j], scores, (0, int(j)), weights, now),
        )
        for j in best.tolist()
    ]
