"""Votes and proxy votes, and the demand they add to the idea.

A vote locks its idea's row first (SELECT ... FOR UPDATE on PostgreSQL; SQLite writers begin
IMMEDIATE and so run one at a time). Under that lock the per-(idea, account) demand row and
the idea's counters change by exact increments: the account's ARR is added only when its first
voter arrives and taken away when its last leaves, so 1,000 concurrent votes leave exact sums.
A vote is one INSERT (refused if the member already votes anywhere in the idea's vote group,
see services/demand.py), one demand UPSERT that says whether the account is new, and one
UPDATE of the idea's counters.
"""

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    Table,
    bindparam,
    delete,
    exists,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from domain.feedback import events, policies
from domain.feedback.errors import FeedbackErrorCode as Code
from domain.feedback.errors import failure, not_found
from domain.feedback.impact import SETTINGS_ID, ImpactWeights, load_weights, weights_from
from domain.feedback.models import (
    IMPORTANCE_RANK,
    FeedbackSettings,
    Idea,
    IdeaAccountDemand,
    IdeaVote,
    Importance,
    ProxySource,
)
from domain.feedback.services.common import readable_idea, require_open_idea
from domain.feedback.services.demand import (
    account_arr_cents,
    count_importance,
    effective,
    highest_ask,
    merged_into,
    vote_group,
)
from domain.identity.models import Account, AccountKind, Member, MemberStatus
from domain.identity.policies import Actor
from domain.shared.database import commit_without_waiting_for_the_disk
from domain.shared.errors import Forbidden
from domain.shared.models import Id, utcnow
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
    idea, weights = await _lock_with_weights(session, actor, idea_id)
    await commit_without_waiting_for_the_disk(session)  # a lost vote is cast again
    return idea, await _add_vote(
        session, idea, weights, actor.member_id, actor.account_id, importance, actor.member_id, None
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
    idea, weights = await _lock_with_weights(session, actor, new.idea_id)
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
        session, idea, weights, contact.id, account.id, new.importance, actor.member_id, proxy
    )


async def unvote(session: AsyncSession, actor: Actor, idea_id: int) -> Idea:
    """Takes the member's vote back (with any they cast on ideas merged into this one); the
    account's ARR leaves with its last voter."""
    if not actor.can_write:
        raise Forbidden("this token is read-only")
    idea = await readable_idea(session, actor, idea_id, lock=True)
    require_open_idea(idea)
    removed = (
        await session.execute(
            delete(IdeaVote)
            .where(IdeaVote.member_id == actor.member_id, IdeaVote.idea_id.in_(vote_group(idea.id)))
            .returning(IdeaVote.id, IdeaVote.idea_id, IdeaVote.account_id, IdeaVote.importance)
            .execution_options(synchronize_session=False)
        )
    ).all()
    counted = effective(removed, idea.id)  # type: ignore[arg-type]
    if counted is None:
        raise failure(Code.NOT_VOTED, "you have not voted on this idea", "ideaId")
    weights = await load_weights(session)
    await _leave_account(session, idea, counted.account_id)
    idea.voter_count -= 1
    count_importance(idea, Importance(counted.importance), -1)
    idea.impact_score = weights.score(idea)
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
    mine = await session.scalars(
        select(IdeaVote)
        .where(IdeaVote.member_id == actor.member_id, IdeaVote.idea_id.in_(vote_group(idea.id)))
        .execution_options(populate_existing=True)
    )
    cast = effective(mine, idea.id)
    if cast is None:
        raise failure(Code.NOT_VOTED, "you have not voted on this idea", "ideaId")
    old = Importance(cast.importance)
    if old is importance:
        return idea, cast
    weights = await load_weights(session)
    cast.importance = importance
    count_importance(idea, old, -1)
    count_importance(idea, importance, 1)
    await session.flush()
    top = await highest_ask(session, idea.id, cast.account_id)
    await session.execute(
        update(IdeaAccountDemand)
        .where(
            IdeaAccountDemand.idea_id == idea.id, IdeaAccountDemand.account_id == cast.account_id
        )
        .values(max_importance_rank=top)
        .execution_options(synchronize_session=False)
    )
    idea.impact_score = weights.score(idea)
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
    weights: ImpactWeights,
    member_id: int,
    account_id: int,
    importance: Importance,
    actor_id: int,
    proxy: tuple[int, ProxySource, str | None] | None,
) -> IdeaVote:
    require_open_idea(idea)
    values = {
        "idea_id": idea.id,
        "member_id": member_id,
        "account_id": account_id,
        "importance": importance,
        "proxy": proxy is not None,
        "recorded_by_id": proxy[0] if proxy else None,
        "proxy_source": proxy[1] if proxy else None,
        "proxy_note": proxy[2] if proxy else None,
        "created_at": utcnow(),
    }
    vote_id = await _insert_vote(session, values)
    if vote_id is None:
        field = "memberId" if proxy else "ideaId"
        raise failure(Code.ALREADY_VOTED, "a vote for this member is already counted", field)
    cast = IdeaVote(id=vote_id, **values)  # as inserted (not added: nothing more to write)
    await _join_account(session, idea, account_id, IMPORTANCE_RANK[importance])
    idea.voter_count += 1
    count_importance(idea, importance, 1)
    idea.impact_score = weights.score(idea)
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
    await session.flush()  # the counters and the event: one flush
    return cast


