"""Read queries for insights: per account, per activity type, per programme, overall."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import Account
from domain.insights.attribution import AttributionModel
from domain.insights.models import (
    CREDIT_COLUMNS,
    AccountInsight,
    AdvocacyTouch,
    AttributionCredit,
    BondingSnapshot,
    Contract,
    ModelFit,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    UpliftResult,
    UpliftScope,
)
from domain.programs.models import Program, ProgramEnrolment

ZERO = Decimal("0.00")
ModelAmounts = dict[AttributionModel, Decimal]


def _credit_sums() -> list[Any]:
    return [
        func.coalesce(func.sum(getattr(AttributionCredit, c)), 0) for c in CREDIT_COLUMNS.values()
    ]


def _amounts(row: Sequence[Any] | None) -> ModelAmounts:
    values = list(row) if row else [ZERO] * len(CREDIT_COLUMNS)
    return {m: Decimal(v or 0).quantize(ZERO) for m, v in zip(CREDIT_COLUMNS, values, strict=True)}


@dataclass(frozen=True)
class Influence:
    revenue: ModelAmounts  # won opportunities
    pipeline: ModelAmounts  # open opportunities


async def influence(session: AsyncSession, where: ColumnElement[bool]) -> Influence:
    rows = await session.execute(
        select(AttributionCredit.status, *_credit_sums())
        .where(where)
        .group_by(AttributionCredit.status)
    )
    by_status = {row[0]: row[1:] for row in rows}
    return Influence(
        _amounts(by_status.get(OpportunityStatus.WON)),
        _amounts(by_status.get(OpportunityStatus.OPEN)),
    )


async def influence_by(session: AsyncSession, column: Any) -> dict[Any, Influence]:
    """Influence grouped by a credit column (touch type, programme)."""
    rows = await session.execute(
        select(column, AttributionCredit.status, *_credit_sums())
        .where(column.is_not(None))
        .group_by(column, AttributionCredit.status)
    )
    grouped: dict[Any, dict[Any, Any]] = {}
    for row in rows:
        grouped.setdefault(row[0], {})[row[1]] = row[2:]
    return {
        key: Influence(
            _amounts(v.get(OpportunityStatus.WON)), _amounts(v.get(OpportunityStatus.OPEN))
        )
        for key, v in grouped.items()
    }


async def account_insight(session: AsyncSession, account_id: int) -> AccountInsight | None:
    return await session.get(AccountInsight, account_id)


@dataclass(frozen=True)
class Sourced:
    revenue: Decimal  # won opportunities the account's members referred
    opportunities: int
    clv: Decimal  # CLV of the customers those won new-business deals brought


def _sourced(where: ColumnElement[bool]) -> Any:
    return select(func.coalesce(func.sum(Opportunity.amount), 0), func.count()).where(
        where, Opportunity.status == OpportunityStatus.WON
    )


async def sourced(session: AsyncSession, where: ColumnElement[bool]) -> Sourced:
    revenue, count = (await session.execute(_sourced(where))).one()
    clv = await session.scalar(
        select(
            func.coalesce(
                func.sum(
                    func.coalesce(AccountInsight.contractual_clv, 0)
                    + func.coalesce(AccountInsight.transactional_clv, 0)
                ),
                0,
            )
        ).where(
            AccountInsight.account_id.in_(
                select(Opportunity.account_id).where(
                    where,
                    Opportunity.status == OpportunityStatus.WON,
                    Opportunity.kind == OpportunityKind.NEW_BUSINESS,
                )
            )
        )
    )
    return Sourced(Decimal(revenue).quantize(ZERO), int(count), Decimal(clv or 0).quantize(ZERO))


async def sourced_for_account(session: AsyncSession, account_id: int) -> Sourced:
    return await sourced(session, Opportunity.referrer_account_id == account_id)


async def sourced_total(session: AsyncSession) -> Sourced:
    return await sourced(
        session,
        Opportunity.referrer_member_id.is_not(None) | Opportunity.referrer_account_id.is_not(None),
    )


async def sourced_by_program(session: AsyncSession, program_id: int) -> Sourced:
    """Referred by members enrolled (at any time) in the programme."""
    members = select(ProgramEnrolment.member_id).where(ProgramEnrolment.program_id == program_id)
    return await sourced(session, Opportunity.referrer_member_id.in_(members))


async def bonding_trend(
    session: AsyncSession, account_id: int, since: date
) -> list[BondingSnapshot]:
    return list(
        await session.scalars(
            select(BondingSnapshot)
            .where(BondingSnapshot.account_id == account_id, BondingSnapshot.on_date >= since)
            .order_by(BondingSnapshot.on_date)
        )
    )


async def recent_touches(session: AsyncSession, account_id: int, limit: int) -> list[AdvocacyTouch]:
    return list(
        await session.scalars(
            select(AdvocacyTouch)
            .where(AdvocacyTouch.account_id == account_id)
            .order_by(AdvocacyTouch.occurred_at.desc(), AdvocacyTouch.id.desc())
            .limit(limit)
        )
    )


async def touch_counts_by_type(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(AdvocacyTouch.touch_type, func.count()).group_by(AdvocacyTouch.touch_type)
    )
    return {str(t): int(c) for t, c in rows}


async def uplift_results(
    session: AsyncSession, scope: UpliftScope | None = None
) -> list[UpliftResult]:
    statement = select(UpliftResult).order_by(UpliftResult.scope, UpliftResult.scope_key)
    if scope is not None:
        statement = statement.where(UpliftResult.scope == scope)
    return list(await session.scalars(statement))


async def programs(session: AsyncSession) -> list[Program]:
    return list(await session.scalars(select(Program).order_by(Program.id)))


async def fits(session: AsyncSession) -> list[ModelFit]:
    return list(await session.scalars(select(ModelFit).order_by(ModelFit.model, ModelFit.scope)))


async def account_rows(session: AsyncSession) -> list[tuple[Account, AccountInsight]]:
    rows = await session.execute(
        select(Account, AccountInsight)
        .join(AccountInsight, AccountInsight.account_id == Account.id)
        .order_by(Account.name, Account.id)
    )
    return [(a, i) for a, i in rows]


async def opportunity_credit_rows(session: AsyncSession) -> list[tuple[Opportunity, ModelAmounts]]:
    rows = await session.execute(
        select(Opportunity, *_credit_sums())
        .join(AttributionCredit, AttributionCredit.opportunity_id == Opportunity.id)
        .group_by(Opportunity.id)
        .order_by(Opportunity.id)
    )
    return [(row[0], _amounts(row[1:])) for row in rows]


async def arr_history(session: AsyncSession, account_id: int) -> list[tuple[date, Decimal]]:
    """ARR after each contract change (start, expansion, contraction, end or churn), in order."""
    contracts = (
        await session.execute(
            select(Contract.arr, Contract.start_date, Contract.end_date, Contract.churned_on).where(
                Contract.account_id == account_id
            )
        )
    ).all()
    changes: set[date] = set()
    for _, start, end, churned in contracts:
        changes.add(start)
        if churned is not None:
            changes.add(churned)
        elif end is not None:
            changes.add(end + timedelta(days=1))
    points: list[tuple[date, Decimal]] = []
    for day in sorted(changes):
        arr = sum(
            (
                Decimal(a)
                for a, start, end, churned in contracts
                if start <= day
                and (churned is None or churned > day)
                and (end is None or end >= day)
            ),
            ZERO,
        )
        if not points or points[-1][1] != arr:
            points.append((day, arr.quantize(ZERO)))
    return points
