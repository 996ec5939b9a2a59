from datetime import date, datetime
from typing import Any, Self

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.errors import UserError
from api.graphql.identity.types import MemberNode
from api.graphql.relay import node_ints
from domain.identity import policies as identity_policies
from domain.identity.models import EmployeeBand
from domain.matching import models, policies, repository
from domain.matching.criteria import Criterion, weights_of
from domain.matching.errors import MatchingErrorCode
from domain.matching.models import (
    BuddyRole,
    MaturityLevel,
    MeetupGrouping,
    PairOrigin,
    PairStatus,
    RoundStatus,
)
from domain.matching.people import Person
from domain.shared.errors import Problem

strawberry.enum(BuddyRole, description="MENTOR offers help, MENTEE looks for it, BOTH does both.")
strawberry.enum(MaturityLevel, description="How far a member has come with the product.")
strawberry.enum(
    PairStatus,
    description="PROPOSED (waiting for answers) -> ACCEPTED -> ACTIVE -> COMPLETED or "
    "ENDED_EARLY; DECLINED ends a proposal.",
)
strawberry.enum(PairOrigin, description="REQUEST: a mentee asked; ROUND: a matching round.")
strawberry.enum(RoundStatus, description="DRAFT rounds are reviewed, then PUBLISHED or DISCARDED.")
strawberry.enum(MeetupGrouping)
strawberry.enum(
    Criterion,
    name="MatchCriterion",
    description="Score criteria: PRODUCT and USE_CASE (the mentor has the mentee's), MATURITY "
    "(the mentor is further along), OUTCOME (the mentor achieved what the mentee wants), "
    "INDUSTRY, COMPANY_SIZE, TIMEZONE (closeness), LANGUAGE (a shared one).",
)
strawberry.enum(MatchingErrorCode)


@strawberry.type(name="MatchingUserError")
class MatchingUserError(UserError):
    code: MatchingErrorCode

    @classmethod
    def from_problems(cls, problems: list[Problem]) -> list["MatchingUserError"]:
        return [
            cls(field=p.field, message=p.message, code=MatchingErrorCode(p.code)) for p in problems
        ]


@strawberry.type(description="One criterion of a match score, readable by a person.")
class ScoreLine:
    criterion: Criterion
    weight: float = strawberry.field(description="The programme's weight for this criterion.")
    value: float = strawberry.field(description="How well the pair meets it, 0 to 1.")
    points: float = strawberry.field(description="weight x value; the score is their sum.")
    explanation: str = strawberry.field(description='Why, e.g. "shares Pipelines, Alerts".')

    @classmethod
    def many(cls, lines: list[dict[str, Any]]) -> list["ScoreLine"]:
        return [
            cls(
                criterion=Criterion(line["criterion"]),
                weight=line["weight"],
                value=line["value"],
                points=line["points"],
                explanation=line["explanation"],
            )
            for line in lines
        ]


async def member_node(info: Info, member_id: int | None) -> MemberNode | None:
    if member_id is None:
        return None
    member = await info.context.identity.member_by_id.load(member_id)
    viewer = info.context.require_actor()
    if member is None or not identity_policies.can_view_member(viewer, member):
        return None
    return MemberNode.from_model(member)


