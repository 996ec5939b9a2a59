"""Ranked reference candidates for a request, with the reasons for each rank.

One SQL statement filters (active profile willing to do the activity, active member of a
customer account, not the prospect nor a competitor of it) and scores on the attributes and
evidence; the best few are then checked against the fatigue budget in one batch, and anyone
over budget is left out. Scores:

| signal | points |
|---|---|
| same industry / region / company size | 3 / 1 / 1 |
| each requested product the advocate uses | 2 |
| each word of the use case the advocate names | 1 (at most 3) |
| accepted forum answers + 2 x shipped ideas in the requested products | 1 each (at most 5) |
| last ask: never or 180+ days / 90+ / 30+ / recent | 3 / 2 / 1 / 0 |

Advocates whose availability windows miss the days they are needed (the scheduled day, else
today until needed-by) are ranked after every available one, whatever their score, with the
reason first ("unavailable until 2027-01-05").
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, and_, case, cast, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy import availability
from domain.advocacy.fatigue import Asked, AskKind, BudgetVerdict, check_budgets
from domain.advocacy.models import (
    AdvocateEvidence,
    AdvocateProfile,
    AdvocateProfileTerm,
    ProfileStatus,
    ReferenceRequest,
)
from domain.advocacy.services.profiles import words
from domain.identity.models import (
    Account,
    AccountKind,
    Member,
    MemberStatus,
    account_competitors,
)

MAX_CANDIDATES = 50
EVIDENCE_CAP = 5
USE_CASE_CAP = 3


@dataclass(frozen=True)
class Candidate:
    profile: AdvocateProfile
    member: Member
    account: Account
    score: int
    reasons: list[str]
    accepted_answers: int
    shipped_ideas: int
    budget: BudgetVerdict
    available: bool  # an availability window overlaps the days they are needed


def competitor_ids(account_id: int) -> object:
    """Accounts competing with `account_id`: declared by either side."""
    return (
        select(account_competitors.c.competitor_id)
        .where(account_competitors.c.account_id == account_id)
        .union(
            select(account_competitors.c.account_id).where(
                account_competitors.c.competitor_id == account_id
            )
        )
    )


async def competes(session: AsyncSession, account_id: int, prospect_account_id: int | None) -> bool:
    if prospect_account_id is None:
        return False
    if account_id == prospect_account_id:
        return True
    found = await session.scalar(
        select(literal(1)).where(
            or_(
                and_(
                    account_competitors.c.account_id == account_id,
                    account_competitors.c.competitor_id == prospect_account_id,
                ),
                and_(
                    account_competitors.c.account_id == prospect_account_id,
                    account_competitors.c.competitor_id == account_id,
                ),
            )
        )
    )
    return found is not None


async def rank_candidates(
    session: AsyncSession, request: ReferenceRequest, now: datetime, limit: int = 10
) -> list[Candidate]:
    limit = max(1, min(limit, MAX_CANDIDATES))
    products = sorted({p.lower() for p in request.products})
    use_words = sorted(words(request.use_case or ""))
    kind = AskKind(request.activity.value)

    product_hits = (
        select(AdvocateProfileTerm.profile_id, func.count().label("hits"))
        .where(AdvocateProfileTerm.kind == "PRODUCT", AdvocateProfileTerm.value.in_(products))
        .group_by(AdvocateProfileTerm.profile_id)
        .subquery()
    )
    use_hits = (
        select(AdvocateProfileTerm.profile_id, func.count().label("hits"))
        .where(AdvocateProfileTerm.kind == "USE_CASE", AdvocateProfileTerm.value.in_(use_words))
        .group_by(AdvocateProfileTerm.profile_id)
        .subquery()
    )
    evidence = (
        select(
            AdvocateEvidence.member_id,
            func.sum(AdvocateEvidence.accepted_answers).label("answers"),
            func.sum(AdvocateEvidence.shipped_ideas).label("ideas"),
        )
        .where(AdvocateEvidence.product.in_(products))
        .group_by(AdvocateEvidence.member_id)
        .subquery()
    )
    answers = func.coalesce(evidence.c.answers, 0)
    ideas = func.coalesce(evidence.c.ideas, 0)
    evidence_points = answers + 2 * ideas
    use_points = func.coalesce(use_hits.c.hits, 0)

    def same(column: Any, value: str | None, points: int) -> Any:
        if value is None:
            return literal(0)
        return case((column == value, points), else_=0)  # type: ignore[arg-type]

    recency = case(
        (AdvocateProfile.last_asked_at.is_(None), 3),
        (AdvocateProfile.last_asked_at < now - timedelta(days=180), 3),
        (AdvocateProfile.last_asked_at < now - timedelta(days=90), 2),
        (AdvocateProfile.last_asked_at < now - timedelta(days=30), 1),
        else_=0,
    )
    score = cast(
        same(Account.industry, request.industry, 3)
        + same(Account.region, request.region, 1)
        + same(Account.employee_band, request.employee_band, 1)
        + 2 * func.coalesce(product_hits.c.hits, 0)
        + case((use_points > USE_CASE_CAP, USE_CASE_CAP), else_=use_points)
        + case((evidence_points > EVIDENCE_CAP, EVIDENCE_CAP), else_=evidence_points)
        + recency,
        Integer,
    ).label("score")
    willing = select(AdvocateProfileTerm.profile_id).where(
        AdvocateProfileTerm.kind == "ACTIVITY", AdvocateProfileTerm.value == request.activity.value
    )
    # Narrow rows (ids and numbers) through the joins and the sort; the winners' rows are
    # loaded afterwards.
    statement = (
        select(
            AdvocateProfile.id,
            AdvocateProfile.member_id,
            AdvocateProfile.account_id,
            AdvocateProfile.max_asks_per_quarter,
            AdvocateProfile.availability,
            score,
            answers.label("answers"),
            ideas.label("ideas"),
        )
        .join(Member, Member.id == AdvocateProfile.member_id)
        .join(Account, Account.id == AdvocateProfile.account_id)
        .outerjoin(product_hits, product_hits.c.profile_id == AdvocateProfile.id)
        .outerjoin(use_hits, use_hits.c.profile_id == AdvocateProfile.id)
        .outerjoin(evidence, evidence.c.member_id == AdvocateProfile.member_id)
        .where(
            AdvocateProfile.status == ProfileStatus.ACTIVE,
            AdvocateProfile.id.in_(willing),
            Member.status == MemberStatus.ACTIVE,
            Account.kind == AccountKind.CUSTOMER,
        )
        .order_by(score.desc(), AdvocateProfile.id)
    )
    if request.prospect_account_id is not None:
        statement = statement.where(
            AdvocateProfile.account_id != request.prospect_account_id,
            AdvocateProfile.account_id.not_in(competitor_ids(request.prospect_account_id)),  # type: ignore[arg-type]
        )
    first_day, last_day = needed_days(request, now)
    found: list[Candidate] = []
    unavailable: list[Candidate] = []  # ranked after every available one
    offset = 0
    batch = limit * 3 + 10
    while len(found) < limit:
        rows = (await session.execute(statement.limit(batch).offset(offset))).all()
        if not rows:
            break
        verdicts = await check_budgets(
            session,
            [Asked(r.member_id, r.account_id, r.max_asks_per_quarter) for r in rows],
            kind=kind,
            at=now,
        )
        free = {r.id: availability.check(r.availability, first_day, last_day) for r in rows}
        allowed = [r for r in rows if verdicts[r.member_id].allowed]
        wanted = [r for r in allowed if free[r.id].available][: limit - len(found)]
        wanted += [r for r in allowed if not free[r.id].available][
            : max(0, limit - len(unavailable))
        ]
        loaded = await _load(session, [r.id for r in wanted])
        for row in wanted:
            profile, member, account = loaded[row.id]
            verdict = verdicts[row.member_id]
            answers_n, ideas_n = int(row.answers), int(row.ideas)
            reasons = _reasons(request, profile, account, answers_n, ideas_n, verdict, now)
            when = free[row.id]
            if when.reason:
                reasons.insert(0, when.reason)
            candidate = Candidate(
                profile=profile,
                member=member,
                account=account,
                score=int(row.score),
                reasons=reasons,
                accepted_answers=answers_n,
                shipped_ideas=ideas_n,
                budget=verdict,
                available=when.available,
            )
            (found if when.available else unavailable).append(candidate)
        if len(rows) < batch:
            break
        offset += batch
    return (found + unavailable)[:limit]


def needed_days(request: ReferenceRequest, now: datetime) -> tuple[date, date | None]:
    """The days the advocate is needed: the scheduled day, else today until needed-by."""
    if request.scheduled_for is not None:
        day = request.scheduled_for.date()
        return day, day
    return now.date(), request.needed_by


async def _load(
    session: AsyncSession, profile_ids: list[int]
) -> dict[int, tuple[AdvocateProfile, Member, Account]]:
    if not profile_ids:
        return {}
    rows = await session.execute(
        select(AdvocateProfile, Member, Account)
        .join(Member, Member.id == AdvocateProfile.member_id)
        .join(Account, Account.id == AdvocateProfile.account_id)
        .where(AdvocateProfile.id.in_(profile_ids))
    )
    return {profile.id: (profile, member, account) for profile, member, account in rows}


def _reasons(
    request: ReferenceRequest,
    profile: AdvocateProfile,
    account: Account,
    answers: int,
    ideas: int,
    verdict: BudgetVerdict,
    now: datetime,
) -> list[str]:
    reasons = []
    if request.industry and account.industry == request.industry:
        reasons.append(f"same industry ({account.industry})")
    if request.region and account.region == request.region:
        reasons.append(f"same region ({account.region})")
    if request.employee_band and account.employee_band == request.employee_band:
        reasons.append("same company size")
    wanted = {p.lower() for p in request.products}
    used = [p for p in profile.products if p.lower() in wanted]
    if used:
        reasons.append("uses " + ", ".join(used))
    use_words = words(request.use_case or "")
    solved = [u for u in profile.use_cases if words(u) & use_words]
    if solved:
        reasons.append("has solved: " + "; ".join(solved))
    if profile.outcomes and (used or solved):
        first = profile.outcomes[0]
        before = f" from {first['before']}" if first.get("before") else ""
        reasons.append(f"outcome: {first['metric']}{before} to {first['after']}")
    if answers or ideas:
        reasons.append(
            f"{answers} accepted forum answer(s) and {ideas} shipped idea(s) in these products"
        )
    if profile.last_asked_at is None:
        reasons.append("never asked before")
    else:
        reasons.append(f"last asked {(now - profile.last_asked_at).days} days ago")
    reasons.append(f"{verdict.asks_in_period} ask(s) in the current budget period")
    return reasons
