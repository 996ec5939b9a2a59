"""One fatigue budget for every kind of ask, per member and per account.

Every workflow that asks a customer for something (a reference call, a case study, a beta or
advisory board invitation, a buddy session, a survey, ...) calls `check_budget` before it asks
and `record_ask` when it does. Limits come from `fatigue_rules` rows (see FatigueRule) and fall
back to the built-in defaults below; a member's own preferred maximum (advocate profile) is an
extra limit on top.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy.models import AdvocacyAsk, AdvocateProfile, FatigueRule, FatigueTarget
from domain.identity.models import Member
from domain.shared.upsert import insert_ignoring_duplicates


class AskKind(StrEnum):
    REFERENCE_CALL = "REFERENCE_CALL"
    SITE_VISIT = "SITE_VISIT"
    CASE_STUDY = "CASE_STUDY"
    TESTIMONIAL = "TESTIMONIAL"
    PRESS = "PRESS"
    ANALYST = "ANALYST"
    SPEAKING = "SPEAKING"
    REVIEW = "REVIEW"
    ADVISORY_BOARD_INVITE = "ADVISORY_BOARD_INVITE"
    BETA_INVITE = "BETA_INVITE"
    BUDDY_SESSION = "BUDDY_SESSION"
    SURVEY = "SURVEY"


@dataclass(frozen=True)
class Limit:
    period_days: int
    max_asks: int
    cooldown_days: int = 0


# Built-in defaults: (target, kind or None for all kinds together) -> limit.
DEFAULT_LIMITS: dict[tuple[FatigueTarget, AskKind | None], Limit] = {
    (FatigueTarget.MEMBER, None): Limit(90, 6),
    (FatigueTarget.ACCOUNT, None): Limit(90, 20),
    (FatigueTarget.MEMBER, AskKind.REFERENCE_CALL): Limit(90, 3, 14),
    (FatigueTarget.MEMBER, AskKind.SITE_VISIT): Limit(365, 2, 60),
    (FatigueTarget.MEMBER, AskKind.CASE_STUDY): Limit(365, 1, 180),
    (FatigueTarget.MEMBER, AskKind.TESTIMONIAL): Limit(90, 2, 14),
    (FatigueTarget.MEMBER, AskKind.PRESS): Limit(180, 2, 30),
    (FatigueTarget.MEMBER, AskKind.ANALYST): Limit(180, 2, 30),
    (FatigueTarget.MEMBER, AskKind.SPEAKING): Limit(180, 2, 30),
    (FatigueTarget.MEMBER, AskKind.REVIEW): Limit(365, 2, 60),
    (FatigueTarget.MEMBER, AskKind.ADVISORY_BOARD_INVITE): Limit(365, 2, 30),
    (FatigueTarget.MEMBER, AskKind.BETA_INVITE): Limit(90, 2, 14),
    (FatigueTarget.MEMBER, AskKind.BUDDY_SESSION): Limit(30, 4, 3),
    (FatigueTarget.MEMBER, AskKind.SURVEY): Limit(30, 2, 7),
}
PREFERENCE_PERIOD_DAYS = 91  # an advocate's "at most N asks a quarter"


@dataclass(frozen=True)
class BudgetVerdict:
    allowed: bool
    reasons: list[str]
    next_allowed_at: datetime | None  # when every limit that says no says yes again
    asks_in_period: int  # the member's asks of any kind in their all-kinds period


@dataclass(frozen=True)
class Asked:
    """Who is asked, as the batch check needs it."""

    member_id: int
    account_id: int
    preferred_max: int | None = None


async def record_ask(
    session: AsyncSession,
    *,
    member_id: int,
    account_id: int,
    kind: AskKind,
    source_type: str,
    source_id: int,
    at: datetime,
) -> bool:
    """Count one ask against the budget. Idempotent per (member, kind, source): returns False
    when this ask was recorded before."""
    new = await insert_ignoring_duplicates(
        session,
        AdvocacyAsk,
        [
            {
                "member_id": member_id,
                "account_id": account_id,
                "kind": str(kind),
                "source_type": source_type,
                "source_id": source_id,
                "asked_at": at,
            }
        ],
    )
    if new:
        await session.execute(
            update(AdvocateProfile)
            .where(
                AdvocateProfile.member_id == member_id,
                or_(AdvocateProfile.last_asked_at.is_(None), AdvocateProfile.last_asked_at < at),
            )
            .values(last_asked_at=at)
            .execution_options(synchronize_session=False)
        )
    return bool(new)


async def check_budget(
    session: AsyncSession,
    *,
    member_id: int,
    kind: AskKind,
    at: datetime,
    exclude_source: tuple[str, int] | None = None,
) -> BudgetVerdict:
    """May this member be asked for `kind` at `at`? `exclude_source` leaves out the asks a
    workflow already recorded for the object it is deciding about."""
    row = (
        await session.execute(
            select(Member.account_id, AdvocateProfile.max_asks_per_quarter)
            .outerjoin(AdvocateProfile, AdvocateProfile.member_id == Member.id)
            .where(Member.id == member_id)
        )
    ).first()
    if row is None:
        return BudgetVerdict(False, ["member not found"], None, 0)
    verdicts = await check_budgets(
        session,
        [Asked(member_id, row.account_id, row.max_asks_per_quarter)],
        kind=kind,
        at=at,
        exclude_source=exclude_source,
    )
    return verdicts[member_id]


async def check_budgets(
    session: AsyncSession,
    asked: Sequence[Asked],
    *,
    kind: AskKind,
    at: datetime,
    exclude_source: tuple[str, int] | None = None,
) -> dict[int, BudgetVerdict]:
    """`check_budget` for many members at once, in three queries (ranking uses it)."""
    if not asked:
        return {}
    member_ids = sorted({a.member_id for a in asked})
    account_ids = sorted({a.account_id for a in asked})
    rules = await _rules(session, member_ids, account_ids)
    limits = {
        a.member_id: (
            _limits(rules, FatigueTarget.MEMBER, a.member_id, a.account_id, kind),
            _limits(rules, FatigueTarget.ACCOUNT, None, a.account_id, kind),
        )
        for a in asked
    }
    lookback = max(
        [PREFERENCE_PERIOD_DAYS]
        + [
            max(lim.period_days, lim.cooldown_days)
            for m, acc in limits.values()
            for lim in (*m, *acc)
        ]
    )
    since = at - timedelta(days=lookback)
    member_asks = await _asks(session, AdvocacyAsk.member_id, member_ids, since, exclude_source)
    account_asks = await _asks(session, AdvocacyAsk.account_id, account_ids, since, exclude_source)
    result: dict[int, BudgetVerdict] = {}
    for a in asked:
        member_limits, account_limits = limits[a.member_id]
        reasons: list[str] = []
        waits: list[datetime] = []
        mine = member_asks.get(a.member_id, [])
        in_period = 0
        for scope_kind, limit in zip((None, kind), member_limits, strict=True):
            times = [t for k, t in mine if scope_kind is None or k == scope_kind]
            label = "asks of any kind" if scope_kind is None else f"{scope_kind} asks"
            count = _check(limit, times, at, f"member: {label}", reasons, waits)
            if scope_kind is None:
                in_period = count
        if a.preferred_max is not None:
            _check(
                Limit(PREFERENCE_PERIOD_DAYS, a.preferred_max),
                [t for _, t in mine],
                at,
                "member's own preference: asks a quarter",
                reasons,
                waits,
            )
        theirs = account_asks.get(a.account_id, [])
        for scope_kind, limit in zip((None, kind), account_limits, strict=True):
            times = [t for k, t in theirs if scope_kind is None or k == scope_kind]
            label = "asks of any kind" if scope_kind is None else f"{scope_kind} asks"
            _check(limit, times, at, f"account: {label}", reasons, waits)
        result[a.member_id] = BudgetVerdict(
            allowed=not reasons,
            reasons=reasons,
            next_allowed_at=max(waits) if waits else None,
            asks_in_period=in_period,
        )
    return result


NO_LIMIT = Limit(1, -1)  # max_asks -1: no limit


def _check(
    limit: Limit,
    times: list[datetime],
    at: datetime,
    label: str,
    reasons: list[str],
    waits: list[datetime],
) -> int:
    """Applies one limit to ask times (any order); returns the asks inside its period."""
    if limit.max_asks < 0:
        return 0
    window_start = at - timedelta(days=limit.period_days)
    inside = sorted(t for t in times if t > window_start)
    if len(inside) >= limit.max_asks:
        reasons.append(
            f"{label}: {len(inside)} in {limit.period_days} days (limit {limit.max_asks})"
        )
        # The budget frees up when enough of the oldest asks have left the window (a limit of
        # zero never does).
        if limit.max_asks:
            waits.append(inside[len(inside) - limit.max_asks] + timedelta(days=limit.period_days))
    if limit.cooldown_days and times:
        last = max(times)
        ready = last + timedelta(days=limit.cooldown_days)
        if ready > at:
            reasons.append(f"{label}: cooldown of {limit.cooldown_days} days since {last.date()}")
            waits.append(ready)
    return len(inside)


async def _rules(
    session: AsyncSession, member_ids: list[int], account_ids: list[int]
) -> list[FatigueRule]:
    statement = select(FatigueRule).where(
        or_(
            FatigueRule.member_id.in_(member_ids),
            and_(FatigueRule.member_id.is_(None), FatigueRule.account_id.in_(account_ids)),
            and_(FatigueRule.member_id.is_(None), FatigueRule.account_id.is_(None)),
        )
    )
    return list(await session.scalars(statement))


def _limits(
    rules: Iterable[FatigueRule],
    target: FatigueTarget,
    member_id: int | None,
    account_id: int,
    kind: AskKind,
) -> tuple[Limit, Limit]:
    """(all-kinds limit, this kind's limit) for one member or account, most specific first."""

    if target is FatigueTarget.MEMBER:
        tiers = [
            lambda r: r.member_id == member_id,
            lambda r: r.member_id is None and r.account_id == account_id,
            lambda r: r.member_id is None and r.account_id is None,
        ]
    else:
        tiers = [
            lambda r: r.member_id is None and r.account_id == account_id,
            lambda r: r.member_id is None and r.account_id is None,
        ]

    def pick(kind_key: str | None) -> Limit:
        candidates = [r for r in rules if r.target is target and r.kind == kind_key]
        for matches in tiers:
            for rule in candidates:
                if matches(rule):
                    return Limit(rule.period_days, rule.max_asks, rule.cooldown_days)
        default_kind = AskKind(kind_key) if kind_key else None
        return DEFAULT_LIMITS.get((target, default_kind), NO_LIMIT)

    return pick(None), pick(str(kind))


async def _asks(
    session: AsyncSession,
    column: object,
    ids: list[int],
    since: datetime,
    exclude_source: tuple[str, int] | None,
) -> dict[int, list[tuple[str, datetime]]]:
    if not ids:
        return {}
    # No upper bound at `at`: an ask a parallel request recorded a moment "after" this
    # request's clock reading still uses the budget (found exceeding it under load).
    statement = select(column, AdvocacyAsk.kind, AdvocacyAsk.asked_at).where(  # type: ignore[call-overload]
        column.in_(ids),  # type: ignore[attr-defined]
        AdvocacyAsk.asked_at > since,
    )
    if exclude_source is not None:
        statement = statement.where(
            or_(
                AdvocacyAsk.source_type != exclude_source[0],
                AdvocacyAsk.source_id != exclude_source[1],
            )
        )
    found: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for owner, kind, asked_at in await session.execute(statement):
        found[owner].append((kind, asked_at))
    return found
