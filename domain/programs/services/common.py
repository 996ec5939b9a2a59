"""Lookups and checks every programs use case shares."""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import Member, MemberStatus
from domain.identity.policies import Actor
from domain.programs import eligibility, policies, repository
from domain.programs.errors import ProgramsErrorCode as Code
from domain.programs.models import Program, ProgramKind
from domain.shared.audit import record_audit
from domain.shared.errors import DomainError, Forbidden, Problem, ValidationFailed


def not_found(what: str, field: str) -> DomainError:
    return DomainError(f"{what} not found", code=Code.NOT_FOUND, field=["input", field])


def fail(message: str, code: Code, field: str | None = None) -> DomainError:
    return DomainError(message, code=code, field=["input", field] if field else None)


async def readable_program(
    session: AsyncSession, actor: Actor, program_id: int, field: str = "programId"
) -> Program:
    program = await session.scalar(
        policies.readable_programs(actor, select(Program).where(Program.id == program_id))
    )
    if program is None:
        raise not_found("program", field)
    return program


async def managed_program(
    session: AsyncSession, actor: Actor, program_id: int, field: str = "programId"
) -> Program:
    """A program the actor runs, re-read under its row lock (seat changes take turns)."""
    program = await readable_program(session, actor, program_id, field)
    require_manager(actor, program)
    return await repository.program_for_update(session, program.id)


def require_manager(actor: Actor, program: Program) -> None:
    if not policies.can_manage(actor, program):
        raise Forbidden("only the program team may do this")


def require_kind(program: Program, kind: ProgramKind) -> None:
    if program.kind is not kind:
        raise fail(f"only for {kind} programs", Code.WRONG_PROGRAM_KIND, "programId")


async def active_member(session: AsyncSession, member_id: int, field: str = "memberId") -> Member:
    member = await session.get(Member, member_id)
    if member is None or member.status is not MemberStatus.ACTIVE:
        raise not_found("member", field)
    return member


async def check_eligibility(
    session: AsyncSession, program: Program, member_id: int, now: datetime, field: str
) -> list[eligibility.RuleCheck]:
    """Every rule with its result; raises NOT_ELIGIBLE listing each failing rule."""
    checks = await explain(session, program, member_id, now)
    failing = eligibility.failing(checks)
    if failing:
        raise ValidationFailed(
            [
                Problem(["input", field], f"not eligible: {c.reason}", Code.NOT_ELIGIBLE)
                for c in failing
            ]
        )
    return checks


async def explain(
    session: AsyncSession, program: Program, member_id: int, now: datetime
) -> list[eligibility.RuleCheck]:
    member, account = await repository.member_with_account(session, member_id)
    facts = await repository.eligibility_facts(session, program, member, account, now.date())
    return eligibility.evaluate(eligibility.Rules.from_json(program.eligibility), facts)


def audit(
    session: AsyncSession,
    actor_member_id: int | None,
    action: str,
    target_type: str,
    target_id: int,
    reason: str | None = None,
    **details: Any,
) -> None:
    record_audit(
        session,
        actor_member_id=actor_member_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        details=details,
    )
