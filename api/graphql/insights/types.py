from datetime import date, datetime
from decimal import Decimal
from typing import Any, Self

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.errors import UserError
from api.graphql.identity.types import AccountNode, MemberNode
from api.graphql.money import Money
from api.graphql.relay import node_ints
from domain.insights import models, policies
from domain.insights.attribution import AttributionModel
from domain.insights.errors import InsightsErrorCode
from domain.insights.models import (
    OpportunityKind,
    OpportunityStatus,
    PlanStatus,
    TouchSource,
    TouchType,
    UpliftScope,
)
from domain.insights.reports import InsightsReport
from domain.insights.services.imports import ImportKind
from domain.insights.services.plans import OutcomeProgress, OutcomeStatus, PlanReview
from domain.shared.errors import Problem

strawberry.enum(
    AttributionModel,
    description=(
        "How influenced revenue is split over an opportunity's advocacy touches. FIRST_TOUCH, "
        "LAST_TOUCH, LINEAR; U_SHAPED 40/20/40; W_SHAPED 30 % each to the first touch and the "
        "touches nearest lead and opportunity creation, 10 % over the rest; FULL_PATH 22.5 % each "
        "to those three and the closing touch, 10 % over the rest; TIME_DECAY halves a touch's "
        "weight per half-life before the close. Edge rules: docs/insights.md."
    ),
)
strawberry.enum(TouchType, description="An act of advocacy on a deal.")
strawberry.enum(TouchSource, description="Where a touch was recorded.")
strawberry.enum(OpportunityStatus)
strawberry.enum(OpportunityKind)
strawberry.enum(UpliftScope)
strawberry.enum(PlanStatus)
strawberry.enum(
    OutcomeStatus,
    description=(
        "ACHIEVED: the latest measurement reached the target; ON_TRACK: at least as far as the "
        "time elapsed towards the due date; BEHIND: less; NOT_MEASURED: no measurement yet."
    ),
)
strawberry.enum(InsightsErrorCode)
strawberry.enum(ImportKind, description="Which CRM rows a CSV holds.")
strawberry.enum(InsightsReport, description="A report to export as CSV.")


@strawberry.type
class InsightsUserError(UserError):
    code: InsightsErrorCode

    @classmethod
    def from_problems(cls, problems: list[Problem]) -> list["InsightsUserError"]:
        return [
            cls(field=p.field, message=p.message, code=InsightsErrorCode(p.code)) for p in problems
        ]


@strawberry.type(description="An amount credited under one attribution model.")
class ModelCredit:
    model: AttributionModel
    amount: Money


def model_credits(amounts: dict[AttributionModel, Decimal], currency: str) -> list[ModelCredit]:
    return [
        ModelCredit(model=m, amount=Money(amount=a, currency=currency)) for m, a in amounts.items()
    ]


@strawberry.type(description="One ingredient of the bonding score.")
class BondingComponent:
    name: str = strawberry.field(
        description="COMMUNITY, PROGRAMS, PROACTIVE, ADVOCACY or OUTCOMES."
    )
    kind: str = strawberry.field(description="LEADING or LAGGING indicator.")
    weight: float = strawberry.field(description="Its weight in the score (of those with data).")
    raw: float | None = strawberry.field(
        description="The count (or share achieved) it is based on."
    )
    score: float | None = strawberry.field(description="0-100; null when there is no data.")
    description: str


@strawberry.type(description="The bonding score on one day.")
class BondingPoint:
    on_date: date
    score: float


@strawberry.type(description="How many acts of one type the account's members did (all time).")
class ActivityCount:
    activity_type: str
    count: int


