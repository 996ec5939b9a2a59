"""Mutations for referrals, rewards, redemptions and point rules."""

from decimal import Decimal

import strawberry
from strawberry import relay

from api.graphql.advocacy.recognition_types import (
    PointRuleType,
    ReferralNode,
    RewardNode,
    RewardRedemptionNode,
)
from api.graphql.advocacy.types import AdvocacyUserError
from api.graphql.context import Info
from api.graphql.errors import mutate
from api.graphql.relay import decode_id
from domain.advocacy.models import LedgerActivity, ReferralStatus
from domain.advocacy.services import referrals, rewards


@strawberry.input
class SubmitReferralInput:
    prospect_company: str
    contact_name: str | None = None
    contact_email: str | None = None
    note: str | None = None


@strawberry.input
class AdvanceReferralInput:
    referral_id: relay.GlobalID
    status: ReferralStatus
    opportunity_ref: str | None = None
    amount: Decimal | None = None
    currency: str | None = None


@strawberry.type
class ReferralPayload:
    referral: ReferralNode | None
    user_errors: list[AdvocacyUserError]


@strawberry.input
class RewardInput:
    name: str
    cost_points: int
    description: str | None = None
    stock: int | None = strawberry.field(default=None, description="Null: unlimited.")
    active: bool = True
    reward_id: relay.GlobalID | None = strawberry.field(default=None, description="To update.")


@strawberry.type
class RewardPayload:
    reward: RewardNode | None
    user_errors: list[AdvocacyUserError]


@strawberry.input
class RedeemRewardInput:
    reward_id: relay.GlobalID


@strawberry.input
class DecideRedemptionInput:
    redemption_id: relay.GlobalID
    fulfil: bool = strawberry.field(description="False rejects it and gives the points back.")
    note: str | None = None


@strawberry.type
class RewardRedemptionPayload:
    redemption: RewardRedemptionNode | None
    user_errors: list[AdvocacyUserError]


@strawberry.input
class PointRuleInput:
    activity: LedgerActivity
    points: int
    weight: Decimal = strawberry.field(description="Value weight of the act, e.g. 1.5.")


@strawberry.type
class PointRulePayload:
    rule: PointRuleType | None
    user_errors: list[AdvocacyUserError]


@strawberry.type
class RecognitionMutations:
    @strawberry.mutation(description="Refer a peer company; you get a unique referral code.")
    async def submit_referral(self, info: Info, input: SubmitReferralInput) -> ReferralPayload:
        async def run() -> ReferralNode:
            c = info.context
            new = referrals.NewReferral(
                input.prospect_company, input.contact_name, input.contact_email, input.note
            )
            return ReferralNode.from_model(
                await referrals.submit(c.session, c.require_actor(), c.now, new)
            )

        node, problems = await mutate(info, run)
        return ReferralPayload(referral=node, user_errors=AdvocacyUserError.from_problems(problems))

    @strawberry.mutation(
        description="Move a referral on (staff): ACCEPTED and WON credit the referrer."
    )
    async def advance_referral(self, info: Info, input: AdvanceReferralInput) -> ReferralPayload:
        async def run() -> ReferralNode:
            c = info.context
            referral_id = decode_id(input.referral_id, "Referral", ["input", "referralId"])
            referral = await referrals.advance(
                c.session,
                c.require_actor(),
                c.now,
                referral_id,
                input.status,
                input.opportunity_ref,
                input.amount,
                input.currency,
            )
            return ReferralNode.from_model(referral)

        node, problems = await mutate(info, run)
        return ReferralPayload(referral=node, user_errors=AdvocacyUserError.from_problems(problems))

    @strawberry.mutation(description="Add or change a reward in the catalogue. Staff only.")
    async def save_reward(self, info: Info, input: RewardInput) -> RewardPayload:
        async def run() -> RewardNode:
            c = info.context
            reward_id = (
                None
                if input.reward_id is None
                else decode_id(input.reward_id, "Reward", ["input", "rewardId"])
            )
            data = rewards.RewardData(
                input.name, input.cost_points, input.description, input.stock, input.active
            )
            return RewardNode.from_model(
                await rewards.save_reward(c.session, c.require_actor(), data, reward_id)
            )

        node, problems = await mutate(info, run)
        return RewardPayload(reward=node, user_errors=AdvocacyUserError.from_problems(problems))

    @strawberry.mutation(
        description="Redeem points for a reward: never more than your spendable balance."
    )
    async def redeem_reward(self, info: Info, input: RedeemRewardInput) -> RewardRedemptionPayload:
        async def run() -> RewardRedemptionNode:
            c = info.context
            reward_id = decode_id(input.reward_id, "Reward", ["input", "rewardId"])
            return RewardRedemptionNode.from_model(
                await rewards.redeem(c.session, c.require_actor(), c.now, reward_id)
            )

        node, problems = await mutate(info, run)
        return RewardRedemptionPayload(
            redemption=node, user_errors=AdvocacyUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Fulfil or reject a redemption request. Staff only.")
    async def decide_redemption(
        self, info: Info, input: DecideRedemptionInput
    ) -> RewardRedemptionPayload:
        async def run() -> RewardRedemptionNode:
            c = info.context
            redemption_id = decode_id(
                input.redemption_id, "RewardRedemption", ["input", "redemptionId"]
            )
            return RewardRedemptionNode.from_model(
                await rewards.decide(
                    c.session, c.require_actor(), c.now, redemption_id, input.fulfil, input.note
                )
            )

        node, problems = await mutate(info, run)
        return RewardRedemptionPayload(
            redemption=node, user_errors=AdvocacyUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Points and weight for an activity type (future acts).")
    async def set_point_rule(self, info: Info, input: PointRuleInput) -> PointRulePayload:
        async def run() -> PointRuleType:
            c = info.context
            rule = await rewards.set_point_rule(
                c.session, c.require_actor(), input.activity, input.points, input.weight
            )
            return PointRuleType(activity=rule.activity, points=rule.points, weight=rule.weight)

        node, problems = await mutate(info, run)
        return PointRulePayload(rule=node, user_errors=AdvocacyUserError.from_problems(problems))
