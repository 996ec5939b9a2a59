"""Who may see and do what in programs. Every query reaches programs through readable_programs,
so a program a member may not see is "not found" everywhere."""

from sqlalchemy import Select, or_, select

from domain.identity.models import Role
from domain.identity.policies import Actor
from domain.programs.models import (
    EnrolmentStatus,
    Program,
    ProgramApplication,
    ProgramEnrolment,
    ProgramState,
)


def readable_programs(actor: Actor, statement: Select[Program]) -> Select[Program]:
    """Staff see every program. Members see published ones; confidential ones only when they
    applied, were nominated or invited, or hold a seat."""
    if actor.is_staff:
        return statement
    involved = select(ProgramApplication.program_id).where(
        ProgramApplication.member_id == actor.member_id
    )
    seated = select(ProgramEnrolment.program_id).where(
        ProgramEnrolment.member_id == actor.member_id
    )
    return statement.where(
        Program.state != ProgramState.DRAFT,
        or_(
            Program.confidential.is_(False),
            Program.id.in_(involved),
            Program.id.in_(seated),
        ),
    )


def can_create_programs(actor: Actor) -> bool:
    return actor.is_staff and actor.has_role(Role.PRODUCT)


def can_manage(actor: Actor, program: Program) -> bool:
    """Product staff (and admins) run programs; a program's owner runs their own."""
    return actor.is_staff and (actor.has_role(Role.PRODUCT) or program.owner_id == actor.member_id)


def can_nominate(actor: Actor, program: Program) -> bool:
    """CSMs nominate their customers; the program team may too."""
    return actor.is_staff and (actor.has_role(Role.CSM) or can_manage(actor, program))


def can_see_roster(actor: Actor, program: Program, enrolment: ProgramEnrolment | None) -> bool:
    """Who else is in: the program team, and members with access (ACTIVE enrolment)."""
    return can_manage(actor, program) or (
        enrolment is not None and enrolment.status is EnrolmentStatus.ACTIVE
    )


def can_see_real_name(actor: Actor, program: Program, enrolment: ProgramEnrolment | None) -> bool:
    """A confidential program's name is for staff and members with access (NDA accepted)."""
    if not program.confidential or actor.is_staff:
        return True
    return enrolment is not None and enrolment.status is EnrolmentStatus.ACTIVE
