"""Advisory board mutations: seat renewals, rotation, meetings and attendance."""

from collections.abc import Awaitable, Callable
from datetime import date, datetime

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.errors import mutate
from api.graphql.programs.board_types import AttendanceStatus, BoardMeetingNode, BoardSeatType
from api.graphql.programs.types import ProgramsUserError
from api.graphql.relay import decode_id
from domain.programs.errors import ProgramsErrorCode
from domain.programs.models import Program
from domain.programs.services import boards
from domain.shared.errors import DomainError

MAX_INPUT_ITEMS = 100


@strawberry.input
class RenewBoardSeatInput:
    seat_id: relay.GlobalID


@strawberry.input
class RotateBoardInput:
    program_id: relay.GlobalID
    as_of: date = strawberry.field(description="Roll off every term that ended by this day.")


@strawberry.type
class BoardSeatPayload:
    seat: BoardSeatType | None
    user_errors: list[ProgramsUserError]


@strawberry.type
class RotateBoardPayload:
    rolled_off: list[BoardSeatType] | None = strawberry.field(description="Seats that ended.")
    user_errors: list[ProgramsUserError]


@strawberry.input
class ScheduleBoardMeetingInput:
    program_id: relay.GlobalID
    title: str
    scheduled_at: datetime
    agenda: list[str] = strawberry.field(default_factory=list)


@strawberry.input(description="Replace the agenda and/or record minutes; omitted ones stay.")
class UpdateBoardMeetingInput:
    meeting_id: relay.GlobalID
    agenda: list[str] | None = None
    minutes: str | None = strawberry.field(default=None, description="Markdown.")


@strawberry.input
class AttendanceEntryInput:
    member_id: relay.GlobalID
    status: AttendanceStatus


@strawberry.input
class RecordAttendanceInput:
    meeting_id: relay.GlobalID
    attendance: list[AttendanceEntryInput]


@strawberry.type
class BoardMeetingPayload:
    meeting: BoardMeetingNode | None
    user_errors: list[ProgramsUserError]


def _meeting_id(value: relay.GlobalID) -> int:
    return decode_id(value, "BoardMeeting", ["input", "meetingId"])


@strawberry.type
class BoardMutations:
    @strawberry.mutation(description="Give a board member a further term (within the limit).")
    async def renew_board_seat(self, info: Info, input: RenewBoardSeatInput) -> BoardSeatPayload:
        async def run() -> BoardSeatType:
            c = info.context
            seat_id = decode_id(input.seat_id, "BoardSeat", ["input", "seatId"])
            seat = await boards.renew_seat(c.session, c.require_actor(), seat_id, c.now)
            program = await c.session.get(Program, seat.program_id)
            assert program is not None
            return BoardSeatType.from_model(seat, program)

        seat, problems = await mutate(info, run)
        return BoardSeatPayload(seat=seat, user_errors=ProgramsUserError.from_problems(problems))

    @strawberry.mutation(
        description="Roll off members whose term ended; the waitlist moves into freed seats."
    )
    async def rotate_board(self, info: Info, input: RotateBoardInput) -> RotateBoardPayload:
        async def run() -> list[BoardSeatType]:
            c = info.context
            program_id = decode_id(input.program_id, "Program", ["input", "programId"])
            seats = await boards.rotate(
                c.session, c.require_actor(), program_id, input.as_of, c.now
            )
            program = await c.session.get(Program, program_id)
            assert program is not None
            return [BoardSeatType.from_model(seat, program) for seat in seats]

        seats, problems = await mutate(info, run)
        return RotateBoardPayload(
            rolled_off=seats, user_errors=ProgramsUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Schedule a board meeting with its agenda.")
    async def schedule_board_meeting(
        self, info: Info, input: ScheduleBoardMeetingInput
    ) -> BoardMeetingPayload:
        async def run() -> BoardMeetingNode:
            c = info.context
            fields = boards.MeetingFields(input.title, input.scheduled_at, list(input.agenda))
            program_id = decode_id(input.program_id, "Program", ["input", "programId"])
            meeting = await boards.schedule_meeting(
                c.session, c.require_actor(), program_id, fields, c.now
            )
            return BoardMeetingNode.from_model(meeting)

        return await _meeting_payload(info, run)

    @strawberry.mutation(description="Change a meeting's agenda or record its minutes.")
    async def update_board_meeting(
        self, info: Info, input: UpdateBoardMeetingInput
    ) -> BoardMeetingPayload:
        async def run() -> BoardMeetingNode:
            c = info.context
            meeting = await boards.update_meeting(
                c.session,
                c.require_actor(),
                _meeting_id(input.meeting_id),
                list(input.agenda) if input.agenda is not None else None,
                input.minutes,
                c.now,
            )
            return BoardMeetingNode.from_model(meeting)

        return await _meeting_payload(info, run)

    @strawberry.mutation(description="Record who attended a meeting.")
    async def record_meeting_attendance(
        self, info: Info, input: RecordAttendanceInput
    ) -> BoardMeetingPayload:
        async def run() -> BoardMeetingNode:
            c = info.context
            if len(input.attendance) > MAX_INPUT_ITEMS:
                raise DomainError(
                    f"at most {MAX_INPUT_ITEMS} entries",
                    code=ProgramsErrorCode.TOO_MANY_ITEMS,
                    field=["input", "attendance"],
                )
            entries = [
                (decode_id(e.member_id, "Member", ["input", "attendance"]), e.status)
                for e in input.attendance
            ]
            meeting = await boards.record_attendance(
                c.session, c.require_actor(), _meeting_id(input.meeting_id), entries, c.now
            )
            return BoardMeetingNode.from_model(meeting)

        return await _meeting_payload(info, run)


async def _meeting_payload(
    info: Info, run: Callable[[], Awaitable[BoardMeetingNode]]
) -> BoardMeetingPayload:
    meeting, problems = await mutate(info, run)
    return BoardMeetingPayload(
        meeting=meeting, user_errors=ProgramsUserError.from_problems(problems)
    )
