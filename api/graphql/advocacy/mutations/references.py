"""Mutations for the reference request workflow."""

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from api.graphql.advocacy.mutations.people import optional_id
from api.graphql.advocacy.types import AdvocacyUserError, ReferenceRequestNode
from api.graphql.context import Info
from api.graphql.errors import mutate
from api.graphql.relay import decode_id
from domain.advocacy.models import AdvocacyActivity, OpportunityOutcome, ReferenceRequest
from domain.advocacy.services import references
from domain.identity.models import EmployeeBand


@strawberry.input
class CreateReferenceRequestInput:
    prospect_company: str
    activity: AdvocacyActivity = AdvocacyActivity.REFERENCE_CALL
    prospect_domain: str | None = strawberry.field(
        default=None, description="Matches the prospect to a known account (for competitors)."
    )
    industry: str | None = None
    employee_band: EmployeeBand | None = None
    region: str | None = None
    products: list[str] = strawberry.field(default_factory=list)
    use_case: str | None = None
    needed_by: date | None = None
    opportunity_ref: str | None = strawberry.field(default=None, description="The CRM's id.")
    opportunity_amount: Decimal | None = None
    currency: str = "USD"
    opportunity_stage: str | None = None
    advocate_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Choose the advocate at once (a Member id)."
    )


@strawberry.type
class ReferenceRequestPayload:
    reference_request: ReferenceRequestNode | None
    user_errors: list[AdvocacyUserError]


@strawberry.input
class ChooseReferenceAdvocateInput:
    request_id: relay.GlobalID
    advocate_id: relay.GlobalID = strawberry.field(description="A Member id.")


@strawberry.input
class DecideReferenceRequestInput:
    request_id: relay.GlobalID
    approve: bool
    reason: str | None = None


@strawberry.input
class ScheduleReferenceRequestInput:
    request_id: relay.GlobalID
    scheduled_for: datetime


@strawberry.input
class ReferenceRequestStepInput:
    request_id: relay.GlobalID
    reason: str | None = strawberry.field(default=None, description="For cancellations.")


@strawberry.input
class ReferenceFeedbackInput:
    request_id: relay.GlobalID
    rating: int = strawberry.field(description="1 to 5.")
    comment: str | None = None


@strawberry.input
class ReferenceOutcomeInput:
    request_id: relay.GlobalID
    outcome: OpportunityOutcome
    amount: Decimal | None = strawberry.field(
        default=None, description="Defaults to the opportunity's amount."
    )


def _id(value: relay.GlobalID) -> int:
    return decode_id(value, "ReferenceRequest", ["input", "requestId"])


async def _run(
    info: Info, action: Callable[[], Awaitable[ReferenceRequest]]
) -> ReferenceRequestPayload:
    async def run() -> ReferenceRequestNode:
        return ReferenceRequestNode.from_model(await action())

    node, problems = await mutate(info, run)
    return ReferenceRequestPayload(
        reference_request=node, user_errors=AdvocacyUserError.from_problems(problems)
    )


@strawberry.type
class ReferenceMutations:
    @strawberry.mutation(description="Ask for a customer reference for a prospect. Staff only.")
    async def create_reference_request(
        self, info: Info, input: CreateReferenceRequestInput
    ) -> ReferenceRequestPayload:
        c = info.context

        async def action() -> ReferenceRequest:
            new = references.NewReferenceRequest(
                prospect_company=input.prospect_company,
                activity=input.activity,
                prospect_domain=input.prospect_domain,
                industry=input.industry,
                employee_band=input.employee_band.value if input.employee_band else None,
                region=input.region,
                products=list(input.products),
                use_case=input.use_case,
                needed_by=input.needed_by,
                opportunity_ref=input.opportunity_ref,
                opportunity_amount=input.opportunity_amount,
                currency=input.currency,
                opportunity_stage=input.opportunity_stage,
                advocate_id=optional_id(input.advocate_id, "Member", "advocateId"),
            )
            return await references.create(c.session, c.require_actor(), c.now, new)

        return await _run(info, action)

    @strawberry.mutation(
        description="Put an advocate forward: refused for competitors of the prospect, for "
        "anyone not willing, and for anyone over their ask budget."
    )
    async def choose_reference_advocate(
        self, info: Info, input: ChooseReferenceAdvocateInput
    ) -> ReferenceRequestPayload:
        c = info.context

        async def action() -> ReferenceRequest:
            member_id = decode_id(input.advocate_id, "Member", ["input", "advocateId"])
            return await references.choose_advocate(
                c.session, c.require_actor(), c.now, _id(input.request_id), member_id
            )

        return await _run(info, action)

    @strawberry.mutation(description="The advocate's account owner approves or declines.")
    async def decide_reference_request(
        self, info: Info, input: DecideReferenceRequestInput
    ) -> ReferenceRequestPayload:
        c = info.context

        async def action() -> ReferenceRequest:
            return await references.decide(
                c.session,
                c.require_actor(),
                c.now,
                _id(input.request_id),
                input.approve,
                input.reason,
            )

        return await _run(info, action)

    @strawberry.mutation(description="Schedule it: counted against the advocate's budget.")
    async def schedule_reference_request(
        self, info: Info, input: ScheduleReferenceRequestInput
    ) -> ReferenceRequestPayload:
        c = info.context

        async def action() -> ReferenceRequest:
            return await references.schedule(
                c.session, c.require_actor(), c.now, _id(input.request_id), input.scheduled_for
            )

        return await _run(info, action)

    @strawberry.mutation(description="It took place: written to the advocate's ledger.")
    async def complete_reference_request(
        self, info: Info, input: ReferenceRequestStepInput
    ) -> ReferenceRequestPayload:
        c = info.context

        async def action() -> ReferenceRequest:
            return await references.complete(
                c.session, c.require_actor(), c.now, _id(input.request_id)
            )

        return await _run(info, action)

    @strawberry.mutation
    async def cancel_reference_request(
        self, info: Info, input: ReferenceRequestStepInput
    ) -> ReferenceRequestPayload:
        c = info.context

        async def action() -> ReferenceRequest:
            return await references.cancel(
                c.session, c.require_actor(), c.now, _id(input.request_id), input.reason
            )

        return await _run(info, action)

    @strawberry.mutation(description="Feedback after the call: the advocate's side or staff's.")
    async def give_reference_feedback(
        self, info: Info, input: ReferenceFeedbackInput
    ) -> ReferenceRequestPayload:
        c = info.context

        async def action() -> ReferenceRequest:
            return await references.give_feedback(
                c.session, c.require_actor(), _id(input.request_id), input.rating, input.comment
            )

        return await _run(info, action)

    @strawberry.mutation(description="Won or lost: recorded against the opportunity.")
    async def record_reference_outcome(
        self, info: Info, input: ReferenceOutcomeInput
    ) -> ReferenceRequestPayload:
        c = info.context

        async def action() -> ReferenceRequest:
            return await references.record_outcome(
                c.session,
                c.require_actor(),
                c.now,
                _id(input.request_id),
                input.outcome,
                input.amount,
            )

        return await _run(info, action)
