"""Betas: builds with release notes, typed feedback per build (routed: ideas into the feedback
loop, praise to advocacy's testimonial candidates), and graduation to general availability."""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy.services.testimonials import propose_testimonial_candidate
from domain.feedback.models import IdeaVisibility
from domain.feedback.services.ideas import NewIdea, submit_idea
from domain.identity.policies import Actor
from domain.programs import events, repository
from domain.programs.errors import ProgramsErrorCode as Code
from domain.programs.models import (
    BetaBuild,
    BetaFeedback,
    BetaFeedbackKind,
    EnrolmentStatus,
    Program,
    ProgramKind,
    ProgramState,
)
from domain.programs.services.common import (
    audit,
    fail,
    managed_program,
    readable_program,
    require_kind,
)
from domain.shared.validation import Checker

_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+_-]{0,49}$")
DEFAULT_PRODUCT_AREA = "Beta feedback"


async def publish_build(
    session: AsyncSession, actor: Actor, program_id: int, version: str, notes: str, now: datetime
) -> BetaBuild:
    program = await managed_program(session, actor, program_id)
    require_kind(program, ProgramKind.BETA)
    if program.state is ProgramState.CLOSED or program.graduated_at is not None:
        raise fail("this beta is over", Code.INVALID_STATE, "programId")
    check = Checker(Code.INVALID_VALUE)
    version = version.strip()
    if not _VERSION.match(version):
        check.fail("version", "1-50 letters, digits, dots, dashes, pluses or underscores")
    text = check.text("releaseNotes", notes, max_length=50_000, required=True)
    check.raise_if_any()
    taken = await session.scalar(
        select(BetaBuild.id).where(BetaBuild.program_id == program.id, BetaBuild.version == version)
    )
    if taken is not None:
        raise fail(f"build {version} exists already", Code.DUPLICATE_VERSION, "version")
    build = BetaBuild(
        program_id=program.id,
        version=version,
        release_notes=text,
        released_by_id=actor.member_id,
        released_at=now,
    )
    session.add(build)
    await session.flush()
    audit(session, actor.member_id, "program.build.publish", "BetaBuild", build.id, version=version)
    return build


@dataclass(frozen=True)
class NewFeedback:
    build_id: int
    kind: BetaFeedbackKind
    title: str
    body: str
    product_area: str | None = None  # for ideas; the feedback loop files them under it


async def give_feedback(
    session: AsyncSession, actor: Actor, new: NewFeedback, now: datetime
) -> BetaFeedback:
    """Only members with access (an ACTIVE seat: NDA accepted) give feedback on a build."""
    build = await session.get(BetaBuild, new.build_id)
    if build is None:
        raise fail("build not found", Code.NOT_FOUND, "buildId")
    program = await readable_program(session, actor, build.program_id, "buildId")
    enrolment = await repository.enrolment(session, program.id, actor.member_id)
    if enrolment is None or enrolment.status is not EnrolmentStatus.ACTIVE:
        raise fail("only beta members with access give feedback", Code.NOT_ENROLLED, "buildId")
    check = Checker(Code.INVALID_VALUE)
    title = check.text("title", new.title, max_length=200, required=True)
    body = check.text("body", new.body, max_length=20_000, required=True)
    check.raise_if_any()
    feedback = BetaFeedback(
        program_id=program.id,
        build_id=build.id,
        member_id=actor.member_id,
        kind=new.kind,
        title=title,
        body=body,
        created_at=now,
    )
    session.add(feedback)
    await session.flush()
    await _route(session, actor, program, feedback, new.product_area, now)
    events.emit(
        session,
        events.FEEDBACK_GIVEN,
        program_id=program.id,
        build_id=build.id,
        feedback_id=feedback.id,
        member_id=actor.member_id,
        account_id=actor.account_id,
        type=str(new.kind),
    )
    return feedback


async def _route(
    session: AsyncSession,
    actor: Actor,
    program: Program,
    feedback: BetaFeedback,
    product_area: str | None,
    now: datetime,
) -> None:
    if feedback.kind is BetaFeedbackKind.IDEA:
        # A confidential beta's idea stays with the author's company and staff.
        visibility = IdeaVisibility.ACCOUNT if program.confidential else IdeaVisibility.PUBLIC
        idea = await submit_idea(
            session,
            actor,
            NewIdea(
                title=feedback.title,
                product_area=(product_area or DEFAULT_PRODUCT_AREA).strip(),
                description=feedback.body,
                visibility=visibility,
            ),
            now=now,
        )
        feedback.routed_idea_id, feedback.routed_to = idea.id, "FEEDBACK_IDEA"
    elif feedback.kind is BetaFeedbackKind.PRAISE:
        await propose_testimonial_candidate(
            session,
            member_id=feedback.member_id,
            text=feedback.body,
            source_type="BetaFeedback",
            source_id=feedback.id,
        )
        feedback.routed_to = "TESTIMONIAL_CANDIDATE"
        events.emit(
            session,
            events.BETA_FEEDBACK_GIVEN,
            program_id=program.id,
            feedback_id=feedback.id,
            member_id=feedback.member_id,
            type=str(feedback.kind),
        )


async def graduate(
    session: AsyncSession, actor: Actor, program_id: int, ga_version: str, now: datetime
) -> Program:
    """The beta reached general availability with `ga_version`. Members keep their seats until
    the program is closed (the forum stays open for the wrap-up)."""
    program = await managed_program(session, actor, program_id)
    require_kind(program, ProgramKind.BETA)
    if program.graduated_at is not None:
        raise fail(f"graduated already ({program.ga_version})", Code.ALREADY_GRADUATED, "programId")
    check = Checker(Code.INVALID_VALUE)
    version = ga_version.strip()
    if not _VERSION.match(version):
        check.fail("gaVersion", "1-50 letters, digits, dots, dashes, pluses or underscores")
    check.raise_if_any()
    program.graduated_at, program.ga_version = now, version
    audit(session, actor.member_id, "program.graduate", "Program", program.id, version=version)
    events.emit(session, events.GRADUATED, program_id=program.id, ga_version=version)
    return program
