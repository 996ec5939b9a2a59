from collections.abc import Sequence

import strawberry
from sqlalchemy import select
from strawberry import relay

from api.graphql.context import Info
from api.graphql.programs.types import (
    Eligibility,
    ProgramApplicationConnection,
    ProgramApplicationNode,
    ProgramConnection,
    ProgramEnrolmentType,
    ProgramKind,
    ProgramNode,
    ProgramState,
)
from api.graphql.relay import is_row_id, page_request, to_connection
from domain.programs import policies
from domain.programs.models import (
    SEATED,
    ApplicationStatus,
    Program,
    ProgramApplication,
    ProgramEnrolment,
)
from domain.programs.services.common import explain
from domain.shared.errors import BadRequest
from domain.shared.pagination import paginate


async def readable_applications(info: Info, ids: Sequence[int]) -> dict[int, ProgramApplication]:
    """Applications the viewer may see: their own, ones they nominated, and the program team's."""
    actor = info.context.require_actor()
    rows = list(
        await info.context.session.scalars(
            select(ProgramApplication).where(ProgramApplication.id.in_(ids))
        )
    )
    programs = await info.context.programs.readable_program_by_id.load_many(
        [row.program_id for row in rows]
    )
    found = {}
    for row, program in zip(rows, programs, strict=True):
        if program is None:
            continue
        if (
            row.member_id == actor.member_id
            or row.nominated_by_id == actor.member_id
            or policies.can_manage(actor, program)
        ):
            found[row.id] = row
    return found


async def eligibility_of(info: Info, program: Program, member_id: int) -> Eligibility:
    checks = await explain(info.context.session, program, member_id, info.context.now)
    return Eligibility.of(checks)


async def program_applications(
    info: Info,
    program: Program,
    status: ApplicationStatus | None,
    first: int | None,
    after: str | None,
) -> ProgramApplicationConnection:
    actor = info.context.require_actor()
    statement = select(ProgramApplication).where(ProgramApplication.program_id == program.id)
    if not policies.can_manage(actor, program):
        statement = statement.where(ProgramApplication.member_id == actor.member_id)
    if status is not None:
        statement = statement.where(ProgramApplication.status == status)
    page = await paginate(
        info.context.session,
        statement,
        [ProgramApplication.id],
        lambda a: [a.id],
        page_request(first, after, None, None),
    )
    return to_connection(ProgramApplicationConnection, page, ProgramApplicationNode.from_model)


async def program_waitlist(info: Info, program: Program) -> list[ProgramApplicationNode]:
    actor = info.context.require_actor()
    if not policies.can_manage(actor, program):
        return []
    rows = await info.context.session.scalars(
        select(ProgramApplication)
        .where(
            ProgramApplication.program_id == program.id,
            ProgramApplication.status == ApplicationStatus.WAITLISTED,
        )
        .order_by(ProgramApplication.waitlist_position, ProgramApplication.id)
    )
    return [ProgramApplicationNode.from_model(row) for row in rows]


async def program_enrolments(
    info: Info, program: Program, include_ended: bool
) -> list[ProgramEnrolmentType]:
    actor = info.context.require_actor()
    mine = await info.context.programs.viewer_enrolment_by_program_id.load(program.id)
    if not policies.can_see_roster(actor, program, mine):
        return []
    statement = select(ProgramEnrolment).where(ProgramEnrolment.program_id == program.id)
    if not include_ended:
        statement = statement.where(ProgramEnrolment.status.in_(SEATED))
    rows = await info.context.session.scalars(statement.order_by(ProgramEnrolment.id))
    return [ProgramEnrolmentType.from_model(row) for row in rows]


def _int_id(value: relay.GlobalID, type_name: str, name: str) -> int:
    if value.type_name != type_name or not is_row_id(value.node_id):
        raise BadRequest(f"{name} is not a {type_name} id")
    return int(value.node_id)


@strawberry.type
class ProgramsQueries:
    @strawberry.field(description="Programs you may see, newest first. At most 100 per page.")
    async def programs(
        self,
        info: Info,
        kind: ProgramKind | None = None,
        state: ProgramState | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ProgramConnection:
        actor = info.context.require_actor()
        statement = policies.readable_programs(actor, select(Program))
        if kind is not None:
            statement = statement.where(Program.kind == kind)
        if state is not None:
            statement = statement.where(Program.state == state)
        page = await paginate(
            info.context.session,
            statement,
            [Program.id],
            lambda p: [p.id],
            page_request(first, after, last, before),
            descending=True,
        )
        return to_connection(ProgramConnection, page, ProgramNode.from_model)

    @strawberry.field(
        description="Why a member is (not) eligible for a program: every rule with pass/fail "
        "and a reason. Yourself by default; staff may ask about anyone. Null if the program "
        "or member is not visible to you."
    )
    async def program_eligibility(
        self, info: Info, program_id: relay.GlobalID, member_id: relay.GlobalID | None = None
    ) -> Eligibility | None:
        actor = info.context.require_actor()
        program = await info.context.programs.readable_program_by_id.load(
            _int_id(program_id, "Program", "programId")
        )
        if program is None:
            return None
        target = actor.member_id
        if member_id is not None:
            target = _int_id(member_id, "Member", "memberId")
            if target != actor.member_id and not actor.is_staff:
                return None
            if await info.context.identity.member_by_id.load(target) is None:
                return None
        return await eligibility_of(info, program, target)

    @strawberry.field(description="Your applications, nominations and invitations, newest first.")
    async def my_program_applications(self, info: Info) -> list[ProgramApplicationNode]:
        actor = info.context.require_actor()
        rows = await info.context.session.scalars(
            select(ProgramApplication)
            .where(ProgramApplication.member_id == actor.member_id)
            .order_by(ProgramApplication.id.desc())
            .limit(100)
        )
        found = await readable_applications(info, [row.id for row in rows])
        ordered = sorted(found.values(), key=lambda row: row.id, reverse=True)
        return [ProgramApplicationNode.from_model(row) for row in ordered]
