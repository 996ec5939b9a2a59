"""Feedback queries (reads only; the services write)."""

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from domain.feedback import policies
from domain.feedback.models import (
    Idea,
    IdeaAccountDemand,
    IdeaStatus,
    IdeaStatusTransition,
    IdeaVote,
)
from domain.identity.models import Account, AccountSegment
from domain.identity.policies import Actor

OPEN_STATUSES = (
    IdeaStatus.NEW,
    IdeaStatus.UNDER_REVIEW,
    IdeaStatus.PLANNED,
    IdeaStatus.IN_PROGRESS,
)

# The default workflow, used while no transitions are configured.
DEFAULT_TRANSITIONS: frozenset[tuple[IdeaStatus, IdeaStatus]] = frozenset(
    {
        (IdeaStatus.NEW, IdeaStatus.UNDER_REVIEW),
        (IdeaStatus.UNDER_REVIEW, IdeaStatus.PLANNED),
        (IdeaStatus.PLANNED, IdeaStatus.IN_PROGRESS),
        (IdeaStatus.IN_PROGRESS, IdeaStatus.SHIPPED),
        *((status, IdeaStatus.DECLINED) for status in OPEN_STATUSES),
        (IdeaStatus.DECLINED, IdeaStatus.UNDER_REVIEW),  # reconsidered
    }
)


class IdeaOrder(StrEnum):
    IMPACT = "IMPACT"
    NEWEST = "NEWEST"


async def idea_by_id(
    session: AsyncSession, actor: Actor, idea_id: int, *, for_update: bool = False
) -> Idea | None:
    statement = policies.readable_ideas(actor, select(Idea).where(Idea.id == idea_id))
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(statement)


async def lock_idea(session: AsyncSession, idea_id: int) -> Idea | None:
    """The idea, row-locked until commit (PostgreSQL; SQLite writers are serialised anyway)."""
    statement = (
        select(Idea)
        .where(Idea.id == idea_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return await session.scalar(statement)


def idea_list(
    actor: Actor,
    *,
    statuses: Sequence[IdeaStatus] | None = None,
    product_area: str | None = None,
    voted_by: int | None = None,
    order: IdeaOrder = IdeaOrder.IMPACT,
) -> tuple[Select[Idea], list[InstrumentedAttribute[Any]]]:
    """Readable ideas with filters, and the keyset keys of the order (descending)."""
    statement = policies.readable_ideas(actor, select(Idea))
    if statuses:
        statement = statement.where(Idea.status.in_(list(statuses)))
    else:
        statement = statement.where(Idea.status != IdeaStatus.DUPLICATE)
    if product_area is not None:
        statement = statement.where(Idea.product_area == product_area)
    if voted_by is not None:
        # a vote on a merged idea counts for the open idea it was merged into
        on = aliased(Idea)
        voted = (
            select(func.coalesce(on.merge_root_id, on.id))
            .join(IdeaVote, IdeaVote.idea_id == on.id)
            .where(IdeaVote.member_id == voted_by)
        )
        statement = statement.where(Idea.id.in_(voted))
    if order is IdeaOrder.NEWEST:
        return statement, [Idea.id]
    return statement, [Idea.impact_score, Idea.id]


async def top_ideas_for_accounts(
    session: AsyncSession, account_ids: Sequence[int], limit: int
) -> list[Idea]:
    """Open ideas the given accounts asked for, highest impact first (board agendas)."""
    if not account_ids:
        return []
    asked = select(IdeaAccountDemand.idea_id).where(
        IdeaAccountDemand.account_id.in_(list(account_ids))
    )
    rows = await session.scalars(
        select(Idea)
        .where(Idea.id.in_(asked), Idea.status.in_(OPEN_STATUSES))
        .order_by(Idea.impact_score.desc(), Idea.id.desc())
        .limit(limit)
    )
    return list(rows)


async def allowed_transitions(session: AsyncSession) -> set[tuple[IdeaStatus, IdeaStatus]]:
    rows = (await session.execute(select(IdeaStatusTransition))).scalars().all()
    if not rows:
        return set(DEFAULT_TRANSITIONS)
    return {(row.from_status, row.to_status) for row in rows}


async def votes_of(
    session: AsyncSession, member_id: int, idea_ids: Sequence[int]
) -> dict[int, IdeaVote]:
    """The member's vote that counts on each open idea (it may be on an idea merged into it)."""
    root = func.coalesce(Idea.merge_root_id, Idea.id)
    rows = await session.execute(
        select(IdeaVote, root)
        .join(Idea, Idea.id == IdeaVote.idea_id)
        .where(
            IdeaVote.member_id == member_id,
            or_(Idea.id.in_(idea_ids), Idea.merge_root_id.in_(idea_ids)),
        )
    )
    by_root: dict[int, list[IdeaVote]] = {}
    for vote, root_id in rows:
        by_root.setdefault(root_id, []).append(vote)
    found = {}
    for root_id, votes in by_root.items():
        counted = min(votes, key=lambda v: (v.idea_id != root_id, v.id))  # demand.effective
        if root_id in idea_ids:
            found[root_id] = counted
    return found


async def counted_votes(session: AsyncSession, idea_id: int, limit: int) -> list[IdeaVote]:
    """The votes that count for the open idea, one per member (their vote on it, else their
    earliest on an idea merged into it), earliest first."""
    group = select(Idea.id).where(or_(Idea.id == idea_id, Idea.merge_root_id == idea_id))
    own_first = case((IdeaVote.idea_id == idea_id, 0), else_=1)
    ranked = (
        select(
            IdeaVote.id,
            func.row_number()
            .over(partition_by=IdeaVote.member_id, order_by=(own_first, IdeaVote.id))
            .label("n"),
        )
        .where(IdeaVote.idea_id.in_(group))
        .subquery()
    )
    counted = select(ranked.c.id).where(ranked.c.n == 1)
    rows = await session.scalars(
        select(IdeaVote)
        .where(IdeaVote.id.in_(counted))
        .order_by(IdeaVote.created_at, IdeaVote.id)
        .limit(limit)
    )
    return list(rows)


def group_votes(idea_id: int) -> Select[IdeaVote]:
    """The votes on the idea and on every idea merged into it (a member may have two)."""
    group = select(Idea.id).where(or_(Idea.id == idea_id, Idea.merge_root_id == idea_id))
    return select(IdeaVote).where(IdeaVote.idea_id.in_(group))


async def segment_breakdown(
    session: AsyncSession, idea_ids: Sequence[int]
) -> dict[int, list[tuple[AccountSegment | None, int, int]]]:
    """Per idea: (segment, accounts, ARR cents), each account once."""
    rows = await session.execute(
        select(
            IdeaAccountDemand.idea_id,
            Account.segment,
            func.count(),
            func.coalesce(func.sum(IdeaAccountDemand.arr_cents), 0),
        )
        .join(Account, Account.id == IdeaAccountDemand.account_id)
        .join(Idea, Idea.id == IdeaAccountDemand.idea_id)
        # a merged idea's demand counts for its open idea (its own rows wait for an undo)
        .where(IdeaAccountDemand.idea_id.in_(idea_ids), Idea.merge_root_id.is_(None))
        .group_by(IdeaAccountDemand.idea_id, Account.segment)
        .order_by(IdeaAccountDemand.idea_id, Account.segment)
    )
    result: dict[int, list[tuple[AccountSegment | None, int, int]]] = {i: [] for i in idea_ids}
    for idea_id, segment, accounts, arr in rows:
        result[idea_id].append((segment, int(accounts), int(arr)))
    return result
