"""Per-account insights: contractual CLV (sBG per segment), transactional CLV (BG/NBD with
Gamma-Gamma), bonding score and its daily snapshot.

A full recompute refits the models on every account and stores the fits; an incremental one
(a few accounts after an event) reuses the stored fits, so one account's change does not move
every other account's numbers until the next full recompute.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.insights import bonding
from domain.insights.clv import bgnbd, gamma_gamma, sbg, value
from domain.insights.clv.bgnbd import BGNBDParams
from domain.insights.clv.gamma_gamma import GammaGammaParams
from domain.insights.clv.sbg import SBGParams
from domain.insights.models import (
    AccountInsight,
    BondingSnapshot,
    FitModel,
    InsightsSettings,
    ModelFit,
)
from domain.insights.services.activity import activity_ever_and_since, by_category
from domain.insights.services.lifetimes import Lifetime, lifetimes, purchase_summaries
from domain.insights.services.plans import outcome_progress_by_account

MIN_SEGMENT_ACCOUNTS = 20
MIN_SEGMENT_CHURNED = 3
MIN_PURCHASE_CUSTOMERS = 20
MIN_REPEAT_CUSTOMERS = 10
HORIZON_YEARS = 10
TRANSACTION_HORIZON_WEEKS = 52
BATCH = 5000
ALL = "ALL"
Progress = Callable[[int], None]


@dataclass
class Fits:
    retention: dict[str, SBGParams]  # sBG per scope: "ALL" or "SEGMENT:<segment>"
    purchases: BGNBDParams | None = None
    spend: GammaGammaParams | None = None

    def for_segment(self, segment: str | None) -> SBGParams | None:
        return self.retention.get(f"SEGMENT:{segment}") or self.retention.get(ALL)


def fit_models(lives: list[Lifetime], purchases: list[Any]) -> Fits:
    fits = Fits({})
    if lives and sum(life.churned for life in lives) >= 1:
        fits.retention[ALL] = _fit_sbg(lives)
    for segment in sorted({life.segment for life in lives if life.segment}):
        group = [life for life in lives if life.segment == segment]
        if (
            len(group) >= MIN_SEGMENT_ACCOUNTS
            and sum(g.churned for g in group) >= MIN_SEGMENT_CHURNED
        ):
            fits.retention[f"SEGMENT:{segment}"] = _fit_sbg(group)
    if len(purchases) >= MIN_PURCHASE_CUSTOMERS and any(p.frequency for p in purchases):
        fits.purchases = bgnbd.fit(
            [p.frequency for p in purchases],
            [p.recency for p in purchases],
            [p.age for p in purchases],
        )
        repeat = [p for p in purchases if p.frequency > 0 and p.monetary > 0]
        if len(repeat) >= MIN_REPEAT_CUSTOMERS:
            fits.spend = gamma_gamma.fit(
                [p.frequency for p in repeat], [p.monetary for p in repeat]
            )
    return fits


def _fit_sbg(lives: list[Lifetime]) -> SBGParams:
    return sbg.fit_lifetimes([life.periods for life in lives], [life.churned for life in lives])


async def store_fits(session: AsyncSession, fits: Fits, now: datetime) -> None:
    await session.execute(delete(ModelFit))
    rows: list[dict[str, Any]] = [
        {
            "model": FitModel.SBG,
            "scope": scope,
            "params": p.as_dict(),
            "customers": p.customers,
            "fitted_at": now,
        }
        for scope, p in fits.retention.items()
    ]
    if fits.purchases:
        rows.append(
            {
                "model": FitModel.BGNBD,
                "scope": ALL,
                "params": fits.purchases.as_dict(),
                "customers": fits.purchases.customers,
                "fitted_at": now,
            }
        )
    if fits.spend:
        rows.append(
            {
                "model": FitModel.GAMMA_GAMMA,
                "scope": ALL,
                "params": fits.spend.as_dict(),
                "customers": fits.spend.customers,
                "fitted_at": now,
            }
        )
    if rows:
        await session.execute(insert(ModelFit), rows)


async def stored_fits(session: AsyncSession) -> Fits:
    fits = Fits({})
    for row in await session.scalars(select(ModelFit)):
        p = dict(row.params)
        ll = p.pop("log_likelihood")
        if row.model is FitModel.SBG:
            fits.retention[row.scope] = SBGParams(p["alpha"], p["beta"], ll, row.customers)
        elif row.model is FitModel.BGNBD:
            fits.purchases = BGNBDParams(p["r"], p["alpha"], p["a"], p["b"], ll, row.customers)
        else:
            fits.spend = GammaGammaParams(p["p"], p["q"], p["v"], ll, row.customers)
    return fits


def _money(amount: float | None) -> Decimal | None:
    return None if amount is None or not np.isfinite(amount) else Decimal(str(round(amount, 2)))


async def recompute_accounts(
    session: AsyncSession,
    account_ids: Sequence[int] | None,
    settings: InsightsSettings,
    now: datetime,
    *,
    progress: Progress | None = None,
) -> int:
    """Recomputes account_insights (all accounts with revenue or activity when None)."""
    today = now.date()
    margin, rate = float(settings.gross_margin), float(settings.discount_rate)
    wanted = None if account_ids is None else set(account_ids)
    scope = None if wanted is None else sorted(wanted)
    all_lives = await lifetimes(session, today, scope)
    all_purchases = await purchase_summaries(session, today, scope)
    if account_ids is None:
        fits = fit_models(all_lives, all_purchases)
        await store_fits(session, fits, now)
    else:
        fits = await stored_fits(session)
    lives = {
        life.account_id: life for life in all_lives if wanted is None or life.account_id in wanted
    }
    purchases = {p.account_id: p for p in all_purchases if wanted is None or p.account_id in wanted}
    ever, window = await activity_ever_and_since(
        session, now - timedelta(days=bonding.WINDOW_DAYS), scope
    )
    outcomes = await outcome_progress_by_account(
        session, None if wanted is None else sorted(wanted)
    )
    ids = sorted(
        set(lives) | set(purchases) | set(window) | set(outcomes) if wanted is None else wanted
    )
    transactional = _transactional(fits, purchases, margin, rate)
    rows, snapshots = [], []
    for account_id in ids:
        life, purchase = lives.get(account_id), purchases.get(account_id)
        row: dict[str, Any] = {
            "account_id": account_id,
            "computed_at": now,
            "currency": settings.currency,
            "churned": bool(life and life.churned),
        }
        params = fits.for_segment(life.segment) if life else None
        if life:
            row.update(arr=life.arr, renewals=life.renewals)
        if life and params and not life.churned:
            derl = float(sbg.derl(params.alpha, params.beta, life.renewals, rate))
            row.update(
                derl=derl,
                contractual_clv=_money(float(life.arr) * margin * derl),
                expected_remaining_years=float(
                    sbg.expected_remaining_periods(
                        params.alpha, params.beta, life.renewals, HORIZON_YEARS
                    )
                ),
                median_remaining_years=sbg.median_remaining_periods(
                    params.alpha, params.beta, life.renewals
                ),
            )
        elif life and life.churned:
            row.update(
                contractual_clv=Decimal("0.00"),
                derl=0.0,
                expected_remaining_years=0.0,
                median_remaining_years=0,
            )
        if purchase and account_id in transactional:
            row.update(transactional[account_id])
        achieved, total = outcomes.get(account_id, (0, 0))
        score, components = bonding.bonding_score(
            by_category(window.get(account_id, {})), achieved, total
        )
        row.update(
            bonding_score=score,
            bonding_components=[c.as_dict() for c in components],
            activity_counts=dict(sorted(ever.get(account_id, {}).items())),
        )
        rows.append(row)
        snapshots.append({"account_id": account_id, "on_date": today, "score": score})
    await _write(session, rows, snapshots, replace_all=account_ids is None, progress=progress)
    return len(rows)


def _transactional(
    fits: Fits, purchases: dict[int, Any], margin: float, rate: float
) -> dict[int, dict[str, Any]]:
    if not purchases or fits.purchases is None:
        return {}
    ids = list(purchases)
    x = np.array([purchases[i].frequency for i in ids], dtype=float)
    tx = np.array([purchases[i].recency for i in ids], dtype=float)
    t = np.array([purchases[i].age for i in ids], dtype=float)
    m = np.array([purchases[i].monetary for i in ids], dtype=float)
    alive = bgnbd.probability_alive(fits.purchases, x, tx, t)
    expected = bgnbd.expected_purchases(fits.purchases, TRANSACTION_HORIZON_WEEKS, x, tx, t)
    clv = None
    if fits.spend is not None:
        monthly = (1 + rate) ** (1 / 12) - 1
        clv = value.transactional_clv(
            fits.purchases,
            fits.spend,
            x,
            tx,
            t,
            m,
            margin=margin,
            horizon_periods=12,
            period_length=TRANSACTION_HORIZON_WEEKS / 12,
            discount_rate_per_period=monthly,
        )
    return {
        account_id: {
            "probability_alive": float(alive[i]),
            "expected_purchases": float(expected[i]),
            "transactional_clv": _money(float(clv[i])) if clv is not None else None,
        }
        for i, account_id in enumerate(ids)
    }


async def _write(
    session: AsyncSession,
    rows: list[dict[str, Any]],
    snapshots: list[dict[str, Any]],
    *,
    replace_all: bool,
    progress: Progress | None,
) -> None:
    insights_table: Any = AccountInsight.__table__  # Core: no ORM bookkeeping per row
    snapshots_table: Any = BondingSnapshot.__table__
    columns = [c.key for c in insights_table.columns]
    empty: dict[str, Any] = {"bonding_components": [], "activity_counts": {}}
    full = [{c: row.get(c, empty.get(c)) for c in columns} for row in rows]
    if replace_all:
        await session.execute(delete(AccountInsight))
    ids = [row["account_id"] for row in rows]
    day = snapshots[0]["on_date"] if snapshots else None
    for start in range(0, len(full), BATCH):
        batch_ids = ids[start : start + BATCH]
        if not replace_all:
            await session.execute(
                delete(AccountInsight).where(AccountInsight.account_id.in_(batch_ids))
            )
        await session.execute(
            delete(BondingSnapshot).where(
                BondingSnapshot.account_id.in_(batch_ids), BondingSnapshot.on_date == day
            )
        )
        await session.execute(insert(insights_table), full[start : start + BATCH])
        await session.execute(insert(snapshots_table), snapshots[start : start + BATCH])
        if progress:
            progress(len(batch_ids))


async def insight_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(AccountInsight)) or 0)
