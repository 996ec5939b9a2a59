"""Insights' outbox topics. Payloads carry ids; the consumers re-read rows and recompute, so a
repeated or late event leaves the same result."""

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from domain.shared.outbox import record_event

REVENUE_CHANGED = "insights.revenue_changed"  # opportunity_ids, account_ids
TOUCH_RECORDED = "insights.touch_recorded"  # opportunity_ids, account_ids
SETTINGS_CHANGED = "insights.settings_changed"
PLAN_CHANGED = "insights.success_plan_changed"  # account_ids

MAX_IDS_PER_EVENT = 500


def emit_changed(
    session: AsyncSession,
    topic: str,
    *,
    opportunity_ids: Iterable[int] = (),
    account_ids: Iterable[int] = (),
) -> None:
    """One event per chunk of ids, so a bulk import never writes a giant payload."""
    opportunities = sorted(set(opportunity_ids))
    accounts = sorted(set(account_ids))
    size = MAX_IDS_PER_EVENT
    chunks = max(1, -(-len(opportunities) // size), -(-len(accounts) // size))
    for i in range(chunks):
        record_event(
            session,
            topic,
            {
                "opportunity_ids": opportunities[i * size : (i + 1) * size],
                "account_ids": accounts[i * size : (i + 1) * size],
            },
        )
