"""Votes and proxy votes, and the demand they add to the idea.

A vote locks its idea's row first (SELECT ... FOR UPDATE on PostgreSQL; SQLite writers begin
IMMEDIATE and so run one at a time). Under that lock the per-(idea, account) demand row and
the idea's counters change by exact increments: the account's ARR is added only when its first
voter arrives and taken away when its last leaves, so 1,000 concurrent votes leave exact sums.
"""

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.feedback import events, policies
from domain.feedback.errors import FeedbackErrorCode as Code
from domain.feedback.errors import failure, not_found
from domain.feedback.impact import load_weights
from domain.feedback.models import (
    IMPORTANCE_RANK,
    Idea,
    IdeaAccountDemand,
    IdeaVote,
    Importance,
    ProxySource,
)
from domain.feedback.services.common import readable_idea, require_open_idea
from domain.feedback.services.demand import arr_cents, count_importance
from domain.identity.models import Account, AccountKind, Member, MemberStatus
from domain.identity.policies import Actor
from domain.shared.errors import Forbidden
from domain.shared.models import utcnow
from domain.shared.upsert import dialect_name
from domain.shared.validation import Checker


@dataclass(frozen=True)
class ProxyVote:
    idea_id: int
    member_id: int  # the customer contact the vote counts for
    importance: Importance
    source: ProxySource
    note: str | None = None


async def vote(
    session: AsyncSession, actor: Actor, idea_id: int, importance: Importance
) -> tuple[Idea, IdeaVote]:
    """One vote per member per idea, counted for the member's account."""
    if not actor.can_write:
        raise Forbidden("this token is read-only")
    if not policies.can_vote(actor):
        raise failure(
            Code.NOT_A_CUSTOMER,
            "staff record proxy votes for customers instead of voting",
            "ideaId",
        )
    idea = await readable_idea(session, actor, idea_id, lock=True)
    return idea, await _add_vote(
        session, idea, actor.member_id, actor.account_id, importance, actor.member_id, None
    )


async def record_proxy_vote(
    session: AsyncSession, actor: Actor, new: ProxyVote
) -> tuple[Idea, IdeaVote]:
    """Staff record a vote heard on a call or in a ticket; it counts for the contact's account."""
    if not policies.can_record_proxy_vote(actor):
        raise Forbidden("only staff record proxy votes")
    check = Checker(Code.INVALID_VALUE)
    note = check.text("note", new.note, max_length=1000)
    check.raise_if_any()
    idea = await readable_idea(session, actor, new.idea_id, lock=True)
    contact = await session.get(Member, new.member_id)
    account = await session.get(Account, contact.account_id) if contact else None
    if contact is None or account is None or contact.status is MemberStatus.DEACTIVATED:
        raise not_found("member", "memberId")
    if account.kind is not AccountKind.CUSTOMER:
        raise failure(Code.NOT_A_CUSTOMER, "proxy votes are for customer contacts", "memberId")
    if not policies.can_see_idea(_as_contact(contact, account), idea):
        raise not_found("idea", "ideaId")  # the contact could not see this idea
    proxy = (actor.member_id, new.source, note)
    return idea, await _add_vote(
        session, idea, contact.id, account.id, new.importance, actor.member_id, proxy
    )


async def unvote(session: AsyncSession, actor: Actor, idea_id: int) -> Idea:
    """Takes the member's vote back; the account's ARR leaves with its last voter."""
    if not actor.can_write:
        raise Forbidden("this token is read-only")
    idea = await readable_idea(session, actor, idea_id, lock=True)
    require_open_idea(idea)
    removed = (
        await session.execute(
            delete(IdeaVote)
            .where(IdeaVote.idea_id == idea.id, IdeaVote.member_id == actor.member_id)
            .returning(IdeaVote.account_id, IdeaVote.importance)
        )
    ).first()
    if removed is None:
        raise failure(Code.NOT_VOTED, "you have not voted on this idea", "ideaId")
    account_id, importance = removed
    demand = await session.get(IdeaAccountDemand, (idea.id, account_id), populate_existing=True)
    assert demand is not None
    demand.voter_count -= 1
    if demand.voter_count == 0:
        idea.account_count -= 1
        idea.arr_cents -= demand.arr_cents
        await session.delete(demand)
    else:
        ranks = select(IdeaVote.importance).where(
            IdeaVote.idea_id == idea.id, IdeaVote.account_id == account_id
        )
        demand.max_importance_rank = max(IMPORTANCE_RANK[i] for i in await session.scalars(ranks))
    idea.voter_count -= 1
    count_importance(idea, Importance(importance), -1)
    idea.impact_score = (await load_weights(session)).score(idea)
    await session.flush()
    events.emit(session, events.IDEA_UNVOTED, idea_id=idea.id, member_id=actor.member_id)
    return idea


