"""Programs' personal data: applications (with answers), enrolments, NDA acceptances, board
seats, meeting attendance and beta feedback.

On erasure the member leaves every program at once (the seat frees and the waitlist moves up,
as when a member leaves), open applications are withdrawn, and application answers and staff
notes about them go. Agreement acceptances stay: they are the record that an NDA was accepted
(a legal claim the vendor may need, GDPR Art. 17(3)(e)). Attendance and beta feedback stay,
attributed to the anonymised member, like forum posts."""

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.programs import repository
from domain.programs.models import (
    SEATED,
    ApplicationStatus,
    Program,
    ProgramApplication,
    ProgramEnrolment,
)
from domain.programs.services.enrolment import end_enrolment, promote_waitlist
from domain.shared.personal_data import ErasureContext, PersonalData, Section, export_sections

CONTEXT = "programs"
END_REASON = "the member's personal data was erased"
OPEN_APPLICATIONS = (
    ApplicationStatus.PENDING,
    ApplicationStatus.INVITED,
    ApplicationStatus.WAITLISTED,
)

SECTIONS = (
    Section("applications", "program_applications", ("member_id",)),
    Section("enrolments", "program_enrolments", ("member_id",)),
    Section("agreementAcceptances", "agreement_acceptances", ("member_id",)),
    Section("boardSeats", "board_seats", ("member_id",)),
    Section("meetingAttendance", "meeting_attendances", ("member_id",)),
    Section("betaFeedback", "beta_feedback", ("member_id",)),
)
ACTOR_COLUMNS = {
    "programs": ("owner_id",),
    "program_applications": ("nominated_by_id", "decided_by_id"),
    "program_agreements": ("published_by_id",),
    "board_meetings": ("created_by_id",),
    "beta_builds": ("released_by_id",),
}


async def export(session: AsyncSession, member_id: int) -> dict[str, Any]:
    return await export_sections(session, member_id, SECTIONS)


async def erase(session: AsyncSession, erasure: ErasureContext) -> None:
    member_id = erasure.member_id
    # Withdrawn first, so no waitlist below promotes the member into a seat.
    withdrawn = await session.execute(
        update(ProgramApplication)
        .where(
            ProgramApplication.member_id == member_id,
            ProgramApplication.status.in_(OPEN_APPLICATIONS),
        )
        .values(status=ApplicationStatus.WITHDRAWN, waitlist_position=None, updated_at=erasure.now)
        .execution_options(synchronize_session="fetch")  # the waitlist below reads them
    )
    erasure.count(CONTEXT, "applicationsWithdrawn", withdrawn.rowcount)  # type: ignore[attr-defined]
    await session.execute(
        update(ProgramApplication)
        .where(ProgramApplication.member_id == member_id)
        .values(answers=[], note=None)
        .execution_options(synchronize_session=False)
    )
    seated = list(
        await session.scalars(
            select(ProgramEnrolment)
            .where(ProgramEnrolment.member_id == member_id, ProgramEnrolment.status.in_(SEATED))
            .order_by(ProgramEnrolment.program_id)  # one lock order for every eraser
        )
    )
    for enrolment in seated:
        program = await repository.program_for_update(session, enrolment.program_id)
        await end_enrolment(
            session,
            erasure.actor_member_id,
            program,
            enrolment,
            erasure.now,
            END_REASON,
            "program.enrolment.erase",
        )
        await promote_waitlist(session, program, erasure.now)
    erasure.count(CONTEXT, "enrolmentsEnded", len(seated))
    unowned = await session.execute(
        update(Program).where(Program.owner_id == member_id).values(owner_id=None)
    )
    erasure.count(CONTEXT, "programsUnassigned", unowned.rowcount)  # type: ignore[attr-defined]


PERSONAL_DATA = PersonalData(CONTEXT, SECTIONS, ACTOR_COLUMNS, export, erase)
