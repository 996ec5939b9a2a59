"""Beta mutations (builds, feedback, graduation) and the cross-context links to feedback."""

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.errors import mutate
from api.graphql.programs.beta_types import BetaBuildNode, BetaFeedbackKind, BetaFeedbackType
from api.graphql.programs.types import ProgramNode, ProgramsUserError
from api.graphql.relay import decode_id
from domain.programs.services import betas, links


@strawberry.input
class PublishBetaBuildInput:
    program_id: relay.GlobalID
    version: str = strawberry.field(description='e.g. "0.4.0-rc1".')
    release_notes: str = strawberry.field(description="Markdown.")


@strawberry.type
class BetaBuildPayload:
    build: BetaBuildNode | None
    user_errors: list[ProgramsUserError]


@strawberry.input
class GiveBetaFeedbackInput:
    build_id: relay.GlobalID
    kind: BetaFeedbackKind
    title: str
    body: str
    product_area: str | None = strawberry.field(
        default=None, description="For IDEA: the product area the idea is filed under."
    )


@strawberry.type
class BetaFeedbackPayload:
    feedback: BetaFeedbackType | None
    user_errors: list[ProgramsUserError]


@strawberry.input
class GraduateBetaInput:
    program_id: relay.GlobalID
    ga_version: str = strawberry.field(description="The generally available version.")


@strawberry.type
class GraduateBetaPayload:
    program: ProgramNode | None
    user_errors: list[ProgramsUserError]


@strawberry.input
class InviteIdeaVotersInput:
    program_id: relay.GlobalID
    idea_id: relay.GlobalID
    note: str | None = strawberry.field(default=None, description="The invitation's message.")


@strawberry.type(description="A voter who was not invited, and why.")
class SkippedVoter:
    member_id: relay.GlobalID
    reason: str


@strawberry.type
class InviteIdeaVotersPayload:
    invited: int | None = strawberry.field(description="How many voters were invited.")
    skipped: list[SkippedVoter] | None
    user_errors: list[ProgramsUserError]


@strawberry.type
class BetaMutations:
    @strawberry.mutation(description="Release a build of a beta. Program team only.")
    async def publish_beta_build(
        self, info: Info, input: PublishBetaBuildInput
    ) -> BetaBuildPayload:
        async def run() -> BetaBuildNode:
            c = info.context
            program_id = decode_id(input.program_id, "Program", ["input", "programId"])
            build = await betas.publish_build(
                c.session, c.require_actor(), program_id, input.version, input.release_notes, c.now
            )
            return BetaBuildNode.from_model(build)

        build, problems = await mutate(info, run)
        return BetaBuildPayload(build=build, user_errors=ProgramsUserError.from_problems(problems))

    @strawberry.mutation(
        description="Give feedback on a build. Ideas go into the feedback loop, praise to "
        "marketing's testimonial candidates."
    )
    async def give_beta_feedback(
        self, info: Info, input: GiveBetaFeedbackInput
    ) -> BetaFeedbackPayload:
        async def run() -> BetaFeedbackType:
            c = info.context
            new = betas.NewFeedback(
                build_id=decode_id(input.build_id, "BetaBuild", ["input", "buildId"]),
                kind=input.kind,
                title=input.title,
                body=input.body,
                product_area=input.product_area,
            )
            row = await betas.give_feedback(c.session, c.require_actor(), new, c.now)
            return BetaFeedbackType.from_model(row)

        row, problems = await mutate(info, run)
        return BetaFeedbackPayload(
            feedback=row, user_errors=ProgramsUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Mark a beta as generally available. Program team only.")
    async def graduate_beta(self, info: Info, input: GraduateBetaInput) -> GraduateBetaPayload:
        async def run() -> ProgramNode:
            c = info.context
            program_id = decode_id(input.program_id, "Program", ["input", "programId"])
            program = await betas.graduate(
                c.session, c.require_actor(), program_id, input.ga_version, c.now
            )
            return ProgramNode.from_model(program)

        program, problems = await mutate(info, run)
        return GraduateBetaPayload(
            program=program, user_errors=ProgramsUserError.from_problems(problems)
        )

    @strawberry.mutation(
        description="Invite the voters of an idea into the beta that delivers it: eligible "
        "voters within their fatigue budget, as many as there are free seats."
    )
    async def invite_idea_voters(
        self, info: Info, input: InviteIdeaVotersInput
    ) -> InviteIdeaVotersPayload:
        async def run() -> links.VoterInvitations:
            c = info.context
            return await links.invite_idea_voters(
                c.session,
                c.require_actor(),
                decode_id(input.program_id, "Program", ["input", "programId"]),
                decode_id(input.idea_id, "Idea", ["input", "ideaId"]),
                input.note,
                c.now,
            )

        result, problems = await mutate(info, run)
        return InviteIdeaVotersPayload(
            invited=len(result.invited) if result else None,
            skipped=[
                SkippedVoter(member_id=relay.GlobalID("Member", str(m)), reason=why)
                for m, why in result.skipped
            ]
            if result
            else None,
            user_errors=ProgramsUserError.from_problems(problems),
        )
