"""Matching rounds (run, review, publish), check-in reminders and meet-up proposals."""

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.errors import mutate
from api.graphql.matching.types import (
    MatchingRoundNode,
    MatchingUserError,
    MeetupNode,
    RoundProposalNode,
)
from api.graphql.relay import decode_id
from domain.matching import policies
from domain.matching.models import MeetupGrouping
from domain.matching.services import lifecycle, meetups, rounds
from domain.shared.errors import Forbidden


@strawberry.input
class RunMatchingRoundInput:
    program_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Weights and rules of this programme; the defaults if null."
    )


@strawberry.input
class MatchingRoundInput:
    round_id: relay.GlobalID


@strawberry.input
class SetRoundProposalIncludedInput:
    proposal_id: relay.GlobalID
    included: bool


@strawberry.type
class MatchingRoundPayload:
    round: MatchingRoundNode | None
    user_errors: list[MatchingUserError]


@strawberry.type
class RoundProposalPayload:
    proposal: RoundProposalNode | None
    user_errors: list[MatchingUserError]


@strawberry.type
class SendBuddyCheckInsPayload:
    reminders_sent: int | None = strawberry.field(description="Active pairs reminded now.")
    user_errors: list[MatchingUserError]


@strawberry.input
class ProposeMeetupsInput:
    grouping: MeetupGrouping
    event: str | None = strawberry.field(default=None, description="EVENT: only this event.")
    group_size: int = strawberry.field(default=6, description="2 to 12 members per group.")


@strawberry.type
class ProposeMeetupsPayload:
    meetups: list[MeetupNode] | None
    user_errors: list[MatchingUserError]


def _round_id(value: relay.GlobalID) -> int:
    return decode_id(value, "MatchingRound", ["input", "roundId"])


@strawberry.type
class RoundMutations:
    @strawberry.mutation(
        description="Run the optimiser over every waiting mentee and available mentor: a DRAFT "
        "round proposing the assignment with the highest total score. Managers only."
    )
    async def run_matching_round(
        self, info: Info, input: RunMatchingRoundInput
    ) -> MatchingRoundPayload:
        async def run() -> MatchingRoundNode:
            context = info.context
            program_id = (
                None
                if input.program_id is None
                else decode_id(input.program_id, "MatchingProgram", ["input", "programId"])
            )
            found = await rounds.run_round(
                context.session, context.require_actor(), program_id, context.now
            )
            return MatchingRoundNode.from_model(found)

        found, problems = await mutate(info, run)
        return MatchingRoundPayload(
            round=found, user_errors=MatchingUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Keep or leave out one of a draft round's proposals.")
    async def set_round_proposal_included(
        self, info: Info, input: SetRoundProposalIncludedInput
    ) -> RoundProposalPayload:
        async def run() -> RoundProposalNode:
            context = info.context
            proposal = await rounds.set_proposal_included(
                context.session,
                context.require_actor(),
                decode_id(input.proposal_id, "RoundProposal", ["input", "proposalId"]),
                input.included,
            )
            return RoundProposalNode.from_model(proposal)

        proposal, problems = await mutate(info, run)
        return RoundProposalPayload(
            proposal=proposal, user_errors=MatchingUserError.from_problems(problems)
        )

    @strawberry.mutation(
        description="Publish a draft round: each included proposal that still passes the "
        "constraints becomes a PROPOSED pair; the others record why they were skipped."
    )
    async def publish_matching_round(
        self, info: Info, input: MatchingRoundInput
    ) -> MatchingRoundPayload:
        async def run() -> MatchingRoundNode:
            context = info.context
            found = await rounds.publish_round(
                context.session, context.require_actor(), _round_id(input.round_id), context.now
            )
            return MatchingRoundNode.from_model(found)

        found, problems = await mutate(info, run)
        return MatchingRoundPayload(
            round=found, user_errors=MatchingUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Discard a draft round.")
    async def discard_matching_round(
        self, info: Info, input: MatchingRoundInput
    ) -> MatchingRoundPayload:
        async def run() -> MatchingRoundNode:
            context = info.context
            found = await rounds.discard_round(
                context.session, context.require_actor(), _round_id(input.round_id), context.now
            )
            return MatchingRoundNode.from_model(found)

        found, problems = await mutate(info, run)
        return MatchingRoundPayload(
            round=found, user_errors=MatchingUserError.from_problems(problems)
        )

    @strawberry.mutation(
        description="Remind every active pair whose check-in is due (safe to run often, e.g. "
        "from a scheduler). Managers only."
    )
    async def send_buddy_check_ins(self, info: Info) -> SendBuddyCheckInsPayload:
        async def run() -> int:
            context = info.context
            if not policies.can_manage_matching(context.require_actor()):
                raise Forbidden("only community managers send check-in reminders")
            return await lifecycle.send_due_check_ins(context.session, context.now)

        sent, problems = await mutate(info, run)
        return SendBuddyCheckInsPayload(
            reminders_sent=sent, user_errors=MatchingUserError.from_problems(problems)
        )

    @strawberry.mutation(
        description="Propose small meet-up groups of members who opted in, by region or event; "
        "no group holds two competing companies. Managers only."
    )
    async def propose_meetups(
        self, info: Info, input: ProposeMeetupsInput
    ) -> ProposeMeetupsPayload:
        async def run() -> list[MeetupNode]:
            context = info.context
            found = await meetups.propose_meetups(
                context.session,
                context.require_actor(),
                input.grouping,
                context.now,
                event=input.event,
                group_size=input.group_size,
            )
            return [MeetupNode.from_model(m) for m in found]

        found, problems = await mutate(info, run)
        return ProposeMeetupsPayload(
            meetups=found, user_errors=MatchingUserError.from_problems(problems)
        )
