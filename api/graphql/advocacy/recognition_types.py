"""Referrals, the activity ledger, points, badges, levels, leaderboards and rewards."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Self

import strawberry
from strawberry import relay

from api.graphql.advocacy.types import member_node, readable_nodes
from api.graphql.context import Info
from api.graphql.identity.types import MemberNode
from api.graphql.money import Money
from domain.advocacy import models, policies
from domain.advocacy.models import LedgerActivity, RedemptionStatus, ReferralStatus


@strawberry.type(name="Referral", description="A peer company a member referred.")
class ReferralNode(relay.Node):
    id: relay.NodeID[int]
    code: str = strawberry.field(description="Unique; goes into the referral link.")
    prospect_company: str
    contact_name: str | None
    contact_email: str | None
    note: str | None
    status: ReferralStatus
    opportunity_ref: str | None = strawberry.field(description="The CRM's opportunity id.")
    created_at: datetime
    updated_at: datetime
    model: strawberry.Private[models.Referral]

    @classmethod
    def from_model(cls, r: models.Referral) -> Self:
        return cls(
            id=r.id,
            code=r.code,
            prospect_company=r.prospect_company,
            contact_name=r.contact_name,
            contact_email=r.contact_email,
            note=r.note,
            status=r.status,
            opportunity_ref=r.opportunity_ref,
            created_at=r.created_at,
            updated_at=r.updated_at,
            model=r,
        )

    @strawberry.field(
        description="The link the member shares: the portal's public address (setting "
        "BONDFIRE_PUBLIC_BASE_URL) with /r/ and the code."
    )
    def link(self, info: Info) -> str:
        request = info.context.request
        if request is None:  # every HTTP and websocket operation carries its request
            raise RuntimeError("no request in the GraphQL context")
        base = request.app.state.settings.public_base_url
        return f"{base}/r/{self.model.code}"

    @strawberry.field(description="Opportunity or won amount: sourced revenue once WON.")
    def amount(self) -> Money | None:
        return Money.of(self.model.amount, self.model.currency)

    @strawberry.field
    async def referrer(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.referrer_id)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        return await readable_nodes(info, models.Referral, node_ids, cls.from_model)


@strawberry.type(name="AdvocacyLedgerEntry", description="One completed act of advocacy.")
class LedgerEntryNode(relay.Node):
    id: relay.NodeID[int]
    activity: LedgerActivity
    occurred_at: datetime
    weight: Decimal = strawberry.field(description="Value weight of the act (for attribution).")
    points: int
    points_withheld: bool = strawberry.field(
        description="Points not given: earned automatically while the member was not trusted."
    )
    source_type: str = strawberry.field(description="The kind of object the act was about.")
    tags: list[str] = strawberry.field(description="Product area, where known.")
    model: strawberry.Private[models.LedgerEntry]

    @classmethod
    def from_model(cls, e: models.LedgerEntry) -> Self:
        return cls(
            id=e.id,
            activity=e.activity,
            occurred_at=e.occurred_at,
            weight=e.weight,
            points=e.points,
            points_withheld=e.points_withheld,
            source_type=e.source_type,
            tags=list(e.tags),
            model=e,
        )

    @strawberry.field(description="The source object's global id, where it has one.")
    def source_id(self) -> relay.GlobalID:
        return relay.GlobalID(self.model.source_type, str(self.model.source_id))

    @strawberry.field
    async def member(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.member_id)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        return await readable_nodes(info, models.LedgerEntry, node_ids, cls.from_model)


@strawberry.type(name="Reward", description="Something in the rewards catalogue.")
class RewardNode(relay.Node):
    id: relay.NodeID[int]
    name: str
    description: str | None
    cost_points: int
    stock: int | None = strawberry.field(description="Left to redeem; null: unlimited.")
    active: bool

    @classmethod
    def from_model(cls, r: models.Reward) -> Self:
        return cls(
            id=r.id,
            name=r.name,
            description=r.description,
            cost_points=r.cost_points,
            stock=r.stock,
            active=r.active,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        return await readable_nodes(info, models.Reward, node_ids, cls.from_model)


@strawberry.type(name="RewardRedemption", description="A request for a reward; staff fulfil it.")
class RewardRedemptionNode(relay.Node):
    id: relay.NodeID[int]
    points: int = strawberry.field(description="Taken from the spendable balance on request.")
    status: RedemptionStatus
    created_at: datetime
    decided_at: datetime | None
    note: str | None
    model: strawberry.Private[models.RewardRedemption]

    @classmethod
    def from_model(cls, r: models.RewardRedemption) -> Self:
        return cls(
            id=r.id,
            points=r.points,
            status=r.status,
            created_at=r.created_at,
            decided_at=r.decided_at,
            note=r.note,
            model=r,
        )

    @strawberry.field
    async def reward(self, info: Info) -> RewardNode | None:
        reward = await info.context.advocacy.reward_by_id.load(self.model.reward_id)
        return RewardNode.from_model(reward) if reward else None

    @strawberry.field
    async def member(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.member_id)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        return await readable_nodes(info, models.RewardRedemption, node_ids, cls.from_model)


@strawberry.type(name="AdvocacyBadge")
class BadgeType:
    code: str
    name: str
    description: str
    awarded_at: datetime | None = strawberry.field(description="Null in the catalogue.")


@strawberry.type(description="A member's points, level and badges.")
class AdvocacyStanding:
    lifetime_points: int = strawberry.field(description="Everything ever earned; never goes down.")
    spendable_points: int = strawberry.field(description="What is left to redeem.")
    level: str
    next_level_at: int | None = strawberry.field(description="Lifetime points for the next level.")
    badges: list[BadgeType]
    member_id: strawberry.Private[int]

    @strawberry.field
    async def member(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.member_id)


@strawberry.enum(description="A leaderboard's period, ending now.")
class LeaderboardPeriod(StrEnum):
    WEEK = "WEEK"
    MONTH = "MONTH"
    QUARTER = "QUARTER"
    YEAR = "YEAR"
    ALL_TIME = "ALL_TIME"


@strawberry.type
class LeaderboardEntry:
    rank: int
    points: int = strawberry.field(description="Points earned in the period.")
    activities: int = strawberry.field(description="Acts recorded in the period.")
    member_id: strawberry.Private[int]

    @strawberry.field
    async def member(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.member_id)


@strawberry.type(name="PointRule", description="Points and value weight of an activity type.")
class PointRuleType:
    activity: LedgerActivity
    points: int
    weight: Decimal


def staff_only(info: Info) -> bool:
    return policies.runs_advocacy(info.context.require_actor())


@strawberry.type(name="ReferralConnection")
class ReferralConnection(relay.Connection[ReferralNode]):
    pass


@strawberry.type(name="AdvocacyLedgerEntryConnection")
class LedgerEntryConnection(relay.Connection[LedgerEntryNode]):
    pass


@strawberry.type(name="RewardConnection")
class RewardConnection(relay.Connection[RewardNode]):
    pass


@strawberry.type(name="RewardRedemptionConnection")
class RewardRedemptionConnection(relay.Connection[RewardRedemptionNode]):
    pass
