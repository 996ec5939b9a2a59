"""Request and accept, then a pair's life: start, end date, complete, end early, feedback."""

from collections.abc import Awaitable, Callable
from datetime import date

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.errors import mutate
from api.graphql.matching.types import BuddyFeedback, BuddyPairNode, MatchingUserError
from api.graphql.relay import decode_id
from domain.matching import models
from domain.matching.services import lifecycle, requests


@strawberry.input
class RequestBuddyInput:
    mentor_id: relay.GlobalID = strawberry.field(description="The mentor's Member id.")
    program_id: relay.GlobalID | None = None
    message: str | None = strawberry.field(default=None, description="A note for the mentor.")


@strawberry.input
class BuddyPairInput:
    pair_id: relay.GlobalID


@strawberry.input
class DeclineBuddyPairInput:
    pair_id: relay.GlobalID
    reason: str | None = strawberry.field(default=None, description="Optional, shown to them.")


@strawberry.input
class StartBuddyPairInput:
    pair_id: relay.GlobalID
    ends_on: date | None = strawberry.field(default=None, description="Planned end; optional.")


@strawberry.input
class SetBuddyPairEndDateInput:
    pair_id: relay.GlobalID
    ends_on: date | None = strawberry.field(description="Null: open-ended.")


@strawberry.input
class EndBuddyPairEarlyInput:
    pair_id: relay.GlobalID
    reason: str | None = None
    ended_badly: bool = strawberry.field(
        default=False, description="True: never propose these two to each other again."
    )


@strawberry.input(description="The short form at the end of a pairing.")
class GiveBuddyFeedbackInput:
    pair_id: relay.GlobalID
    rating: int = strawberry.field(description="1 to 5.")
    goals_met: bool
    would_recommend: bool
    comment: str | None = None


@strawberry.type
class BuddyPairPayload:
    pair: BuddyPairNode | None
    user_errors: list[MatchingUserError]


@strawberry.type
class BuddyFeedbackPayload:
    feedback: BuddyFeedback | None
    user_errors: list[MatchingUserError]


def _pair_id(value: relay.GlobalID) -> int:
    return decode_id(value, "BuddyPair", ["input", "pairId"])


async def _pair_payload(
    info: Info, action: Callable[[], Awaitable[models.BuddyPair]]
) -> BuddyPairPayload:
    async def run() -> BuddyPairNode:
        return BuddyPairNode.from_model(await action())

    pair, problems = await mutate(info, run)
    return BuddyPairPayload(pair=pair, user_errors=MatchingUserError.from_problems(problems))


@strawberry.type
class PairMutations:
    @strawberry.mutation(description="Ask a mentor to be your buddy. They accept or decline.")
    async def request_buddy(self, info: Info, input: RequestBuddyInput) -> BuddyPairPayload:
        context = info.context

        async def action() -> models.BuddyPair:
            request = requests.BuddyRequest(
                mentor_id=decode_id(input.mentor_id, "Member", ["input", "mentorId"]),
                program_id=None
                if input.program_id is None
                else decode_id(input.program_id, "MatchingProgram", ["input", "programId"]),
                message=input.message,
            )
            return await requests.request_buddy(
                context.session, context.require_actor(), request, context.now
            )

        return await _pair_payload(info, action)

    @strawberry.mutation(
        description="Accept a proposal: the mentor a request, each buddy a round's proposal."
    )
    async def accept_buddy_pair(self, info: Info, input: BuddyPairInput) -> BuddyPairPayload:
        context = info.context
        return await _pair_payload(
            info,
            lambda: requests.accept_pair(
                context.session, context.require_actor(), _pair_id(input.pair_id), context.now
            ),
        )

    @strawberry.mutation(description="Decline a proposal, with an optional reason.")
    async def decline_buddy_pair(
        self, info: Info, input: DeclineBuddyPairInput
    ) -> BuddyPairPayload:
        context = info.context
        return await _pair_payload(
            info,
            lambda: requests.decline_pair(
                context.session,
                context.require_actor(),
                _pair_id(input.pair_id),
                input.reason,
                context.now,
            ),
        )

    @strawberry.mutation(description="The buddies have met: the pair becomes ACTIVE.")
    async def start_buddy_pair(self, info: Info, input: StartBuddyPairInput) -> BuddyPairPayload:
        context = info.context
        return await _pair_payload(
            info,
            lambda: lifecycle.start_pair(
                context.session,
                context.require_actor(),
                _pair_id(input.pair_id),
                input.ends_on,
                context.now,
            ),
        )

    @strawberry.mutation(description="Set or clear an accepted or active pair's end date.")
    async def set_buddy_pair_end_date(
        self, info: Info, input: SetBuddyPairEndDateInput
    ) -> BuddyPairPayload:
        context = info.context
        return await _pair_payload(
            info,
            lambda: lifecycle.set_end_date(
                context.session,
                context.require_actor(),
                _pair_id(input.pair_id),
                input.ends_on,
                context.now,
            ),
        )

    @strawberry.mutation(
        description="Complete an active pair; the mentor's sessions go to the advocacy ledger."
    )
    async def complete_buddy_pair(self, info: Info, input: BuddyPairInput) -> BuddyPairPayload:
        context = info.context
        return await _pair_payload(
            info,
            lambda: lifecycle.complete_pair(
                context.session, context.require_actor(), _pair_id(input.pair_id), context.now
            ),
        )

    @strawberry.mutation(description="End an accepted or active pair early.")
    async def end_buddy_pair_early(
        self, info: Info, input: EndBuddyPairEarlyInput
    ) -> BuddyPairPayload:
        context = info.context
        return await _pair_payload(
            info,
            lambda: lifecycle.end_pair_early(
                context.session,
                context.require_actor(),
                _pair_id(input.pair_id),
                input.reason,
                input.ended_badly,
                context.now,
            ),
        )

    @strawberry.mutation(description="Your feedback on an ended pairing (once).")
    async def give_buddy_feedback(
        self, info: Info, input: GiveBuddyFeedbackInput
    ) -> BuddyFeedbackPayload:
        async def run() -> BuddyFeedback:
            context = info.context
            form = lifecycle.FeedbackInput(
                rating=input.rating,
                goals_met=input.goals_met,
                would_recommend=input.would_recommend,
                comment=input.comment,
            )
            feedback = await lifecycle.give_feedback(
                context.session, context.require_actor(), _pair_id(input.pair_id), form, context.now
            )
            return BuddyFeedback.from_model(feedback)

        feedback, problems = await mutate(info, run)
        return BuddyFeedbackPayload(
            feedback=feedback, user_errors=MatchingUserError.from_problems(problems)
        )
