"""Demand aggregates on the idea row and per (idea, account).

Votes change them incrementally under the idea's row lock (services/voting.py). Merges, undos
and ARR changes recompute them from the votes, so any drift is repaired by the next recompute.
"""

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import BigInteger, case, cast, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.feedback.impact import ImpactWeights, load_weights
from domain.feedback.models import (
    IMPORTANCE_RANK,
    Idea,
    IdeaAccountDemand,
    IdeaVote,
    Importance,
)
from domain.identity.models import Account

_RANK = case(
    *((IdeaVote.importance == importance, rank) for importance, rank in IMPORTANCE_RANK.items()),
    else_=0,
)


def arr_cents(arr: Decimal | None) -> int:
    return int((arr or Decimal(0)) * 100)


def count_importance(idea: Idea, importance: Importance, delta: int) -> None:
    if importance is Importance.MUST_HAVE:
        idea.must_have_count += delta
    elif importance is Importance.IMPORTANT:
        idea.important_count += delta
    else:
        idea.nice_to_have_count += delta


async def recompute(session: AsyncSession, idea_ids: Sequence[int]) -> None:
    """Rebuilds the ideas' demand rows and counters from their votes and accounts' ARR now.

    Set-based: a fixed number of statements however many votes and accounts the ideas have
    (the demand rows are rebuilt with one INSERT ... SELECT ... GROUP BY, the counters come
    from aggregate queries), so merging a 10,000-vote idea costs what merging a 10-vote one
    does in round trips."""
    if not idea_ids:
        return
    ids = sorted(set(idea_ids))
    weights = await load_weights(session)
    await session.execute(delete(IdeaAccountDemand).where(IdeaAccountDemand.idea_id.in_(ids)))
    per_account = (
        select(
            IdeaVote.idea_id,
            IdeaVote.account_id,
            func.count(),
            func.max(_RANK),
            func.coalesce(cast(func.round(Account.arr * 100), BigInteger), 0),
        )
        .join(Account, Account.id == IdeaVote.account_id)
        .where(IdeaVote.idea_id.in_(ids))
        .group_by(IdeaVote.idea_id, IdeaVote.account_id, Account.arr)
    )
    await session.execute(
        insert(IdeaAccountDemand).from_select(
            ["idea_id", "account_id", "voter_count", "max_importance_rank", "arr_cents"],
            per_account,
        )
    )
    await _recount(session, ids, weights)


async def _recount(session: AsyncSession, ids: list[int], weights: ImpactWeights) -> None:
    votes = await session.execute(
        select(IdeaVote.idea_id, IdeaVote.importance, func.count())
        .where(IdeaVote.idea_id.in_(ids))
        .group_by(IdeaVote.idea_id, IdeaVote.importance)
    )
    accounts = await session.execute(
        select(
            IdeaAccountDemand.idea_id,
            func.count(),
            func.coalesce(func.sum(IdeaAccountDemand.arr_cents), 0),
        )
        .where(IdeaAccountDemand.idea_id.in_(ids))
        .group_by(IdeaAccountDemand.idea_id)
    )
    ideas = {
        idea.id: idea
        for idea in await session.scalars(
            select(Idea).where(Idea.id.in_(ids)).execution_options(populate_existing=True)
        )
    }
    for idea in ideas.values():
        idea.voter_count = idea.account_count = idea.arr_cents = 0
        idea.nice_to_have_count = idea.important_count = idea.must_have_count = 0
    for idea_id, importance, count in votes:
        count_importance(ideas[idea_id], importance, int(count))
        ideas[idea_id].voter_count += int(count)
    for idea_id, count, total in accounts:
        ideas[idea_id].account_count = int(count)
        ideas[idea_id].arr_cents = int(total)
    for idea in ideas.values():
        idea.impact_score = weights.score(idea)
    await session.flush()


async def account_arr_changed(session: AsyncSession, account_id: int) -> int:
    """An account's ARR changed: re-sum the ideas it asked for. Returns how many changed."""
    account = await session.get(Account, account_id, populate_existing=True)
    if account is None:
        return 0
    cents = arr_cents(account.arr)
    stale = list(
        await session.scalars(
            select(IdeaAccountDemand.idea_id).where(
                IdeaAccountDemand.account_id == account_id, IdeaAccountDemand.arr_cents != cents
            )
        )
    )
    for start in range(0, len(stale), 500):
        batch = sorted(stale[start : start + 500])
        # Lock in id order, like votes do one at a time, so two recomputes cannot deadlock.
        await session.execute(
            select(Idea.id).where(Idea.id.in_(batch)).order_by(Idea.id).with_for_update()
        )
        await recompute(session, batch)
    return len(stale)


async def recompute_all_scores(session: AsyncSession) -> None:
    """After a change of weights: every idea's score from its counters, in one statement."""
    weights = await load_weights(session)
    await session.execute(update(Idea).values(impact_score=weights.score_sql()))
