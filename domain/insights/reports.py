"""Every insights report as a table, and as CSV text (the export)."""

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import Account
from domain.identity.policies import Actor
from domain.insights import policies, repository
from domain.insights.attribution import AttributionModel
from domain.insights.models import AttributionCredit, SuccessPlan, UpliftScope
from domain.insights.services.plans import plan_outcomes
from domain.shared.errors import Forbidden
from domain.shared.models import utcnow


class InsightsReport(StrEnum):
    ACCOUNTS = "ACCOUNTS"  # per-account CLV, bonding, sourced and influenced revenue
    ACTIVITY_TYPES = "ACTIVITY_TYPES"
    PROGRAMS = "PROGRAMS"
    UPLIFT = "UPLIFT"
    OPPORTUNITY_CREDITS = "OPPORTUNITY_CREDITS"
    SUCCESS_PLANS = "SUCCESS_PLANS"


Table = tuple[list[str], list[list[Any]]]
MODELS = list(AttributionModel)


def to_csv(table: Table) -> str:
    header, rows = table
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else _cell(v) for v in row])
    return out.getvalue()


def _cell(value: Any) -> str:
    text = str(value)
    # Spreadsheets run cells starting with these as formulas (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _uplift_cells(u: Any) -> list[Any]:
    if u is None:
        return [None] * 7
    return [
        u.engaged_accounts,
        u.control_accounts,
        u.sufficient,
        u.clv_difference,
        u.ci_low,
        u.ci_high,
        u.note,
    ]


UPLIFT_HEADER = [
    "engaged_accounts",
    "control_accounts",
    "sufficient_data",
    "clv_difference",
    "ci_low_95",
    "ci_high_95",
    "uplift_note",
]


async def report(
    session: AsyncSession, actor: Actor, which: InsightsReport, model: AttributionModel
) -> Table:
    if which is InsightsReport.SUCCESS_PLANS:
        return await _plans(session, actor)
    if not policies.can_view_revenue(actor):
        raise Forbidden("insights reports are for staff")
    if which is InsightsReport.ACCOUNTS:
        return await _accounts(session, model)
    if which is InsightsReport.ACTIVITY_TYPES:
        return await _activity_types(session, model)
    if which is InsightsReport.PROGRAMS:
        return await _programs(session, model)
    if which is InsightsReport.UPLIFT:
        rows = [
            [
                u.scope,
                u.scope_key,
                *_uplift_cells(u),
                u.engaged_retention,
                u.control_retention,
                u.currency,
            ]
            for u in await repository.uplift_results(session)
        ]
        return [
            "scope",
            "scope_key",
            *UPLIFT_HEADER,
            "engaged_retention",
            "control_retention",
            "currency",
        ], rows
    rows = [
        [o.external_id, o.name, o.status, o.amount, o.currency, *(a[m] for m in MODELS)]
        for o, a in await repository.opportunity_credit_rows(session)
    ]
    return [
        "external_id",
        "name",
        "status",
        "amount",
        "currency",
        *(f"credit_{m.value.lower()}" for m in MODELS),
    ], rows


async def _accounts(session: AsyncSession, model: AttributionModel) -> Table:
    column = getattr(AttributionCredit, f"credit_{model.value.lower()}")
    influenced: dict[int, Decimal] = {}
    for account_id, amount in await session.execute(
        select(AttributionCredit.account_id, column).where(AttributionCredit.status == "WON")
    ):
        influenced[account_id] = influenced.get(account_id, 0) + amount
    header = [
        "account",
        "segment",
        "arr",
        "currency",
        "churned",
        "renewals",
        "contractual_clv",
        "derl",
        "expected_remaining_years",
        "probability_alive",
        "transactional_clv",
        "bonding_score",
        f"influenced_revenue_{model.value.lower()}",
        "computed_at",
    ]
    rows = [
        [
            a.name,
            a.segment,
            i.arr,
            i.currency,
            i.churned,
            i.renewals,
            i.contractual_clv,
            _round(i.derl),
            _round(i.expected_remaining_years),
            _round(i.probability_alive),
            i.transactional_clv,
            i.bonding_score,
            influenced.get(a.id, 0),
            i.computed_at.isoformat(),
        ]
        for a, i in await repository.account_rows(session)
    ]
    return header, rows


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


async def _activity_types(session: AsyncSession, model: AttributionModel) -> Table:
    by_type = await repository.influence_by(session, AttributionCredit.touch_type)
    counts = await repository.touch_counts_by_type(session)
    uplift = {
        u.scope_key: u for u in await repository.uplift_results(session, UpliftScope.ACTIVITY_TYPE)
    }
    keys = sorted(set(counts) | set(uplift) | {str(k) for k in by_type})
    rows = []
    for key in keys:
        inf = by_type.get(key)
        rows.append(
            [
                key,
                counts.get(key, 0),
                inf.revenue[model] if inf else 0,
                inf.pipeline[model] if inf else 0,
                *_uplift_cells(uplift.get(key)),
            ]
        )
    return [
        "activity_type",
        "touches",
        f"influenced_revenue_{model.value.lower()}",
        f"influenced_pipeline_{model.value.lower()}",
        *UPLIFT_HEADER,
    ], rows


async def _programs(session: AsyncSession, model: AttributionModel) -> Table:
    by_program = await repository.influence_by(session, AttributionCredit.program_id)
    uplift = {u.scope_key: u for u in await repository.uplift_results(session, UpliftScope.PROGRAM)}
    rows = []
    for program in await repository.programs(session):
        inf = by_program.get(program.id)
        src = await repository.sourced_by_program(session, program.id)
        rows.append(
            [
                program.id,
                program.name,
                src.revenue,
                inf.revenue[model] if inf else 0,
                *_uplift_cells(uplift.get(str(program.id))),
            ]
        )
    return [
        "program_id",
        "program",
        "sourced_revenue",
        f"influenced_revenue_{model.value.lower()}",
        *UPLIFT_HEADER,
    ], rows


async def _plans(session: AsyncSession, actor: Actor) -> Table:
    plans = list(
        await session.scalars(
            policies.readable_success_plans(actor, select(SuccessPlan)).order_by(SuccessPlan.id)
        )
    )
    names = (
        dict(
            (
                await session.execute(
                    select(Account.id, Account.name).where(
                        Account.id.in_({p.account_id for p in plans})
                    )
                )
            ).all()
        )
        if plans
        else {}
    )
    progress = await plan_outcomes(session, [p.id for p in plans], utcnow().date())
    rows: list[list[Any]] = []
    for plan in plans:
        for o in progress[plan.id]:
            rows.append(
                [
                    names.get(plan.account_id),
                    plan.title,
                    plan.status,
                    o.outcome.title,
                    o.outcome.kpi,
                    o.outcome.unit,
                    o.outcome.baseline,
                    o.outcome.target,
                    o.outcome.due_on,
                    o.latest,
                    o.progress,
                    o.status,
                ]
            )
    return [
        "account",
        "plan",
        "plan_status",
        "outcome",
        "kpi",
        "unit",
        "baseline",
        "target",
        "due_on",
        "latest",
        "progress",
        "outcome_status",
    ], rows


def columns(table: Table) -> Sequence[str]:
    return table[0]
