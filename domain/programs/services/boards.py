"""Advisory boards: seat terms and renewals, rotation (who rolls off when), meetings with agenda,
attendance and minutes, and the seat-allocation proposal."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import Account, Member
from domain.identity.policies import Actor
from domain.programs import events, proposal, repository
from domain.programs.errors import ProgramsErrorCode as Code
from domain.programs.models import (
    SEATED,
    ApplicationStatus,
    AttendanceStatus,
    BoardMeeting,
    BoardSeat,
    MeetingAttendance,
    ProgramApplication,
    ProgramEnrolment,
    ProgramKind,
    SeatStatus,
)
from domain.programs.services import enrolment as seating
from domain.programs.services import fatigue
from domain.programs.services.common import (
    audit,
    fail,
    managed_program,
    readable_program,
    require_kind,
    require_manager,
)
from domain.programs.services.seats import DEFAULT_TERM_MONTHS, add_months
from domain.shared.validation import Checker

MAX_AGENDA_ITEMS = 50
MAX_ATTENDANCE = 100


async def renew_seat(session: AsyncSession, actor: Actor, seat_id: int, now: datetime) -> BoardSeat:
    """A further term starting when the current one ends, within the board's term limit."""
    seat = await session.get(BoardSeat, seat_id)
    if seat is None:
        raise fail("seat not found", Code.NOT_FOUND, "seatId")
    program = await managed_program(session, actor, seat.program_id, "seatId")
    if seat.status is not SeatStatus.ACTIVE:
        raise fail("only a current seat can be renewed", Code.INVALID_STATE, "seatId")
    if program.max_terms is not None and seat.term_number >= program.max_terms:
        raise fail(
            f"term limit reached: term {seat.term_number} of {program.max_terms}",
            Code.TERM_LIMIT_REACHED,
            "seatId",
        )
    seat.status, seat.ended_on, seat.end_reason = SeatStatus.ENDED, seat.ends_on, "renewed"
    renewed = BoardSeat(
        program_id=program.id,
        member_id=seat.member_id,
        account_id=seat.account_id,
        term_number=seat.term_number + 1,
        starts_on=seat.ends_on,
        ends_on=add_months(seat.ends_on, program.term_months or DEFAULT_TERM_MONTHS),
        status=SeatStatus.ACTIVE,
        created_at=now,
    )
    session.add(renewed)
    await session.flush()
    audit(
        session,
        actor.member_id,
        "program.seat.renew",
        "BoardSeat",
        renewed.id,
        term=renewed.term_number,
    )
    return renewed


async def rotate(
    session: AsyncSession, actor: Actor, program_id: int, as_of: date, now: datetime
) -> list[BoardSeat]:
    """Rolls off every member whose term ended by `as_of`: their seat and access end, and the
    waitlist moves up into the freed seats."""
    program = await managed_program(session, actor, program_id)
    require_kind(program, ProgramKind.ADVISORY_BOARD)
    due = list(
        await session.scalars(
            select(BoardSeat)
            .where(
                BoardSeat.program_id == program.id,
                BoardSeat.status == SeatStatus.ACTIVE,
                BoardSeat.ends_on <= as_of,
            )
            .order_by(BoardSeat.ends_on, BoardSeat.id)
        )
    )
    for seat in due:
        enrolment = await repository.enrolment(session, program.id, seat.member_id)
        if enrolment is not None and enrolment.status in SEATED:
            await seating.end_enrolment(
                session,
                actor.member_id,
                program,
                enrolment,
                now,
                "term ended",
                "program.seat.roll_off",
            )
        seat.status, seat.ended_on, seat.end_reason = SeatStatus.ENDED, seat.ends_on, "term ended"
    await seating.promote_waitlist(session, program, now)
    return due


@dataclass(frozen=True)
class MeetingFields:
    title: str
    scheduled_at: datetime
    agenda: list[str]


def _checked_agenda(check: Checker, agenda: list[str]) -> list[str]:
    check.list_size("agenda", list(agenda), MAX_AGENDA_ITEMS, Code.TOO_MANY_ITEMS)
    items = [item.strip() for item in agenda]
    if any(not item or len(item) > 500 for item in items):
        check.fail("agenda", "each agenda item has 1-500 characters")
    return items


async def schedule_meeting(
    session: AsyncSession, actor: Actor, program_id: int, fields: MeetingFields, now: datetime
) -> BoardMeeting:
    program = await managed_program(session, actor, program_id)
    require_kind(program, ProgramKind.ADVISORY_BOARD)
    check = Checker(Code.INVALID_VALUE)
    title = check.text("title", fields.title, max_length=200, required=True)
    agenda = _checked_agenda(check, fields.agenda)
    check.raise_if_any()
    meeting = BoardMeeting(
        program_id=program.id,
        title=title,
        scheduled_at=fields.scheduled_at,
        agenda=agenda,
        created_by_id=actor.member_id,
        created_at=now,
    )
    session.add(meeting)
    await session.flush()
    audit(session, actor.member_id, "program.meeting.schedule", "BoardMeeting", meeting.id)
    return meeting


