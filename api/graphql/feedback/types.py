from datetime import datetime
from decimal import Decimal
from typing import Self

import strawberry
from strawberry import relay

from api.graphql.community.types import ThreadNode
from api.graphql.context import Info
from api.graphql.errors import UserError
from api.graphql.identity.types import AccountNode, MemberNode
from api.graphql.money import Money
from api.graphql.relay import node_ints
from domain.feedback import models, policies
from domain.feedback.errors import FeedbackErrorCode
from domain.feedback.impact import ImpactWeights
from domain.feedback.models import (
    IdeaStatus,
    IdeaVisibility,
    Importance,
    ProxySource,
    SurveyKind,
)
from domain.feedback.repository import IdeaOrder
from domain.identity.models import AccountSegment
from domain.shared.errors import Problem

strawberry.enum(
    IdeaStatus,
    description="Workflow states. DUPLICATE: merged into another idea (see Idea.mergedInto).",
)
strawberry.enum(
    IdeaVisibility,
    description="PUBLIC: every signed-in member; ACCOUNT: the author's company and staff; "
    "STAFF: staff only.",
)
strawberry.enum(Importance, description="How much the voter needs it.")
strawberry.enum(ProxySource, description="Where staff heard a proxy vote.")
strawberry.enum(SurveyKind, description="NPS (0-10), CSAT (1-5), FEEL_VALUED (1-5 questions).")
strawberry.enum(IdeaOrder, description="IMPACT: highest impact score first; NEWEST: newest first.")
strawberry.enum(FeedbackErrorCode)

# Settings money is reported in one currency; see README (Feedback).
REPORTING_CURRENCY = "USD"


def money_of_cents(cents: int) -> Money:
    return Money(amount=Decimal(cents) / 100, currency=REPORTING_CURRENCY)


@strawberry.type
class FeedbackUserError(UserError):
    code: FeedbackErrorCode

    @classmethod
    def from_problems(cls, problems: list[Problem]) -> list["FeedbackUserError"]:
        return [cls(field=p.field, message=p.message, code=_code(p.code)) for p in problems]


def _code(code: object) -> FeedbackErrorCode:
    try:
        return FeedbackErrorCode(str(code))
    except ValueError:  # a community error surfacing through a feedback use case
        return FeedbackErrorCode.INVALID_VALUE


async def member_node(info: Info, member_id: int | None) -> MemberNode | None:
    if member_id is None:
        return None
    member = await info.context.identity.member_by_id.load(member_id)
    return MemberNode.from_model(member) if member else None


@strawberry.type(description="Votes per importance level.")
class ImportanceCounts:
    nice_to_have: int
    important: int
    must_have: int


@strawberry.type(description="Demand from one account segment: each account counted once.")
class SegmentDemand:
    segment: AccountSegment | None = strawberry.field(description="Null: no segment recorded.")
    account_count: int
    arr: Money = strawberry.field(description="Summed ARR of the segment's requesting accounts.")


@strawberry.type(name="IdeaVote", description="A vote, as its voter or staff see it.")
class IdeaVoteType:
    importance: Importance
    created_at: datetime
    proxy: bool = strawberry.field(description="Recorded by staff on the member's behalf.")
    model: strawberry.Private[models.IdeaVote]

    @classmethod
    def from_model(cls, vote: models.IdeaVote) -> Self:
        return cls(
            importance=vote.importance, created_at=vote.created_at, proxy=vote.proxy, model=vote
        )

    @strawberry.field(description="Whom the vote counts for.")
    async def member(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.member_id)

    @strawberry.field(description="The account it counts for. Staff only; null for others.")
    async def account(self, info: Info) -> AccountNode | None:
        if not policies.can_see_voters(info.context.require_actor()):
            return None
        account = await info.context.identity.account_by_id.load(self.model.account_id)
        return AccountNode.from_model(account) if account else None

    @strawberry.field(description="Proxy votes: where it was heard. Staff only.")
    def proxy_source(self, info: Info) -> ProxySource | None:
        staff = policies.can_see_voters(info.context.require_actor())
        return self.model.proxy_source if staff else None

    @strawberry.field(description="Proxy votes: the staff note. Staff only.")
    def proxy_note(self, info: Info) -> str | None:
        staff = policies.can_see_voters(info.context.require_actor())
        return self.model.proxy_note if staff else None

    @strawberry.field(description="Proxy votes: who recorded it. Staff only.")
    async def recorded_by(self, info: Info) -> MemberNode | None:
        if not (self.model.proxy and policies.can_see_voters(info.context.require_actor())):
            return None
        return await member_node(info, self.model.recorded_by_id)


