"""Buddy programmes: the settings a community manager tunes (weights, the competition rule,
check-in cadence, default length)."""

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.policies import Actor
from domain.matching import policies
from domain.matching.criteria import MAX_WEIGHT, Criterion
from domain.matching.errors import MatchingErrorCode as Code
from domain.matching.models import MatchingProgram
from domain.matching.services.common import not_found
from domain.shared.audit import record_audit
from domain.shared.errors import Forbidden
from domain.shared.validation import Checker

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,79}$")


@dataclass(frozen=True)
class ProgramInput:
    slug: str
    name: str
    description: str | None = None
    weights: dict[Criterion, float] | None = None  # None: the defaults
    same_industry_region_competes: bool = True
    check_in_every_days: int = 14
    default_length_days: int | None = 90


async def save_program(
    session: AsyncSession, actor: Actor, program_id: int | None, data: ProgramInput
) -> MatchingProgram:
    """Creates a programme, or replaces one's settings (`program_id`)."""
    if not policies.can_manage_matching(actor):
        raise Forbidden("only community managers configure buddy programmes")
    program = None
    if program_id is not None:
        program = await session.get(MatchingProgram, program_id)
        if program is None:
            raise not_found("programme", "id")
    check = Checker(Code.INVALID_VALUE)
    slug = data.slug.strip().lower()
    if not _SLUG.match(slug):
        check.fail("slug", "2-80 lower-case letters, digits and dashes")
    else:
        holder = await session.scalar(
            select(MatchingProgram.id).where(MatchingProgram.slug == slug)
        )
        if holder is not None and holder != program_id:
            check.fail("slug", "another programme has this slug", Code.SLUG_TAKEN)
    name = check.text("name", data.name, max_length=120, required=True)
    description = check.text("description", data.description, max_length=2000)
    weights = {str(k): float(v) for k, v in (data.weights or {}).items()}
    if any(not 0 <= v <= MAX_WEIGHT for v in weights.values()):
        check.fail("weights", f"each weight between 0 and {MAX_WEIGHT:g}")
    if not 1 <= data.check_in_every_days <= 90:
        check.fail("checkInEveryDays", "between 1 and 90 days")
    if data.default_length_days is not None and not 7 <= data.default_length_days <= 730:
        check.fail("defaultLengthDays", "between 7 and 730 days")
    check.raise_if_any()
    if program is None:
        program = MatchingProgram(slug=slug)
        session.add(program)
    program.slug = slug
    program.name = name or slug
    program.description = description
    program.weights = weights
    program.same_industry_region_competes = data.same_industry_region_competes
    program.check_in_every_days = data.check_in_every_days
    program.default_length_days = data.default_length_days
    await session.flush()
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="matching.program.save",
        target_type="MatchingProgram",
        target_id=program.id,
        details={"weights": weights, "rule": data.same_industry_region_competes},
    )
    return program
