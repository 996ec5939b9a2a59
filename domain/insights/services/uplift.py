"""Retention uplift per scope (overall, activity type, programme), stored for the reports."""

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.insights.bonding import Category
from domain.insights.models import AccountInsight, InsightsSettings, UpliftResult, UpliftScope
from domain.insights.services.activity import by_category, program_accounts
from domain.insights.services.lifetimes import YEAR_DAYS, Lifetime, lifetimes
from domain.insights.uplift import Uplift, UpliftInput, retention_uplift

ARR_BANDS = (10_000, 50_000, 250_000)  # < 10k, 10-50k, 50-250k, >= 250k
COHORT_BANDS = (1, 3, 5)  # years a customer: < 1, 1-3, 3-5, >= 5
Progress = Callable[[int], None]


def stratum(life: Lifetime, today_ordinal: int) -> tuple[Any, ...]:
    arr = float(life.last_arr)
    years = (today_ordinal - life.started_on.toordinal()) / YEAR_DAYS
    return (
        life.segment,
        sum(arr >= band for band in ARR_BANDS),
        sum(years >= band for band in COHORT_BANDS),
        life.industry,
    )


def _money(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 2)))


async def recompute_uplift(
    session: AsyncSession,
    settings: InsightsSettings,
    now: datetime,
    *,
    bootstrap: int = 200,
    progress: Progress | None = None,
) -> int:
    today = now.date()
    lives = await lifetimes(session, today)
    await session.execute(delete(UpliftResult))
    if not lives:
        return 0
    # The accounts' all-time activity counts, as the account step stored them just before.
    ever = {
        account_id: counts or {}
        for account_id, counts in await session.execute(
            select(AccountInsight.account_id, AccountInsight.activity_counts)
        )
    }
    programs = await program_accounts(session)
    ids = [life.account_id for life in lives]
    strata = [stratum(life, today.toordinal()) for life in lives]
    periods = np.array([life.periods for life in lives], dtype=np.int64)
    churned = np.array([life.churned for life in lives], dtype=bool)
    arr = np.array([float(life.last_arr) for life in lives], dtype=float)
    advocates = np.array(
        [by_category(ever.get(i, {})).get(Category.ADVOCACY, 0) > 0 for i in ids], dtype=bool
    )
    enrolled_anywhere = set().union(*programs.values()) if programs else set()
    in_any_program = np.array([i in enrolled_anywhere for i in ids], dtype=bool)

    scopes: list[tuple[UpliftScope, str, np.ndarray, np.ndarray]] = [
        (UpliftScope.OVERALL, "", advocates, ~advocates)
    ]
    types = sorted({t for counts in ever.values() for t in counts})
    for activity in types:
        engaged = np.array([ever.get(i, {}).get(activity, 0) > 0 for i in ids], dtype=bool)
        scopes.append((UpliftScope.ACTIVITY_TYPE, activity, engaged, ~advocates & ~engaged))
    for program_id in sorted(programs):
        engaged = np.array([i in programs[program_id] for i in ids], dtype=bool)
        scopes.append((UpliftScope.PROGRAM, str(program_id), engaged, ~in_any_program))

    rows = []
    for scope, key, engaged, control in scopes:
        keep = engaged | control
        result = retention_uplift(
            UpliftInput(
                engaged[keep],
                [s for s, k in zip(strata, keep, strict=True) if k],
                periods[keep],
                churned[keep],
                arr[keep],
            ),
            margin=float(settings.gross_margin),
            discount_rate=float(settings.discount_rate),
            bootstrap=bootstrap,
        )
        rows.append(_row(scope, key, result, settings.currency, now))
        if progress:
            progress(1)
    await session.execute(insert(UpliftResult), rows)
    return len(rows)


def _row(
    scope: UpliftScope, key: str, result: Uplift, currency: str, now: datetime
) -> dict[str, Any]:
    return {
        "scope": scope,
        "scope_key": key,
        "engaged_accounts": result.engaged_accounts,
        "control_accounts": result.control_accounts,
        "engaged_retention": result.engaged_retention,
        "control_retention": result.control_retention,
        "clv_difference": _money(result.clv_difference),
        "ci_low": _money(result.ci_low),
        "ci_high": _money(result.ci_high),
        "currency": currency,
        "sufficient": result.sufficient,
        "note": result.note,
        "computed_at": now,
    }
