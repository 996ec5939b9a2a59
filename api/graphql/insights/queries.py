from collections.abc import Sequence

import strawberry
from sqlalchemy import select
from strawberry import relay

from api.graphql.context import Info
from api.graphql.insights.account import AccountInsights
from api.graphql.insights.types import (
    InsightsSettingsType,
    ModelCredit,
    ModelFitInfo,
    OpportunityNode,
    RetentionUplift,
    SuccessOutcomeNode,
    SuccessPlanNode,
    model_credits,
)
from api.graphql.money import Money
from api.graphql.relay import is_row_id, page_request, to_connection
from domain.identity.models import Account, AccountKind
from domain.identity.policies import Actor
from domain.insights import policies, repository
from domain.insights.attribution import AttributionModel
from domain.insights.models import (
    AttributionCredit,
    Opportunity,
    OpportunityStatus,
    SuccessOutcome,
    SuccessPlan,
    UpliftScope,
)
from domain.insights.reports import InsightsReport, report, to_csv
from domain.insights.services.plans import plan_outcomes, review
from domain.insights.services.settings import current_settings
from domain.shared.errors import BadRequest, Forbidden
from domain.shared.pagination import paginate


@strawberry.type(name="RevenueOpportunityConnection")
class OpportunityConnection(relay.Connection[OpportunityNode]):
    pass


MAX_PLANS = 100


def require_staff(info: Info) -> Actor:
    actor = info.context.require_actor()
    if not policies.can_view_revenue(actor):
        raise Forbidden("insights are for staff")
    return actor


async def readable_plans(info: Info, ids: Sequence[int]) -> dict[int, SuccessPlanNode]:
    actor = info.context.require_actor()
    plans = list(
        await info.context.session.scalars(
            policies.readable_success_plans(
                actor, select(SuccessPlan).where(SuccessPlan.id.in_(ids))
            ).order_by(SuccessPlan.id)
        )
    )
    progress = await plan_outcomes(
        info.context.session, [p.id for p in plans], info.context.now.date()
    )
    return {p.id: SuccessPlanNode.from_review(review(p, progress[p.id])) for p in plans}


async def readable_outcomes(info: Info, ids: Sequence[int]) -> dict[int, SuccessOutcomeNode]:
    rows = await info.context.session.execute(
        select(SuccessOutcome.id, SuccessOutcome.plan_id).where(SuccessOutcome.id.in_(ids))
    )
    by_plan = dict(rows.all())
    plans = await readable_plans(info, sorted(set(by_plan.values())))
    return {o.id: o for plan in plans.values() for o in plan.outcomes if o.id in by_plan}


def _account_id(global_id: relay.GlobalID) -> int:
    if global_id.type_name != "Account" or not is_row_id(global_id.node_id):
        raise BadRequest("accountId is not an account's id")
    return int(global_id.node_id)


@strawberry.type(description="Revenue credited to advocacy of one activity type.")
class ActivityTypeInsights:
    activity_type: str = strawberry.field(description="A touch type or ledger activity.")
    touches: int = strawberry.field(description="Touches on deals recorded with this type.")
    influenced_revenue: list[ModelCredit]
    influenced_pipeline: list[ModelCredit]
    uplift: RetentionUplift | None


@strawberry.type(description="Revenue and retention attributable to one programme.")
class ProgramInsights:
    program_id: relay.GlobalID
    name: str
    sourced_revenue: Money = strawberry.field(
        description="Won deals referred by members enrolled in the programme."
    )
    influenced_revenue: list[ModelCredit] = strawberry.field(
        description="Won revenue credited to touches recorded for the programme."
    )
    uplift: RetentionUplift | None


@strawberry.type(description="Advocacy's worth across all accounts.")
class InsightsOverview:
    sourced_revenue: Money = strawberry.field(description="Won deals sourced by referrals.")
    sourced_opportunities: int
    sourced_clv: Money = strawberry.field(description="CLV of the customers referrals brought.")
    influenced_revenue: list[ModelCredit]
    influenced_pipeline: list[ModelCredit]
    uplift: RetentionUplift | None = strawberry.field(description="Overall retention uplift.")
    fits: list[ModelFitInfo] = strawberry.field(description="The CLV models' latest fits.")