async def update_meeting(
    session: AsyncSession,
    actor: Actor,
    meeting_id: int,
    agenda: list[str] | None,
    minutes: str | None,
    now: datetime,
) -> BoardMeeting:
    """Replace the agenda and/or record the minutes."""
    meeting = await session.get(BoardMeeting, meeting_id)
    if meeting is None:
        raise fail("meeting not found", Code.NOT_FOUND, "meetingId")
    await managed_program(session, actor, meeting.program_id, "meetingId")
    check = Checker(Code.INVALID_VALUE)
    if agenda is not None:
        meeting.agenda = _checked_agenda(check, agenda)
    if minutes is not None:
        meeting.minutes = check.text("minutes", minutes, max_length=100_000, required=True)
        meeting.minutes_recorded_at = now
    check.raise_if_any()
    audit(session, actor.member_id, "program.meeting.update", "BoardMeeting", meeting.id)
    return meeting


async def record_attendance(
    session: AsyncSession,
    actor: Actor,
    meeting_id: int,
    entries: list[tuple[int, AttendanceStatus]],
    now: datetime,
) -> BoardMeeting:
    """Who was there. Only members who hold or held a seat; each newly PRESENT member is an
    `attended` event for the advocacy ledger (recording the same again is not)."""
    meeting = await session.get(BoardMeeting, meeting_id)
    if meeting is None:
        raise fail("meeting not found", Code.NOT_FOUND, "meetingId")
    program = await managed_program(session, actor, meeting.program_id, "meetingId")
    if len(entries) > MAX_ATTENDANCE:
        raise fail(f"at most {MAX_ATTENDANCE} entries", Code.TOO_MANY_ITEMS, "attendance")
    member_ids = [member_id for member_id, _ in entries]
    on_board = set(
        await session.scalars(
            select(ProgramEnrolment.member_id).where(
                ProgramEnrolment.program_id == program.id,
                ProgramEnrolment.member_id.in_(member_ids),
            )
        )
    )
    strangers = [m for m in member_ids if m not in on_board]
    if strangers:
        raise fail("only board members can attend", Code.NOT_ENROLLED, "attendance")
    previous = {
        row.member_id: row
        for row in await session.scalars(
            select(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting.id)
        )
    }
    accounts = dict(
        (row[0], row[1])
        for row in await session.execute(
            select(Member.id, Member.account_id).where(Member.id.in_(member_ids))
        )
    )
    for member_id, status in entries:
        row = previous.get(member_id)
        newly_present = status is AttendanceStatus.PRESENT and (
            row is None or row.status is not AttendanceStatus.PRESENT
        )
        if row is None:
            session.add(
                MeetingAttendance(
                    meeting_id=meeting.id, member_id=member_id, status=status, recorded_at=now
                )
            )
        else:
            row.status, row.recorded_at = status, now
        if newly_present:
            events.emit(
                session,
                events.ATTENDED,
                program_id=program.id,
                meeting_id=meeting.id,
                member_id=member_id,
                account_id=accounts.get(member_id),
            )
    audit(
        session,
        actor.member_id,
        "program.meeting.attendance",
        "BoardMeeting",
        meeting.id,
        entries=len(entries),
    )
    return meeting


async def seat_proposal(
    session: AsyncSession, actor: Actor, program_id: int, seats: int | None, now: datetime
) -> proposal.Proposal:
    """Candidates are the current members and every pending or waitlisted applicant."""
    program = await readable_program(session, actor, program_id)
    require_manager(actor, program)
    require_kind(program, ProgramKind.ADVISORY_BOARD)
    if seats is not None and not 1 <= seats <= 100:
        raise fail("between 1 and 100 seats", Code.INVALID_VALUE, "seats")
    seated = set(
        await session.scalars(
            select(ProgramEnrolment.member_id).where(
                ProgramEnrolment.program_id == program.id, ProgramEnrolment.status.in_(SEATED)
            )
        )
    )
    applicants = set(
        await session.scalars(
            select(ProgramApplication.member_id).where(
                ProgramApplication.program_id == program.id,
                ProgramApplication.status.in_(
                    (ApplicationStatus.PENDING, ApplicationStatus.WAITLISTED)
                ),
            )
        )
    )
    rows = await session.execute(
        select(Member, Account)
        .join(Account, Account.id == Member.account_id)
        .where(Member.id.in_(seated | applicants))
        .order_by(Member.id)
    )
    people = [(m, a) for m, a in rows]
    budgets = await fatigue.board_budgets(session, [(m.id, a.id) for m, a in people], now)
    candidates = [
        proposal.Candidate(
            member_id=m.id,
            account_id=a.id,
            segment=str(a.segment) if a.segment else None,
            region=a.region,
            arr=a.arr,
            products=tuple(sorted(m.products_used or [])),
            recent_asks=budgets[m.id][0],
            seated=m.id in seated,
            # Current members are not being asked anything new.
            over_budget=None if m.id in seated else budgets[m.id][1],
        )
        for m, a in people
    ]
    target = seats or program.capacity or len(seated) or 1
    return proposal.propose(candidates, target)
