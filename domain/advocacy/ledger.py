"""The advocacy activity ledger, points, badges and levels.

Every completed act is one ledger row with a unique `dedupe_key`, written with
INSERT ... ON CONFLICT DO NOTHING: a replayed outbox event or a repeated workflow step adds
nothing. Points come from `advocacy_point_rules` rows or the defaults below. A balance moves
only by conditional UPDATEs (`spendable >= cost` for spending), so it is exact under parallel
requests. Points earned automatically (from other contexts' events) are withheld from members
the community does not trust yet (trust level 0, or suspended): the act is still recorded.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy import events
from domain.advocacy.models import (
    AdvocateEvidence,
    LedgerActivity,
    LedgerEntry,
    MemberBadge,
    PointBalance,
    PointRule,
)
from domain.community.models import MemberStanding
from domain.shared.upsert import insert_ignoring_duplicates

A = LedgerActivity

DEFAULT_POINTS: dict[LedgerActivity, int] = {
    A.REFERENCE_CALL: 100,
    A.SITE_VISIT: 200,
    A.CASE_STUDY: 300,
    A.TESTIMONIAL: 50,
    A.SPEAKING: 200,
    A.PRESS: 150,
    A.ANALYST: 150,
    A.REVIEW: 75,
    A.REFERRAL_SUBMITTED: 25,
    A.REFERRAL_WON: 500,
    A.FORUM_POST: 2,
    A.ACCEPTED_ANSWER: 15,
    A.IDEA_SUBMITTED: 5,
    A.IDEA_VOTE: 1,
    A.IDEA_SHIPPED: 50,
    A.SURVEY_ANSWER: 5,
    A.PROGRAM_ENROLLED: 10,
    A.PROGRAM_ATTENDED: 10,
    A.PROGRAM_FEEDBACK: 10,
    A.BUDDY_SESSION: 40,
}


@dataclass(frozen=True)
class Badge:
    code: str
    name: str
    description: str
    activities: frozenset[LedgerActivity]
    count: int


BADGES = (
    Badge(
        "FIRST_REFERENCE",
        "First reference",
        "Took a first reference call or visit",
        frozenset({A.REFERENCE_CALL, A.SITE_VISIT}),
        1,
    ),
    Badge(
        "REFERENCE_CHAMPION",
        "Reference champion",
        "Five references given",
        frozenset({A.REFERENCE_CALL, A.SITE_VISIT}),
        5,
    ),
    Badge("STORYTELLER", "Storyteller", "A published case study", frozenset({A.CASE_STUDY}), 1),
    Badge(
        "VOICE",
        "Voice of the customer",
        "Three testimonials, talks, press or analyst briefings",
        frozenset({A.TESTIMONIAL, A.SPEAKING, A.PRESS, A.ANALYST}),
        3,
    ),
    Badge(
        "CONNECTOR",
        "Connector",
        "A referral that became a customer",
        frozenset({A.REFERRAL_WON}),
        1,
    ),
    Badge("HELPER", "Helper", "Ten accepted forum answers", frozenset({A.ACCEPTED_ANSWER}), 10),
)
BADGES_BY_CODE = {b.code: b for b in BADGES}

LEVELS = ((0, "Member"), (250, "Advocate"), (1000, "Champion"), (3000, "Legend"))


def level_for(lifetime: int) -> tuple[str, int | None]:
    """(level name, lifetime points needed for the next level or None at the top)."""
    name, next_at = LEVELS[0][1], None
    for threshold, level in LEVELS:
        if lifetime >= threshold:
            name = level
        elif next_at is None:
            next_at = threshold
    return name, next_at


async def rules(session: AsyncSession) -> dict[LedgerActivity, tuple[int, Decimal]]:
    """Points and value weight per activity: stored rows over the defaults."""
    result = {a: (p, Decimal(p) / 100) for a, p in DEFAULT_POINTS.items()}
    for rule in await session.scalars(select(PointRule)):
        result[rule.activity] = (rule.points, rule.weight)
    return result


async def is_trusted(session: AsyncSession, member_id: int, at: datetime) -> bool:
    standing = await session.get(MemberStanding, member_id)
    if standing is None or standing.trust_level < 1:
        return False
    return standing.suspended_until is None or standing.suspended_until <= at


async def record_activity(
    session: AsyncSession,
    *,
    member_id: int,
    account_id: int,
    activity: LedgerActivity,
    source_type: str,
    source_id: int,
    at: datetime,
    dedupe_key: str | None = None,
    tags: Sequence[str] = (),
    automatic: bool = False,
) -> bool:
    """Writes one act to the ledger and credits its points; False if it was there already."""
    points, weight = (await rules(session))[activity]
    withheld = automatic and points > 0 and not await is_trusted(session, member_id, at)
    key = dedupe_key or f"{activity}:{source_type}:{source_id}:{member_id}"
    new = await insert_ignoring_duplicates(
        session,
        LedgerEntry,
        [
            {
                "dedupe_key": key[:100],
                "activity": activity,
                "member_id": member_id,
                "account_id": account_id,
                "occurred_at": at,
                "weight": weight,
                "points": 0 if withheld else points,
                "points_withheld": withheld,
                "source_type": source_type,
                "source_id": source_id,
                "tags": sorted({t.lower() for t in tags}),
            }
        ],
    )
    if not new:
        return False
    if not withheld and points:
        await credit(session, member_id, points)
    if activity in (A.ACCEPTED_ANSWER, A.IDEA_SHIPPED) and tags:
        await _add_evidence(session, member_id, activity, tags)
    await _award_badges(session, member_id, activity, at)
    events.emit(session, events.ACTIVITY_RECORDED, member_id=member_id, activity=str(activity))
    return True


async def credit(session: AsyncSession, member_id: int, points: int) -> None:
    await insert_ignoring_duplicates(
        session, PointBalance, [{"member_id": member_id, "lifetime": 0, "spendable": 0}]
    )
    await session.execute(
        update(PointBalance)
        .where(PointBalance.member_id == member_id)
        .values(lifetime=PointBalance.lifetime + points, spendable=PointBalance.spendable + points)
        .execution_options(synchronize_session=False)
    )


async def spend(session: AsyncSession, member_id: int, points: int) -> bool:
    """Takes points from the spendable balance if there are enough; one statement, so two
    parallel spends can never both pass on the same points."""
    result = await session.execute(
        update(PointBalance)
        .where(PointBalance.member_id == member_id, PointBalance.spendable >= points)
        .values(spendable=PointBalance.spendable - points)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def refund(session: AsyncSession, member_id: int, points: int) -> None:
    await session.execute(
        update(PointBalance)
        .where(PointBalance.member_id == member_id)
        .values(spendable=PointBalance.spendable + points)
        .execution_options(synchronize_session=False)
    )


async def balance(session: AsyncSession, member_id: int) -> tuple[int, int]:
    row = (
        await session.execute(
            select(PointBalance.lifetime, PointBalance.spendable)
            .where(PointBalance.member_id == member_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    return (row.lifetime, row.spendable) if row else (0, 0)


async def _add_evidence(
    session: AsyncSession, member_id: int, activity: LedgerActivity, tags: Sequence[str]
) -> None:
    products = sorted({t.lower()[:100] for t in tags})
    await insert_ignoring_duplicates(
        session,
        AdvocateEvidence,
        [
            {"member_id": member_id, "product": p, "accepted_answers": 0, "shipped_ideas": 0}
            for p in products
        ],
    )
    column = (
        AdvocateEvidence.accepted_answers
        if activity is A.ACCEPTED_ANSWER
        else AdvocateEvidence.shipped_ideas
    )
    await session.execute(
        update(AdvocateEvidence)
        .where(AdvocateEvidence.member_id == member_id, AdvocateEvidence.product.in_(products))
        .values({column.key: column + 1})
        .execution_options(synchronize_session=False)
    )


async def _award_badges(
    session: AsyncSession, member_id: int, activity: LedgerActivity, at: datetime
) -> None:
    for badge in BADGES:
        if activity not in badge.activities:
            continue
        count = await session.scalar(
            select(func.count()).where(
                LedgerEntry.member_id == member_id, LedgerEntry.activity.in_(badge.activities)
            )
        )
        if (count or 0) >= badge.count:
            await insert_ignoring_duplicates(
                session,
                MemberBadge,
                [{"member_id": member_id, "badge": badge.code, "awarded_at": at}],
            )
