"""Success plans: an account's desired outcomes, each a KPI moving from a baseline to a target
by a date, with dated measurements; and the review summary for a business-results meeting."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import Account, AccountKind
from domain.identity.policies import Actor
from domain.insights import events, policies
from domain.insights.errors import InsightsErrorCode as Code
from domain.insights.models import OutcomeMeasurement, PlanStatus, SuccessOutcome, SuccessPlan
from domain.shared.audit import record_audit
from domain.shared.errors import DomainError, Forbidden
from domain.shared.models import utcnow
from domain.shared.validation import Checker

MAX_OUTCOMES = 20


class OutcomeStatus(StrEnum):
    NOT_MEASURED = "NOT_MEASURED"
    BEHIND = "BEHIND"
    ON_TRACK = "ON_TRACK"
    ACHIEVED = "ACHIEVED"


@dataclass(frozen=True)
class NewOutcome:
    title: str
    kpi: str
    baseline: Decimal
    target: Decimal
    unit: str | None = None
    due_on: date | None = None


def _not_found(what: str, field_name: str) -> DomainError:
    return DomainError(f"{what} not found", code=Code.NOT_FOUND, field=["input", field_name])


def _check_outcome(check: Checker, prefix: str, new: NewOutcome) -> None:
    check.text(f"{prefix}title", new.title, max_length=200, required=True)
    check.text(f"{prefix}kpi", new.kpi, max_length=200, required=True)
    check.text(f"{prefix}unit", new.unit, max_length=30)
    if new.baseline == new.target:
        check.fail(f"{prefix}target", "the target differs from the baseline")


async def create_plan(
    session: AsyncSession, actor: Actor, account_id: int, title: str, outcomes: Sequence[NewOutcome]
) -> SuccessPlan:
    if not policies.can_manage_success_plans(actor):
        raise Forbidden("only CSMs create success plans")
    account = await session.get(Account, account_id)
    if account is None or account.kind is not AccountKind.CUSTOMER:
        raise _not_found("account", "accountId")
    check = Checker(Code.INVALID_VALUE)
    check.text("title", title, max_length=200, required=True)
    check.list_size("outcomes", list(outcomes), MAX_OUTCOMES, Code.TOO_MANY_ITEMS)
    for i, new in enumerate(outcomes):
        _check_outcome(check, f"outcomes.{i}.", new)
    check.raise_if_any()
    plan = SuccessPlan(
        account_id=account_id,
        title=title.strip(),
        status=PlanStatus.ACTIVE,
        owner_id=actor.member_id,
    )
    session.add(plan)
    await session.flush()
    for new in outcomes:
        session.add(_outcome(plan.id, new))
    await session.flush()
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="insights.plan.create",
        target_type="SuccessPlan",
        target_id=plan.id,
    )
    events.emit_changed(session, events.PLAN_CHANGED, account_ids=[account_id])
    return plan


def _outcome(plan_id: int, new: NewOutcome) -> SuccessOutcome:
    return SuccessOutcome(
        plan_id=plan_id,
        title=new.title.strip(),
        kpi=new.kpi.strip(),
        unit=(new.unit or "").strip() or None,
        baseline=new.baseline,
        target=new.target,
        due_on=new.due_on,
    )


async def _plan_for_staff(session: AsyncSession, actor: Actor, plan_id: int) -> SuccessPlan:
    if not policies.can_manage_success_plans(actor):
        raise Forbidden("only CSMs change success plans")
    plan = await session.get(SuccessPlan, plan_id)
    if plan is None:
        raise _not_found("success plan", "planId")
    return plan


async def add_outcome(
    session: AsyncSession, actor: Actor, plan_id: int, new: NewOutcome
) -> SuccessOutcome:
    plan = await _plan_for_staff(session, actor, plan_id)
    check = Checker(Code.INVALID_VALUE)
    _check_outcome(check, "", new)
    check.raise_if_any()
    outcome = _outcome(plan.id, new)
    session.add(outcome)
    await session.flush()
    events.emit_changed(session, events.PLAN_CHANGED, account_ids=[plan.account_id])
    return outcome


async def update_plan(
    session: AsyncSession,
    actor: Actor,
    plan_id: int,
    *,
    status: PlanStatus | None = None,
    recommendations: str | None = None,
) -> SuccessPlan:
    plan = await _plan_for_staff(session, actor, plan_id)
    check = Checker(Code.INVALID_VALUE)
    text = check.text("recommendations", recommendations, max_length=5000)
    check.raise_if_any()
    if status is not None:
        plan.status = status
    if recommendations is not None:
        plan.recommendations = text
    plan.updated_at = utcnow()
    await session.flush()
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="insights.plan.update",
        target_type="SuccessPlan",
        target_id=plan.id,
        details={"status": str(plan.status)},
    )
    events.emit_changed(session, events.PLAN_CHANGED, account_ids=[plan.account_id])
    return plan


async def record_measurement(
    session: AsyncSession,
    actor: Actor,
    outcome_id: int,
    measured_on: date,
    value: Decimal,
    note: str | None = None,
) -> OutcomeMeasurement:
    """CSMs record for any account; a customer's members for their own account's outcomes."""
    row = (
        await session.execute(
            select(SuccessOutcome, SuccessPlan.account_id)
            .join(SuccessPlan, SuccessPlan.id == SuccessOutcome.plan_id)
            .where(SuccessOutcome.id == outcome_id)
        )
    ).first()
    if row is None or not policies.can_view_success_plan(actor, row[1]):
        raise _not_found("outcome", "outcomeId")
    outcome, account_id = row
    if not policies.can_record_measurement(actor, account_id):
        raise Forbidden("you may not record measurements for this account")
    check = Checker(Code.INVALID_VALUE)
    text = check.text("note", note, max_length=1000)
    if measured_on > utcnow().date():
        check.fail("measuredOn", "a measurement is not in the future")
    if not value.is_finite() or abs(value) >= Decimal("1e14"):
        check.fail("value", "a finite number below 10^14")
    check.raise_if_any()
    measurement = OutcomeMeasurement(
        outcome_id=outcome.id,
        measured_on=measured_on,
        value=value,
        note=text,
        recorded_by_id=actor.member_id,
    )
    session.add(measurement)
    await session.flush()
    events.emit_changed(session, events.PLAN_CHANGED, account_ids=[account_id])
    return measurement


# --- progress and review --------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeProgress:
    outcome: SuccessOutcome
    measurements: list[OutcomeMeasurement]
    latest: Decimal | None
    progress: float | None  # 0 at the baseline, 1 at the target (may exceed 1)
    status: OutcomeStatus


def outcome_progress(
    outcome: SuccessOutcome, measurements: list[OutcomeMeasurement], started: date, today: date
) -> OutcomeProgress:
    ordered = sorted(measurements, key=lambda m: (m.measured_on, m.id))
    if not ordered:
        return OutcomeProgress(outcome, ordered, None, None, OutcomeStatus.NOT_MEASURED)
    latest = ordered[-1].value
    progress = float((latest - outcome.baseline) / (outcome.target - outcome.baseline))
    if progress >= 1:
        status = OutcomeStatus.ACHIEVED
    else:
        expected = 0.0
        if outcome.due_on and outcome.due_on > started:
            elapsed = (min(today, outcome.due_on) - started).days
            expected = elapsed / (outcome.due_on - started).days
        elif outcome.due_on:
            expected = 1.0
        status = (
            OutcomeStatus.ON_TRACK
            if progress >= expected and progress > 0
            else OutcomeStatus.BEHIND
        )
    return OutcomeProgress(outcome, ordered, latest, round(progress, 4), status)


@dataclass
class PlanReview:
    """What a business-results review meeting needs: where each outcome stands, and what to do."""

    plan: SuccessPlan
    outcomes: list[OutcomeProgress]
    counts: dict[OutcomeStatus, int] = field(default_factory=dict)
    suggestions: list[str] = field(default_factory=list)


def review(plan: SuccessPlan, outcomes: list[OutcomeProgress]) -> PlanReview:
    counts = {status: sum(1 for o in outcomes if o.status is status) for status in OutcomeStatus}
    suggestions = []
    for o in outcomes:
        name = o.outcome.title
        if o.status is OutcomeStatus.NOT_MEASURED:
            suggestions.append(f'Agree how and when to measure "{name}" ({o.outcome.kpi}).')
        elif o.status is OutcomeStatus.BEHIND:
            suggestions.append(
                f'"{name}" is behind plan ({(o.progress or 0) * 100:.0f}% of the way to '
                f"{o.outcome.target.normalize()}): agree actions or reset the target date."
            )
        elif o.status is OutcomeStatus.ACHIEVED:
            suggestions.append(
                f'"{name}" achieved: a candidate story for a case study or '
                "reference, and time to set the next goal."
            )
    if not outcomes:
        suggestions.append("Add at least one measurable outcome with a baseline and a target.")
    return PlanReview(plan, outcomes, counts, suggestions)


async def plan_outcomes(
    session: AsyncSession, plan_ids: Sequence[int], today: date
) -> dict[int, list[OutcomeProgress]]:
    plans = {
        p.id: p
        for p in await session.scalars(select(SuccessPlan).where(SuccessPlan.id.in_(plan_ids)))
    }
    outcomes = list(
        await session.scalars(
            select(SuccessOutcome)
            .where(SuccessOutcome.plan_id.in_(plan_ids))
            .order_by(SuccessOutcome.id)
        )
    )
    measurements: dict[int, list[OutcomeMeasurement]] = defaultdict(list)
    if outcomes:
        for m in await session.scalars(
            select(OutcomeMeasurement).where(
                OutcomeMeasurement.outcome_id.in_([o.id for o in outcomes])
            )
        ):
            measurements[m.outcome_id].append(m)
    result: dict[int, list[OutcomeProgress]] = {i: [] for i in plan_ids}
    for o in outcomes:
        started = plans[o.plan_id].created_at.date()
        result[o.plan_id].append(outcome_progress(o, measurements[o.id], started, today))
    return result


async def outcome_progress_by_account(
    session: AsyncSession, account_ids: Sequence[int] | None
) -> dict[int, tuple[int, int]]:
    """(outcomes achieved, outcomes) per account over its plans that are not archived."""
    statement = select(SuccessPlan.id, SuccessPlan.account_id).where(
        SuccessPlan.status != PlanStatus.ARCHIVED
    )
    if account_ids is not None:
        statement = statement.where(SuccessPlan.account_id.in_(list(account_ids)))
    plans = dict((await session.execute(statement)).all())
    if not plans:
        return {}
    progress = await plan_outcomes(session, list(plans), utcnow().date())
    result: dict[int, tuple[int, int]] = {}
    for plan_id, items in progress.items():
        achieved, total = result.get(plans[plan_id], (0, 0))
        result[plans[plan_id]] = (
            achieved + sum(1 for o in items if o.status is OutcomeStatus.ACHIEVED),
            total + len(items),
        )
    return result
