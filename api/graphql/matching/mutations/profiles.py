"""Buddy profiles, pause, and programme settings."""

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.errors import mutate
from api.graphql.matching.types import (
    BuddyProfileNode,
    MatchingProgramNode,
    MatchingUserError,
    readable_people,
)
from api.graphql.relay import decode_id
from domain.matching.criteria import Criterion
from domain.matching.errors import MatchingErrorCode
from domain.matching.models import BuddyRole, MaturityLevel
from domain.matching.services import profiles, programs
from domain.shared.errors import DomainError

MAX_LIST_INPUT = 50


@strawberry.input(description="The whole profile; lists left out keep nothing (products: yours).")
class SaveBuddyProfileInput:
    member_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Admins may edit another member's; yours by default."
    )
    role: BuddyRole
    products: list[str] | None = strawberry.field(
        default=None, description="Products to match on; null: those on your member profile."
    )
    use_cases: list[str] = strawberry.field(default_factory=list)
    maturity: MaturityLevel | None = strawberry.field(
        default=None, description="Null: from how long you have used the product."
    )
    desired_outcomes: list[str] = strawberry.field(default_factory=list)
    achieved_outcomes: list[str] = strawberry.field(default_factory=list)
    languages: list[str] = strawberry.field(default_factory=list)
    availability: str | None = None
    capacity: int = strawberry.field(default=1, description="Mentees at once (0 to 10).")
    opted_in: bool = True
    meetups_opt_in: bool = False
    events: list[str] = strawberry.field(default_factory=list)


@strawberry.type
class BuddyProfilePayload:
    profile: BuddyProfileNode | None
    user_errors: list[MatchingUserError]


@strawberry.input
class SetBuddyMatchingPausedInput:
    paused: bool
    member_id: relay.GlobalID | None = strawberry.field(default=None, description="Yours if null.")


@strawberry.input
class CriterionWeightInput:
    criterion: Criterion
    weight: float = strawberry.field(description="0 to 10.")


@strawberry.input
class SaveMatchingProgramInput:
    id: relay.GlobalID | None = strawberry.field(default=None, description="Null: a new one.")
    slug: str
    name: str
    description: str | None = None
    weights: list[CriterionWeightInput] = strawberry.field(
        default_factory=list, description="Criteria left out keep their default weight."
    )
    same_industry_region_competes: bool = True
    check_in_every_days: int = 14
    default_length_days: int | None = 90


@strawberry.type
class MatchingProgramPayload:
    program: MatchingProgramNode | None
    user_errors: list[MatchingUserError]


def _lists(values: dict[str, list[str] | None]) -> None:
    for field, items in values.items():
        if items is not None and len(items) > MAX_LIST_INPUT:
            raise DomainError(
                f"at most {MAX_LIST_INPUT} items",
                code=MatchingErrorCode.TOO_MANY_ITEMS,
                field=["input", field],
            )


async def _profile_node(info: Info, member_id: int) -> BuddyProfileNode:
    found = await readable_people(info, [member_id])
    return BuddyProfileNode.from_person(found[member_id])


@strawberry.type
class ProfileMutations:
    @strawberry.mutation(description="Create or replace your buddy profile (opt in or out).")
    async def save_buddy_profile(
        self, info: Info, input: SaveBuddyProfileInput
    ) -> BuddyProfilePayload:
        async def run() -> BuddyProfileNode:
            context = info.context
            actor = context.require_actor()
            _lists(
                {
                    "products": input.products,
                    "useCases": input.use_cases,
                    "desiredOutcomes": input.desired_outcomes,
                    "achievedOutcomes": input.achieved_outcomes,
                    "languages": input.languages,
                    "events": input.events,
                }
            )
            member_id = (
                actor.member_id
                if input.member_id is None
                else decode_id(input.member_id, "Member", ["input", "memberId"])
            )
            data = profiles.ProfileInput(
                role=input.role,
                products=input.products,
                use_cases=input.use_cases,
                maturity=input.maturity,
                desired_outcomes=input.desired_outcomes,
                achieved_outcomes=input.achieved_outcomes,
                languages=input.languages,
                availability=input.availability,
                capacity=input.capacity,
                opted_in=input.opted_in,
                meetups_opt_in=input.meetups_opt_in,
                events=input.events,
            )
            profile = await profiles.save_profile(
                context.session, actor, member_id, data, context.now
            )
            return await _profile_node(info, profile.member_id)

        profile, problems = await mutate(info, run)
        return BuddyProfilePayload(
            profile=profile, user_errors=MatchingUserError.from_problems(problems)
        )

    @strawberry.mutation(
        description="Pause or resume buddy matching: no new proposals while paused."
    )
    async def set_buddy_matching_paused(
        self, info: Info, input: SetBuddyMatchingPausedInput
    ) -> BuddyProfilePayload:
        async def run() -> BuddyProfileNode:
            context = info.context
            actor = context.require_actor()
            member_id = (
                actor.member_id
                if input.member_id is None
                else decode_id(input.member_id, "Member", ["input", "memberId"])
            )
            await profiles.set_paused(context.session, actor, member_id, input.paused, context.now)
            return await _profile_node(info, member_id)

        profile, problems = await mutate(info, run)
        return BuddyProfilePayload(
            profile=profile, user_errors=MatchingUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Create or update a buddy programme. Managers only.")
    async def save_matching_program(
        self, info: Info, input: SaveMatchingProgramInput
    ) -> MatchingProgramPayload:
        async def run() -> MatchingProgramNode:
            context = info.context
            program_id = (
                None
                if input.id is None
                else decode_id(input.id, "MatchingProgram", ["input", "id"])
            )
            data = programs.ProgramInput(
                slug=input.slug,
                name=input.name,
                description=input.description,
                weights={w.criterion: w.weight for w in input.weights},
                same_industry_region_competes=input.same_industry_region_competes,
                check_in_every_days=input.check_in_every_days,
                default_length_days=input.default_length_days,
            )
            program = await programs.save_program(
                context.session, context.require_actor(), program_id, data
            )
            return MatchingProgramNode.from_model(program)

        program, problems = await mutate(info, run)
        return MatchingProgramPayload(
            program=program, user_errors=MatchingUserError.from_problems(problems)
        )
