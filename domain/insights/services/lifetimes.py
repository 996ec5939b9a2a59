"""From revenue rows to the models' inputs: contract lifetimes and purchase summaries."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import Account, AccountKind
from domain.insights.models import Contract, Transaction

YEAR_DAYS = 365.25
WEEK_DAYS = 7.0


@dataclass(frozen=True)
class Lifetime:
    """An account as a subscriber: contract periods are years from its first contract."""

    account_id: int
    segment: str | None
    industry: str | None
    started_on: date
    arr: Decimal  # running ARR today (0 once churned)
    last_arr: Decimal  # the ARR it had last (for churned accounts, what was lost)
    churned: bool
    periods: int  # churned: the period they left at the end of (>= 1); active: renewals made

    @property
    def renewals(self) -> int:
        return self.periods if not self.churned else self.periods - 1


def _running(contract: tuple[Any, ...], today: date) -> bool:
    _, _, start, end, churned_on = contract
    if start > today:
        return False
    if churned_on is not None and churned_on <= today:
        return False
    return end is None or end >= today


async def lifetimes(
    session: AsyncSession, today: date, account_ids: Sequence[int] | None = None
) -> list[Lifetime]:
    statement = select(
        Contract.account_id,
        Contract.arr,
        Contract.start_date,
        Contract.end_date,
        Contract.churned_on,
    ).order_by(Contract.account_id)
    if account_ids is not None:
        statement = statement.where(Contract.account_id.in_(list(account_ids)))
    contracts: dict[int, list[tuple]] = defaultdict(list)  # type: ignore[type-arg]
    connection = await session.connection()  # Core rows: no ORM result machinery
    for row in await connection.execute(statement):
        contracts[row[0]].append(tuple(row))
    if not contracts:
        return []
    accounts = {
        a.id: a
        for a in (
            await session.execute(
                select(Account.id, Account.segment, Account.industry).where(
                    Account.id.in_(list(contracts)), Account.kind == AccountKind.CUSTOMER
                )
            )
        ).all()
    }
    result = []
    for account_id, rows in contracts.items():
        account = accounts.get(account_id)
        if account is None:
            continue
        started = min(r[2] for r in rows)
        if started > today:
            continue
        running = [r for r in rows if _running(r, today)]
        arr = sum((Decimal(r[1]) for r in running), Decimal(0))
        latest = max(rows, key=lambda r: r[2])
        if running:
            days = (today - started).days
            result.append(
                Lifetime(
                    account_id,
                    account.segment,
                    account.industry,
                    started,
                    arr,
                    arr,
                    False,
                    int(days // YEAR_DAYS),
                )
            )
            continue
        ended = max((r[4] or r[3] or today) for r in rows)
        days = max(1, (ended - started).days)
        period = max(1, int(-(-days // YEAR_DAYS)))
        result.append(
            Lifetime(
                account_id,
                account.segment,
                account.industry,
                started,
                Decimal(0),
                Decimal(latest[1]),
                True,
                period,
            )
        )
    return result


@dataclass(frozen=True)
class PurchaseSummary:
    account_id: int
    frequency: int  # repeat purchase days
    recency: float  # weeks from first to last purchase
    age: float  # weeks from first purchase to today
    monetary: float  # mean spend per repeat purchase day (0 if none)


async def purchase_summaries(
    session: AsyncSession, today: date, account_ids: Sequence[int] | None = None
) -> list[PurchaseSummary]:
    """The lifetimes-package summary of each account's transactions, one purchase per day."""
    statement = (
        select(Transaction.account_id, Transaction.occurred_on, func.sum(Transaction.amount))
        .where(Transaction.occurred_on <= today)
        .group_by(Transaction.account_id, Transaction.occurred_on)
        .order_by(Transaction.account_id, Transaction.occurred_on)
    )
    if account_ids is not None:
        statement = statement.where(Transaction.account_id.in_(list(account_ids)))
    days: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    connection = await session.connection()
    for account_id, on, amount in await connection.execute(statement):
        days[account_id].append((on, Decimal(amount)))
    result = []
    for account_id, purchases in days.items():
        first, last = purchases[0][0], purchases[-1][0]
        repeats = purchases[1:]
        monetary = float(sum(a for _, a in repeats) / len(repeats)) if repeats else 0.0
        result.append(
            PurchaseSummary(
                account_id,
                len(repeats),
                (last - first).days / WEEK_DAYS,
                (today - first).days / WEEK_DAYS,
                monetary,
            )
        )
    return result
