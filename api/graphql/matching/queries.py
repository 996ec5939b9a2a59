"""Buddy matching reads: profiles, live suggestions, pairs, programmes, rounds and meet-ups."""

from typing import Annotated

import strawberry
from sqlalchemy import select
from strawberry import relay

from api.graphql.context import Info
from api.graphql.matching.types import (
    BuddyPairConnection,
    BuddyPairNode,
    BuddyProfileNode,
    BuddySuggestion,
    MatchingProgramNode,
    MatchingRoundConnection,
    MatchingRoundNode,
    MeetupConnection,
    MeetupNode,
    RoundProposalConnection,
    RoundProposalNode,
    ScoreLine,
    readable_people,
)
from api.graphql.relay import decode_id, page_request, to_connection
from domain.matching import models, policies
from domain.matching.models import PairStatus
from domain.matching.services.common import program_settings
from domain.matching.services.suggestions import suggestions
from domain.shared.errors import BadRequest, DomainError, Forbidden
from domain.shared.pagination import paginate


def _id(value: relay.GlobalID | None, type_name: str, default: int | None) -> int | None:
    if value is None:
        return default
    try:
        return decode_id(value, type_name, [type_name])
    except DomainError:
        return 0  # no such row: "not found"


def _require_manager(info: Info) -> None:
    if not policies.can_manage_matching(info.context.require_actor()):
        raise Forbidden("only community managers see matching rounds")


@strawberry.type
class MatchingQueries:
    @strawberry.field(description="A member's buddy profile (yours by default); null if none.")
    async def buddy_profile(
        self, info: Info, member_id: relay.GlobalID | None = None
    ) -> BuddyProfileNode | None:
        actor = info.context.require_actor()
        member = _id(member_id, "Member", actor.member_id) or 0
        found = await readable_people(info, [member])
        return BuddyProfileNode.from_person(found[member]) if member in found else None

    @strawberry.field(
        description="The best mentors for a mentee (you by default), live, best first: only "
        "mentors the hard constraints allow (other company, no competitor, free seat, never "
        "declined, available). Managers may ask for any mentee."
    )
    async def buddy_suggestions(
        self,
        info: Info,
        mentee_id: relay.GlobalID | None = None,
        program_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="Weights and rules of this programme; defaults."),
        ] = None,
        first: int = 10,
    ) -> list[BuddySuggestion]:
        context = info.context
        actor = context.require_actor()
        mentee = _id(mentee_id, "Member", actor.member_id) or 0
        program = _id(program_id, "MatchingProgram", None)
        try:
            settings = await program_settings(context.session, program)
        except DomainError as error:
            raise BadRequest("programme not found") from error
        found = await suggestions(context.session, actor, mentee, settings, context.now, first)
        return [
            BuddySuggestion(
                mentor=BuddyProfileNode.from_person(s.mentor),
                score=s.score,
                breakdown=ScoreLine.many(s.breakdown),
            )
            for s in found
        ]

    @strawberry.field(
        description="Buddy pairs, newest first: yours, or every pair for managers. "
        "At most 100 per page."
    )
    async def buddy_pairs(
        self,
        info: Info,
        status: list[PairStatus] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> BuddyPairConnection:
        actor = info.context.require_actor()
        statement = policies.readable_pairs(actor, select(models.BuddyPair))
        if status:
            statement = statement.where(models.BuddyPair.status.in_(status))
        page = await paginate(
            info.context.session,
            statement,
            [models.BuddyPair.id],
            lambda p: [p.id],
            page_request(first, after, None, None),
            descending=True,
        )
        return to_connection(BuddyPairConnection, page, BuddyPairNode.from_model)

    @strawberry.field(description="Buddy programmes and their weights.")
    async def matching_programs(self, info: Info) -> list[MatchingProgramNode]:
        info.context.require_actor()
        rows = await info.context.session.scalars(
            select(models.MatchingProgram).order_by(models.MatchingProgram.id)
        )
        return [MatchingProgramNode.from_model(p) for p in rows]

    @strawberry.field(description="Matching rounds, newest first. Community managers only.")
    async def matching_rounds(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> MatchingRoundConnection:
        _require_manager(info)
        page = await paginate(
            info.context.session,
            select(models.MatchingRound),
            [models.MatchingRound.id],
            lambda r: [r.id],
            page_request(first, after, None, None),
            descending=True,
        )
        return to_connection(MatchingRoundConnection, page, MatchingRoundNode.from_model)

    @strawberry.field(description="Meet-ups: yours, or all for managers. Newest first.")
    async def meetups(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> MeetupConnection:
        actor = info.context.require_actor()
        page = await paginate(
            info.context.session,
            policies.readable_meetups(actor, select(models.Meetup)),
            [models.Meetup.id],
            lambda m: [m.id],
            page_request(first, after, None, None),
            descending=True,
        )
        return to_connection(MeetupConnection, page, MeetupNode.from_model)


async def round_proposals(
    info: Info, round_id: int, first: int | None, after: str | None
) -> RoundProposalConnection:
    _require_manager(info)
    page = await paginate(
        info.context.session,
        select(models.RoundProposal).where(models.RoundProposal.round_id == round_id),
        [models.RoundProposal.id],
        lambda p: [p.id],
        page_request(first, after, None, None),
    )
    return to_connection(RoundProposalConnection, page, RoundProposalNode.from_model)


async def rounds_by_ids(info: Info, ids: list[int]) -> dict[int, models.MatchingRound]:
    if not policies.can_manage_matching(info.context.require_actor()):
        return {}
    rows = await info.context.session.scalars(
        select(models.MatchingRound).where(models.MatchingRound.id.in_(ids))
    )
    return {r.id: r for r in rows}


async def round_proposals_by_ids(info: Info, ids: list[int]) -> dict[int, models.RoundProposal]:
    if not policies.can_manage_matching(info.context.require_actor()):
        return {}
    rows = await info.context.session.scalars(
        select(models.RoundProposal).where(models.RoundProposal.id.in_(ids))
    )
    return {r.id: r for r in rows}


async def meetups_by_ids(info: Info, ids: list[int]) -> dict[int, models.Meetup]:
    actor = info.context.require_actor()
    rows = await info.context.session.scalars(
        policies.readable_meetups(actor, select(models.Meetup).where(models.Meetup.id.in_(ids)))
    )
    return {m.id: m for m in rows}
