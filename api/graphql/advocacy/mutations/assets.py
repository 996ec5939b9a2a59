"""Mutations for case studies, testimonials and quotes, and speaking/press/analyst entries."""

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import strawberry
from strawberry import relay

from api.graphql.advocacy.asset_types import AdvocacyEngagementNode, CaseStudyNode, TestimonialNode
from api.graphql.advocacy.mutations.people import optional_id
from api.graphql.advocacy.types import AdvocacyUserError
from api.graphql.context import Info
from api.graphql.errors import mutate
from api.graphql.relay import decode_id
from domain.advocacy.models import (
    Attribution,
    CaseStudyStage,
    ConsentChannel,
    EngagementKind,
    EngagementStatus,
)
from domain.advocacy.services import case_studies, engagements, testimonials


@strawberry.input
class MetricInput:
    name: str
    after: str
    before: str | None = None
    unit: str | None = None


@strawberry.input
class CaseStudyInput:
    title: str
    member_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The customer it is about (on nomination)."
    )
    case_study_id: relay.GlobalID | None = strawberry.field(default=None, description="To update.")
    summary: str | None = None
    owner_id: relay.GlobalID | None = None
    due_on: date | None = None
    industry_tags: list[str] = strawberry.field(default_factory=list)
    product_tags: list[str] = strawberry.field(default_factory=list)
    asset_urls: list[str] = strawberry.field(default_factory=list)
    metrics: list[MetricInput] = strawberry.field(default_factory=list)
    channels: list[ConsentChannel] = strawberry.field(default_factory=list)
    shows_logo: bool = True


@strawberry.type
class CaseStudyPayload:
    case_study: CaseStudyNode | None
    user_errors: list[AdvocacyUserError]


@strawberry.input
class MoveCaseStudyInput:
    case_study_id: relay.GlobalID
    stage: CaseStudyStage
    due_on: date | None = strawberry.field(default=None, description="When the new stage is due.")


@strawberry.input
class CaseStudyIdInput:
    case_study_id: relay.GlobalID


@strawberry.input
class TestimonialInput:
    text: str = strawberry.field(description="The exact words.")
    attribution: Attribution = Attribution.FULL_NAME_AND_TITLE
    channels: list[ConsentChannel] = strawberry.field(default_factory=list)
    member_id: relay.GlobalID | None = strawberry.field(default=None, description="For new ones.")
    testimonial_id: relay.GlobalID | None = strawberry.field(default=None, description="To edit.")


@strawberry.input
class QuoteForumPostInput:
    post_id: relay.GlobalID
    text: str = strawberry.field(description="The excerpt: words the post actually says.")
    attribution: Attribution = Attribution.FULL_NAME_AND_TITLE
    channels: list[ConsentChannel] = strawberry.field(default_factory=list)


@strawberry.input
class TestimonialIdInput:
    testimonial_id: relay.GlobalID


@strawberry.input
class RespondToTestimonialInput:
    testimonial_id: relay.GlobalID
    approve: bool
    text: str | None = strawberry.field(
        default=None, description="When approving: the exact text you were shown."
    )


@strawberry.type
class TestimonialPayload:
    testimonial: TestimonialNode | None
    user_errors: list[AdvocacyUserError]


@strawberry.input
class CreateEngagementInput:
    kind: EngagementKind
    member_id: relay.GlobalID
    title: str
    venue: str | None = None
    occurs_on: date | None = None
    url: str | None = None
    channels: list[ConsentChannel] = strawberry.field(default_factory=list)


@strawberry.input
class SetEngagementStatusInput:
    engagement_id: relay.GlobalID
    status: EngagementStatus


@strawberry.type
class AdvocacyEngagementPayload:
    engagement: AdvocacyEngagementNode | None
    user_errors: list[AdvocacyUserError]


def _case_study_data(input: CaseStudyInput) -> case_studies.CaseStudyData:
    return case_studies.CaseStudyData(
        title=input.title,
        summary=input.summary,
        owner_id=optional_id(input.owner_id, "Member", "ownerId"),
        due_on=input.due_on,
        industry_tags=list(input.industry_tags),
        product_tags=list(input.product_tags),
        asset_urls=list(input.asset_urls),
        metrics=[case_studies.Metric(m.name, m.after, m.before, m.unit) for m in input.metrics],
        channels=list(input.channels),
        shows_logo=input.shows_logo,
    )


