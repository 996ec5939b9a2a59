"""Recomputes attribution credits (influenced) and resolves referrers (sourced).

Credits are derived data: for a set of opportunities the old rows are deleted and new ones
written from the touches, so running it twice, or for an event handled twice, gives the same
rows. Lost opportunities get no credits.
"""

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.insights.attribution import Journey, Touch, credit_all_models
from domain.insights.models import (
    CREDIT_COLUMNS,
    AdvocacyTouch,
    AttributionCredit,
    Opportunity,
    OpportunityStatus,
)
from domain.insights.services.activity import has_table
from domain.shared.upsert import dialect_name

CHUNK = 5000
INSERT_BATCH = 5000
Progress = Callable[[int], None]


def end_of_day(day: date | None) -> datetime | None:
    """CRM dates are days: a touch any time that day counts as at or before it."""
    return None if day is None else datetime.combine(day, time.max, tzinfo=UTC)


async def recompute_credits(
    session: AsyncSession,
    opportunity_ids: Sequence[int] | None,
    *,
    half_life_days: float,
    now: datetime,
    progress: Progress | None = None,
) -> int:
    """Credits for the given opportunities (all when None); returns the rows written."""
    if opportunity_ids is None:
        await session.execute(delete(AttributionCredit))
        ids = list(await session.scalars(select(Opportunity.id).order_by(Opportunity.id)))
        replace = False
    else:
        ids = sorted(set(opportunity_ids))
        replace = True
    written = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        if replace:
            await session.execute(
                delete(AttributionCredit).where(AttributionCredit.opportunity_id.in_(chunk))
            )
        written += await _credit_chunk(session, chunk, half_life_days, now)
        if progress:
            progress(len(chunk))
    return written


async def _credit_chunk(
    session: AsyncSession, ids: list[int], half_life_days: float, now: datetime
) -> int:
    # Core rows through the session's connection: no ORM result machinery for bulk reads.
    connection = await session.connection()
    opportunities = (
        await connection.execute(
            select(
                Opportunity.id,
                Opportunity.status,
                Opportunity.amount,
                Opportunity.currency,
                Opportunity.created_on,
                Opportunity.lead_created_on,
                Opportunity.closed_on,
            ).where(Opportunity.id.in_(ids), Opportunity.status != OpportunityStatus.LOST)
        )
    ).all()
    if not opportunities:
        return 0
    touches: dict[int, list[Any]] = defaultdict(list)
    rows = await connection.execute(
        select(
            AdvocacyTouch.id,
            AdvocacyTouch.opportunity_id,
            AdvocacyTouch.occurred_at,
            AdvocacyTouch.member_id,
            AdvocacyTouch.account_id,
            AdvocacyTouch.program_id,
            AdvocacyTouch.touch_type,
        ).where(AdvocacyTouch.opportunity_id.in_([o.id for o in opportunities]))
    )
    for row in rows:
        touches[row.opportunity_id].append(row)
    values: list[dict[str, Any]] = []
    for opp in opportunities:
        found = touches.get(opp.id)
        if not found:
            continue
        journey = Journey(
            amount=Decimal(opp.amount),
            created_at=end_of_day(opp.created_on),  # type: ignore[arg-type]
            lead_created_at=end_of_day(opp.lead_created_on),
            closed_at=end_of_day(opp.closed_on),
        )
        credits = credit_all_models(
            [Touch(t.id, t.occurred_at) for t in found],
            journey,
            half_life_days=half_life_days,
            as_of=now,
        )
        for touch in found:
            if touch.id not in credits[next(iter(credits))]:
                continue  # after the close: no influence
            credit_row: dict[str, Any] = {
                "touch_id": touch.id,
                "opportunity_id": opp.id,
                "member_id": touch.member_id,
                "account_id": touch.account_id,
                "program_id": touch.program_id,
                "touch_type": touch.touch_type,
                "status": opp.status,
                "currency": opp.currency,
            }
            for model, column in CREDIT_COLUMNS.items():
                credit_row[column] = credits[model][touch.id]
            values.append(credit_row)
    await insert_rows(session, AttributionCredit.__table__, values)
    return len(values)


