"""Demand aggregates on the idea row and per (idea, account), and the votes they count.

Votes never move when ideas merge: a merged idea points at the open idea its votes count for
(`Idea.merge_root_id`), and an open idea's *vote group* is itself plus every idea pointing at
it. Its demand counts each member of the group once, by their *effective* vote: the one on the
open idea itself if they voted there, else their earliest in the group (so a member who voted on
both a duplicate and the original keeps the original's vote, as before merges stopped moving
rows). Each account counts once with its ARR.

Votes change the aggregates incrementally under the open idea's row lock (services/voting.py).
Merges, undos and ARR changes recompute them from the effective votes with set-based SQL, so
any drift is repaired by the next recompute.
"""

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    Subquery,
    Table,
    bindparam,
    case,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from domain.feedback.impact import load_weights, rescore_all
from domain.feedback.models import (
    IMPORTANCE_RANK,
    Idea,
    IdeaAccountDemand,
    IdeaVote,
    Importance,
)
from domain.identity.models import Account
from domain.shared.models import Id
from domain.shared.upsert import dialect_name


def importance_rank(column: Any) -> ColumnElement[int]:
    return case(*((column == level, rank) for level, rank in IMPORTANCE_RANK.items()), else_=0)


def account_arr_cents() -> ColumnElement[int]:
    """The account's ARR in cents (0 without one), as every demand row stores it."""
    return func.coalesce(cast(func.round(Account.arr * 100), BigInteger), 0)


def arr_cents(arr: Decimal | None) -> int:
    return int((arr or Decimal(0)) * 100)


def count_importance(idea: Idea, importance: Importance, delta: int) -> None:
    if importance is Importance.MUST_HAVE:
        idea.must_have_count += delta
    elif importance is Importance.IMPORTANT:
        idea.important_count += delta
    else:
        idea.nice_to_have_count += delta


def vote_group(idea_id: int) -> Select[int]:
    """The ideas whose votes count for the open idea `idea_id`: itself and those merged in."""
    return select(Idea.id).where(or_(Idea.id == idea_id, Idea.merge_root_id == idea_id))


def merged_into(idea_id: int | ColumnElement[int]) -> Select[int]:
    """The ideas merged (through any chain) into the open idea `idea_id`."""
    return select(Idea.id).where(Idea.merge_root_id == idea_id)


def effective(votes: Iterable[IdeaVote], root_id: int) -> IdeaVote | None:
    """Of one member's votes in a group, the one that counts (see the module's docstring)."""
    return min(votes, key=lambda v: (v.idea_id != root_id, v.id), default=None)


def effective_votes(root_ids: Sequence[int], account_id: int | None = None) -> Subquery:
    """Each member's effective vote in the groups of the open ideas `root_ids`: (root_id,
    member_id, account_id, importance). With `account_id`: only that account's voters (their
    other votes in the group still decide which one counts).

    One ranked SELECT per open idea (UNION ALL), its id a constant: the votes are found
    through their unique (idea_id, member_id) index without looking up each one's idea."""
    per_root = []
    for root_id in root_ids:
        ranked = select(
            literal(root_id, Id).label("root_id"),
            IdeaVote.member_id,
            IdeaVote.account_id,
            IdeaVote.importance,
            func.row_number()
            .over(
                partition_by=IdeaVote.member_id,
                order_by=(case((IdeaVote.idea_id == root_id, 0), else_=1), IdeaVote.id),
            )
            .label("n"),
        ).where(IdeaVote.idea_id.in_(vote_group(root_id)))
        if account_id is not None:
            voters = select(IdeaVote.member_id).where(
                IdeaVote.account_id == account_id, IdeaVote.idea_id.in_(vote_group(root_id))
            )
            ranked = ranked.where(IdeaVote.member_id.in_(voters))
        per_root.append(ranked)
    inner = (per_root[0] if len(per_root) == 1 else union_all(*per_root)).subquery("ranked")
    counted = select(
        inner.c.root_id, inner.c.member_id, inner.c.account_id, inner.c.importance
    ).where(inner.c.n == 1)
    if account_id is not None:
        counted = counted.where(inner.c.account_id == account_id)
    return counted.subquery("effective")


async def highest_ask(session: AsyncSession, root_id: int, account_id: int) -> int:
    """The highest importance rank among the account's effective votes on the idea (0: none)."""
    votes = effective_votes([root_id], account_id)
    top = await session.scalar(select(func.max(importance_rank(votes.c.importance))))
    return int(top or 0)


