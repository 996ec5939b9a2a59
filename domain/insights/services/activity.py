"""Per-account activity counts, from the advocacy ledger when it is there.

The advocacy context keeps the activity ledger (`advocacy_ledger`). Until its tables exist in a
database, the counts come straight from the source tables instead: forum posts, programme
enrolments and the advocacy touches recorded here. Either way the categories are the same.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.community.models import Post
from domain.identity.models import Member
from domain.insights.bonding import Category
from domain.insights.models import AdvocacyTouch, TouchSource
from domain.programs.models import ProgramEnrolment

LEDGER_CATEGORIES: dict[str, Category] = {
    "FORUM_POST": Category.COMMUNITY,
    "ACCEPTED_ANSWER": Category.COMMUNITY,
    "PROGRAM_ENROLLED": Category.PROGRAMS,
    "PROGRAM_ATTENDED": Category.PROGRAMS,
    "IDEA_SUBMITTED": Category.PROACTIVE,
    "IDEA_VOTE": Category.PROACTIVE,
    "IDEA_SHIPPED": Category.PROACTIVE,
    "SURVEY_ANSWER": Category.PROACTIVE,
    "PROGRAM_FEEDBACK": Category.PROACTIVE,
}  # everything else in the ledger is an act of advocacy

Counts = dict[int, dict[str, int]]  # account id -> activity type -> count


_FOUND_TABLES: set[tuple[str, str]] = set()  # (database URL, table): tables do not vanish


async def has_table(session: AsyncSession, name: str) -> bool:
    """Whether another context's table exists (yet) in this database; remembered once found."""
    connection = await session.connection()
    key = (connection.engine.url.render_as_string(hide_password=True), name)
    if key in _FOUND_TABLES:
        return True
    found = bool(await connection.run_sync(lambda sync: inspect(sync).has_table(name)))
    if found:
        _FOUND_TABLES.add(key)
    return found


async def ledger_available(session: AsyncSession) -> bool:
    return await has_table(session, "advocacy_ledger")


def _filtered(statement, column, since, until, account_column, account_ids):  # type: ignore[no-untyped-def]
    if since is not None:
        statement = statement.where(column >= since)
    if until is not None:
        statement = statement.where(column < until)
    if account_ids is not None:
        statement = statement.where(account_column.in_(account_ids))
    return statement


async def activity_by_type(
    session: AsyncSession,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    account_ids: Sequence[int] | None = None,
) -> Counts:
    """Activity type -> count per account in [since, until). Types are ledger activity names
    (or, without a ledger, FORUM_POST, PROGRAM_ENROLLED and the touch types)."""
    counts: Counts = defaultdict(lambda: defaultdict(int))
    if await ledger_available(session):
        from domain.advocacy.models import LedgerEntry

        statement = select(LedgerEntry.account_id, LedgerEntry.activity, func.count()).group_by(
            LedgerEntry.account_id, LedgerEntry.activity
        )
        statement = _filtered(
            statement, LedgerEntry.occurred_at, since, until, LedgerEntry.account_id, account_ids
        )
        if account_ids is not None:  # through its (member_id, occurred_at) index
            members = select(Member.id).where(Member.account_id.in_(account_ids))
            statement = statement.where(LedgerEntry.member_id.in_(members))
        for account_id, activity, count in await session.execute(statement):
            counts[account_id][str(activity)] += count
        # Touches that came from advocacy workflows are in its ledger already.
        await _add_touches(session, counts, since, until, account_ids, imported_only=True)
        return counts
    posts = select(Member.account_id, func.count()).join(Member, Member.id == Post.author_id)
    posts = _filtered(posts, Post.created_at, since, until, Member.account_id, account_ids)
    for account_id, count in await session.execute(posts.group_by(Member.account_id)):
        counts[account_id]["FORUM_POST"] += count
    enrolments = select(Member.account_id, func.count()).join(
        Member, Member.id == ProgramEnrolment.member_id
    )
    enrolments = _filtered(
        enrolments, ProgramEnrolment.created_at, since, until, Member.account_id, account_ids
    )
    for account_id, count in await session.execute(enrolments.group_by(Member.account_id)):
        counts[account_id]["PROGRAM_ENROLLED"] += count
    await _add_touches(session, counts, since, until, account_ids, imported_only=False)
    return counts


async def activity_ever_and_since(
    session: AsyncSession, since: datetime, account_ids: Sequence[int] | None = None
) -> tuple[Counts, Counts]:
    """All-time counts and counts since `since`, in one pass over the ledger."""
    if not await ledger_available(session):
        return (
            await activity_by_type(session, account_ids=account_ids),
            await activity_by_type(session, since=since, account_ids=account_ids),
        )
    from domain.advocacy.models import LedgerEntry

    recent = func.sum(case((LedgerEntry.occurred_at >= since, 1), else_=0))
    statement = select(LedgerEntry.account_id, LedgerEntry.activity, func.count(), recent).group_by(
        LedgerEntry.account_id, LedgerEntry.activity
    )
    if account_ids is not None:  # through its (member_id, occurred_at) index
        members = select(Member.id).where(Member.account_id.in_(account_ids))
        statement = statement.where(
            LedgerEntry.account_id.in_(account_ids), LedgerEntry.member_id.in_(members)
        )
    ever: Counts = defaultdict(lambda: defaultdict(int))
    window: Counts = defaultdict(lambda: defaultdict(int))
    for account_id, activity, count, in_window in await session.execute(statement):
        ever[account_id][str(activity)] += count
        if in_window:
            window[account_id][str(activity)] += int(in_window)
    await _add_touches(session, ever, None, None, account_ids, imported_only=True)
    await _add_touches(session, window, since, None, account_ids, imported_only=True)
    return ever, window


async def _add_touches(
    session: AsyncSession,
    counts: Counts,
    since: datetime | None,
    until: datetime | None,
    account_ids: Sequence[int] | None,
    *,
    imported_only: bool,
) -> None:
    touches = select(AdvocacyTouch.account_id, AdvocacyTouch.touch_type, func.count()).where(
        AdvocacyTouch.account_id.is_not(None)
    )
    if imported_only:
        touches = touches.where(AdvocacyTouch.source != TouchSource.REFERENCE_REQUEST)
    touches = _filtered(
        touches, AdvocacyTouch.occurred_at, since, until, AdvocacyTouch.account_id, account_ids
    )
    statement = touches.group_by(AdvocacyTouch.account_id, AdvocacyTouch.touch_type)
    for account_id, touch_type, count in await session.execute(statement):
        counts[account_id][str(touch_type)] += count


def by_category(types: dict[str, int]) -> dict[Category, float]:
    result: dict[Category, float] = defaultdict(float)
    for activity, count in types.items():
        result[LEDGER_CATEGORIES.get(activity, Category.ADVOCACY)] += count
    return result


async def program_accounts(session: AsyncSession) -> dict[int, set[int]]:
    """Programme id -> accounts with a member ever enrolled in it."""
    rows = await session.execute(
        select(ProgramEnrolment.program_id, Member.account_id)
        .join(Member, Member.id == ProgramEnrolment.member_id)
        .distinct()
    )
    result: dict[int, set[int]] = defaultdict(set)
    for program_id, account_id in rows:
        result[program_id].add(account_id)
    return result
