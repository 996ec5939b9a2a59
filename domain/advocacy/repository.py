"""Advocacy read queries: the most-asked dashboard and leaderboards."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy.models import AdvocacyAsk, LedgerEntry


@dataclass(frozen=True)
class AskCount:
    owner_id: int  # member or account id
    asks: int
    last_asked_at: datetime


async def most_asked(
    session: AsyncSession, *, by_account: bool, since: datetime, limit: int
) -> list[AskCount]:
    column = AdvocacyAsk.account_id if by_account else AdvocacyAsk.member_id
    rows = await session.execute(
        select(column, func.count().label("asks"), func.max(AdvocacyAsk.asked_at))
        .where(AdvocacyAsk.asked_at >= since)
        .group_by(column)
        .order_by(func.count().desc(), column)
        .limit(limit)
    )
    return [AskCount(owner, asks, last) for owner, asks, last in rows]


@dataclass(frozen=True)
class Standing:
    member_id: int
    points: int
    activities: int


async def leaderboard(
    session: AsyncSession, *, since: datetime | None, limit: int
) -> list[Standing]:
    points = func.sum(LedgerEntry.points)
    statement = select(LedgerEntry.member_id, points, func.count())
    if since is not None:
        statement = statement.where(LedgerEntry.occurred_at >= since)
    rows = await session.execute(
        statement.group_by(LedgerEntry.member_id)
        .having(points > 0)
        .order_by(points.desc(), LedgerEntry.member_id)
        .limit(limit)
    )
    return [Standing(member_id, int(total), count) for member_id, total, count in rows]
