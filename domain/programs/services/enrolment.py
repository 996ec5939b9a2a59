"""Seats: enrolment grants access to the program's restricted spaces, leaving revokes it, and a
freed seat goes to the head of the waitlist. Every change is audited."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.policies import Actor
from domain.programs import events, repository
from domain.programs.errors import ProgramsErrorCode as Code
from domain.programs.models import (
    SEATED,
    ApplicationStatus,
    EnrolmentStatus,
    Program,
    ProgramApplication,
    ProgramEnrolment,
    ProgramState,
)
from domain.programs.services import seats
from domain.programs.services.common import (
    audit,
    fail,
    managed_program,
    readable_program,
)
from domain.shared.errors import DomainError
from domain.shared.validation import Checker


async def seats_left(session: AsyncSession, program: Program) -> int | None:
    """Free seats (None: no capacity limit). Call with the program row locked."""
    if program.capacity is None:
        return None
    return max(0, program.capacity - await repository.seated_count(session, program.id))


async def access_status(session: AsyncSession, program_id: int, member_id: int) -> EnrolmentStatus:
    """ACTIVE if the program needs no agreement or the member accepted its current version."""
    agreement = await repository.current_agreement(session, program_id)
    if agreement is None or await repository.has_accepted(session, agreement.id, member_id):
        return EnrolmentStatus.ACTIVE
    return EnrolmentStatus.PAUSED


async def enrol(
    session: AsyncSession,
    actor_member_id: int | None,
    program: Program,
    application: ProgramApplication,
    now: datetime,
) -> ProgramEnrolment:
    """Seats the application's member. The caller holds the program's row lock and has checked
    that a seat is free."""
    enrolment = await repository.enrolment(session, program.id, application.member_id)
    if enrolment is not None and enrolment.status in SEATED:
        raise fail("already enrolled in this program", Code.ALREADY_ENROLLED, "memberId")
    await seats.open_seat(
        session, program, application.member_id, application.account_id, now.date()
    )
    status = await access_status(session, program.id, application.member_id)
    if enrolment is None:
        enrolment = ProgramEnrolment(program_id=program.id, member_id=application.member_id)
        session.add(enrolment)
    enrolment.status, enrolment.started_at = status, now
    enrolment.ended_at = enrolment.end_reason = None
    application.status, application.waitlist_position = ApplicationStatus.APPROVED, None
    application.updated_at = now
    await session.flush()
    audit(
        session,
        actor_member_id,
        "program.enrolment.start",
        "ProgramEnrolment",
        enrolment.id,
        program_id=program.id,
        member_id=application.member_id,
        access=str(status),
    )
    events.emit(
        session,
        events.ENROLLED,
        program_id=program.id,
        member_id=application.member_id,
        account_id=application.account_id,
    )
    return enrolment


async def end_enrolment(
    session: AsyncSession,
    actor_member_id: int | None,
    program: Program,
    enrolment: ProgramEnrolment,
    now: datetime,
    reason: str,
    action: str = "program.enrolment.end",
) -> None:
    """Ends a seat: access to the restricted spaces goes at once (policies read the status)."""
    enrolment.status, enrolment.ended_at, enrolment.end_reason = EnrolmentStatus.ENDED, now, reason
    await seats.close_seat(session, program, enrolment.member_id, now.date(), reason)
    audit(
        session,
        actor_member_id,
        action,
        "ProgramEnrolment",
        enrolment.id,
        reason,
        program_id=program.id,
        member_id=enrolment.member_id,
    )
    events.emit(
        session, events.LEFT, program_id=program.id, member_id=enrolment.member_id, reason=reason
    )


async def promote_waitlist(
    session: AsyncSession, program: Program, now: datetime
) -> list[ProgramApplication]:
    """Gives free seats to the waitlist, in order. The caller holds the program's row lock."""
    promoted: list[ProgramApplication] = []
    if program.state is ProgramState.CLOSED:
        return promoted
    while (left := await seats_left(session, program)) is None or left > 0:
        head = await repository.next_in_waitlist(session, program.id)
        if head is None:
            break
        try:
            async with session.begin_nested():
                await enrol(session, None, program, head, now)
        except DomainError as error:  # e.g. the term limit: they cannot take the seat
            head.status, head.waitlist_position = ApplicationStatus.DECLINED, None
            head.decision_reason, head.decided_at = error.message, now
            audit(
                session, None, "program.waitlist.skip", "ProgramApplication", head.id, error.message
            )
            continue
        audit(session, None, "program.waitlist.promote", "ProgramApplication", head.id)
        promoted.append(head)
    return promoted


async def leave_program(
    session: AsyncSession, actor: Actor, program_id: int, now: datetime
) -> ProgramEnrolment:
    """A member gives up their seat; the waitlist moves up."""
    program = await readable_program(session, actor, program_id)
    program = await repository.program_for_update(session, program.id)
    enrolment = await repository.enrolment(session, program.id, actor.member_id)
    if enrolment is None or enrolment.status not in SEATED:
        raise fail("you are not enrolled in this program", Code.NOT_ENROLLED, "programId")
    await end_enrolment(session, actor.member_id, program, enrolment, now, "left the program")
    await promote_waitlist(session, program, now)
    return enrolment


async def remove_member(
    session: AsyncSession, actor: Actor, program_id: int, member_id: int, reason: str, now: datetime
) -> ProgramEnrolment:
    """The program team ends someone's seat, with a reason."""
    program = await managed_program(session, actor, program_id)
    check = Checker(Code.INVALID_VALUE)
    text = check.text("reason", reason, max_length=2000, required=True)
    check.raise_if_any()
    enrolment = await repository.enrolment(session, program.id, member_id)
    if enrolment is None or enrolment.status not in SEATED:
        raise fail("this member is not enrolled", Code.NOT_ENROLLED, "memberId")
    await end_enrolment(
        session, actor.member_id, program, enrolment, now, text or "", "program.enrolment.remove"
    )
    await promote_waitlist(session, program, now)
    return enrolment