@strawberry.type(
    name="BuddyProfile",
    description="What a member offers or looks for as a buddy. Industry, company size and "
    "region are their company's; timezone is their own.",
)
class BuddyProfileNode(relay.Node):
    id: relay.NodeID[int]  # the member's id
    role: BuddyRole
    products: list[str]
    use_cases: list[str]
    maturity: MaturityLevel
    desired_outcomes: list[str] = strawberry.field(description="What a mentee wants to achieve.")
    achieved_outcomes: list[str] = strawberry.field(description="What a mentor has achieved.")
    languages: list[str]
    availability: str | None = strawberry.field(description='Free text, e.g. "Tue afternoons".')
    capacity: int = strawberry.field(description="Mentees at once.")
    open_seats: int = strawberry.field(
        description="Capacity left: agreed pairs and a published round's proposals take seats."
    )
    opted_in: bool
    paused: bool = strawberry.field(description="Paused members get no new proposals.")
    industry: str | None
    company_size: EmployeeBand | None
    region: str | None
    timezone: str | None
    person: strawberry.Private[Person]

    @classmethod
    def from_person(cls, p: Person) -> Self:
        return cls(
            id=p.member_id,
            role=p.role,
            products=list(p.products),
            use_cases=list(p.use_cases),
            maturity=p.maturity,
            desired_outcomes=list(p.desired_outcomes),
            achieved_outcomes=list(p.achieved_outcomes),
            languages=list(p.languages),
            availability=p.availability,
            capacity=p.capacity,
            open_seats=p.free_capacity,
            opted_in=p.opted_in,
            paused=p.paused,
            industry=p.industry,
            company_size=p.band,
            region=p.region,
            timezone=p.timezone,
            person=p,
        )

    @strawberry.field
    async def member(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.person.member_id)

    @strawberry.field(description="Whether they want to be grouped for meet-ups.")
    async def meetups_opt_in(self, info: Info) -> bool:
        profile = await info.context.matching.profile_by_member_id.load(self.person.member_id)
        return bool(profile and profile.meetups_opt_in)

    @strawberry.field(description="Events they will attend (for meet-ups by event).")
    async def events(self, info: Info) -> list[str]:
        profile = await info.context.matching.profile_by_member_id.load(self.person.member_id)
        return list(profile.events) if profile else []

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # async form of strawberry's overloads
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        found = await readable_people(info, node_ints(node_ids))
        return [cls.from_person(found[i]) if i in found else None for i in node_ints(node_ids)]


async def readable_people(info: Info, member_ids: list[int]) -> dict[int, Person]:
    actor = info.context.require_actor()
    found = await repository.people_by_ids(info.context.session, member_ids)
    return {
        i: p
        for i, p in found.items()
        if p.opted_in or i == actor.member_id or policies.can_manage_matching(actor)
    }


@strawberry.type(description="A mentor suggested for a mentee, with the score's breakdown.")
class BuddySuggestion:
    mentor: BuddyProfileNode
    score: float = strawberry.field(description="The weighted sum of the breakdown's points.")
    breakdown: list[ScoreLine]


@strawberry.type(description="A buddy's end-of-pairing feedback.")
class BuddyFeedback:
    rating: int = strawberry.field(description="1 to 5.")
    goals_met: bool
    would_recommend: bool
    comment: str | None
    created_at: datetime
    member_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, f: models.PairFeedback) -> Self:
        return cls(
            rating=f.rating,
            goals_met=f.goals_met,
            would_recommend=f.would_recommend,
            comment=f.comment,
            created_at=f.created_at,
            member_id=f.member_id,
        )

    @strawberry.field(description="Who gave it.")
    async def member(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.member_id)