@strawberry.type
class InsightsQueries:
    @strawberry.field(description="One account's insights (staff only); null if no such account.")
    async def account_insights(
        self, info: Info, account_id: relay.GlobalID
    ) -> AccountInsights | None:
        require_staff(info)
        account = await info.context.session.get(Account, _account_id(account_id))
        if account is None or account.kind is not AccountKind.CUSTOMER:
            return None
        return AccountInsights.of(
            account, await repository.account_insight(info.context.session, account.id)
        )

    @strawberry.field(description="Sourced and influenced revenue and uplift overall (staff only).")
    async def insights_overview(self, info: Info) -> InsightsOverview:
        require_staff(info)
        session = info.context.session
        currency = (await current_settings(session)).currency
        src = await repository.sourced_total(session)
        inf = await repository.influence(session, AttributionCredit.touch_id.is_not(None))
        overall = await repository.uplift_results(session, UpliftScope.OVERALL)
        return InsightsOverview(
            sourced_revenue=Money(amount=src.revenue, currency=currency),
            sourced_opportunities=src.opportunities,
            sourced_clv=Money(amount=src.clv, currency=currency),
            influenced_revenue=model_credits(inf.revenue, currency),
            influenced_pipeline=model_credits(inf.pipeline, currency),
            uplift=RetentionUplift.from_model(overall[0]) if overall else None,
            fits=[
                ModelFitInfo(
                    model=f.model.value,
                    scope=f.scope,
                    customers=f.customers,
                    parameters=f.params,  # type: ignore[arg-type]
                    fitted_at=f.fitted_at,
                )
                for f in await repository.fits(session)
            ],
        )

    @strawberry.field(description="Influenced revenue and uplift per activity type (staff only).")
    async def insights_by_activity_type(self, info: Info) -> list[ActivityTypeInsights]:
        require_staff(info)
        session = info.context.session
        currency = (await current_settings(session)).currency
        by_type = await repository.influence_by(session, AttributionCredit.touch_type)
        counts = await repository.touch_counts_by_type(session)
        uplift = {
            u.scope_key: u
            for u in await repository.uplift_results(session, UpliftScope.ACTIVITY_TYPE)
        }
        empty = repository.Influence(
            {m: repository.ZERO for m in AttributionModel},
            {m: repository.ZERO for m in AttributionModel},
        )
        result = []
        for key in sorted(set(counts) | set(uplift) | {str(k) for k in by_type}):
            inf = by_type.get(key, empty)
            result.append(
                ActivityTypeInsights(
                    activity_type=key,
                    touches=counts.get(key, 0),
                    influenced_revenue=model_credits(inf.revenue, currency),
                    influenced_pipeline=model_credits(inf.pipeline, currency),
                    uplift=RetentionUplift.from_model(uplift[key]) if key in uplift else None,
                )
            )
        return result

    @strawberry.field(
        description="Sourced and influenced revenue and uplift per programme (staff only)."
    )
    async def insights_by_program(self, info: Info) -> list[ProgramInsights]:
        require_staff(info)
        session = info.context.session
        currency = (await current_settings(session)).currency
        by_program = await repository.influence_by(session, AttributionCredit.program_id)
        uplift = {
            u.scope_key: u for u in await repository.uplift_results(session, UpliftScope.PROGRAM)
        }
        zero = {m: repository.ZERO for m in AttributionModel}
        result = []
        for program in await repository.programs(session):
            inf = by_program.get(program.id)
            src = await repository.sourced_by_program(session, program.id)
            result.append(
                ProgramInsights(
                    program_id=relay.GlobalID("Program", str(program.id)),
                    name=program.name,
                    sourced_revenue=Money(amount=src.revenue, currency=currency),
                    influenced_revenue=model_credits(inf.revenue if inf else zero, currency),
                    uplift=RetentionUplift.from_model(uplift[str(program.id)])
                    if str(program.id) in uplift
                    else None,
                )
            )
        return result

    @strawberry.field(description="Retention uplift results, every scope (staff only).")
    async def retention_uplift(
        self, info: Info, scope: UpliftScope | None = None
    ) -> list[RetentionUplift]:
        require_staff(info)
        return [
            RetentionUplift.from_model(u)
            for u in await repository.uplift_results(info.context.session, scope)
        ]

    @strawberry.field(description="Deals from the CRM, newest first (staff only).")
    async def opportunities(
        self,
        info: Info,
        status: OpportunityStatus | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> OpportunityConnection:
        require_staff(info)
        statement = select(Opportunity)
        if status is not None:
            statement = statement.where(Opportunity.status == status)
        page = await paginate(
            info.context.session,
            statement,
            [Opportunity.id],
            lambda o: [o.id],
            page_request(first, after, last, before),
            descending=True,
        )
        return to_connection(OpportunityConnection, page, OpportunityNode.from_model)

    @strawberry.field(
        description=(
            "Success plans, oldest first (at most 100). Staff: of the named account, or of every "
            "account when accountId is omitted. Customers: their own account's plans only."
        )
    )
    async def success_plans(
        self, info: Info, account_id: relay.GlobalID | None = None
    ) -> list[SuccessPlanNode]:
        actor = info.context.require_actor()
        statement = select(SuccessPlan.id).order_by(SuccessPlan.id).limit(MAX_PLANS)
        if account_id is not None or not actor.is_staff:
            wanted = _account_id(account_id) if account_id else actor.account_id
            if not policies.can_view_success_plan(actor, wanted):
                return []
            statement = statement.where(SuccessPlan.account_id == wanted)
        ids = list(await info.context.session.scalars(statement))
        plans = await readable_plans(info, ids)
        return [plans[i] for i in sorted(plans)]

    @strawberry.field(description="The assumptions behind the figures (staff only).")
    async def insights_settings(self, info: Info) -> InsightsSettingsType:
        require_staff(info)
        return InsightsSettingsType.from_model(await current_settings(info.context.session))

    @strawberry.field(
        description=(
            "A report as CSV text (header line first). SUCCESS_PLANS is open to customers for "
            "their own account; the others are staff only. `model` picks the attribution model "
            "where the "
            "report has one column of influenced revenue."
        )
    )
    async def insights_report_csv(
        self,
        info: Info,
        report_kind: InsightsReport,
        model: AttributionModel = AttributionModel.LINEAR,
    ) -> str:
        actor = info.context.require_actor()
        return to_csv(await report(info.context.session, actor, report_kind, model))
