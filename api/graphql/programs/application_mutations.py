"""How members get into programs: apply, nominate, invite, respond, review, withdraw."""

from collections.abc import Awaitable, Callable

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.errors import mutate
from api.graphql.programs.types import Decision, ProgramApplicationNode, ProgramsUserError
from api.graphql.relay import decode_id
from domain.programs.services import applications


def _program_id(value: relay.GlobalID) -> int:
    return decode_id(value, "Program", ["input", "programId"])


def _member_id(value: relay.GlobalID) -> int:
    return decode_id(value, "Member", ["input", "memberId"])


@strawberry.input
class ApplyToProgramInput:
    program_id: relay.GlobalID
    answers: list[str] = strawberry.field(
        default_factory=list, description="One answer per program question, in order."
    )


@strawberry.input(description="Nominate (CSMs) or invite (program team) a member.")
class PutForwardInput:
    program_id: relay.GlobalID
    member_id: relay.GlobalID
    note: str | None = strawberry.field(default=None, description="Why this member.")


@strawberry.input
class RespondToInvitationInput:
    program_id: relay.GlobalID
    accept: bool


@strawberry.input
class ReviewApplicationInput:
    application_id: relay.GlobalID
    decision: Decision
    reason: str | None = strawberry.field(default=None, description="Required to decline.")


@strawberry.input
class ProgramIdInput:
    program_id: relay.GlobalID


@strawberry.type
class ProgramApplicationPayload:
    application: ProgramApplicationNode | None
    user_errors: list[ProgramsUserError]


@strawberry.type
class ApplicationMutations:
    @strawberry.mutation(description="Apply to a program (eligibility is checked).")
    async def apply_to_program(
        self, info: Info, input: ApplyToProgramInput
    ) -> ProgramApplicationPayload:
        async def run() -> ProgramApplicationNode:
            c = info.context
            new = applications.NewApplication(_program_id(input.program_id), list(input.answers))
            row = await applications.apply(c.session, c.require_actor(), new, c.now)
            return ProgramApplicationNode.from_model(row)

        return await _application_payload(info, run)

    @strawberry.mutation(description="Nominate a customer for a program. CSMs and program team.")
    async def nominate_to_program(
        self, info: Info, input: PutForwardInput
    ) -> ProgramApplicationPayload:
        async def run() -> ProgramApplicationNode:
            c = info.context
            row = await applications.nominate(
                c.session,
                c.require_actor(),
                _program_id(input.program_id),
                _member_id(input.member_id),
                input.note,
                c.now,
            )
            return ProgramApplicationNode.from_model(row)

        return await _application_payload(info, run)

    @strawberry.mutation(description="Invite a member into a program. Program team only.")
    async def invite_to_program(
        self, info: Info, input: PutForwardInput
    ) -> ProgramApplicationPayload:
        async def run() -> ProgramApplicationNode:
            c = info.context
            row = await applications.invite(
                c.session,
                c.require_actor(),
                _program_id(input.program_id),
                _member_id(input.member_id),
                input.note,
                c.now,
            )
            return ProgramApplicationNode.from_model(row)

        return await _application_payload(info, run)

    @strawberry.mutation(
        description="Accept or decline your invitation. Accepting a full program puts you on "
        "the waitlist."
    )
    async def respond_to_program_invitation(
        self, info: Info, input: RespondToInvitationInput
    ) -> ProgramApplicationPayload:
        async def run() -> ProgramApplicationNode:
            c = info.context
            row = await applications.respond_to_invitation(
                c.session, c.require_actor(), _program_id(input.program_id), input.accept, c.now
            )
            return ProgramApplicationNode.from_model(row)

        return await _application_payload(info, run)

    @strawberry.mutation(
        description="Approve (needs a free seat), waitlist or decline (with a reason) an "
        "application. Program team only; never your own."
    )
    async def review_program_application(
        self, info: Info, input: ReviewApplicationInput
    ) -> ProgramApplicationPayload:
        async def run() -> ProgramApplicationNode:
            c = info.context
            application_id = decode_id(
                input.application_id, "ProgramApplication", ["input", "applicationId"]
            )
            row = await applications.review(
                c.session, c.require_actor(), application_id, input.decision, input.reason, c.now
            )
            return ProgramApplicationNode.from_model(row)

        return await _application_payload(info, run)

    @strawberry.mutation(description="Withdraw your pending or waitlisted application.")
    async def withdraw_program_application(
        self, info: Info, input: ProgramIdInput
    ) -> ProgramApplicationPayload:
        async def run() -> ProgramApplicationNode:
            c = info.context
            row = await applications.withdraw(
                c.session, c.require_actor(), _program_id(input.program_id), c.now
            )
            return ProgramApplicationNode.from_model(row)

        return await _application_payload(info, run)


async def _application_payload(
    info: Info, run: Callable[[], Awaitable[ProgramApplicationNode]]
) -> ProgramApplicationPayload:
    row, problems = await mutate(info, run)
    return ProgramApplicationPayload(
        application=row, user_errors=ProgramsUserError.from_problems(problems)
    )