@strawberry.type(name="RevenueOpportunity", description="A deal from the CRM (staff only).")
class OpportunityNode(relay.Node):
    id: relay.NodeID[int]
    external_id: str = strawberry.field(description="The CRM's id.")
    name: str
    kind: OpportunityKind
    stage: str = strawberry.field(description="As typed in the CRM.")
    status: OpportunityStatus
    amount: Money
    created_on: date
    lead_created_on: date | None
    closed_on: date | None
    source: str | None
    referral_code: str | None
    model: strawberry.Private[models.Opportunity]

    @classmethod
    def from_model(cls, o: models.Opportunity) -> Self:
        return cls(
            id=o.id,
            external_id=o.external_id,
            name=o.name,
            kind=o.kind,
            stage=o.stage,
            status=o.status,
            amount=Money(amount=o.amount, currency=o.currency),
            created_on=o.created_on,
            lead_created_on=o.lead_created_on,
            closed_on=o.closed_on,
            source=o.source,
            referral_code=o.referral_code,
            model=o,
        )

    @strawberry.field(description="The customer account, once the deal has one.")
    async def account(self, info: Info) -> AccountNode | None:
        if self.model.account_id is None:
            return None
        account = await info.context.identity.account_by_id.load(self.model.account_id)
        return AccountNode.from_model(account) if account else None

    @strawberry.field(description="The member whose referral sourced the deal.")
    async def referrer(self, info: Info) -> MemberNode | None:
        if self.model.referrer_member_id is None:
            return None
        member = await info.context.identity.member_by_id.load(self.model.referrer_member_id)
        return MemberNode.from_model(member) if member else None

    @strawberry.field(description='Contact roles from the CRM, as "email: ROLE".')
    def contact_roles(self) -> list[str]:
        return [f"{c['email']}: {c['role']}" for c in self.model.contact_roles]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        actor = info.context.require_actor()
        if not policies.can_view_revenue(actor):
            return [None for _ in node_ids]
        found = await info.context.insights.opportunity_by_id.load_many(node_ints(node_ids))
        return [cls.from_model(o) if o else None for o in found]


@strawberry.type(name="AdvocacyTouch", description="One act of advocacy on one opportunity.")
class AdvocacyTouchType:
    touch_type: TouchType
    source: TouchSource
    occurred_at: datetime
    model: strawberry.Private[models.AdvocacyTouch]

    @classmethod
    def from_model(cls, t: models.AdvocacyTouch) -> Self:
        return cls(touch_type=t.touch_type, source=t.source, occurred_at=t.occurred_at, model=t)

    @strawberry.field(description="The advocate.")
    async def member(self, info: Info) -> MemberNode | None:
        if self.model.member_id is None:
            return None
        member = await info.context.identity.member_by_id.load(self.model.member_id)
        return MemberNode.from_model(member) if member else None

    @strawberry.field
    async def opportunity(self, info: Info) -> OpportunityNode | None:
        found = await info.context.insights.opportunity_by_id.load(self.model.opportunity_id)
        return OpportunityNode.from_model(found) if found else None


@strawberry.type(
    description=(
        "Retention of advocacy-engaged accounts against matched non-engaged ones, and what the "
        "difference is worth per engaged customer (CLV at equal ARR). sufficient=false: the "
        "matched groups are too small to conclude anything; the figures are then null."
    )
)
class RetentionUplift:
    scope: UpliftScope
    scope_key: str = strawberry.field(
        description="The activity type or programme id; empty overall."
    )
    engaged_accounts: int
    control_accounts: int = strawberry.field(description="Matched non-engaged accounts.")
    engaged_retention: float | None = strawberry.field(description="First-renewal retention rate.")
    control_retention: float | None
    clv_difference: Money | None
    ci_low: Money | None = strawberry.field(description="95 % bootstrap interval, low end.")
    ci_high: Money | None
    sufficient: bool
    note: str
    computed_at: datetime

    @classmethod
    def from_model(cls, u: models.UpliftResult) -> Self:
        return cls(
            scope=u.scope,
            scope_key=u.scope_key,
            engaged_accounts=u.engaged_accounts,
            control_accounts=u.control_accounts,
            engaged_retention=u.engaged_retention,
            control_retention=u.control_retention,
            clv_difference=Money.of(u.clv_difference, u.currency),
            ci_low=Money.of(u.ci_low, u.currency),
            ci_high=Money.of(u.ci_high, u.currency),
            sufficient=u.sufficient,
            note=u.note,
            computed_at=u.computed_at,
        )


@strawberry.type(description="A fitted CLV model.")
class ModelFitInfo:
    model: str
    scope: str = strawberry.field(description='"ALL" or "SEGMENT:<segment>".')
    customers: int
    parameters: strawberry.scalars.JSON
    fitted_at: datetime


@strawberry.type(description="Measurements of one outcome's KPI.")
class OutcomeMeasurementType:
    measured_on: date
    value: Decimal
    note: str | None


def plain(value: Decimal) -> Decimal:
    """4-place database decimals without trailing zeros (and never in exponent form)."""
    return Decimal(format(value.normalize(), "f"))


