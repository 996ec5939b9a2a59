"""Product reports: top ideas by impact, ARR exposed to declined ideas, time to respond/ship."""

from dataclasses import dataclass
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.feedback.models import Idea, IdeaAccountDemand, IdeaStatus
from domain.feedback.services.demand import arr_cents
from domain.identity.models import Account


@dataclass(frozen=True)
class ExposedAccount:
    account_id: int
    arr_cents: int
    declined_idea_ids: list[int]


@dataclass(frozen=True)
class DeclinedExposure:
    total_arr_cents: int
    accounts: list[ExposedAccount]


@dataclass(frozen=True)
class Durations:
    count: int
    mean_hours: float | None
    median_hours: float | None


async def declined_arr_exposure(session: AsyncSession) -> DeclinedExposure:
    """Accounts whose highest-importance ask (over every idea they voted on) includes a
    DECLINED idea; their ARR counts once each."""
    live = Idea.status != IdeaStatus.DUPLICATE
    top = (
        select(
            IdeaAccountDemand.account_id,
            func.max(IdeaAccountDemand.max_importance_rank).label("top"),
        )
        .join(Idea, Idea.id == IdeaAccountDemand.idea_id)
        .where(live)
        .group_by(IdeaAccountDemand.account_id)
        .subquery()
    )
    rows = await session.execute(
        select(IdeaAccountDemand.account_id, IdeaAccountDemand.idea_id, Account.arr)
        .join(Idea, Idea.id == IdeaAccountDemand.idea_id)
        .join(
            top,
            (top.c.account_id == IdeaAccountDemand.account_id)
            & (top.c.top == IdeaAccountDemand.max_importance_rank),
        )
        .join(Account, Account.id == IdeaAccountDemand.account_id)
        .where(Idea.status == IdeaStatus.DECLINED)
        .order_by(IdeaAccountDemand.account_id, IdeaAccountDemand.idea_id)
    )
    accounts: dict[int, ExposedAccount] = {}
    for account_id, idea_id, arr in rows:
        entry = accounts.setdefault(account_id, ExposedAccount(account_id, arr_cents(arr), []))
        entry.declined_idea_ids.append(idea_id)
    ordered = sorted(accounts.values(), key=lambda a: (-a.arr_cents, a.account_id))
    return DeclinedExposure(sum(a.arr_cents for a in ordered), ordered)


async def status_timing(session: AsyncSession) -> tuple[Durations, Durations]:
    """Time from NEW to the first status change, and from NEW to SHIPPED."""
    rows = (
        await session.execute(
            select(Idea.created_at, Idea.first_reviewed_at, Idea.shipped_at).where(
                Idea.first_reviewed_at.is_not(None), Idea.status != IdeaStatus.DUPLICATE
            )
        )
    ).all()
    first = [(r.first_reviewed_at - r.created_at).total_seconds() / 3600 for r in rows]
    shipped = [(r.shipped_at - r.created_at).total_seconds() / 3600 for r in rows if r.shipped_at]
    return _durations(first), _durations(shipped)


def _durations(hours: list[float]) -> Durations:
    if not hours:
        return Durations(0, None, None)
    return Durations(len(hours), round(sum(hours) / len(hours), 2), round(median(hours), 2))