@strawberry.type(name="BuddyPair", description="A mentor and a mentee, from proposal to end.")
class BuddyPairNode(relay.Node):
    id: relay.NodeID[int]
    status: PairStatus
    origin: PairOrigin
    score: float
    message: str | None = strawberry.field(description="The mentee's note with a request.")
    mentor_accepted_at: datetime | None
    mentee_accepted_at: datetime | None
    started_at: datetime | None
    ends_on: date | None = strawberry.field(description="The planned end, if any.")
    ended_at: datetime | None
    end_reason: str | None
    ended_badly: bool = strawberry.field(description="They will not be proposed again.")
    decline_reason: str | None
    check_in_every_days: int
    next_check_in_at: datetime | None
    created_at: datetime
    model: strawberry.Private[models.BuddyPair]

    @classmethod
    def from_model(cls, pair: models.BuddyPair) -> Self:
        return cls(
            id=pair.id,
            status=pair.status,
            origin=pair.origin,
            score=pair.score,
            message=pair.message,
            mentor_accepted_at=pair.mentor_accepted_at,
            mentee_accepted_at=pair.mentee_accepted_at,
            started_at=pair.started_at,
            ends_on=pair.ends_on,
            ended_at=pair.ended_at,
            end_reason=pair.end_reason,
            ended_badly=pair.ended_badly,
            decline_reason=pair.decline_reason,
            check_in_every_days=pair.check_in_every_days,
            next_check_in_at=pair.next_check_in_at,
            created_at=pair.created_at,
            model=pair,
        )

    @strawberry.field(description="Per-criterion breakdown of the score when proposed.")
    def breakdown(self) -> list[ScoreLine]:
        return ScoreLine.many(self.model.breakdown)

    @strawberry.field
    async def mentor(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.mentor_id)

    @strawberry.field
    async def mentee(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.mentee_id)

    @strawberry.field(description="Feedback given: the buddies see their own, managers all.")
    async def feedback(self, info: Info) -> list[BuddyFeedback]:
        actor = info.context.require_actor()
        rows = await info.context.matching.feedback_by_pair_id.load(self.model.id)
        manager = policies.can_manage_matching(actor)
        return [
            BuddyFeedback.from_model(f) for f in rows if manager or f.member_id == actor.member_id
        ]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        loader = info.context.matching.readable_pair_by_id
        found = await loader.load_many(node_ints(node_ids))
        return [cls.from_model(p) if p else None for p in found]


@strawberry.type(description="A criterion's weight in a programme.")
class CriterionWeight:
    criterion: Criterion
    weight: float


@strawberry.type(name="MatchingProgram", description="A buddy programme: weights and rules.")
class MatchingProgramNode(relay.Node):
    id: relay.NodeID[int]
    slug: str
    name: str
    description: str | None
    same_industry_region_competes: bool = strawberry.field(
        description="Same industry in the same region counts as competing (never paired)."
    )
    check_in_every_days: int = strawberry.field(description="Cadence of check-in reminders.")
    default_length_days: int | None = strawberry.field(
        description="A pair's planned length once accepted; null: open-ended."
    )
    model: strawberry.Private[models.MatchingProgram]

    @classmethod
    def from_model(cls, program: models.MatchingProgram) -> Self:
        return cls(
            id=program.id,
            slug=program.slug,
            name=program.name,
            description=program.description,
            same_industry_region_competes=program.same_industry_region_competes,
            check_in_every_days=program.check_in_every_days,
            default_length_days=program.default_length_days,
            model=program,
        )

    @strawberry.field(description="Every criterion's weight (defaults where not set).")
    def weights(self) -> list[CriterionWeight]:
        return [
            CriterionWeight(criterion=c, weight=w)
            for c, w in weights_of(self.model.weights).items()
        ]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        info.context.require_actor()
        found = await info.context.matching.program_by_id.load_many(node_ints(node_ids))
        return [cls.from_model(p) if p else None for p in found]


@strawberry.type(name="RoundProposal", description="One pair a matching round proposes.")
class RoundProposalNode(relay.Node):
    id: relay.NodeID[int]
    score: float
    included: bool = strawberry.field(description="False: the manager left it out.")
    skipped_reason: str | None = strawberry.field(
        description="Set at publication when a constraint no longer held (e.g. COMPETITOR)."
    )
    model: strawberry.Private[models.RoundProposal]

    @classmethod
    def from_model(cls, proposal: models.RoundProposal) -> Self:
        return cls(
            id=proposal.id,
            score=proposal.score,
            included=proposal.included,
            skipped_reason=proposal.skipped_reason,
            model=proposal,
        )

    @strawberry.field
    def breakdown(self) -> list[ScoreLine]:
        return ScoreLine.many(self.model.breakdown)

    @strawberry.field
    async def mentor(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.mentor_id)

    @strawberry.field
    async def mentee(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.mentee_id)

    @strawberry.field(description="The pair it became when published.")
    async def pair(self, info: Info) -> BuddyPairNode | None:
        if self.model.pair_id is None:
            return None
        pair = await info.context.matching.readable_pair_by_id.load(self.model.pair_id)
        return BuddyPairNode.from_model(pair) if pair else None

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        from api.graphql.matching.queries import round_proposals_by_ids

        found = await round_proposals_by_ids(info, node_ints(node_ids))
        return [cls.from_model(found[i]) if i in found else None for i in node_ints(node_ids)]


