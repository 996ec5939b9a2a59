"""Programs are created and run by the product team: DRAFT -> OPEN -> RUNNING -> CLOSED."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import Account
from domain.identity.policies import Actor
from domain.programs import policies, repository
from domain.programs.eligibility import Rules
from domain.programs.errors import ProgramsErrorCode as Code
from domain.programs.models import (
    SEATED,
    UNDECIDED,
    ApplicationStatus,
    Program,
    ProgramApplication,
    ProgramEnrolment,
    ProgramKind,
    ProgramState,
)
from domain.programs.services import enrolment as seating
from domain.programs.services.common import audit, fail, managed_program
from domain.programs.services.seats import DEFAULT_TERM_MONTHS
from domain.shared.errors import Forbidden
from domain.shared.validation import KEEP, Checker, Keep

MAX_QUESTIONS = 20
MAX_RULE_VALUES = 50
DEFAULT_MAX_TERMS = 2

# Where a program may go from each state (closing is possible from any open state).
TRANSITIONS = {
    ProgramState.DRAFT: {ProgramState.OPEN, ProgramState.RUNNING, ProgramState.CLOSED},
    ProgramState.OPEN: {ProgramState.RUNNING, ProgramState.CLOSED},
    ProgramState.RUNNING: {ProgramState.OPEN, ProgramState.CLOSED},
    ProgramState.CLOSED: set(),
}


@dataclass(frozen=True)
class ProgramFields:
    """Fields of a new program, or changes to one (KEEP leaves a field as it is)."""

    name: str | Keep = KEEP
    codename: str | None | Keep = KEEP
    description: str | None | Keep = KEEP
    confidential: bool | Keep = KEEP
    starts_on: date | None | Keep = KEEP
    ends_on: date | None | Keep = KEEP
    capacity: int | None | Keep = KEEP
    eligibility: Rules | Keep = KEEP
    questions: list[str] | Keep = KEEP
    term_months: int | None | Keep = KEEP
    max_terms: int | None | Keep = KEEP
    owner_id: int | None | Keep = KEEP


async def create_program(
    session: AsyncSession, actor: Actor, kind: ProgramKind, fields: ProgramFields, now: datetime
) -> Program:
    if not policies.can_create_programs(actor):
        raise Forbidden("only the product team creates programs")
    program = Program(kind=kind, state=ProgramState.DRAFT, owner_id=actor.member_id, created_at=now)
    program.confidential, program.eligibility, program.questions = False, {}, []
    if kind is ProgramKind.ADVISORY_BOARD:
        program.term_months, program.max_terms = DEFAULT_TERM_MONTHS, DEFAULT_MAX_TERMS
    if isinstance(fields.name, Keep):
        fields = ProgramFields(**{**fields.__dict__, "name": ""})
    await _apply(session, program, fields, seated=0)
    session.add(program)
    await session.flush()
    audit(session, actor.member_id, "program.create", "Program", program.id, kind=str(kind))
    return program


async def update_program(
    session: AsyncSession, actor: Actor, program_id: int, fields: ProgramFields, now: datetime
) -> Program:
    """Raising the capacity promotes the waitlist; lowering it below the seated count is
    refused (nobody is removed by a capacity change)."""
    program = await managed_program(session, actor, program_id)
    seated = await repository.seated_count(session, program.id)
    await _apply(session, program, fields, seated)
    audit(session, actor.member_id, "program.update", "Program", program.id)
    await seating.promote_waitlist(session, program, now)
    return program


async def _apply(
    session: AsyncSession, program: Program, fields: ProgramFields, seated: int
) -> None:
    check = Checker(Code.INVALID_VALUE)
    if not isinstance(fields.name, Keep):
        program.name = check.text("name", fields.name, max_length=200, required=True) or ""
    if not isinstance(fields.codename, Keep):
        program.codename = check.text("codename", fields.codename, max_length=100)
    if not isinstance(fields.description, Keep):
        program.description = check.text("description", fields.description, max_length=10_000)
    if not isinstance(fields.confidential, Keep):
        program.confidential = fields.confidential
    if not isinstance(fields.starts_on, Keep):
        program.starts_on = fields.starts_on
    if not isinstance(fields.ends_on, Keep):
        program.ends_on = fields.ends_on
    if program.starts_on and program.ends_on and program.ends_on < program.starts_on:
        check.fail("endsOn", "a program ends after it starts")
    if program.confidential and not program.codename:
        check.fail("codename", "a confidential program needs a codename")
    if not isinstance(fields.capacity, Keep):
        if fields.capacity is not None and fields.capacity < 0:
            check.fail("capacity", "capacity is a number of seats, 0 or more")
        elif fields.capacity is not None and fields.capacity < seated:
            check.fail(
                "capacity",
                f"{seated} members hold seats; capacity cannot go below that",
                Code.CAPACITY_BELOW_ENROLMENT,
            )
        program.capacity = fields.capacity
    if not isinstance(fields.questions, Keep):
        check.list_size("questions", list(fields.questions), MAX_QUESTIONS, Code.TOO_MANY_ITEMS)
        questions = [q.strip() for q in fields.questions]
        if any(not q or len(q) > 500 for q in questions):
            check.fail("questions", "each question has 1-500 characters")
        program.questions = questions
    if not isinstance(fields.eligibility, Keep):
        await _check_rules(session, check, fields.eligibility)
        program.eligibility = fields.eligibility.to_json()
    for name, value in (("termMonths", fields.term_months), ("maxTerms", fields.max_terms)):
        if isinstance(value, Keep):
            continue
        if program.kind is not ProgramKind.ADVISORY_BOARD and value is not None:
            check.fail(name, "terms are for advisory boards", Code.WRONG_PROGRAM_KIND)
        elif value is not None and not 1 <= value <= 120:
            check.fail(name, "between 1 and 120")
        setattr(program, "term_months" if name == "termMonths" else "max_terms", value)
    if not isinstance(fields.owner_id, Keep):
        program.owner_id = fields.owner_id
    check.raise_if_any()


async def _check_rules(session: AsyncSession, check: Checker, rules: Rules) -> None:
    lists: dict[str, list[str] | list[int]] = {
        "regions": rules.regions,
        "industries": rules.industries,
        "products": rules.products,
        "roles": rules.roles,
        "excludedCompetitorsOf": rules.excluded_competitors_of,
    }
    for name, values in lists.items():
        check.list_size(f"eligibility.{name}", list(values), MAX_RULE_VALUES, Code.TOO_MANY_ITEMS)
    if rules.min_arr is not None and rules.min_arr < 0:
        check.fail("eligibility.minArr", "ARR is not negative")
    if rules.min_arr is not None and rules.max_arr is not None and rules.max_arr < rules.min_arr:
        check.fail("eligibility.maxArr", "the band's top is below its bottom")
    for name, number in (
        ("minTenureDays", rules.min_tenure_days),
        ("maxOtherPrograms", rules.max_other_programs),
    ):
        if number is not None and number < 0:
            check.fail(f"eligibility.{name}", "0 or more")
    if rules.excluded_competitors_of:
        ids = set(rules.excluded_competitors_of)
        found = set(await session.scalars(select(Account.id).where(Account.id.in_(ids))))
        if found != ids:
            check.fail(
                "eligibility.excludedCompetitorsOf",
                "every listed account must exist",
                Code.NOT_FOUND,
            )


async def set_state(
    session: AsyncSession, actor: Actor, program_id: int, state: ProgramState, now: datetime
) -> Program:
    """Closing ends every seat (access to the restricted spaces goes with it) and declines the
    waitlist; it is refused while applications or invitations await a decision."""
    program = await managed_program(session, actor, program_id)
    if state not in TRANSITIONS[program.state]:
        raise fail(f"a {program.state} program cannot become {state}", Code.INVALID_STATE, "state")
    if state is ProgramState.CLOSED:
        undecided = await repository.count_applications(session, program.id, UNDECIDED)
        if undecided:
            raise fail(
                f"{undecided} application(s) or invitation(s) await a decision; "
                "approve, waitlist or decline them first",
                Code.PENDING_APPLICATIONS,
                "state",
            )
        seated = await session.scalars(
            select(ProgramEnrolment).where(
                ProgramEnrolment.program_id == program.id, ProgramEnrolment.status.in_(SEATED)
            )
        )
        for enrolment in list(seated):
            await seating.end_enrolment(
                session, actor.member_id, program, enrolment, now, "program closed"
            )
        waiting = await session.scalars(
            select(ProgramApplication).where(
                ProgramApplication.program_id == program.id,
                ProgramApplication.status == ApplicationStatus.WAITLISTED,
            )
        )
        for application in waiting:
            application.status, application.waitlist_position = ApplicationStatus.DECLINED, None
            application.decision_reason, application.decided_at = "program closed", now
            application.decided_by_id, application.updated_at = actor.member_id, now
    previous, program.state = program.state, state
    audit(
        session,
        actor.member_id,
        "program.state",
        "Program",
        program.id,
        details_from=str(previous),
        details_to=str(state),
    )
    return program
