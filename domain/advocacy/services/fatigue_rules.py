"""Configuring the fatigue budget: limits per member, per account or for everyone."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy.errors import invalid
from domain.advocacy.fatigue import AskKind
from domain.advocacy.models import FatigueRule, FatigueTarget
from domain.advocacy.services.common import get_or_404, require_advocacy_staff
from domain.identity.models import Account, Member
from domain.identity.policies import Actor
from domain.shared.audit import record_audit


@dataclass(frozen=True)
class RuleData:
    target: FatigueTarget
    period_days: int
    max_asks: int
    cooldown_days: int = 0
    kind: AskKind | None = None
    member_id: int | None = None
    account_id: int | None = None


async def set_rule(session: AsyncSession, actor: Actor, data: RuleData) -> FatigueRule:
    """Creates or replaces the rule for (target, account, member, kind)."""
    require_advocacy_staff(actor)
    if not 1 <= data.period_days <= 3650:
        raise invalid("periodDays is between 1 and 3650", "periodDays")
    if not 0 <= data.max_asks <= 1000:
        raise invalid("maxAsks is between 0 and 1000", "maxAsks")
    if not 0 <= data.cooldown_days <= 3650:
        raise invalid("cooldownDays is between 0 and 3650", "cooldownDays")
    account_id = data.account_id
    if data.member_id is not None:
        if data.target is FatigueTarget.ACCOUNT:
            raise invalid("an account-wide limit does not name a member", "memberId")
        member = await get_or_404(session, Member, data.member_id, "memberId")
        account_id = member.account_id
    elif account_id is not None:
        await get_or_404(session, Account, account_id, "accountId")
    kind = str(data.kind) if data.kind is not None else None
    statement = select(FatigueRule).where(
        FatigueRule.target == data.target,
        FatigueRule.member_id.is_(None)
        if data.member_id is None
        else FatigueRule.member_id == data.member_id,
        FatigueRule.account_id.is_(None)
        if account_id is None
        else FatigueRule.account_id == account_id,
        FatigueRule.kind.is_(None) if kind is None else FatigueRule.kind == kind,
    )
    rule = await session.scalar(statement)
    if rule is None:
        rule = FatigueRule(
            target=data.target, member_id=data.member_id, account_id=account_id, kind=kind
        )
        session.add(rule)
    rule.period_days = data.period_days
    rule.max_asks = data.max_asks
    rule.cooldown_days = data.cooldown_days
    await session.flush()
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="fatigue_rule.set",
        target_type="FatigueRule",
        target_id=rule.id,
        details={
            "period_days": rule.period_days,
            "max_asks": rule.max_asks,
            "cooldown_days": rule.cooldown_days,
        },
    )
    return rule


async def delete_rule(session: AsyncSession, actor: Actor, rule_id: int) -> None:
    require_advocacy_staff(actor)
    rule = await get_or_404(session, FatigueRule, rule_id, "ruleId")
    await session.delete(rule)
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="fatigue_rule.delete",
        target_type="FatigueRule",
        target_id=rule_id,
    )