@strawberry.type(name="RoundProposalConnection")
class RoundProposalConnection(relay.Connection[RoundProposalNode]):
    pass


@strawberry.type(
    name="MatchingRound",
    description="A run of the optimiser over every waiting mentee and available mentor.",
)
class MatchingRoundNode(relay.Node):
    id: relay.NodeID[int]
    status: RoundStatus
    mentee_count: int = strawberry.field(description="Waiting mentees considered.")
    mentor_count: int = strawberry.field(description="Available mentors considered.")
    total_score: float = strawberry.field(description="The optimum: the proposals' total score.")
    greedy_score: float = strawberry.field(
        description="What a greedy best-pair-first assignment would total, for comparison."
    )
    solve_seconds: float
    created_at: datetime
    published_at: datetime | None
    model: strawberry.Private[models.MatchingRound]

    @classmethod
    def from_model(cls, r: models.MatchingRound) -> Self:
        return cls(
            id=r.id,
            status=r.status,
            mentee_count=r.mentee_count,
            mentor_count=r.mentor_count,
            total_score=r.total_score,
            greedy_score=r.greedy_score,
            solve_seconds=r.solve_seconds,
            created_at=r.created_at,
            published_at=r.published_at,
            model=r,
        )

    @strawberry.field(description="The proposed pairs. At most 100 per page.")
    async def proposals(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> RoundProposalConnection:
        from api.graphql.matching.queries import round_proposals

        return await round_proposals(info, self.model.id, first, after)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        from api.graphql.matching.queries import rounds_by_ids

        found = await rounds_by_ids(info, node_ints(node_ids))
        return [cls.from_model(found[i]) if i in found else None for i in node_ints(node_ids)]


@strawberry.type(name="Meetup", description="A proposed small group of members who opted in.")
class MeetupNode(relay.Node):
    id: relay.NodeID[int]
    grouping: MeetupGrouping
    key: str = strawberry.field(description="The region or event the group is for.")
    title: str
    created_at: datetime
    model: strawberry.Private[models.Meetup]

    @classmethod
    def from_model(cls, m: models.Meetup) -> Self:
        return cls(
            id=m.id, grouping=m.grouping, key=m.key, title=m.title, created_at=m.created_at, model=m
        )

    @strawberry.field
    async def members(self, info: Info) -> list[MemberNode]:
        ids = await info.context.matching.meetup_member_ids.load(self.model.id)
        viewer = info.context.require_actor()
        members = await info.context.identity.member_by_id.load_many(ids)
        return [
            MemberNode.from_model(m)
            for m in members
            if m is not None and identity_policies.can_view_member(viewer, m)
        ]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        from api.graphql.matching.queries import meetups_by_ids

        found = await meetups_by_ids(info, node_ints(node_ids))
        return [cls.from_model(found[i]) if i in found else None for i in node_ints(node_ids)]


@strawberry.type(name="BuddyPairConnection")
class BuddyPairConnection(relay.Connection[BuddyPairNode]):
    pass


@strawberry.type(name="MatchingRoundConnection")
class MatchingRoundConnection(relay.Connection[MatchingRoundNode]):
    pass


@strawberry.type(name="MeetupConnection")
class MeetupConnection(relay.Connection[MeetupNode]):
    pass
