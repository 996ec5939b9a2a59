"""Survey scores over responses, overall, per account segment and per month (UTC).

    NPS            = % promoters (9-10) - % detractors (0-6), from -100 to 100
    CSAT           = the mean answer (1-5), and % satisfied (4-5)
    feel valued    = the mean of every response's mean answer (1-5)

Each is one GROUP BY in SQL whatever the number of responses. The segment is the account's
segment now (accounts change segment rarely; the response keeps its account).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.feedback.models import Survey, SurveyKind, SurveyResponse
from domain.feedback.questions import (
    DETRACTOR_MAX,
    FEEL_VALUED_SCALE,
    PROMOTER_MIN,
    SATISFIED_MIN,
)
from domain.identity.models import Account, AccountSegment
from domain.shared.upsert import dialect_name


@dataclass(frozen=True)
class Scores:
    kind: SurveyKind
    responses: int
    promoters: int
    detractors: int
    satisfied: int
    score_sum: int

    @property
    def passives(self) -> int:
        return self.responses - self.promoters - self.detractors

    @property
    def average(self) -> float | None:
        """The mean headline score on the question's scale."""
        if not self.responses:
            return None
        scale = FEEL_VALUED_SCALE if self.kind is SurveyKind.FEEL_VALUED else 1
        return round(self.score_sum / self.responses / scale, 2)

    @property
    def nps(self) -> float | None:
        if self.kind is not SurveyKind.NPS or not self.responses:
            return None
        return round(100 * (self.promoters - self.detractors) / self.responses, 1)

    @property
    def satisfied_percent(self) -> float | None:
        if self.kind is not SurveyKind.CSAT or not self.responses:
            return None
        return round(100 * self.satisfied / self.responses, 1)


@dataclass(frozen=True)
class Filters:
    kind: SurveyKind
    survey_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def month_of(session: AsyncSession, column: Any) -> ColumnElement[str]:
    """'YYYY-MM' of a UTC timestamp on either database."""
    if dialect_name(session) == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.substr(column, 1, 7)  # SQLite stores 'YYYY-MM-DD HH:MM:SS' in UTC


async def scores(
    session: AsyncSession, filters: Filters, group: Any = None
) -> list[tuple[Any, Scores]]:
    """(group value, scores) rows, in the group's order; one row (None, ...) without a group."""
    statement = (
        select(*([group] if group is not None else []), *_counts())
        .select_from(SurveyResponse)
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .join(Account, Account.id == SurveyResponse.account_id)
        .where(Survey.kind == filters.kind)
    )
    if filters.survey_id is not None:
        statement = statement.where(SurveyResponse.survey_id == filters.survey_id)
    if filters.since is not None:
        statement = statement.where(SurveyResponse.responded_at >= filters.since)
    if filters.until is not None:
        statement = statement.where(SurveyResponse.responded_at < filters.until)
    if group is not None:
        statement = statement.group_by(group).order_by(group)
    result = []
    for row in await session.execute(statement):
        values = [int(v) for v in row[-5:]]
        key = row[0] if group is not None else None
        result.append((key, Scores(filters.kind, *values)))
    return result


def _counts() -> list[ColumnElement[Any]]:
    score = SurveyResponse.score
    return [
        func.count(),
        func.coalesce(func.sum(case((score >= PROMOTER_MIN, 1), else_=0)), 0),
        func.coalesce(func.sum(case((score <= DETRACTOR_MAX, 1), else_=0)), 0),
        func.coalesce(func.sum(case((score >= SATISFIED_MIN, 1), else_=0)), 0),
        func.coalesce(func.sum(score), 0),
    ]


async def per_survey(session: AsyncSession, kinds: dict[int, SurveyKind]) -> dict[int, Scores]:
    """Each survey's scores, in one query (surveys without responses get zeros)."""
    found = {survey_id: Scores(kind, 0, 0, 0, 0, 0) for survey_id, kind in kinds.items()}
    rows = await session.execute(
        select(SurveyResponse.survey_id, *_counts())
        .where(SurveyResponse.survey_id.in_(list(kinds)))
        .group_by(SurveyResponse.survey_id)
    )
    for row in rows:
        found[row[0]] = Scores(kinds[row[0]], *(int(v) for v in row[1:]))
    return found


async def overall(session: AsyncSession, filters: Filters) -> Scores:
    ((_, found),) = await scores(session, filters)
    return found


async def by_segment(
    session: AsyncSession, filters: Filters
) -> list[tuple[AccountSegment | None, Scores]]:
    rows = await scores(session, filters, Account.segment)
    order = list(AccountSegment)
    return sorted(rows, key=lambda r: order.index(r[0]) if r[0] else len(order))


async def by_month(session: AsyncSession, filters: Filters) -> list[tuple[str, Scores]]:
    return await scores(session, filters, month_of(session, SurveyResponse.responded_at))
