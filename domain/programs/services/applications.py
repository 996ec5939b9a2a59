"""Ways in: members apply, CSMs nominate, the program team invites; reviewers approve, waitlist
or decline with a reason; invited members accept or decline."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.policies import Actor
from domain.programs import events, policies, repository
from domain.programs.errors import ProgramsErrorCode as Code
from domain.programs.models import (
    REOPENABLE,
    SEATED,
    ApplicationSource,
    ApplicationStatus,
    Program,
    ProgramApplication,
    ProgramState,
)
from domain.programs.services import enrolment as seating
from domain.programs.services import fatigue
from domain.programs.services.common import (
    active_member,
    audit,
    check_eligibility,
    fail,
    managed_program,
    readable_program,
)
from domain.shared.errors import Forbidden
from domain.shared.validation import Checker

MAX_ANSWER_CHARS = 5000
MAX_NOTE_CHARS = 2000
ACCEPTING = (ProgramState.OPEN, ProgramState.RUNNING)


class Decision(StrEnum):
    APPROVE = "APPROVE"
    WAITLIST = "WAITLIST"
    DECLINE = "DECLINE"


@dataclass(frozen=True)
class NewApplication:
    program_id: int
    answers: list[str]


async def _open_for(
    session: AsyncSession, program: Program, member_id: int, field: str
) -> ProgramApplication | None:
    """Checks the program takes applications and the member has none running; returns a row
    that may be reopened (withdrawn, or an invitation declined), if any."""
    if program.state not in ACCEPTING:
        raise fail(
            f"this program is {program.state} and takes no applications",
            Code.PROGRAM_NOT_OPEN,
            "programId",
        )
    enrolment = await repository.enrolment(session, program.id, member_id)
    if enrolment is not None and enrolment.status in SEATED:
        raise fail("already enrolled in this program", Code.ALREADY_ENROLLED, field)
    existing = await repository.application(session, program.id, member_id)
    # Someone who left (or rolled off) may come back: their approved application reopens.
    left = existing is not None and existing.status is ApplicationStatus.APPROVED
    if existing is not None and existing.status not in REOPENABLE and not left:
        raise fail(
            f"already in this program's pipeline (status {existing.status})",
            Code.ALREADY_APPLIED,
            field,
        )
    return existing


def _record(
    session: AsyncSession,
    existing: ProgramApplication | None,
    program: Program,
    member_id: int,
    account_id: int,
    now: datetime,
    **values: object,
) -> ProgramApplication:
    application = existing or ProgramApplication(
        program_id=program.id, member_id=member_id, account_id=account_id, created_at=now
    )
    application.decided_by_id = application.decided_at = application.decision_reason = None
    application.waitlist_position = None
    application.nominated_by_id = application.note = None
    application.answers = []
    for key, value in values.items():
        setattr(application, key, value)
    application.updated_at = now
    if existing is None:
        session.add(application)
    return application


async def apply(
    session: AsyncSession, actor: Actor, new: NewApplication, now: datetime
) -> ProgramApplication:
    """A member applies, answering every program question. Refused with each failing rule when
    they are not eligible, and when they already applied (or were nominated or invited)."""
    program = await readable_program(session, actor, new.program_id)
    program = await repository.program_for_update(session, program.id)
    existing = await _open_for(session, program, actor.member_id, "programId")
    check = Checker(Code.INVALID_VALUE)
    if len(new.answers) != len(program.questions):
        check.fail("answers", f"answer each of the {len(program.questions)} questions, in order")
    answers = []
    for i, (question, answer) in enumerate(zip(program.questions, new.answers, strict=False)):
        text = check.text(f"answers.{i}", answer, max_length=MAX_ANSWER_CHARS, required=True)
        answers.append({"question": question, "answer": text or ""})
    check.raise_if_any()
    await check_eligibility(session, program, actor.member_id, now, "programId")
    application = _record(
        session,
        existing,
        program,
        actor.member_id,
        actor.account_id,
        now,
        source=ApplicationSource.APPLIED,
        status=ApplicationStatus.PENDING,
        answers=answers,
    )
    await session.flush()
    audit(session, actor.member_id, "program.apply", "ProgramApplication", application.id)
    events.emit(
        session,
        events.APPLIED,
        program_id=program.id,
        member_id=actor.member_id,
        account_id=actor.account_id,
        application_id=application.id,
    )
    return application


async def nominate(
    session: AsyncSession,
    actor: Actor,
    program_id: int,
    member_id: int,
    note: str | None,
    now: datetime,
) -> ProgramApplication:
    """A CSM puts a customer forward; a reviewer decides as for an application."""
    program = await readable_program(session, actor, program_id)
    if not policies.can_nominate(actor, program):
        raise Forbidden("only CSMs and the program team nominate")
    program = await repository.program_for_update(session, program.id)
    member = await active_member(session, member_id)
    text = _note(note)
    existing = await _open_for(session, program, member.id, "memberId")
    await check_eligibility(session, program, member.id, now, "memberId")
    application = _record(
        session,
        existing,
        program,
        member.id,
        member.account_id,
        now,
        source=ApplicationSource.NOMINATED,
        status=ApplicationStatus.PENDING,
    )
    application.nominated_by_id, application.note = actor.member_id, text
    await session.flush()
    audit(session, actor.member_id, "program.nominate", "ProgramApplication", application.id, text)
    events.emit(
        session,
        events.APPLIED,
        program_id=program.id,
        member_id=member.id,
        account_id=member.account_id,
        application_id=application.id,
        nominated_by_id=actor.member_id,
    )
    return application


async def invite(
    session: AsyncSession,
    actor: Actor,
    program_id: int,
    member_id: int,
    note: str | None,
    now: datetime,
) -> ProgramApplication:
    """The program team invites an eligible member (within their fatigue budget, when advocacy
    keeps one); the member accepts or declines."""
    program = await managed_program(session, actor, program_id)
    member = await active_member(session, member_id)
    text = _note(note)
    existing = await _open_for(session, program, member.id, "memberId")
    await check_eligibility(session, program, member.id, now, "memberId")
    await fatigue.check_and_record_invite(session, program, member, now)
    application = _record(
        session,
        existing,
        program,
        member.id,
        member.account_id,
        now,
        source=ApplicationSource.INVITED,
        status=ApplicationStatus.INVITED,
    )
    application.nominated_by_id, application.note = actor.member_id, text
    await session.flush()
    audit(session, actor.member_id, "program.invite", "ProgramApplication", application.id, text)
    events.emit(
        session,
        events.INVITED,
        program_id=program.id,
        member_id=member.id,
        account_id=member.account_id,
        application_id=application.id,
    )
    return application


async def respond_to_invitation(
    session: AsyncSession, actor: Actor, program_id: int, accept: bool, now: datetime
) -> ProgramApplication:
    """Accepting takes a free seat, or a place at the end of the waitlist when the program is
    full (an invitation reserves nothing)."""
    program = await readable_program(session, actor, program_id)
    program = await repository.program_for_update(session, program.id)
    application = await repository.application(session, program.id, actor.member_id)
    if application is None or application.status is not ApplicationStatus.INVITED:
        raise fail("you have no open invitation to this program", Code.NOT_FOUND, "programId")
    if not accept:
        application.status, application.updated_at = ApplicationStatus.INVITATION_DECLINED, now
        audit(
            session,
            actor.member_id,
            "program.invitation.decline",
            "ProgramApplication",
            application.id,
        )
        return application
    if program.state not in ACCEPTING:
        raise fail(f"this program is {program.state}", Code.PROGRAM_NOT_OPEN, "programId")
    audit(
        session, actor.member_id, "program.invitation.accept", "ProgramApplication", application.id
    )
    if await seating.seats_left(session, program) == 0:
        await _waitlist(session, program, application, now)
    else:
        await seating.enrol(session, actor.member_id, program, application, now)
    return application


async def review(
    session: AsyncSession,
    actor: Actor,
    application_id: int,
    decision: Decision,
    reason: str | None,
    now: datetime,
) -> ProgramApplication:
    """Approve (takes a seat; refused when the program is full: waitlist instead), waitlist (at
    the end of the line) or decline (a reason is required). Nobody reviews their own."""
    found = await session.get(ProgramApplication, application_id)
    if found is None:
        raise fail("application not found", Code.NOT_FOUND, "applicationId")
    program = await managed_program(session, actor, found.program_id, "applicationId")
    application = await session.get(ProgramApplication, application_id, populate_existing=True)
    assert application is not None
    if application.member_id == actor.member_id:
        raise fail("you cannot review your own application", Code.OWN_APPLICATION, "applicationId")
    reviewable = [ApplicationStatus.PENDING]
    if decision is not Decision.WAITLIST:
        reviewable.append(ApplicationStatus.WAITLISTED)
    if application.status not in reviewable:
        raise fail(
            f"this application is {application.status}; it cannot be reviewed that way",
            Code.ALREADY_DECIDED,
            "applicationId",
        )
    check = Checker(Code.INVALID_VALUE)
    text = check.text(
        "reason", reason, max_length=MAX_NOTE_CHARS, required=decision is Decision.DECLINE
    )
    check.raise_if_any()
    if decision is Decision.APPROVE:
        if program.state not in ACCEPTING:
            raise fail(f"this program is {program.state}", Code.PROGRAM_NOT_OPEN, "applicationId")
        left = await seating.seats_left(session, program)
        if left == 0:
            raise fail(
                f"the program is full ({program.capacity} seats); waitlist the application instead",
                Code.PROGRAM_FULL,
                "decision",
            )
        await seating.enrol(session, actor.member_id, program, application, now)
    elif decision is Decision.WAITLIST:
        await _waitlist(session, program, application, now)
    else:
        application.status, application.waitlist_position = ApplicationStatus.DECLINED, None
    application.decided_by_id, application.decided_at = actor.member_id, now
    application.decision_reason, application.updated_at = text, now
    audit(
        session,
        actor.member_id,
        f"program.review.{decision.lower()}",
        "ProgramApplication",
        application.id,
        text,
        program_id=program.id,
        member_id=application.member_id,
    )
    return application


async def _waitlist(
    session: AsyncSession, program: Program, application: ProgramApplication, now: datetime
) -> None:
    application.status = ApplicationStatus.WAITLISTED
    application.waitlist_position = await repository.last_waitlist_position(session, program.id) + 1
    application.updated_at = now


async def withdraw(
    session: AsyncSession, actor: Actor, program_id: int, now: datetime
) -> ProgramApplication:
    program = await readable_program(session, actor, program_id)
    application = await repository.application(session, program.id, actor.member_id)
    open_ = (ApplicationStatus.PENDING, ApplicationStatus.WAITLISTED)
    if application is None or application.status not in open_:
        raise fail("you have no open application to this program", Code.NOT_FOUND, "programId")
    application.status, application.waitlist_position = ApplicationStatus.WITHDRAWN, None
    application.updated_at = now
    audit(session, actor.member_id, "program.withdraw", "ProgramApplication", application.id)
    return application


def _note(note: str | None) -> str | None:
    check = Checker(Code.INVALID_VALUE)
    text = check.text("note", note, max_length=MAX_NOTE_CHARS)
    check.raise_if_any()
    return text
