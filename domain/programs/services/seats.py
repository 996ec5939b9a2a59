"""Advisory board seats: a term opens with an enrolment and closes with it."""

import calendar
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from domain.programs import repository
from domain.programs.errors import ProgramsErrorCode as Code
from domain.programs.models import BoardSeat, Program, ProgramKind, SeatStatus
from domain.programs.services.common import fail

DEFAULT_TERM_MONTHS = 12


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


async def check_term_limit(session: AsyncSession, program: Program, member_id: int) -> int:
    """The term number a new seat would have; refuses one past the board's term limit."""
    served = await repository.terms_served(session, program.id, member_id)
    if program.max_terms is not None and served >= program.max_terms:
        raise fail(
            f"term limit reached: already served {served} of {program.max_terms} terms",
            Code.TERM_LIMIT_REACHED,
            "memberId",
        )
    return served + 1


async def open_seat(
    session: AsyncSession, program: Program, member_id: int, account_id: int, today: date
) -> BoardSeat | None:
    if program.kind is not ProgramKind.ADVISORY_BOARD:
        return None
    term = await check_term_limit(session, program, member_id)
    seat = BoardSeat(
        program_id=program.id,
        member_id=member_id,
        account_id=account_id,
        term_number=term,
        starts_on=today,
        ends_on=add_months(today, program.term_months or DEFAULT_TERM_MONTHS),
        status=SeatStatus.ACTIVE,
    )
    session.add(seat)
    return seat


async def close_seat(
    session: AsyncSession, program: Program, member_id: int, today: date, reason: str
) -> None:
    seat = await repository.active_seat(session, program.id, member_id)
    if seat is not None:
        seat.status, seat.ended_on, seat.end_reason = SeatStatus.ENDED, today, reason
