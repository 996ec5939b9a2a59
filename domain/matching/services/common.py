"""Lookups and checks every matching use case shares: programme settings and pair evaluation."""

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.policies import Actor
from domain.matching import policies, repository
from domain.matching.constraints import Constraint, Facts, Rules, first_violation
from domain.matching.criteria import Criterion, breakdown, score, weights_of
from domain.matching.errors import CONSTRAINT_CODES, CONSTRAINT_MESSAGES
from domain.matching.errors import MatchingErrorCode as Code
from domain.matching.models import BuddyPair, MatchingProgram
from domain.matching.people import Group, Person
from domain.shared.errors import DomainError


def not_found(what: str, field: str) -> DomainError:
    return DomainError(f"{what} not found", code=Code.NOT_FOUND, field=["input", field])


def fail(message: str, code: Code, field: str | None = None) -> DomainError:
    return DomainError(message, code=code, field=["input", field] if field else None)


@dataclass(frozen=True)
class ProgramSettings:
    """A programme's rules and weights; the defaults when there is no programme."""

    program_id: int | None = None
    weights: dict[Criterion, float] | None = None
    rules: Rules = field(default_factory=Rules)
    check_in_every_days: int = 14
    default_length_days: int | None = 90

    @property
    def criteria_weights(self) -> dict[Criterion, float]:
        return self.weights if self.weights is not None else weights_of(None)


def settings_of(program: MatchingProgram | None) -> ProgramSettings:
    if program is None:
        return ProgramSettings()
    return ProgramSettings(
        program_id=program.id,
        weights=weights_of(program.weights),
        rules=Rules(same_industry_region_competes=program.same_industry_region_competes),
        check_in_every_days=program.check_in_every_days,
        default_length_days=program.default_length_days,
    )


async def program_settings(
    session: AsyncSession, program_id: int | None, field: str = "programId"
) -> ProgramSettings:
    if program_id is None:
        return ProgramSettings()
    program = await repository.program_by_id(session, program_id)
    if program is None:
        raise not_found("programme", field)
    return settings_of(program)


@dataclass(frozen=True)
class Evaluation:
    mentee: Person
    mentor: Person
    violation: Constraint | None
    score: float
    breakdown: list[dict[str, Any]]

    def raise_if_violated(self, field: str) -> None:
        if self.violation is not None:
            raise fail(CONSTRAINT_MESSAGES[self.violation], CONSTRAINT_CODES[self.violation], field)


def evaluate(
    mentee: Person, mentor: Person, facts: Facts, settings: ProgramSettings, now: datetime
) -> Evaluation:
    """One pair through the same constraint and score functions every mode uses."""
    mentees, mentors = Group([mentee], now), Group([mentor], now)
    violation = first_violation(mentees, mentors, facts, settings.rules)
    weights = settings.criteria_weights
    scores = score(mentees, mentors, weights)
    lines = breakdown(mentee, mentor, scores, (0, 0), weights, now)
    return Evaluation(mentee, mentor, violation, float(scores.total[0, 0]), lines)


async def evaluate_pair(
    session: AsyncSession,
    mentee_id: int,
    mentor_id: int,
    settings: ProgramSettings,
    now: datetime,
    *,
    existing: BuddyPair | None = None,
) -> Evaluation:
    """Evaluates a pair against the state now. `existing`: the pair being accepted, which must
    not count against itself (as an open pair, or as a seat it already holds)."""
    people = await repository.people_by_ids(session, [mentee_id, mentor_id])
    if mentee_id not in people:
        raise fail("the mentee has no buddy profile", Code.NO_PROFILE, "menteeId")
    if mentor_id not in people:
        raise not_found("mentor", "mentorId")
    mentee, mentor = people[mentee_id], people[mentor_id]
    facts = await repository.facts(
        session, mentee_ids=[mentee_id, mentor_id], account_ids=[mentee.account_id]
    )
    if existing is not None:
        pair = {(existing.mentor_id, existing.mentee_id), (existing.mentee_id, existing.mentor_id)}
        taken = {mentor_id: -1} if await _holds_seat(session, existing) else {}
        facts = replace(facts, open_pairs=facts.open_pairs - pair, taken=taken)
    return evaluate(mentee, mentor, facts, settings, now)


async def _holds_seat(session: AsyncSession, pair: BuddyPair) -> bool:
    held = await session.scalar(
        select(BuddyPair.id).where(BuddyPair.id == pair.id, repository.load_condition())
    )
    return held is not None


async def readable_pair(
    session: AsyncSession, actor: Actor, pair_id: int, *, lock: bool = False
) -> BuddyPair:
    statement = policies.readable_pairs(actor, select(BuddyPair).where(BuddyPair.id == pair_id))
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    pair = await session.scalar(statement)
    if pair is None:
        raise not_found("buddy pair", "pairId")
    return pair