async def _case_study(info: Info, action: Callable[[], Awaitable[Any]]) -> CaseStudyPayload:
    async def run() -> CaseStudyNode:
        return CaseStudyNode.from_model(await action())

    node, problems = await mutate(info, run)
    return CaseStudyPayload(case_study=node, user_errors=AdvocacyUserError.from_problems(problems))


async def _testimonial(info: Info, action: Callable[[], Awaitable[Any]]) -> TestimonialPayload:
    async def run() -> TestimonialNode:
        return TestimonialNode.from_model(await action())

    node, problems = await mutate(info, run)
    return TestimonialPayload(
        testimonial=node, user_errors=AdvocacyUserError.from_problems(problems)
    )


def _tid(value: relay.GlobalID) -> int:
    return decode_id(value, "Testimonial", ["input", "testimonialId"])


def _cid(value: relay.GlobalID) -> int:
    return decode_id(value, "CaseStudy", ["input", "caseStudyId"])


@strawberry.type
class AssetMutations:
    @strawberry.mutation(description="Start a case study (asks the customer: budget applies).")
    async def nominate_case_study(self, info: Info, input: CaseStudyInput) -> CaseStudyPayload:
        c = info.context

        async def action() -> Any:
            member_id = optional_id(input.member_id, "Member", "memberId")
            if member_id is None:
                from domain.advocacy.errors import invalid

                raise invalid("name the customer", "memberId")
            return await case_studies.nominate(
                c.session, c.require_actor(), c.now, member_id, _case_study_data(input)
            )

        return await _case_study(info, action)

    @strawberry.mutation(description="Edit a case study's content, owner, tags, links, metrics.")
    async def update_case_study(self, info: Info, input: CaseStudyInput) -> CaseStudyPayload:
        c = info.context

        async def action() -> Any:
            if input.case_study_id is None:
                from domain.advocacy.errors import invalid

                raise invalid("name the case study", "caseStudyId")
            return await case_studies.update(
                c.session,
                c.require_actor(),
                c.now,
                _cid(input.case_study_id),
                _case_study_data(input),
            )

        return await _case_study(info, action)

    @strawberry.mutation(
        description="Move a case study to a stage. PUBLISHED needs legal approval first and an "
        "active consent for every channel (and the logo, if shown)."
    )
    async def move_case_study(self, info: Info, input: MoveCaseStudyInput) -> CaseStudyPayload:
        c = info.context

        async def action() -> Any:
            return await case_studies.move(
                c.session,
                c.require_actor(),
                c.now,
                _cid(input.case_study_id),
                input.stage,
                input.due_on,
            )

        return await _case_study(info, action)

    @strawberry.mutation(description="The customer approved it again: a new five-year term.")
    async def reapprove_case_study(self, info: Info, input: CaseStudyIdInput) -> CaseStudyPayload:
        c = info.context

        async def action() -> Any:
            return await case_studies.reapprove(
                c.session, c.require_actor(), c.now, _cid(input.case_study_id)
            )

        return await _case_study(info, action)

    @strawberry.mutation(description="Write down a testimonial from an interview (a candidate).")
    async def create_testimonial(self, info: Info, input: TestimonialInput) -> TestimonialPayload:
        c = info.context

        async def action() -> Any:
            member_id = optional_id(input.member_id, "Member", "memberId")
            if member_id is None:
                from domain.advocacy.errors import invalid

                raise invalid("name the customer", "memberId")
            data = testimonials.TestimonialData(input.text, input.attribution, list(input.channels))
            return await testimonials.create(c.session, c.require_actor(), member_id, data)

        return await _testimonial(info, action)

    @strawberry.mutation(
        description="Turn words from a forum post into a quote; its author is asked to approve "
        "the exact text (budget applies)."
    )
    async def quote_forum_post(self, info: Info, input: QuoteForumPostInput) -> TestimonialPayload:
        c = info.context

        async def action() -> Any:
            post_id = decode_id(input.post_id, "Post", ["input", "postId"])
            data = testimonials.TestimonialData(input.text, input.attribution, list(input.channels))
            return await testimonials.quote_from_post(
                c.session, c.require_actor(), c.now, post_id, data
            )

        return await _testimonial(info, action)

    @strawberry.mutation(description="Ask the author to approve a candidate's exact text.")
    async def request_testimonial_approval(
        self, info: Info, input: TestimonialIdInput
    ) -> TestimonialPayload:
        c = info.context

        async def action() -> Any:
            return await testimonials.request_approval(
                c.session, c.require_actor(), c.now, _tid(input.testimonial_id)
            )

        return await _testimonial(info, action)

    @strawberry.mutation(
        description="Edit text, attribution or channels; new text needs new approval."
    )
    async def edit_testimonial(self, info: Info, input: TestimonialInput) -> TestimonialPayload:
        c = info.context

        async def action() -> Any:
            if input.testimonial_id is None:
                from domain.advocacy.errors import invalid

                raise invalid("name the testimonial", "testimonialId")
            data = testimonials.TestimonialData(input.text, input.attribution, list(input.channels))
            return await testimonials.edit(
                c.session, c.require_actor(), c.now, _tid(input.testimonial_id), data
            )

        return await _testimonial(info, action)

    @strawberry.mutation(description="The author approves the exact text, or declines.")
    async def respond_to_testimonial(
        self, info: Info, input: RespondToTestimonialInput
    ) -> TestimonialPayload:
        c = info.context

        async def action() -> Any:
            return await testimonials.respond(
                c.session,
                c.require_actor(),
                c.now,
                _tid(input.testimonial_id),
                input.approve,
                input.text,
            )

        return await _testimonial(info, action)

    @strawberry.mutation(description="Publish an approved testimonial: needs active consent.")
    async def publish_testimonial(
        self, info: Info, input: TestimonialIdInput
    ) -> TestimonialPayload:
        c = info.context

        async def action() -> Any:
            return await testimonials.publish(
                c.session, c.require_actor(), c.now, _tid(input.testimonial_id)
            )

        return await _testimonial(info, action)

    @strawberry.mutation
    async def retire_testimonial(self, info: Info, input: TestimonialIdInput) -> TestimonialPayload:
        c = info.context

        async def action() -> Any:
            return await testimonials.retire(
                c.session, c.require_actor(), _tid(input.testimonial_id)
            )

        return await _testimonial(info, action)

    @strawberry.mutation(
        description="Plan a talk, press mention or analyst briefing (budget applies)."
    )
    async def create_advocacy_engagement(
        self, info: Info, input: CreateEngagementInput
    ) -> AdvocacyEngagementPayload:
        async def run() -> AdvocacyEngagementNode:
            c = info.context
            new = engagements.NewEngagement(
                kind=input.kind,
                member_id=decode_id(input.member_id, "Member", ["input", "memberId"]),
                title=input.title,
                venue=input.venue,
                occurs_on=input.occurs_on,
                url=input.url,
                channels=list(input.channels),
            )
            return AdvocacyEngagementNode.from_model(
                await engagements.create(c.session, c.require_actor(), c.now, new)
            )

        node, problems = await mutate(info, run)
        return AdvocacyEngagementPayload(
            engagement=node, user_errors=AdvocacyUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Confirm (needs consent), mark done (ledger) or cancel.")
    async def set_advocacy_engagement_status(
        self, info: Info, input: SetEngagementStatusInput
    ) -> AdvocacyEngagementPayload:
        async def run() -> AdvocacyEngagementNode:
            c = info.context
            engagement_id = decode_id(
                input.engagement_id, "AdvocacyEngagement", ["input", "engagementId"]
            )
            return AdvocacyEngagementNode.from_model(
                await engagements.set_status(
                    c.session, c.require_actor(), c.now, engagement_id, input.status
                )
            )

        node, problems = await mutate(info, run)
        return AdvocacyEngagementPayload(
            engagement=node, user_errors=AdvocacyUserError.from_problems(problems)
        )