async def change_importance(
    session: AsyncSession, actor: Actor, idea_id: int, importance: Importance
) -> tuple[Idea, IdeaVote]:
    """A voter changes how much they need it (like Canny's vote priority): the vote, its date
    and its account stay; the importance counts, the account's highest ask and the impact
    score move, under the idea's row lock like any vote."""
    if not actor.can_write:
        raise Forbidden("this token is read-only")
    idea = await readable_idea(session, actor, idea_id, lock=True)
    require_open_idea(idea)
    cast = await session.scalar(
        select(IdeaVote)
        .where(IdeaVote.idea_id == idea.id, IdeaVote.member_id == actor.member_id)
        .execution_options(populate_existing=True)
    )
    if cast is None:
        raise failure(Code.NOT_VOTED, "you have not voted on this idea", "ideaId")
    old = Importance(cast.importance)
    if old is importance:
        return idea, cast
    cast.importance = importance
    count_importance(idea, old, -1)
    count_importance(idea, importance, 1)
    await session.flush()
    demand = await session.get(
        IdeaAccountDemand, (idea.id, cast.account_id), populate_existing=True
    )
    assert demand is not None
    ranks = select(IdeaVote.importance).where(
        IdeaVote.idea_id == idea.id, IdeaVote.account_id == cast.account_id
    )
    demand.max_importance_rank = max(IMPORTANCE_RANK[i] for i in await session.scalars(ranks))
    idea.impact_score = (await load_weights(session)).score(idea)
    await session.flush()
    events.emit(
        session,
        events.IDEA_VOTE_CHANGED,
        idea_id=idea.id,
        member_id=actor.member_id,
        account_id=cast.account_id,
        old_importance=old.value,
        importance=importance.value,
    )
    return idea, cast


async def _add_vote(
    session: AsyncSession,
    idea: Idea,
    member_id: int,
    account_id: int,
    importance: Importance,
    actor_id: int,
    proxy: tuple[int, ProxySource, str | None] | None,
) -> IdeaVote:
    require_open_idea(idea)
    weights = await load_weights(session)  # read before any change: one UPDATE of the idea
    now = utcnow()
    values = {
        "idea_id": idea.id,
        "member_id": member_id,
        "account_id": account_id,
        "importance": importance,
        "proxy": proxy is not None,
        "recorded_by_id": proxy[0] if proxy else None,
        "proxy_source": proxy[1] if proxy else None,
        "proxy_note": proxy[2] if proxy else None,
        "created_at": now,
    }
    insert = postgresql_insert if dialect_name(session) == "postgresql" else sqlite_insert
    vote_id = await session.scalar(
        insert(IdeaVote).values(values).on_conflict_do_nothing().returning(IdeaVote.id)
    )
    if vote_id is None:
        field = "memberId" if proxy else "ideaId"
        raise failure(Code.ALREADY_VOTED, "a vote for this member is already counted", field)
    cast = IdeaVote(id=vote_id, **values)  # as inserted (not added: nothing more to write)
    demand = await session.get(IdeaAccountDemand, (idea.id, account_id), populate_existing=True)
    rank = IMPORTANCE_RANK[importance]
    if demand is None:
        account_arr = await session.scalar(select(Account.arr).where(Account.id == account_id))
        demand = IdeaAccountDemand(
            idea_id=idea.id,
            account_id=account_id,
            voter_count=0,
            max_importance_rank=0,
            arr_cents=arr_cents(account_arr),
        )
        session.add(demand)
        idea.account_count += 1
        idea.arr_cents += demand.arr_cents
    demand.voter_count += 1
    demand.max_importance_rank = max(demand.max_importance_rank, rank)
    idea.voter_count += 1
    count_importance(idea, importance, 1)
    idea.impact_score = weights.score(idea)
    await session.flush()
    events.emit(
        session,
        events.IDEA_VOTED,
        idea_id=idea.id,
        member_id=member_id,
        account_id=account_id,
        importance=importance.value,
        proxy=proxy is not None,
        actor_id=actor_id,
    )
    return cast


def _as_contact(member: Member, account: Account) -> Actor:
    from domain.identity.models import Role

    return Actor(
        member_id=member.id,
        account_id=account.id,
        account_kind=account.kind,
        roles=frozenset({Role.MEMBER}),
    )