@strawberry.type(name="SuccessOutcome", description="A desired measurable outcome.")
class SuccessOutcomeNode(relay.Node):
    id: relay.NodeID[int]
    title: str
    kpi: str
    unit: str | None
    baseline: Decimal
    target: Decimal
    due_on: date | None
    latest: Decimal | None = strawberry.field(description="The latest measurement.")
    progress: float | None = strawberry.field(description="0 at the baseline, 1 at the target.")
    status: OutcomeStatus
    measurements: list[OutcomeMeasurementType]

    @classmethod
    def from_progress(cls, p: OutcomeProgress) -> Self:
        o = p.outcome
        return cls(
            id=o.id,
            title=o.title,
            kpi=o.kpi,
            unit=o.unit,
            baseline=plain(o.baseline),
            target=plain(o.target),
            due_on=o.due_on,
            latest=None if p.latest is None else plain(p.latest),
            progress=p.progress,
            status=p.status,
            measurements=[
                OutcomeMeasurementType(
                    measured_on=m.measured_on,
                    value=plain(m.value),
                    note=m.note,
                )
                for m in p.measurements
            ],
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        from api.graphql.insights.queries import readable_outcomes

        found = await readable_outcomes(info, node_ints(node_ids))
        return [found.get(i) for i in node_ints(node_ids)]  # type: ignore[misc]


@strawberry.type(description="Outcomes with a status, for a review meeting.")
class StatusCount:
    status: OutcomeStatus
    count: int


@strawberry.type(description="A business-results review: where outcomes stand and what to do.")
class PlanReviewType:
    counts: list[StatusCount]
    suggestions: list[str] = strawberry.field(description="Generated from the outcomes' status.")
    recommendations: str | None = strawberry.field(description="The CSM's own recommendations.")


@strawberry.type(name="SuccessPlan", description="An account's success plan.")
class SuccessPlanNode(relay.Node):
    id: relay.NodeID[int]
    title: str
    status: PlanStatus
    created_at: datetime
    outcomes: list[SuccessOutcomeNode]
    review: PlanReviewType
    account_id: strawberry.Private[int]

    @classmethod
    def from_review(cls, r: PlanReview) -> Self:
        return cls(
            id=r.plan.id,
            title=r.plan.title,
            status=r.plan.status,
            created_at=r.plan.created_at,
            outcomes=[SuccessOutcomeNode.from_progress(o) for o in r.outcomes],
            review=PlanReviewType(
                counts=[StatusCount(status=s, count=c) for s, c in r.counts.items()],
                suggestions=r.suggestions,
                recommendations=r.plan.recommendations,
            ),
            account_id=r.plan.account_id,
        )

    @strawberry.field
    async def account(self, info: Info) -> AccountNode | None:
        account = await info.context.identity.account_by_id.load(self.account_id)
        return AccountNode.from_model(account) if account else None

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        from api.graphql.insights.queries import readable_plans

        found = await readable_plans(info, node_ints(node_ids))
        return [found.get(i) for i in node_ints(node_ids)]  # type: ignore[misc]


@strawberry.type(description="One bad row of an import.")
class ImportProblem:
    line: int = strawberry.field(description="Line in the file; 1 is the header.")
    column: str | None
    reason: str


@strawberry.type(description="What an import did (or, on a dry run or with problems, would do).")
class ImportReportType:
    kind: ImportKind
    dry_run: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    problems: list[ImportProblem] = strawberry.field(
        description="Every bad row; nothing was imported when this is not empty."
    )

    @classmethod
    def of(cls, report: Any) -> Self:
        return cls(
            kind=report.kind,
            dry_run=report.dry_run,
            rows=report.rows,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            problems=[
                ImportProblem(line=p.line, column=p.column, reason=p.reason)
                for p in report.problems
            ],
        )


@strawberry.type(name="InsightsSettings", description="The assumptions behind every figure.")
class InsightsSettingsType:
    gross_margin: Decimal = strawberry.field(description="Fraction of revenue kept, e.g. 0.75.")
    discount_rate: Decimal = strawberry.field(description="Yearly, e.g. 0.10.")
    half_life_days: Decimal = strawberry.field(description="TIME_DECAY half-life.")
    currency: str = strawberry.field(description="The one currency imports and reports use.")

    @classmethod
    def from_model(cls, s: models.InsightsSettings) -> Self:
        return cls(
            gross_margin=s.gross_margin,
            discount_rate=s.discount_rate,
            half_life_days=s.half_life_days,
            currency=s.currency,
        )