async def recompute(session: AsyncSession, idea_ids: Sequence[int]) -> None:
    """Rebuilds the open ideas' demand rows and counters from their groups' effective votes
    and the accounts' ARR now. A merged idea's counters are zero (its votes count for its open
    idea); its demand rows stay as they were, unread while it is merged (every reader skips
    merged ideas), so an undo that changes nothing writes nothing.

    Set-based: a fixed number of statements however many votes and accounts the ideas have
    (the demand rows are rebuilt with one INSERT ... SELECT ... GROUP BY, the counters come
    from aggregate queries)."""
    if not idea_ids:
        return
    ids = sorted(set(idea_ids))
    weights = await load_weights(session)
    ideas = {
        idea.id: idea
        for idea in await session.scalars(
            select(Idea).where(Idea.id.in_(ids)).execution_options(populate_existing=True)
        )
    }
    roots = [i for i, idea in ideas.items() if idea.merge_root_id is None]
    await session.flush()  # anything pending goes first; from here on, plain values
    counters = {i: dict.fromkeys(_COUNTERS, 0) for i in ideas}
    if roots:
        await _rebuild(session, roots, counters)
    for values in counters.values():
        values["impact_score"] = weights.score_of(
            values["arr_cents"],
            values["nice_to_have_count"],
            values["important_count"],
            values["must_have_count"],
            values["voter_count"],
            values["account_count"],
        )
    # one executemany whatever changed (an ORM flush would group the ideas by changed columns:
    # a statement count that depends on the data)
    table: Table = Idea.__table__  # type: ignore[assignment]
    await session.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values({c: bindparam(f"b_{c}") for c in _COUNTERS}),
        [{"b_id": i, **{f"b_{c}": v for c, v in values.items()}} for i, values in counters.items()],
    )
    for idea_id, values in counters.items():  # as written: nothing left for the next flush
        for column, value in values.items():
            set_committed_value(ideas[idea_id], column, value)


_COUNTERS = (
    "voter_count",
    "account_count",
    "arr_cents",
    "nice_to_have_count",
    "important_count",
    "must_have_count",
    "impact_score",
)
_LEVEL_COUNTER = {
    Importance.NICE_TO_HAVE: "nice_to_have_count",
    Importance.IMPORTANT: "important_count",
    Importance.MUST_HAVE: "must_have_count",
}


async def _rebuild(
    session: AsyncSession, roots: list[int], counters: dict[int, dict[str, int]]
) -> None:
    votes = effective_votes(roots)
    per_account = (
        select(
            votes.c.root_id,
            votes.c.account_id,
            func.count(),
            func.max(importance_rank(votes.c.importance)),
            account_arr_cents(),
        )
        .join(Account, Account.id == votes.c.account_id)
        .where(true())  # SQLite: an INSERT ... SELECT before ON CONFLICT needs a WHERE
        .group_by(votes.c.root_id, votes.c.account_id, Account.arr)
    )
    # Only rows that change are written: a merge mostly adds to rows that are there already,
    # and each inserted row costs foreign-key checks and index entries.
    insert = postgresql_insert if dialect_name(session) == "postgresql" else sqlite_insert
    new = insert(IdeaAccountDemand).from_select(
        ["idea_id", "account_id", "voter_count", "max_importance_rank", "arr_cents"],
        per_account,
    )
    row = IdeaAccountDemand.__table__.c
    written = (row.voter_count, row.max_importance_rank, row.arr_cents)
    computed = (new.excluded.voter_count, new.excluded.max_importance_rank, new.excluded.arr_cents)
    await session.execute(
        new.on_conflict_do_update(
            index_elements=[row.idea_id, row.account_id],
            set_={c.key: e for c, e in zip(written, computed, strict=True)},
            where=or_(*(c != e for c, e in zip(written, computed, strict=True))),
        )
    )
    for root_id in roots:  # one per idea: SQLite runs a row-value NOT IN far slower
        still = effective_votes([root_id])
        await session.execute(
            delete(IdeaAccountDemand)
            .where(
                IdeaAccountDemand.idea_id == root_id,
                IdeaAccountDemand.account_id.not_in(select(still.c.account_id)),
            )
            .execution_options(synchronize_session=False)
        )
    per_level = await session.execute(
        select(votes.c.root_id, votes.c.importance, func.count()).group_by(
            votes.c.root_id, votes.c.importance
        )
    )
    for root_id, importance, count in per_level:
        counters[root_id][_LEVEL_COUNTER[Importance(importance)]] += int(count)
        counters[root_id]["voter_count"] += int(count)
    accounts = await session.execute(
        select(
            IdeaAccountDemand.idea_id,
            func.count(),
            func.coalesce(func.sum(IdeaAccountDemand.arr_cents), 0),
        )
        .where(IdeaAccountDemand.idea_id.in_(roots))
        .group_by(IdeaAccountDemand.idea_id)
    )
    for root_id, count, total in accounts:
        counters[root_id]["account_count"] = int(count)
        counters[root_id]["arr_cents"] = int(total)


async def account_arr_changed(session: AsyncSession, account_id: int) -> int:
    """An account's ARR changed: re-sum the ideas it asked for. Returns how many changed."""
    account = await session.get(Account, account_id, populate_existing=True)
    if account is None:
        return 0
    cents = arr_cents(account.arr)
    stale = list(
        await session.scalars(
            select(IdeaAccountDemand.idea_id)
            .join(Idea, Idea.id == IdeaAccountDemand.idea_id)
            .where(
                IdeaAccountDemand.account_id == account_id,
                IdeaAccountDemand.arr_cents != cents,
                Idea.merge_root_id.is_(None),  # a merged idea's rows wait for its undo
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
    """After a change of weights: every idea's score from its counters."""
    weights = await load_weights(session)
    await session.flush()
    await rescore_all(await session.connection(), weights)