@strawberry.type(name="IdeaStatusChange", description="One step of an idea's history.")
class IdeaStatusChangeType:
    old_status: IdeaStatus
    new_status: IdeaStatus
    reason: str | None = strawberry.field(description="Why (required for DECLINED).")
    created_at: datetime


@strawberry.type(name="Idea", description="A product idea with its demand and status.")
class IdeaNode(relay.Node):
    id: relay.NodeID[int]
    title: str
    description: str = strawberry.field(description="Markdown as written.")
    description_html: str = strawberry.field(description="Sanitized HTML rendering.")
    product_area: str
    tags: list[str]
    attachments: list[str] = strawberry.field(description="http(s) URLs.")
    visibility: IdeaVisibility
    status: IdeaStatus
    status_changed_at: datetime | None
    declined_reason: str | None = strawberry.field(
        description="Why it was declined; shown to everyone who may see the idea."
    )
    created_at: datetime
    voter_count: int = strawberry.field(description="Members who voted (proxy votes included).")
    account_count: int = strawberry.field(description="Distinct requesting accounts.")
    impact_score: float = strawberry.field(
        description="ARR, importance and counts combined with the configured weights."
    )
    importance_counts: ImportanceCounts
    model: strawberry.Private[models.Idea]

    @classmethod
    def from_model(cls, idea: models.Idea) -> Self:
        return cls(
            id=idea.id,
            title=idea.title,
            description=idea.description_markdown,
            description_html=idea.description_html,
            product_area=idea.product_area,
            tags=list(idea.tags),
            attachments=list(idea.attachments),
            visibility=idea.visibility,
            status=idea.status,
            status_changed_at=idea.status_changed_at,
            declined_reason=idea.declined_reason,
            created_at=idea.created_at,
            voter_count=idea.voter_count,
            account_count=idea.account_count,
            impact_score=idea.impact_score / 100,
            importance_counts=ImportanceCounts(
                nice_to_have=idea.nice_to_have_count,
                important=idea.important_count,
                must_have=idea.must_have_count,
            ),
            model=idea,
        )

    @strawberry.field(description="Summed ARR of requesting accounts, each once. Staff only.")
    def arr(self, info: Info) -> Money | None:
        if not policies.can_see_demand_value(info.context.require_actor()):
            return None
        return money_of_cents(self.model.arr_cents)

    @strawberry.field(description="Demand by account segment. Staff only; null for others.")
    async def demand_by_segment(self, info: Info) -> list[SegmentDemand] | None:
        if not policies.can_see_demand_value(info.context.require_actor()):
            return None
        rows = await info.context.feedback.segment_demand_by_idea_id.load(self.model.id)
        return [
            SegmentDemand(segment=segment, account_count=count, arr=money_of_cents(cents))
            for segment, count, cents in rows
        ]

    @strawberry.field(description="Weighted importance: each vote's importance in points.")
    async def weighted_importance(self, info: Info) -> float:
        weights = await info.context.feedback.weights()
        idea = self.model
        return weights.importance_points(
            idea.nice_to_have_count, idea.important_count, idea.must_have_count
        )

    @strawberry.field
    async def author(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.author_id)

    @strawberry.field(description="The product staff member who owns it.")
    async def owner(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.owner_id)

    @strawberry.field(description="Set on a DUPLICATE: the idea to show instead (redirect).")
    async def merged_into(self, info: Info) -> "IdeaNode | None":
        if self.model.merged_into_id is None:
            return None
        info.context.require_actor()
        target = await info.context.feedback.readable_idea_by_id.load(self.model.merged_into_id)
        return IdeaNode.from_model(target) if target else None

    @strawberry.field(description="The comments thread; null if you may not read it.")
    async def discussion(self, info: Info) -> ThreadNode | None:
        if self.model.thread_id is None:
            return None
        info.context.require_actor()
        thread = await info.context.community.readable_thread_by_id.load(self.model.thread_id)
        return ThreadNode.from_model(thread) if thread else None

    @strawberry.field(description="The beta program delivering it (a Program id).")
    def beta_program_id(self) -> relay.GlobalID | None:
        program_id = self.model.beta_program_id
        return relay.GlobalID("Program", str(program_id)) if program_id else None

    @strawberry.field(description="The changelog entry that announced it.")
    async def changelog_entry(self, info: Info) -> "ChangelogEntryNode | None":
        entry_id = self.model.changelog_entry_id
        if entry_id is None:
            return None
        entry = await info.context.feedback.changelog_entry_by_id.load(entry_id)
        actor = info.context.require_actor()
        if entry is None or (entry.published_at is None and not policies.can_triage(actor)):
            return None
        return ChangelogEntryNode.from_model(entry)

    @strawberry.field(description="Your vote; null if you have not voted.")
    async def viewer_vote(self, info: Info) -> IdeaVoteType | None:
        info.context.require_actor()
        vote = await info.context.feedback.viewer_vote_by_idea_id.load(self.model.id)
        return IdeaVoteType.from_model(vote) if vote else None

    @strawberry.field(description="Status history, oldest first.")
    async def status_history(self, info: Info) -> list[IdeaStatusChangeType]:
        rows = await info.context.feedback.status_history_by_idea_id.load(self.model.id)
        return [
            IdeaStatusChangeType(
                old_status=r.old_status,
                new_status=r.new_status,
                reason=r.reason,
                created_at=r.created_at,
            )
            for r in rows
        ]

    @strawberry.field(description="Every vote, newest first (at most 100). Staff only.")
    async def votes(self, info: Info, first: int = 50) -> list[IdeaVoteType] | None:
        from api.graphql.feedback.queries import idea_votes

        return await idea_votes(info, self.model, first)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # async form of strawberry's overloads
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        info.context.require_actor()
        ideas = await info.context.feedback.readable_idea_by_id.load_many(node_ints(node_ids))
        return [cls.from_model(idea) if idea else None for idea in ideas]


