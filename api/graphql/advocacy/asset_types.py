"""Case studies, testimonials and quotes, speakers/press/analyst engagements."""

from datetime import date, datetime
from typing import Self

import strawberry
from strawberry import relay

from api.graphql.advocacy.types import account_node, member_node, readable_nodes
from api.graphql.community.types import PostNode
from api.graphql.context import Info
from api.graphql.identity.types import AccountNode, MemberNode
from domain.advocacy import models, policies
from domain.advocacy.models import (
    AdvocacyActivity,
    Attribution,
    CaseStudyStage,
    ConsentChannel,
    EngagementKind,
    EngagementStatus,
    TestimonialSource,
    TestimonialState,
)
from domain.advocacy.services.consent import missing_consent

Asset = models.CaseStudy | models.Testimonial | models.AdvocacyEngagement


async def _missing(info: Info, asset: Asset) -> list[str]:
    consents = await info.context.advocacy.consents_by_owner.load(
        (asset.member_id, asset.account_id)
    )
    missing = missing_consent(asset, consents, info.context.now)
    if (
        isinstance(asset, models.CaseStudy)
        and asset.expires_at
        and asset.expires_at <= info.context.now
    ):
        missing.append("term expired: re-approval needed")
    return missing


@strawberry.type(description="A before/after figure quoted in a case study.")
class CaseStudyMetric:
    name: str
    before: str | None
    after: str
    unit: str | None


@strawberry.type(name="CaseStudy", description="A customer story moving through the pipeline.")
class CaseStudyNode(relay.Node):
    id: relay.NodeID[int]
    title: str
    stage: CaseStudyStage
    due_on: date | None = strawberry.field(description="When the current stage is due.")
    summary: str | None
    industry_tags: list[str]
    product_tags: list[str]
    asset_urls: list[str] = strawberry.field(description="Where the story lives (PDF, web page).")
    metrics: list[CaseStudyMetric]
    channels: list[ConsentChannel]
    shows_logo: bool = strawberry.field(
        description="If so, the account's LOGO_USE consent is needed."
    )
    published_at: datetime | None
    approved_at: datetime | None = strawberry.field(description="The customer's last approval.")
    expires_at: datetime | None = strawberry.field(
        description="End of the approved term (5 years); after it, re-approval is needed."
    )
    created_at: datetime
    model: strawberry.Private[models.CaseStudy]

    @classmethod
    def from_model(cls, s: models.CaseStudy) -> Self:
        return cls(
            id=s.id,
            title=s.title,
            stage=s.stage,
            due_on=s.due_on,
            summary=s.summary,
            industry_tags=list(s.industry_tags),
            product_tags=list(s.product_tags),
            asset_urls=list(s.asset_urls),
            metrics=[
                CaseStudyMetric(
                    name=m["name"], before=m.get("before"), after=m["after"], unit=m.get("unit")
                )
                for m in s.metrics
            ],
            channels=[ConsentChannel(c) for c in s.channels],
            shows_logo=s.shows_logo,
            published_at=s.published_at,
            approved_at=s.approved_at,
            expires_at=s.expires_at,
            created_at=s.created_at,
            model=s,
        )

    @strawberry.field(description="Published, within its term and under active consent now.")
    async def usable(self, info: Info) -> bool:
        return self.model.stage is CaseStudyStage.PUBLISHED and not await _missing(info, self.model)

    @strawberry.field(description="What keeps it from being usable now (consents, term).")
    async def missing_consent(self, info: Info) -> list[str]:
        return await _missing(info, self.model)

    @strawberry.field
    async def member(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.member_id)

    @strawberry.field
    async def account(self, info: Info) -> AccountNode | None:
        return await account_node(info, self.model.account_id)

    @strawberry.field(description="Who drives it. Staff only.")
    async def owner(self, info: Info) -> MemberNode | None:
        if not policies.runs_advocacy(info.context.require_actor()):
            return None
        return await member_node(info, self.model.owner_id)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        return await readable_nodes(info, models.CaseStudy, node_ids, cls.from_model)


