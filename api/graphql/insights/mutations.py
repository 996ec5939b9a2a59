from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.errors import mutate
from api.graphql.insights.queries import readable_outcomes, readable_plans
from api.graphql.insights.types import (
    AdvocacyTouchType,
    ImportReportType,
    InsightsSettingsType,
    InsightsUserError,
    SuccessOutcomeNode,
    SuccessPlanNode,
)
from api.graphql.relay import decode_id
from domain.insights.errors import InsightsErrorCode as Code
from domain.insights.models import PlanStatus, TouchType
from domain.insights.services import plans, recompute, settings, touches
from domain.insights.services.imports import ImportKind, ImportRejected, import_csv
from domain.shared.errors import DomainError, Problem

MAX_CSV_CHARS = 200_000  # larger files: `bondfire import crm`


@strawberry.input
class ImportCrmCsvInput:
    kind: ImportKind
    csv: str = strawberry.field(
        description="The CSV text with its header line (up to 200,000 "
        "characters; use `bondfire import crm` for larger files)."
    )
    dry_run: bool = strawberry.field(default=False, description="Check and report only.")


@strawberry.type
class ImportCrmCsvPayload:
    report: ImportReportType | None = strawberry.field(
        description="Also on failure: every bad row with its line and reason."
    )
    user_errors: list[InsightsUserError]


@strawberry.input
class RecordAdvocacyTouchInput:
    opportunity_id: relay.GlobalID
    member_id: relay.GlobalID = strawberry.field(description="The advocate.")
    touch_type: TouchType
    occurred_at: datetime
    program_id: relay.GlobalID | None = None


@strawberry.type
class AdvocacyTouchPayload:
    touch: AdvocacyTouchType | None
    user_errors: list[InsightsUserError]


@strawberry.input
class UpdateInsightsSettingsInput:
    gross_margin: Decimal | None = None
    discount_rate: Decimal | None = None
    half_life_days: Decimal | None = None


@strawberry.type
class InsightsSettingsPayload:
    settings: InsightsSettingsType | None
    user_errors: list[InsightsUserError]


@strawberry.type(description="What a full recompute wrote.")
class RecomputeSummaryType:
    credits: int
    accounts: int
    uplift_scopes: int
    referrers_linked: int


@strawberry.type
class RecomputeInsightsPayload:
    summary: RecomputeSummaryType | None
    user_errors: list[InsightsUserError]


@strawberry.input
class SuccessOutcomeInput:
    title: str
    kpi: str = strawberry.field(description="What is measured, e.g. 'hours to close the books'.")
    baseline: Decimal
    target: Decimal
    unit: str | None = None
    due_on: date | None = None


@strawberry.input
class CreateSuccessPlanInput:
    account_id: relay.GlobalID
    title: str
    outcomes: list[SuccessOutcomeInput] = strawberry.field(
        default_factory=list, description="At most 20."
    )


@strawberry.input
class AddSuccessOutcomeInput:
    plan_id: relay.GlobalID
    outcome: SuccessOutcomeInput


@strawberry.input
class UpdateSuccessPlanInput:
    plan_id: relay.GlobalID
    status: PlanStatus | None = None
    recommendations: str | None = None


@strawberry.input
class RecordOutcomeMeasurementInput:
    outcome_id: relay.GlobalID
    measured_on: date
    value: Decimal
    note: str | None = None


@strawberry.type
class SuccessPlanPayload:
    success_plan: SuccessPlanNode | None
    user_errors: list[InsightsUserError]


@strawberry.type
class SuccessOutcomePayload:
    outcome: SuccessOutcomeNode | None
    user_errors: list[InsightsUserError]


def _outcome(value: SuccessOutcomeInput) -> plans.NewOutcome:
    return plans.NewOutcome(
        title=value.title,
        kpi=value.kpi,
        baseline=value.baseline,
        target=value.target,
        unit=value.unit,
        due_on=value.due_on,
    )


async def _plan(info: Info, plan_id: int) -> SuccessPlanNode | None:
    return (await readable_plans(info, [plan_id])).get(plan_id)


async def _outcome_node(info: Info, outcome_id: int) -> SuccessOutcomeNode | None:
    return (await readable_outcomes(info, [outcome_id])).get(outcome_id)