@strawberry.type(name="IdeaConnection")
class IdeaConnection(relay.Connection[IdeaNode]):
    pass


@strawberry.type(name="ChangelogEntry", description="A public note of what shipped.")
class ChangelogEntryNode(relay.Node):
    id: relay.NodeID[int]
    title: str
    body: str = strawberry.field(description="Markdown as written.")
    body_html: str
    product_area: str | None
    published_at: datetime | None = strawberry.field(description="Null: a draft (staff only).")
    model: strawberry.Private[models.ChangelogEntry]

    @classmethod
    def from_model(cls, entry: models.ChangelogEntry) -> Self:
        return cls(
            id=entry.id,
            title=entry.title,
            body=entry.body_markdown,
            body_html=entry.body_html,
            product_area=entry.product_area,
            published_at=entry.published_at,
            model=entry,
        )

    @strawberry.field(description="The ideas it closes that you may see.")
    async def ideas(self, info: Info) -> list[IdeaNode]:
        info.context.require_actor()
        rows = await info.context.feedback.ideas_by_changelog_id.load(self.model.id)
        return [IdeaNode.from_model(idea) for idea in rows]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # async form of strawberry's overloads
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        actor = info.context.require_actor()
        entries = await info.context.feedback.changelog_entry_by_id.load_many(node_ints(node_ids))
        return [
            cls.from_model(e)
            if e and (e.published_at is not None or policies.can_triage(actor))
            else None
            for e in entries
        ]


@strawberry.type(name="ChangelogEntryConnection")
class ChangelogEntryConnection(relay.Connection[ChangelogEntryNode]):
    pass


@strawberry.type(description="Points per importance level and weights of the impact score.")
class ImpactWeightsType:
    arr_weight: float = strawberry.field(description="Points per 10,000 of ARR.")
    importance_weight: float = strawberry.field(description="Multiplies the importance points.")
    voter_weight: float = strawberry.field(description="Points per voter.")
    account_weight: float = strawberry.field(description="Points per requesting account.")
    nice_to_have_points: float
    important_points: float
    must_have_points: float

    @classmethod
    def of(cls, w: ImpactWeights) -> "ImpactWeightsType":
        return cls(
            arr_weight=w.arr_weight,
            importance_weight=w.importance_weight,
            voter_weight=w.voter_weight,
            account_weight=w.account_weight,
            nice_to_have_points=w.points[Importance.NICE_TO_HAVE],
            important_points=w.points[Importance.IMPORTANT],
            must_have_points=w.points[Importance.MUST_HAVE],
        )


@strawberry.type(description="An allowed move in the idea workflow.")
class IdeaStatusTransition:
    from_status: IdeaStatus
    to_status: IdeaStatus
