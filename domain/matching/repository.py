"""Matching queries. No rules here: callers apply the policies and the constraints."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Select,
    String,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import Account, Member, MemberStatus, account_competitors
from domain.matching.constraints import Facts
from domain.matching.models import (
    LOAD_STATUSES,
    OPEN_PAIR_STATUSES,
    BuddyPair,
    BuddyProfile,
    BuddyRole,
    MatchingProgram,
    PairOrigin,
    PairStatus,
)
from domain.matching.people import Person


def load_condition() -> ColumnElement[bool]:
    """Pairs that take a mentor's seat: agreed ones, and a published round's proposals."""
    return or_(
        BuddyPair.status.in_(LOAD_STATUSES),
        and_(BuddyPair.status == PairStatus.PROPOSED, BuddyPair.origin == PairOrigin.ROUND),
    )


def _load_subquery(member_ids: Sequence[int] | BindParameter[Any] | None) -> Any:
    statement = select(BuddyPair.mentor_id, func.count().label("load")).where(load_condition())
    if member_ids is not None:  # a few people: count their seats only, not everyone's
        statement = statement.where(BuddyPair.mentor_id.in_(member_ids))
    return statement.group_by(BuddyPair.mentor_id).subquery()


def people_statement(
    member_ids: Sequence[int] | BindParameter[Any] | None = None,
) -> Select[Any]:
    """Everyone with a buddy profile, or the given members."""
    load = _load_subquery(member_ids)
    statement = (
        select(
            BuddyProfile.member_id,
            Member.account_id,
            Member.status,
            BuddyProfile.opted_in,
            BuddyProfile.paused,
            BuddyProfile.role,
            BuddyProfile.capacity,
            func.coalesce(load.c.load, 0),
            Account.industry,
            Account.region,
            Account.employee_band,
            Member.timezone,
            BuddyProfile.maturity,
            BuddyProfile.products,
            BuddyProfile.use_cases,
            BuddyProfile.desired_outcomes,
            BuddyProfile.achieved_outcomes,
            BuddyProfile.languages,
            BuddyProfile.availability,
        )
        .join(Member, Member.id == BuddyProfile.member_id)
        .join(Account, Account.id == Member.account_id)
        .outerjoin(load, load.c.mentor_id == BuddyProfile.member_id)
        .order_by(BuddyProfile.member_id)
    )
    if member_ids is not None:
        statement = statement.where(BuddyProfile.member_id.in_(member_ids))
    return statement


def available_mentors(statement: Select[Any]) -> Select[Any]:
    return statement.where(
        BuddyProfile.opted_in.is_(True),
        BuddyProfile.paused.is_(False),
        BuddyProfile.role.in_((BuddyRole.MENTOR, BuddyRole.BOTH)),
        Member.status == MemberStatus.ACTIVE,
    )


def waiting_mentees(statement: Select[Any]) -> Select[Any]:
    """Mentees in the pool with no open pairing as mentee."""
    busy = select(BuddyPair.mentee_id).where(BuddyPair.status.in_(OPEN_PAIR_STATUSES))
    return statement.where(
        BuddyProfile.opted_in.is_(True),
        BuddyProfile.paused.is_(False),
        BuddyProfile.role.in_((BuddyRole.MENTEE, BuddyRole.BOTH)),
        Member.status == MemberStatus.ACTIVE,
        BuddyProfile.member_id.not_in(busy),
    )


# The hot statements, built once: building and keying them costs more than running them.
_MEMBER_IDS: BindParameter[Any] = bindparam("member_ids", expanding=True)
_ACCOUNT_IDS: BindParameter[Any] = bindparam("account_ids", expanding=True)
_PEOPLE_BY_IDS = people_statement(_MEMBER_IDS)


COMPETITOR = "COMPETITOR"  # a competitor relation among the facts' rows


def _facts_statement(of_members: bool, of_accounts: bool) -> CompoundSelect[Any]:
    """Pair history and competitor relations in one statement: (status or "COMPETITOR", id,
    id), optionally narrowed to some members' pairs and some accounts' relations."""
    history = select(
        cast(BuddyPair.status, String(32)), BuddyPair.mentor_id, BuddyPair.mentee_id
    ).where(
        or_(
            BuddyPair.status.in_(OPEN_PAIR_STATUSES),
            BuddyPair.status == PairStatus.DECLINED,
            BuddyPair.ended_badly.is_(True),
        )
    )
    if of_members:
        history = history.where(
            or_(BuddyPair.mentee_id.in_(_MEMBER_IDS), BuddyPair.mentor_id.in_(_MEMBER_IDS))
        )
    competitors = select(
        literal_column(f"'{COMPETITOR}'"),
        account_competitors.c.account_id,
        account_competitors.c.competitor_id,
    )
    if of_accounts:
        competitors = competitors.where(
            or_(
                account_competitors.c.account_id.in_(_ACCOUNT_IDS),
                account_competitors.c.competitor_id.in_(_ACCOUNT_IDS),
            )
        )
    return union_all(history, competitors)


_FACTS = {
    (members, accounts): _facts_statement(members, accounts)
    for members in (False, True)
    for accounts in (False, True)
}


async def people(
    session: AsyncSession, statement: Select[Any], parameters: dict[str, Any] | None = None
) -> list[Person]:
    rows = await session.execute(statement, parameters)
    return [
        Person(
            member_id=r[0],
            account_id=r[1],
            active=r[2] is MemberStatus.ACTIVE,
            opted_in=r[3],
            paused=r[4],
            role=r[5],
            capacity=r[6],
            load=r[7],
            industry=r[8],
            region=r[9],
            band=r[10],
            timezone=r[11],
            maturity=r[12],
            products=tuple(r[13] or ()),
            use_cases=tuple(r[14] or ()),
            desired_outcomes=tuple(r[15] or ()),
            achieved_outcomes=tuple(r[16] or ()),
            languages=tuple(r[17] or ()),
            availability=r[18],
        )
        for r in rows
    ]


async def people_by_ids(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, Person]:
    found = await people(session, _PEOPLE_BY_IDS, {"member_ids": list(member_ids)})
    return {p.member_id: p for p in found}


async def mentor_loads(session: AsyncSession) -> dict[int, int]:
    """Seats taken per mentor (mentors with none are left out)."""
    rows = await session.execute(
        select(BuddyPair.mentor_id, func.count())
        .where(load_condition())
        .group_by(BuddyPair.mentor_id)
    )
    return {mentor_id: count for mentor_id, count in rows}


async def facts(
    session: AsyncSession,
    *,
    mentee_ids: Sequence[int] | None = None,
    account_ids: Sequence[int] | None = None,
) -> Facts:
    """Competitor relations and pair history; narrowed to some mentees (and their accounts)
    when given, everything otherwise (a round)."""
    parameters: dict[str, Any] = {}
    if mentee_ids is not None:
        parameters["member_ids"] = list(mentee_ids)
    if account_ids is not None:
        parameters["account_ids"] = list(account_ids)
    statement = _FACTS[mentee_ids is not None, account_ids is not None]
    competitors: set[tuple[int, int]] = set()
    blocked: set[tuple[int, int]] = set()
    open_pairs: set[tuple[int, int]] = set()
    for kind, a, b in await session.execute(statement, parameters):
        if kind == COMPETITOR:
            competitors.add((a, b))
        elif kind in OPEN_PAIR_STATUSES:  # a, b: mentor, mentee
            open_pairs.update({(a, b), (b, a)})
        else:
            # Declined or ended badly: never again, whichever of the two would mentor.
            blocked.update({(a, b), (b, a)})
    return Facts(
        competitors=frozenset(competitors),
        blocked=frozenset(blocked),
        open_pairs=frozenset(open_pairs),
    )


async def program_by_id(session: AsyncSession, program_id: int) -> MatchingProgram | None:
    return await session.get(MatchingProgram, program_id)


async def profile_for_update(session: AsyncSession, member_id: int) -> BuddyProfile | None:
    """The profile row, locked (PostgreSQL) so seat counts stay exact under concurrency."""
    return await session.scalar(
        select(BuddyProfile)
        .where(BuddyProfile.member_id == member_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def pair_for_update(session: AsyncSession, pair_id: int) -> BuddyPair | None:
    return await session.scalar(
        select(BuddyPair)
        .where(BuddyPair.id == pair_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def account_ids_of(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, int]:
    rows = await session.execute(
        select(Member.id, Member.account_id).where(Member.id.in_(member_ids))
    )
    return {member_id: account_id for member_id, account_id in rows}
