"""Advisory board types: seats, meetings and the seat-allocation proposal."""

from datetime import date, datetime
from typing import Self

import strawberry
from sqlalchemy import select
from strawberry import relay

from api.graphql.context import Info
from api.graphql.identity.types import MemberNode
from api.graphql.money import Money
from api.graphql.programs.types import member_node
from api.graphql.relay import node_ints
from domain.programs import models, policies
from domain.programs.models import AttendanceStatus, Program, SeatStatus
from domain.programs.proposal import Candidate, Proposal, arr_band

strawberry.enum(SeatStatus)
strawberry.enum(AttendanceStatus)


async def _may_see_board(info: Info, program: Program) -> bool:
    actor = info.context.require_actor()
    mine = await info.context.programs.viewer_enrolment_by_program_id.load(program.id)
    return policies.can_see_roster(actor, program, mine)


@strawberry.type(name="BoardSeat", description="One term of one member on an advisory board.")
class BoardSeatType:
    id: relay.GlobalID
    term_number: int = strawberry.field(description="1 for a first term, 2 after a renewal...")
    starts_on: date
    ends_on: date = strawberry.field(description="When the member rolls off unless renewed.")
    status: SeatStatus
    ended_on: date | None
    end_reason: str | None
    renewable: bool = strawberry.field(description="Another term fits the board's term limit.")
    model: strawberry.Private[models.BoardSeat]

    @classmethod
    def from_model(cls, row: models.BoardSeat, program: Program) -> Self:
        return cls(
            id=relay.GlobalID("BoardSeat", str(row.id)),
            term_number=row.term_number,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            status=row.status,
            ended_on=row.ended_on,
            end_reason=row.end_reason,
            renewable=row.status is SeatStatus.ACTIVE
            and (program.max_terms is None or row.term_number < program.max_terms),
            model=row,
        )

    @strawberry.field
    async def member(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.member_id)


async def program_seats(info: Info, program: Program, include_ended: bool) -> list[BoardSeatType]:
    """The rotation: current seats by roll-off date (then ended ones, latest first)."""
    if not await _may_see_board(info, program):
        return []
    statement = select(models.BoardSeat).where(models.BoardSeat.program_id == program.id)
    if not include_ended:
        statement = statement.where(models.BoardSeat.status == SeatStatus.ACTIVE)
    rows = await info.context.session.scalars(
        statement.order_by(models.BoardSeat.status, models.BoardSeat.ends_on, models.BoardSeat.id)
    )
    return [BoardSeatType.from_model(row, program) for row in rows]


@strawberry.type(description="Whether a board member attended a meeting.")
class MeetingAttendanceType:
    status: AttendanceStatus
    member_id: strawberry.Private[int]

    @strawberry.field
    async def member(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.member_id)


@strawberry.type(name="BoardMeeting", description="A meeting of an advisory board.")
class BoardMeetingNode(relay.Node):
    id: relay.NodeID[int]
    title: str
    scheduled_at: datetime
    agenda: list[str] = strawberry.field(description="Agenda items, in order.")
    minutes: str | None = strawberry.field(description="Markdown; null until recorded.")
    minutes_recorded_at: datetime | None
    model: strawberry.Private[models.BoardMeeting]

    @classmethod
    def from_model(cls, row: models.BoardMeeting) -> Self:
        return cls(
            id=row.id,
            title=row.title,
            scheduled_at=row.scheduled_at,
            agenda=list(row.agenda),
            minutes=row.minutes,
            minutes_recorded_at=row.minutes_recorded_at,
            model=row,
        )

    @strawberry.field
    async def attendance(self, info: Info) -> list[MeetingAttendanceType]:
        rows = await info.context.session.scalars(
            select(models.MeetingAttendance)
            .where(models.MeetingAttendance.meeting_id == self.model.id)
            .order_by(models.MeetingAttendance.member_id)
        )
        return [MeetingAttendanceType(status=r.status, member_id=r.member_id) for r in rows]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # async form of strawberry's overloads
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        info.context.require_actor()
        ids = node_ints(node_ids)
        rows = {
            row.id: row
            for row in await info.context.session.scalars(
                select(models.BoardMeeting).where(models.BoardMeeting.id.in_(ids))
            )
        }
        result: list[Self | None] = []
        for i in ids:
            row = rows.get(i)
            program = (
                await info.context.programs.readable_program_by_id.load(row.program_id)
                if row
                else None
            )
            visible = row is not None and program is not None
            if visible and program is not None and await _may_see_board(info, program):
                result.append(cls.from_model(row))  # type: ignore[arg-type]
            else:
                result.append(None)
        return result


async def program_meetings(info: Info, program: Program) -> list[BoardMeetingNode]:
    if not await _may_see_board(info, program):
        return []
    rows = await info.context.session.scalars(
        select(models.BoardMeeting)
        .where(models.BoardMeeting.program_id == program.id)
        .order_by(models.BoardMeeting.scheduled_at.desc(), models.BoardMeeting.id.desc())
    )
    return [BoardMeetingNode.from_model(row) for row in rows]


@strawberry.type(description="A candidate in a seat proposal.")
class SeatCandidate:
    segment: str | None
    region: str | None
    arr_band: str = strawberry.field(description='e.g. "50k-250k", "unknown".')
    products: list[str]
    recent_asks: int = strawberry.field(description="Asks of any kind in the last quarter.")
    seated: bool = strawberry.field(description="Holds a seat on the board now.")
    reason: str | None = strawberry.field(description="Why left out; null when proposed.")
    member_id: strawberry.Private[int]

    @strawberry.field
    async def member(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.member_id)


@strawberry.type(description="A proposed board: who to seat so the board covers the customer base.")
class SeatProposal:
    seats: int
    proposed: list[SeatCandidate]
    left_out: list[SeatCandidate]
    segments: list[str] = strawberry.field(description="Segments the proposed board covers.")
    regions: list[str]
    arr_bands: list[str]
    products: list[str]
    total_arr: Money | None = strawberry.field(description="Summed ARR of the proposed seats.")

    @classmethod
    def of(cls, proposal: Proposal) -> Self:
        def candidate(c: Candidate, reason: str | None) -> SeatCandidate:
            return SeatCandidate(
                segment=c.segment,
                region=c.region,
                arr_band=arr_band(c.arr),
                products=list(c.products),
                recent_asks=c.recent_asks,
                seated=c.seated,
                reason=reason,
                member_id=c.member_id,
            )

        return cls(
            seats=proposal.seats,
            proposed=[candidate(c, None) for c in proposal.chosen],
            left_out=[candidate(c, why) for c, why in proposal.left_out],
            segments=proposal.segments,
            regions=proposal.regions,
            arr_bands=proposal.arr_bands,
            products=proposal.products,
            total_arr=Money.of(proposal.total_arr, "USD"),
        )