@strawberry.type
class InsightsMutations:
    @strawberry.mutation(
        description=(
            "Upsert CRM rows from CSV, keyed by external id. All or nothing: with any bad row "
            "nothing is imported and the report lists every problem (code BAD_ROWS)."
        )
    )
    async def import_crm_csv(self, info: Info, input: ImportCrmCsvInput) -> ImportCrmCsvPayload:
        async def run() -> ImportReportType:
            if len(input.csv) > MAX_CSV_CHARS:
                raise DomainError(
                    "the CSV is too large for the API; use `bondfire import crm`",
                    code=Code.TOO_MANY_ITEMS,
                    field=["input", "csv"],
                )
            try:
                done = await import_csv(
                    info.context.session,
                    info.context.require_actor(),
                    input.kind,
                    input.csv,
                    dry_run=input.dry_run,
                )
            except ImportRejected as rejected:  # checked before any write: nothing to undo
                return ImportReportType.of(rejected.report)
            return ImportReportType.of(done)

        report, problems = await mutate(info, run)
        if report is not None and report.problems:
            problems = [
                Problem(
                    ["input", "csv"],
                    f"{len(report.problems)} bad row(s); nothing imported"
                    if not input.dry_run
                    else f"{len(report.problems)} bad row(s)",
                    Code.BAD_ROWS,
                )
            ]
        return ImportCrmCsvPayload(
            report=report, user_errors=InsightsUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Record an act of advocacy on a deal (marketing and CSMs).")
    async def record_advocacy_touch(
        self, info: Info, input: RecordAdvocacyTouchInput
    ) -> AdvocacyTouchPayload:
        async def run() -> AdvocacyTouchType:
            new = touches.NewTouch(
                opportunity_id=decode_id(
                    input.opportunity_id, "RevenueOpportunity", ["input", "opportunityId"]
                ),
                member_id=decode_id(input.member_id, "Member", ["input", "memberId"]),
                touch_type=input.touch_type,
                occurred_at=input.occurred_at,
                program_id=decode_id(input.program_id, "Program", ["input", "programId"])
                if input.program_id
                else None,
            )
            touch = await touches.record_touch(
                info.context.session, info.context.require_actor(), new
            )
            return AdvocacyTouchType.from_model(touch)

        touch, problems = await mutate(info, run)
        return AdvocacyTouchPayload(
            touch=touch, user_errors=InsightsUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Change gross margin, discount rate or half-life (admins).")
    async def update_insights_settings(
        self, info: Info, input: UpdateInsightsSettingsInput
    ) -> InsightsSettingsPayload:
        async def run() -> InsightsSettingsType:
            change = settings.SettingsChange(
                input.gross_margin, input.discount_rate, input.half_life_days
            )
            row = await settings.update_settings(
                info.context.session, info.context.require_actor(), change
            )
            return InsightsSettingsType.from_model(row)

        value, problems = await mutate(info, run)
        return InsightsSettingsPayload(
            settings=value, user_errors=InsightsUserError.from_problems(problems)
        )

    @strawberry.mutation(
        description="Recompute every figure now (admins; `bondfire insights "
        "recompute` does the same from the command line)."
    )
    async def recompute_insights(self, info: Info) -> RecomputeInsightsPayload:
        async def run() -> RecomputeSummaryType:
            done = await recompute.recompute_requested(
                info.context.session, info.context.require_actor()
            )
            return RecomputeSummaryType(
                credits=done.credits,
                accounts=done.accounts,
                uplift_scopes=done.uplift_scopes,
                referrers_linked=done.referrers_linked,
            )

        summary, problems = await mutate(info, run)
        return RecomputeInsightsPayload(
            summary=summary, user_errors=InsightsUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Start a success plan for an account (CSMs).")
    async def create_success_plan(
        self, info: Info, input: CreateSuccessPlanInput
    ) -> SuccessPlanPayload:
        async def run() -> SuccessPlanNode | None:
            plan = await plans.create_plan(
                info.context.session,
                info.context.require_actor(),
                decode_id(input.account_id, "Account", ["input", "accountId"]),
                input.title,
                [_outcome(o) for o in input.outcomes],
            )
            return await _plan(info, plan.id)

        plan, problems = await mutate(info, run)
        return SuccessPlanPayload(
            success_plan=plan, user_errors=InsightsUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Add a desired outcome to a success plan (CSMs).")
    async def add_success_outcome(
        self, info: Info, input: AddSuccessOutcomeInput
    ) -> SuccessOutcomePayload:
        async def run() -> SuccessOutcomeNode | None:
            outcome = await plans.add_outcome(
                info.context.session,
                info.context.require_actor(),
                decode_id(input.plan_id, "SuccessPlan", ["input", "planId"]),
                _outcome(input.outcome),
            )
            return await _outcome_node(info, outcome.id)

        outcome, problems = await mutate(info, run)
        return SuccessOutcomePayload(
            outcome=outcome, user_errors=InsightsUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Change a plan's status or recommendations (CSMs).")
    async def update_success_plan(
        self, info: Info, input: UpdateSuccessPlanInput
    ) -> SuccessPlanPayload:
        async def run() -> SuccessPlanNode | None:
            plan = await plans.update_plan(
                info.context.session,
                info.context.require_actor(),
                decode_id(input.plan_id, "SuccessPlan", ["input", "planId"]),
                status=input.status,
                recommendations=input.recommendations,
            )
            return await _plan(info, plan.id)

        plan, problems = await mutate(info, run)
        return SuccessPlanPayload(
            success_plan=plan, user_errors=InsightsUserError.from_problems(problems)
        )

    @strawberry.mutation(
        description=(
            "Record a KPI measurement. CSMs for any account; customers for their own account's "
            "outcomes."
        )
    )
    async def record_outcome_measurement(
        self, info: Info, input: RecordOutcomeMeasurementInput
    ) -> SuccessOutcomePayload:
        async def run() -> SuccessOutcomeNode | None:
            outcome_id = decode_id(input.outcome_id, "SuccessOutcome", ["input", "outcomeId"])
            await plans.record_measurement(
                info.context.session,
                info.context.require_actor(),
                outcome_id,
                input.measured_on,
                input.value,
                input.note,
            )
            return await _outcome_node(info, outcome_id)

        outcome, problems = await mutate(info, run)
        return SuccessOutcomePayload(
            outcome=outcome, user_errors=InsightsUserError.from_problems(problems)
        )