@strawberry.type(name="Testimonial", description="A quote with the exact text its author approved.")
class TestimonialNode(relay.Node):
    id: relay.NodeID[int]
    source: TestimonialSource
    text: str = strawberry.field(description="Exactly the text approved (or to be approved).")
    attribution: Attribution
    channels: list[ConsentChannel]
    state: TestimonialState
    approved_at: datetime | None
    published_at: datetime | None
    created_at: datetime
    model: strawberry.Private[models.Testimonial]

    @classmethod
    def from_model(cls, t: models.Testimonial) -> Self:
        return cls(
            id=t.id,
            source=t.source,
            text=t.text,
            attribution=t.attribution,
            channels=[ConsentChannel(c) for c in t.channels],
            state=t.state,
            approved_at=t.approved_at,
            published_at=t.published_at,
            created_at=t.created_at,
            model=t,
        )

    @strawberry.field(description="Published and under active consent for all its channels now.")
    async def usable(self, info: Info) -> bool:
        return self.model.state is TestimonialState.PUBLISHED and not await _missing(
            info, self.model
        )

    @strawberry.field(description="The line printed under the quote, per the attribution style.")
    async def attributed_as(self, info: Info) -> str:
        if self.model.attribution is Attribution.ANONYMOUS:
            return "A customer"
        member = await info.context.identity.member_by_id.load(self.model.member_id)
        account = await info.context.identity.account_by_id.load(self.model.account_id)
        role = (member.title if member else None) or "Customer"
        company = account.name if account else ""
        if self.model.attribution is Attribution.ROLE_AND_COMPANY:
            return f"{role}, {company}"
        return f"{member.name if member else ''}, {role}, {company}"

    @strawberry.field(description="The forum post it quotes, if you may read it.")
    async def source_post(self, info: Info) -> PostNode | None:
        if self.model.source_type != "Post" or self.model.source_id is None:
            return None
        info.context.require_actor()
        post = await info.context.community.readable_post_by_id.load(self.model.source_id)
        return PostNode.from_model(post) if post else None

    @strawberry.field
    async def member(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.member_id)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        return await readable_nodes(info, models.Testimonial, node_ids, cls.from_model)


@strawberry.type(
    name="AdvocacyEngagement",
    description="A speaking slot, a press mention or an analyst briefing with an advocate.",
)
class AdvocacyEngagementNode(relay.Node):
    id: relay.NodeID[int]
    kind: EngagementKind
    title: str = strawberry.field(description="The session, article or briefing.")
    venue: str | None = strawberry.field(description="Event, publication or analyst firm.")
    occurs_on: date | None
    url: str | None
    channels: list[ConsentChannel]
    status: EngagementStatus
    created_at: datetime
    model: strawberry.Private[models.AdvocacyEngagement]

    @classmethod
    def from_model(cls, e: models.AdvocacyEngagement) -> Self:
        return cls(
            id=e.id,
            kind=e.kind,
            title=e.title,
            venue=e.venue,
            occurs_on=e.occurs_on,
            url=e.url,
            channels=[ConsentChannel(c) for c in e.channels],
            status=e.status,
            created_at=e.created_at,
            model=e,
        )

    @strawberry.field(description="The consent it needs.")
    def consent_activity(self) -> AdvocacyActivity:
        return AdvocacyActivity(self.model.kind.value)

    @strawberry.field(description="Under active consent for all its channels now.")
    async def usable(self, info: Info) -> bool:
        return not await _missing(info, self.model)

    @strawberry.field
    async def member(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.member_id)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        return await readable_nodes(info, models.AdvocacyEngagement, node_ids, cls.from_model)


@strawberry.type(name="CaseStudyConnection")
class CaseStudyConnection(relay.Connection[CaseStudyNode]):
    pass


@strawberry.type(name="TestimonialConnection")
class TestimonialConnection(relay.Connection[TestimonialNode]):
    pass


@strawberry.type(name="AdvocacyEngagementConnection")
class AdvocacyEngagementConnection(relay.Connection[AdvocacyEngagementNode]):
    pass
