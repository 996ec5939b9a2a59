"""Rewards catalogue and redemptions. Redeeming takes the points at once with a conditional
UPDATE (never below zero, also under parallel requests); staff fulfil the request, or reject
it and the points come back."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy import events, ledger
from domain.advocacy.errors import Code, invalid
from domain.advocacy.models import (
    LedgerActivity,
    PointRule,
    RedemptionStatus,
    Reward,
    RewardRedemption,
)
from domain.advocacy.services.common import (
    get_for_update,
    get_or_404,
    require_advocacy_staff,
    required_text,
    text_or_none,
)
from domain.identity.policies import Actor
from domain.shared.audit import record_audit


@dataclass(frozen=True)
class RewardData:
    name: str
    cost_points: int
    description: str | None = None
    stock: int | None = None
    active: bool = True


async def save_reward(
    session: AsyncSession, actor: Actor, data: RewardData, reward_id: int | None = None
) -> Reward:
    require_advocacy_staff(actor)
    if data.cost_points <= 0:
        raise invalid("a reward costs at least one point", "costPoints")
    if data.stock is not None and data.stock < 0:
        raise invalid("stock must not be negative", "stock")
    reward = (
        Reward() if reward_id is None else await get_or_404(session, Reward, reward_id, "rewardId")
    )
    reward.name = required_text(data.name, "name", 200)
    reward.description = text_or_none(data.description, "description", 2000)
    reward.cost_points = data.cost_points
    reward.stock = data.stock
    reward.active = data.active
    if reward_id is None:
        session.add(reward)
    await session.flush()
    return reward


async def redeem(
    session: AsyncSession, actor: Actor, now: datetime, reward_id: int
) -> RewardRedemption:
    if not actor.can_write:
        raise invalid("this token is read-only")
    reward = await get_or_404(session, Reward, reward_id, "rewardId")
    if not reward.active:
        raise invalid("Reward not found", "rewardId", Code.NOT_FOUND)
    if reward.stock is not None:
        taken = await session.execute(
            update(Reward)
            .where(Reward.id == reward.id, Reward.stock > 0)
            .values(stock=Reward.stock - 1)
            .execution_options(synchronize_session=False)
        )
        if not getattr(taken, "rowcount", 0):
            raise invalid("this reward is out of stock", "rewardId", Code.OUT_OF_STOCK)
    if not await ledger.spend(session, actor.member_id, reward.cost_points):
        _, spendable = await ledger.balance(session, actor.member_id)
        raise invalid(
            f"this reward costs {reward.cost_points} points; you have {spendable}",
            "rewardId",
            Code.INSUFFICIENT_POINTS,
        )
    redemption = RewardRedemption(
        reward_id=reward.id,
        member_id=actor.member_id,
        points=reward.cost_points,
        status=RedemptionStatus.REQUESTED,
        created_at=now,
    )
    session.add(redemption)
    await session.flush()
    events.emit(session, events.REDEMPTION_REQUESTED, redemption_id=redemption.id)
    return redemption


async def decide(
    session: AsyncSession,
    actor: Actor,
    now: datetime,
    redemption_id: int,
    fulfil: bool,
    note: str | None,
) -> RewardRedemption:
    require_advocacy_staff(actor)
    redemption = await get_for_update(session, RewardRedemption, redemption_id, "redemptionId")
    if redemption.status is not RedemptionStatus.REQUESTED:
        raise invalid(
            f"this redemption is {redemption.status.lower()}",
            "redemptionId",
            Code.INVALID_TRANSITION,
        )
    redemption.status = RedemptionStatus.FULFILLED if fulfil else RedemptionStatus.REJECTED
    redemption.decided_by_id = actor.member_id
    redemption.decided_at = now
    redemption.note = text_or_none(note, "note", 1000)
    if not fulfil:
        await ledger.refund(session, redemption.member_id, redemption.points)
        await session.execute(
            update(Reward)
            .where(Reward.id == redemption.reward_id, Reward.stock.is_not(None))
            .values(stock=Reward.stock + 1)
            .execution_options(synchronize_session=False)
        )
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="redemption.fulfil" if fulfil else "redemption.reject",
        target_type="RewardRedemption",
        target_id=redemption.id,
        reason=redemption.note,
    )
    return redemption


async def set_point_rule(
    session: AsyncSession, actor: Actor, activity: LedgerActivity, points: int, weight: Decimal
) -> PointRule:
    """Applies to acts recorded from now on; balances already earned stay."""
    require_advocacy_staff(actor)
    if not 0 <= points <= 100_000:
        raise invalid("points are between 0 and 100000", "points")
    if not Decimal(0) <= weight <= Decimal(1000):
        raise invalid("weight is between 0 and 1000", "weight")
    rule = await session.get(PointRule, activity)
    if rule is None:
        rule = PointRule(activity=activity, points=points, weight=weight)
        session.add(rule)
    rule.points = points
    rule.weight = weight
    await session.flush()
    return rule