async def insert_rows(session: AsyncSession, table: Any, rows: list[dict[str, Any]]) -> None:
    """Bulk insert of derived rows. PostgreSQL: COPY through asyncpg (executemany there costs
    protocol work per row and took 36 s for 137,000 credits; COPY a few). SQLite: Core
    executemany. Enum values go in as their strings (the columns are VARCHAR + CHECK)."""
    if not rows:
        return
    if dialect_name(session) == "postgresql":
        columns = list(rows[0])
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        records = [
            tuple(v.value if isinstance(v, StrEnum) else v for v in (row[c] for c in columns))
            for row in rows
        ]
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            table.name, records=records, columns=columns
        )
        return
    for start in range(0, len(rows), INSERT_BATCH):
        await session.execute(insert(table), rows[start : start + INSERT_BATCH])


async def resolve_referrers(session: AsyncSession, opportunity_ids: Sequence[int] | None) -> int:
    """Sets the referrer of opportunities linked to an advocacy referral (by referral id,
    referral code, or the referral's recorded CRM opportunity id). Opportunities without such a
    link keep the referrer given at import (`referrer_email`). Returns how many were linked."""
    if not await has_table(session, "referrals"):
        return 0
    from domain.advocacy.models import Referral

    statement = select(
        Opportunity.id,
        Opportunity.external_id,
        Opportunity.referral_code,
        Opportunity.source_referral_id,
    ).where(
        or_(Opportunity.referral_code.is_not(None), Opportunity.source_referral_id.is_not(None))
    )
    if opportunity_ids is not None:
        statement = statement.where(Opportunity.id.in_(list(opportunity_ids)))
    linked = (await session.execute(statement)).all()
    by_ref = {}
    if opportunity_ids is not None:
        externals = list(
            await session.scalars(
                select(Opportunity.external_id).where(Opportunity.id.in_(list(opportunity_ids)))
            )
        )
        for ref, member_id, account_id in await session.execute(
            select(
                Referral.opportunity_ref, Referral.referrer_id, Referral.referrer_account_id
            ).where(Referral.opportunity_ref.in_(externals))
        ):
            by_ref[ref] = (member_id, account_id)
    else:
        for ref, member_id, account_id in await session.execute(
            select(
                Referral.opportunity_ref, Referral.referrer_id, Referral.referrer_account_id
            ).where(Referral.opportunity_ref.is_not(None))
        ):
            by_ref[ref] = (member_id, account_id)
    referrals = {
        (r.id, r.code): (r.referrer_id, r.referrer_account_id)
        for r in (
            await session.execute(
                select(
                    Referral.id, Referral.code, Referral.referrer_id, Referral.referrer_account_id
                )
            )
        ).all()
    }
    by_id = {k[0]: v for k, v in referrals.items()}
    by_code = {k[1]: v for k, v in referrals.items()}
    updates = []
    for opp in linked:
        found = by_id.get(opp.source_referral_id) or by_code.get(opp.referral_code)
        if found:
            updates.append((opp.id, found))
    if opportunity_ids is None:
        ids = list(await session.execute(select(Opportunity.id, Opportunity.external_id)))
        updates += [(i, by_ref[ext]) for i, ext in ids if ext in by_ref]
    else:
        rows = await session.execute(
            select(Opportunity.id, Opportunity.external_id).where(
                Opportunity.id.in_(list(opportunity_ids))
            )
        )
        updates += [(i, by_ref[ext]) for i, ext in rows if ext in by_ref]
    for opp_id, (member_id, account_id) in updates:
        await session.execute(
            update(Opportunity)
            .where(Opportunity.id == opp_id)
            .values(referrer_member_id=member_id, referrer_account_id=account_id)
        )
    return len(updates)