async def _lock_with_weights(
    session: AsyncSession, actor: Actor, idea_id: int
) -> tuple[Idea, ImpactWeights]:
    """The readable idea, row-locked, and the impact weights: one round trip (the weights are
    read before any change, so the idea's counters and score go out in one UPDATE)."""
    parameters = {"idea_id": idea_id, **policies.reader_params(actor)}
    found = (await session.execute(_lock_statement(actor.is_staff), parameters)).first()
    if found is None:
        raise not_found("idea", "ideaId")
    idea, settings = found
    return idea, weights_from(settings)


# A vote's statements are built once per dialect (or kind of reader) with bound parameters:
# built per request, SQLAlchemy spent more CPU constructing them and computing their cache keys
# (about 2.4 ms a vote with bench/feedback.py's data) than the database spent running them.


@cache
def _lock_statement(staff: bool) -> Select[Idea, FeedbackSettings]:
    readable = policies.readable_ideas_once(
        staff, select(Idea).where(Idea.id == bindparam("idea_id"))
    )
    return (
        readable.add_columns(FeedbackSettings)
        .outerjoin(FeedbackSettings, FeedbackSettings.id == SETTINGS_ID)
        .with_for_update(of=Idea)
        .execution_options(populate_existing=True)
    )


async def _insert_vote(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """The new vote's id, or None if the member already votes on the idea or on one merged
    into it: one INSERT ... SELECT ... WHERE NOT EXISTS ... ON CONFLICT DO NOTHING."""
    statement = _insert_vote_statement(dialect_name(session))
    return (await session.execute(statement, values)).scalar()


_VOTE_COLUMNS = (
    "idea_id",
    "member_id",
    "account_id",
    "importance",
    "proxy",
    "recorded_by_id",
    "proxy_source",
    "proxy_note",
    "created_at",
)


@cache
def _insert_vote_statement(dialect: str) -> ReturningInsert[Any]:
    table: Table = IdeaVote.__table__  # type: ignore[assignment]
    votes = table.c
    row = select(*(bindparam(name, type_=votes[name].type) for name in _VOTE_COLUMNS))
    elsewhere = select(votes.id).where(
        votes.member_id == bindparam("member_id"),
        votes.idea_id.in_(merged_into(bindparam("idea_id"))),
    )
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(table)
        .from_select(list(_VOTE_COLUMNS), row.where(~exists(elsewhere)))
        .on_conflict_do_nothing()
        .returning(votes.id)
    )


async def _join_account(session: AsyncSession, idea: Idea, account_id: int, rank: int) -> None:
    """Counts one more voter for the account: one UPSERT of its demand row; if the row is new,
    the account (and its ARR, once) joins the idea's demand."""
    statement = _join_account_statement(dialect_name(session))
    parameters = {"idea_id": idea.id, "account_id": account_id, "rank": rank}
    voters, cents = (await session.execute(statement, parameters)).one()
    if voters == 1:
        idea.account_count += 1
        idea.arr_cents += cents


@cache
def _join_account_statement(dialect: str) -> ReturningInsert[Any]:
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    higher = func.greatest if dialect == "postgresql" else func.max  # SQLite: 2-argument max()
    table: Table = IdeaAccountDemand.__table__  # type: ignore[assignment]
    new = insert(table).from_select(
        ["idea_id", "account_id", "voter_count", "max_importance_rank", "arr_cents"],
        select(
            bindparam("idea_id", type_=Id),
            Account.id,
            literal(1),
            bindparam("rank", type_=Integer),
            account_arr_cents(),
        ).where(Account.id == bindparam("account_id")),
    )
    return new.on_conflict_do_update(
        index_elements=[table.c.idea_id, table.c.account_id],
        set_={
            "voter_count": table.c.voter_count + 1,
            "max_importance_rank": higher(
                table.c.max_importance_rank, new.excluded.max_importance_rank
            ),
        },
    ).returning(table.c.voter_count, table.c.arr_cents)


async def _leave_account(session: AsyncSession, idea: Idea, account_id: int) -> None:
    """Counts one voter less for the account; its last voter takes its ARR away."""
    table = IdeaAccountDemand.__table__.c
    key = (table.idea_id == idea.id, table.account_id == account_id)
    voters, cents = (
        await session.execute(
            update(IdeaAccountDemand)
            .where(*key)
            .values(voter_count=table.voter_count - 1)
            .returning(IdeaAccountDemand.voter_count, IdeaAccountDemand.arr_cents)
            .execution_options(synchronize_session=False)
        )
    ).one()
    if voters == 0:
        await session.execute(delete(IdeaAccountDemand).where(*key))
        idea.account_count -= 1
        idea.arr_cents -= cents
        return
    top = await highest_ask(session, idea.id, account_id)
    await session.execute(
        update(IdeaAccountDemand)
        .where(*key)
        .values(max_importance_rank=top)
        .execution_options(synchronize_session=False)
    )


def _as_contact(member: Member, account: Account) -> Actor:
    from domain.identity.models import Role

    return Actor(
        member_id=member.id,
        account_id=account.id,
        account_kind=account.kind,
        roles=frozenset({Role.MEMBER}),
    )
