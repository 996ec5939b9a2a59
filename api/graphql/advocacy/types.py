"""Advocacy GraphQL types: enums, errors, advocate profiles, consent, budget, references."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Self

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.errors import UserError
from api.graphql.identity.types import AccountNode, MemberNode
from api.graphql.money import Money
from api.graphql.relay import node_ints
from domain.advocacy import models, policies
from domain.advocacy.errors import AdvocacyErrorCode
from domain.advocacy.fatigue import AskKind, BudgetVerdict
from domain.advocacy.models import (
    AdvocacyActivity,
    Attribution,
    CaseStudyStage,
    ConsentChannel,
    ConsentScope,
    EngagementKind,
    EngagementStatus,
    FatigueTarget,
    LedgerActivity,
    OpportunityOutcome,
    ProfileStatus,
    RedemptionStatus,
    ReferenceStatus,
    ReferralStatus,
    TestimonialSource,
    TestimonialState,
)
from domain.advocacy.services.consent import AssetUse, is_active
from domain.shared.errors import Problem

strawberry.enum(AdvocacyActivity, description="What an advocate does; what a consent covers.")
strawberry.enum(ConsentChannel, description="Where an asset may be used.")
strawberry.enum(ConsentScope, description="MEMBER: a person's words or name; ACCOUNT: its logo.")
strawberry.enum(
    ProfileStatus, name="AdvocateStatus", description="NOMINATED: awaiting the account owner."
)
strawberry.enum(ReferenceStatus)
strawberry.enum(OpportunityOutcome, name="ReferenceOutcome")
strawberry.enum(CaseStudyStage)
strawberry.enum(TestimonialSource)
strawberry.enum(Attribution, name="QuoteAttribution", description="How a quote is attributed.")
strawberry.enum(
    TestimonialState,
    description="CANDIDATE: proposed; AWAITING_APPROVAL: the author is asked to approve the "
    "exact text; APPROVED: they did; PUBLISHED: in use.",
)
strawberry.enum(EngagementKind, name="AdvocacyEngagementKind")
strawberry.enum(EngagementStatus, name="AdvocacyEngagementStatus")
strawberry.enum(ReferralStatus)
strawberry.enum(LedgerActivity, name="AdvocacyActivityType", description="A ledger entry's act.")
strawberry.enum(RedemptionStatus, name="RewardRedemptionStatus")
strawberry.enum(FatigueTarget, description="Whose asks a rule counts.")
strawberry.enum(AskKind, description="Every kind of ask the fatigue budget counts.")
strawberry.enum(AdvocacyErrorCode)


@strawberry.type
class AdvocacyUserError(UserError):
    code: AdvocacyErrorCode

    @classmethod
    def from_problems(cls, problems: list[Problem]) -> list["AdvocacyUserError"]:
        return [
            cls(field=p.field, message=p.message, code=AdvocacyErrorCode(p.code)) for p in problems
        ]


async def member_node(info: Info, member_id: int | None) -> MemberNode | None:
    if member_id is None:
        return None
    member = await info.context.identity.member_by_id.load(member_id)
    return MemberNode.from_model(member) if member else None


async def account_node(info: Info, account_id: int | None) -> AccountNode | None:
    if account_id is None:
        return None
    account = await info.context.identity.account_by_id.load(account_id)
    return AccountNode.from_model(account) if account else None


async def readable_nodes(
    info: Info, model: type, node_ids: Sequence[str], convert: Any
) -> list[Any]:
    info.context.require_actor()
    rows = await info.context.advocacy.readable(model).load_many(node_ints(list(node_ids)))
    return [convert(row) if row is not None else None for row in rows]


@strawberry.type(description="Whether a member may be asked now, and why not.")
class BudgetVerdictType:
    allowed: bool
    reasons: list[str] = strawberry.field(description="Each limit that says no, readable.")
    next_allowed_at: datetime | None = strawberry.field(
        description="When every limit that says no allows an ask again (null: allowed now, or a "
        "limit of zero)."
    )
    asks_in_period: int = strawberry.field(
        description="The member's asks of any kind in their all-kinds budget period."
    )

    @classmethod
    def of(cls, verdict: BudgetVerdict) -> Self:
        return cls(
            allowed=verdict.allowed,
            reasons=list(verdict.reasons),
            next_allowed_at=verdict.next_allowed_at,
            asks_in_period=verdict.asks_in_period,
        )


@strawberry.type(description="A measurable result an advocate achieved.")
class AdvocateOutcome:
    metric: str
    before: str | None
    after: str


@strawberry.type
class AvailabilityWindow:
    starts_on: date
    ends_on: date


@strawberry.type(
    name="AdvocateProfile", description="What a customer is willing to do as an advocate."
)
class AdvocateProfileNode(relay.Node):
    id: relay.NodeID[int]
    status: ProfileStatus
    activities: list[AdvocacyActivity]
    max_asks_per_quarter: int | None = strawberry.field(
        description="The advocate's own limit; the fatigue budget applies it on top."
    )
    languages: list[str]
    products: list[str]
    use_cases: list[str]
    outcomes: list[AdvocateOutcome]
    availability: list[AvailabilityWindow] = strawberry.field(
        description="When they can take part; empty means any time."
    )
    notes: str | None
    created_at: datetime
    updated_at: datetime
    decided_at: datetime | None = strawberry.field(description="When the nomination was decided.")
    last_asked_at: datetime | None
    model: strawberry.Private[models.AdvocateProfile]

    @classmethod
    def from_model(cls, p: models.AdvocateProfile) -> Self:
        return cls(
            id=p.id,
            status=p.status,
            activities=[AdvocacyActivity(a) for a in p.activities],
            max_asks_per_quarter=p.max_asks_per_quarter,
            languages=list(p.languages),
            products=list(p.products),
            use_cases=list(p.use_cases),
            outcomes=[
                AdvocateOutcome(metric=o["metric"], before=o.get("before"), after=o["after"])
                for o in p.outcomes
            ],
            availability=[
                AvailabilityWindow(
                    starts_on=date.fromisoformat(w["starts_on"]),
                    ends_on=date.fromisoformat(w["ends_on"]),
                )
                for w in p.availability
            ],
            notes=p.notes,
            created_at=p.created_at,
            updated_at=p.updated_at,
            decided_at=p.decided_at,
            last_asked_at=p.last_asked_at,
            model=p,
        )

    @strawberry.field
    async def member(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.member_id)

    @strawberry.field
    async def account(self, info: Info) -> AccountNode | None:
        return await account_node(info, self.model.account_id)

    @strawberry.field(description="The CSM or marketer who nominated them, if anyone.")
    async def nominated_by(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.nominated_by_id)

    @strawberry.field(description="Whether they may be asked for `kind` now.")
    async def budget(self, info: Info, kind: AskKind = AskKind.REFERENCE_CALL) -> BudgetVerdictType:
        from domain.advocacy.fatigue import check_budget

        verdict = await check_budget(
            info.context.session, member_id=self.model.member_id, kind=kind, at=info.context.now
        )
        return BudgetVerdictType.of(verdict)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        return await readable_nodes(info, models.AdvocateProfile, node_ids, cls.from_model)


@strawberry.type(description="An asset that depends on a consent, and where it is used.")
class AssetInUse:
    asset_id: relay.GlobalID = strawberry.field(
        description="A CaseStudy, Testimonial, AdvocacyEngagement or EventSession."
    )
    title: str
    channels: list[ConsentChannel]
    urls: list[str] = strawberry.field(description="Where it is published, where known.")

    @classmethod
    def of(cls, use: AssetUse) -> Self:
        return cls(
            asset_id=relay.GlobalID(use.asset_type, str(use.asset_id)),
            title=use.title,
            channels=[ConsentChannel(c) for c in use.channels],
            urls=list(use.urls),
        )


@strawberry.type(
    name="ConsentRecord",
    description="Permission to use a member's words or name, "
    "or an account's logo, for one activity in some channels.",
)
class ConsentRecordNode(relay.Node):
    id: relay.NodeID[int]
    scope: ConsentScope
    activity: AdvocacyActivity
    channels: list[ConsentChannel]
    text_version: str = strawberry.field(description="The version of the consent text agreed to.")
    granted_at: datetime
    expires_at: datetime | None
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
    model: strawberry.Private[models.ConsentRecord]

    @classmethod
    def from_model(cls, c: models.ConsentRecord) -> Self:
        return cls(
            id=c.id,
            scope=c.scope,
            activity=c.activity,
            channels=[ConsentChannel(x) for x in c.channels],
            text_version=c.text_version,
            granted_at=c.granted_at,
            expires_at=c.expires_at,
            withdrawn_at=c.withdrawn_at,
            withdrawal_reason=c.withdrawal_reason,
            model=c,
        )

    @strawberry.field(description="Neither withdrawn nor expired, now.")
    def active(self, info: Info) -> bool:
        return is_active(self.model, info.context.now)

    @strawberry.field
    async def member(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.member_id)

    @strawberry.field
    async def account(self, info: Info) -> AccountNode | None:
        return await account_node(info, self.model.account_id)

    @strawberry.field(
        description="Published assets in this consent's activity and channels. With "
        "`usableOnly`, only those usable now; without, also those a withdrawal or expiry made "
        "unusable (the list to take down)."
    )
    async def assets_in_use(self, info: Info, usable_only: bool = False) -> list[AssetInUse]:
        from domain.advocacy.services.consent import assets_in_use

        uses = await assets_in_use(info.context.session, self.model, info.context.now, usable_only)
        return [AssetInUse.of(u) for u in uses]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        return await readable_nodes(info, models.ConsentRecord, node_ids, cls.from_model)


@strawberry.type(description="A sales opportunity a reference supports.")
class Opportunity:
    ref: str | None = strawberry.field(description="The CRM's opportunity id.")
    amount: Money | None
    stage: str | None


@strawberry.type(description="A ranked advocate for a reference request, with the reasons.")
class ReferenceCandidate:
    score: int = strawberry.field(description="Higher is a better match; see `reasons`.")
    reasons: list[str] = strawberry.field(
        description="Attribute matches, evidence (accepted answers, shipped ideas in the "
        "requested products), outcomes, and the recency of the last ask."
    )
    accepted_answers: int
    shipped_ideas: int
    budget: BudgetVerdictType
    available: bool = strawberry.field(
        description="An availability window overlaps the days they are needed (the scheduled "
        "day, else today until needed-by). Unavailable advocates come last, with the reason "
        "first in `reasons`."
    )
    member_model: strawberry.Private[Any]
    account_model: strawberry.Private[Any]
    profile_model: strawberry.Private[models.AdvocateProfile]

    @strawberry.field
    def member(self) -> MemberNode:
        return MemberNode.from_model(self.member_model, self.account_model)

    @strawberry.field
    def account(self) -> AccountNode:
        return AccountNode.from_model(self.account_model)

    @strawberry.field
    def profile(self) -> AdvocateProfileNode:
        return AdvocateProfileNode.from_model(self.profile_model)


@strawberry.type(name="ReferenceRequest", description="A request for a customer reference.")
class ReferenceRequestNode(relay.Node):
    id: relay.NodeID[int]
    status: ReferenceStatus
    activity: AdvocacyActivity
    prospect_company: str
    prospect_domain: str | None
    industry: str | None
    region: str | None
    products: list[str]
    use_case: str | None
    needed_by: date | None
    scheduled_for: datetime | None
    completed_at: datetime | None
    decided_at: datetime | None
    decline_reason: str | None
    cancel_reason: str | None
    requester_rating: int | None = strawberry.field(description="1-5, from the requesting side.")
    requester_feedback: str | None
    advocate_rating: int | None = strawberry.field(description="1-5, from the advocate.")
    advocate_feedback: str | None
    outcome: OpportunityOutcome | None
    outcome_recorded_at: datetime | None
    created_at: datetime
    model: strawberry.Private[models.ReferenceRequest]

    @classmethod
    def from_model(cls, r: models.ReferenceRequest) -> Self:
        return cls(
            id=r.id,
            status=r.status,
            activity=r.activity,
            prospect_company=r.prospect_company,
            prospect_domain=r.prospect_domain,
            industry=r.industry,
            region=r.region,
            products=list(r.products),
            use_case=r.use_case,
            needed_by=r.needed_by,
            scheduled_for=r.scheduled_for,
            completed_at=r.completed_at,
            decided_at=r.decided_at,
            decline_reason=r.decline_reason,
            cancel_reason=r.cancel_reason,
            requester_rating=r.requester_rating,
            requester_feedback=r.requester_feedback,
            advocate_rating=r.advocate_rating,
            advocate_feedback=r.advocate_feedback,
            outcome=r.outcome,
            outcome_recorded_at=r.outcome_recorded_at,
            created_at=r.created_at,
            model=r,
        )

    @strawberry.field(description="Staff only; null for the advocate.")
    def opportunity(self, info: Info) -> Opportunity | None:
        if not policies.runs_advocacy(info.context.require_actor()):
            return None
        r = self.model
        return Opportunity(
            ref=r.opportunity_ref,
            amount=Money.of(r.opportunity_amount, r.currency),
            stage=r.opportunity_stage,
        )

    @strawberry.field(description="The amount won or lost. Staff only.")
    def outcome_amount(self, info: Info) -> Money | None:
        if not policies.runs_advocacy(info.context.require_actor()):
            return None
        return Money.of(self.model.outcome_amount, self.model.currency)

    @strawberry.field(description="The advocate chosen for it.")
    async def advocate(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.advocate_id)

    @strawberry.field
    async def requested_by(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.requested_by_id)

    @strawberry.field(
        description="The prospect as a known account (matched by domain or name), staff only. "
        "Its competitors are never candidates."
    )
    async def prospect_account(self, info: Info) -> AccountNode | None:
        if not policies.runs_advocacy(info.context.require_actor()):
            return None
        return await account_node(info, self.model.prospect_account_id)

    @strawberry.field(
        description="Ranked advocates for this request (staff only; empty for others), leaving "
        "out competitors of the prospect and anyone over their ask budget, and ranking those "
        "unavailable when needed last. At most 50."
    )
    async def candidates(self, info: Info, first: int = 10) -> list[ReferenceCandidate]:
        from domain.advocacy.ranking import rank_candidates

        if not policies.runs_advocacy(info.context.require_actor()):
            return []
        found = await rank_candidates(info.context.session, self.model, info.context.now, first)
        return [
            ReferenceCandidate(
                score=c.score,
                reasons=c.reasons,
                accepted_answers=c.accepted_answers,
                shipped_ideas=c.shipped_ideas,
                budget=BudgetVerdictType.of(c.budget),
                available=c.available,
                member_model=c.member,
                account_model=c.account,
                profile_model=c.profile,
            )
            for c in found
        ]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        return await readable_nodes(info, models.ReferenceRequest, node_ids, cls.from_model)


@strawberry.type(name="FatigueRule", description="A limit on asks; the most specific rule wins.")
class FatigueRuleType:
    id: relay.GlobalID
    target: FatigueTarget
    kind: AskKind | None = strawberry.field(description="Null: every kind of ask together.")
    period_days: int
    max_asks: int
    cooldown_days: int = strawberry.field(description="Days between two asks of the kind.")
    model: strawberry.Private[models.FatigueRule]

    @classmethod
    def from_model(cls, r: models.FatigueRule) -> Self:
        return cls(
            id=relay.GlobalID("FatigueRule", str(r.id)),
            target=r.target,
            kind=AskKind(r.kind) if r.kind else None,
            period_days=r.period_days,
            max_asks=r.max_asks,
            cooldown_days=r.cooldown_days,
            model=r,
        )

    @strawberry.field(description="The member it is for; null for account or global rules.")
    async def member(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.member_id)

    @strawberry.field(description="The account it is for; null for the global default.")
    async def account(self, info: Info) -> AccountNode | None:
        return await account_node(info, self.model.account_id)


@strawberry.type(description="Asks of one member or account in the dashboard's period.")
class MostAskedEntry:
    asks: int
    last_asked_at: datetime
    member_id: strawberry.Private[int | None]
    account_id: strawberry.Private[int | None]

    @strawberry.field(description="Null in the accounts list.")
    async def member(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.member_id)

    @strawberry.field
    async def account(self, info: Info) -> AccountNode | None:
        if self.account_id is None and self.member_id is not None:
            member = await info.context.identity.member_by_id.load(self.member_id)
            return await account_node(info, member.account_id if member else None)
        return await account_node(info, self.account_id)


@strawberry.type(description="Who is asked most: members and accounts, most asks first.")
class MostAsked:
    period_days: int
    members: list[MostAskedEntry]
    accounts: list[MostAskedEntry]


@strawberry.type(name="AdvocateProfileConnection")
class AdvocateProfileConnection(relay.Connection[AdvocateProfileNode]):
    pass


@strawberry.type(name="ConsentRecordConnection")
class ConsentRecordConnection(relay.Connection[ConsentRecordNode]):
    pass


@strawberry.type(name="ReferenceRequestConnection")
class ReferenceRequestConnection(relay.Connection[ReferenceRequestNode]):
    pass
