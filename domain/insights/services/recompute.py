"""Full and incremental recompute, and the outbox consumers that drive the incremental one.

Full (`bondfire insights recompute`, or the admin mutation): referrers, every credit, model fits,
every account's insights, retention uplift. Incremental (an outbox event naming opportunities
and accounts): only those opportunities' credits and those accounts' insights, with the stored
fits. Consumers record the event id, so an event delivered twice is handled once.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import Member
from domain.identity.policies import Actor
from domain.insights import events, policies
from domain.insights.models import (
    AdvocacyTouch,
    Opportunity,
    ProcessedEvent,
    TouchSource,
    TouchType,
)
from domain.insights.services.accounts import recompute_accounts
from domain.insights.services.activity import has_table
from domain.insights.services.credits import recompute_credits, resolve_referrers
from domain.insights.services.settings import current_settings
from domain.insights.services.uplift import recompute_uplift
from domain.shared.errors import Forbidden
from domain.shared.models import utcnow
from domain.shared.outbox import Delivery

Step = Callable[[str, int | None], Callable[[int], None]]  # (label, total) -> advance(n)


@dataclass(frozen=True)
class RecomputeSummary:
    credits: int
    accounts: int
    uplift_scopes: int
    referrers_linked: int


def _silent(label: str, total: int | None) -> Callable[[int], None]:
    return lambda n: None


async def recompute_all(
    session: AsyncSession,
    *,
    now: datetime | None = None,
    bootstrap: int = 200,
    step: Step = _silent,
) -> RecomputeSummary:
    """Everything, from the rows. `step` makes a progress bar per stage (the CLI's)."""
    now = now or utcnow()
    settings = await current_settings(session)
    linked = await resolve_referrers(session, None)
    await touches_from_references(session, None)
    total = await session.scalar(select(func.count()).select_from(Opportunity))
    credits = await recompute_credits(
        session,
        None,
        half_life_days=float(settings.half_life_days),
        now=now,
        progress=step("attribution credits", total and int(total)),
    )
    accounts = await recompute_accounts(
        session, None, settings, now, progress=step("account insights", None)
    )
    scopes = await recompute_uplift(
        session, settings, now, bootstrap=bootstrap, progress=step("retention uplift", None)
    )
    return RecomputeSummary(credits, accounts, scopes, linked)


async def recompute_requested(session: AsyncSession, actor: Actor) -> RecomputeSummary:
    if not policies.can_recompute(actor):
        raise Forbidden("only admins recompute insights")
    return await recompute_all(session)


async def recompute_some(
    session: AsyncSession, opportunity_ids: list[int], account_ids: list[int], now: datetime
) -> None:
    settings = await current_settings(session)
    if opportunity_ids:
        await resolve_referrers(session, opportunity_ids)
        await recompute_credits(
            session, opportunity_ids, half_life_days=float(settings.half_life_days), now=now
        )
        rows = await session.execute(
            select(Opportunity.account_id, Opportunity.referrer_account_id).where(
                Opportunity.id.in_(opportunity_ids)
            )
        )
        account_ids = account_ids + [a for row in rows for a in row if a is not None]
    if account_ids:
        await recompute_accounts(session, sorted(set(account_ids)), settings, now)


async def _first_delivery(delivery: Delivery) -> bool:
    session = delivery.session
    if await session.get(ProcessedEvent, delivery.event.id) is not None:
        return False
    session.add(ProcessedEvent(event_id=delivery.event.id))
    await session.flush()
    return True


async def on_changed(delivery: Delivery) -> None:
    if not await _first_delivery(delivery):
        return
    payload = delivery.event.payload
    await recompute_some(
        delivery.session,
        [int(i) for i in payload.get("opportunity_ids", [])],
        [int(i) for i in payload.get("account_ids", [])],
        utcnow(),
    )


async def on_settings_changed(delivery: Delivery) -> None:
    """Margin, discount rate or half-life changed: every number moves; recompute them all (the
    bootstrap is kept small here, the nightly or CLI recompute does the full one)."""
    if not await _first_delivery(delivery):
        return
    await recompute_all(delivery.session, bootstrap=50)


# Advocacy's topics (names as domain/advocacy/events.py emits them).
ADVOCACY_REFERENCE_COMPLETED = "advocacy.reference.completed"
ADVOCACY_REFERRAL_CHANGED = "advocacy.referral.changed"
_REFERENCE_TOUCH = {"REFERENCE_CALL": TouchType.REFERENCE_CALL, "SITE_VISIT": TouchType.SITE_VISIT}


async def touches_from_references(
    session: AsyncSession, request_ids: list[int] | None
) -> list[int]:
    """Completed reference requests naming an imported CRM opportunity become touches on it
    (once: keyed by the request). Returns the opportunities that got one."""
    if not await has_table(session, "reference_requests"):
        return []
    from domain.advocacy.models import ReferenceRequest, ReferenceStatus

    statement = (
        select(ReferenceRequest, Opportunity.id)
        .join(Opportunity, Opportunity.external_id == ReferenceRequest.opportunity_ref)
        .where(
            ReferenceRequest.status == ReferenceStatus.COMPLETED,
            ReferenceRequest.advocate_id.is_not(None),
        )
    )
    if request_ids is not None:
        statement = statement.where(ReferenceRequest.id.in_(request_ids))
    found = (await session.execute(statement)).all()
    keys = [f"reference:{request.id}" for request, _ in found]
    existing = (
        set(
            await session.scalars(
                select(AdvocacyTouch.source_key).where(AdvocacyTouch.source_key.in_(keys))
            )
        )
        if keys
        else set()
    )
    added = []
    for (request, opportunity_id), key in zip(found, keys, strict=True):
        if key in existing:
            continue
        session.add(
            AdvocacyTouch(
                source_key=key,
                opportunity_id=opportunity_id,
                member_id=request.advocate_id,
                account_id=request.advocate_account_id,
                touch_type=_REFERENCE_TOUCH.get(str(request.activity), TouchType.OTHER),
                source=TouchSource.REFERENCE_REQUEST,
                occurred_at=request.completed_at or request.created_at,
            )
        )
        added.append(opportunity_id)
    await session.flush()
    return added


async def on_reference_completed(delivery: Delivery) -> None:
    """A completed reference request naming a CRM opportunity is a touch on that deal. Requests
    for deals not imported yet are picked up by the next full recompute."""
    added = await touches_from_references(
        delivery.session, [int(delivery.event.payload["request_id"])]
    )
    if added:
        await recompute_some(delivery.session, added, [], utcnow())


async def on_referral_changed(delivery: Delivery) -> None:
    """A referral's status or CRM link changed: re-resolve the deals it may have sourced."""
    from domain.advocacy.models import Referral

    session = delivery.session
    referral = await session.get(Referral, int(delivery.event.payload["referral_id"]))
    if referral is None:
        return
    conditions = [
        Opportunity.source_referral_id == referral.id,
        Opportunity.referral_code == referral.code,
    ]
    if referral.opportunity_ref:
        conditions.append(Opportunity.external_id == referral.opportunity_ref)
    ids = list(await session.scalars(select(Opportunity.id).where(or_(*conditions))))
    await recompute_some(session, ids, [referral.referrer_account_id], utcnow())


ADVOCACY_ACTIVITY_RECORDED = "advocacy.activity.recorded"


async def on_activity_recorded(delivery: Delivery) -> None:
    """A ledger entry (any act of advocacy or community): refresh that account's counts and
    bonding score."""
    if not await _first_delivery(delivery):
        return
    member_id = delivery.event.payload.get("member_id")
    account_id = await delivery.session.scalar(
        select(Member.account_id).where(Member.id == int(member_id or 0))
    )
    if account_id is not None:
        await recompute_some(delivery.session, [], [account_id], utcnow())


INSIGHTS_CONSUMERS = [
    (ADVOCACY_ACTIVITY_RECORDED, on_activity_recorded),
    (ADVOCACY_REFERENCE_COMPLETED, on_reference_completed),
    (ADVOCACY_REFERRAL_CHANGED, on_referral_changed),
    (events.REVENUE_CHANGED, on_changed),
    (events.TOUCH_RECORDED, on_changed),
    (events.PLAN_CHANGED, on_changed),
    (events.SETTINGS_CHANGED, on_settings_changed),
]
