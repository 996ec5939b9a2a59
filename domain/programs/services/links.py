"""Where programs meet the feedback loop: the voters of an idea invited into the beta that
delivers it, and a board agenda built from its accounts' highest-impact ideas."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.feedback.models import IMPORTANCE_RANK, Idea
from domain.feedback.repository import counted_votes, top_ideas_for_accounts
from domain.identity.models import Member
from domain.identity.policies import Actor
from domain.programs import repository
from domain.programs.errors import ProgramsErrorCode as Code
from domain.programs.models import (
    SEATED,
    ApplicationStatus,
    ProgramEnrolment,
    ProgramKind,
)
from domain.programs.services import applications
from domain.programs.services.common import (
    fail,
    managed_program,
    readable_program,
    require_kind,
    require_manager,
)
from domain.shared.errors import DomainError, ValidationFailed

MAX_VOTERS = 100


@dataclass
class VoterInvitations:
    invited: list[int] = field(default_factory=list)  # application ids
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (member id, why)


async def invite_idea_voters(
    session: AsyncSession,
    actor: Actor,
    program_id: int,
    idea_id: int,
    note: str | None,
    now: datetime,
) -> VoterInvitations:
    """Invites the idea's voters (most important votes first, then earliest), skipping those
    already in the program's pipeline, not eligible, or over their fatigue budget, and never
    more than the free seats minus open invitations."""
    program = await managed_program(session, actor, program_id)
    require_kind(program, ProgramKind.BETA)
    idea = await session.get(Idea, idea_id)
    if idea is None:
        raise fail("idea not found", Code.NOT_FOUND, "ideaId")
    # with the voters of ideas merged into it (their votes stay where they were cast)
    votes = await counted_votes(session, idea.id, MAX_VOTERS)
    votes.sort(key=lambda v: -IMPORTANCE_RANK.get(v.importance, 0))  # stable: earliest first
    room: int | None = None
    if program.capacity is not None:
        open_invitations = await repository.count_applications(
            session, program.id, [ApplicationStatus.INVITED]
        )
        seated = await repository.seated_count(session, program.id)
        room = max(0, program.capacity - seated - open_invitations)
    result = VoterInvitations()
    text = note or f"You voted for “{idea.title}”; this beta delivers it."
    for vote in votes:
        if room is not None and len(result.invited) >= room:
            result.skipped.append((vote.member_id, "no free seat left"))
            continue
        try:
            async with session.begin_nested():
                application = await applications.invite(
                    session, actor, program.id, vote.member_id, text, now
                )
        except ValidationFailed as error:
            result.skipped.append((vote.member_id, "; ".join(p.message for p in error.problems)))
            continue
        except DomainError as error:
            result.skipped.append((vote.member_id, error.message))
            continue
        result.invited.append(application.id)
    return result


async def agenda_suggestion(
    session: AsyncSession, actor: Actor, program_id: int, limit: int
) -> list[Idea]:
    """The open ideas the board's accounts asked for, highest impact first."""
    program = await readable_program(session, actor, program_id)
    require_manager(actor, program)
    require_kind(program, ProgramKind.ADVISORY_BOARD)
    accounts = await session.scalars(
        select(func.distinct(Member.account_id))
        .join(ProgramEnrolment, ProgramEnrolment.member_id == Member.id)
        .where(ProgramEnrolment.program_id == program.id, ProgramEnrolment.status.in_(SEATED))
    )
    return await top_ideas_for_accounts(session, list(accounts), max(1, min(limit, 50)))
