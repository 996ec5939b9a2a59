"""Reference requests: requested -> approved by the advocate's account owner (or declined) ->
scheduled -> completed (feedback from both sides, outcome on the opportunity) or cancelled.
Every step that asks the customer consults the fatigue budget; competitors of the prospect
are never put forward."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy import availability, events, ledger, policies
from domain.advocacy.errors import Code, invalid
from domain.advocacy.fatigue import AskKind, check_budget, record_ask
from domain.advocacy.models import (
    AdvocacyActivity,
    AdvocateProfile,
    LedgerActivity,
    OpportunityOutcome,
    ProfileStatus,
    ReferenceRequest,
    ReferenceStatus,
)
from domain.advocacy.ranking import competes
from domain.advocacy.services.common import (
    clean_terms,
    customer_member,
    get_for_update,
    require_advocacy_staff,
    required_text,
    text_or_none,
)
from domain.identity.models import Account, AccountKind
from domain.identity.policies import Actor
from domain.shared.errors import DomainError, Forbidden
from domain.shared.validation import DOMAIN

S = ReferenceStatus
SOURCE = "ReferenceRequest"
REFERENCE_ACTIVITIES = (AdvocacyActivity.REFERENCE_CALL, AdvocacyActivity.SITE_VISIT)


@dataclass(frozen=True)
class NewReferenceRequest:
    prospect_company: str
    activity: AdvocacyActivity = AdvocacyActivity.REFERENCE_CALL
    prospect_domain: str | None = None
    industry: str | None = None
    employee_band: str | None = None
    region: str | None = None
    products: list[str] = field(default_factory=list)
    use_case: str | None = None
    needed_by: date | None = None
    opportunity_ref: str | None = None
    opportunity_amount: Decimal | None = None
    currency: str = "USD"
    opportunity_stage: str | None = None
    advocate_id: int | None = None


async def create(
    session: AsyncSession, actor: Actor, now: datetime, new: NewReferenceRequest
) -> ReferenceRequest:
    require_advocacy_staff(actor)
    if new.activity not in REFERENCE_ACTIVITIES:
        raise invalid("a reference request is for a call or a site visit", "activity")
    if new.needed_by is not None and new.needed_by < now.date():
        raise invalid("neededBy is in the past", "neededBy")
    if new.opportunity_amount is not None and new.opportunity_amount < 0:
        raise invalid("the amount must not be negative", "opportunityAmount")
    if len(new.currency) != 3 or not new.currency.isalpha():
        raise invalid("currency is a three-letter ISO 4217 code", "currency")
    company = required_text(new.prospect_company, "prospectCompany", 200)
    domain = text_or_none(new.prospect_domain, "prospectDomain", 253)
    if domain is not None:
        domain = domain.lower()
        if not DOMAIN.match(domain):
            raise invalid("not a valid domain name (like acme.com)", "prospectDomain")
    request = ReferenceRequest(
        requested_by_id=actor.member_id,
        activity=new.activity,
        prospect_company=company,
        prospect_domain=domain,
        prospect_account_id=await _match_prospect(session, company, domain),
        industry=text_or_none(new.industry, "industry", 100),
        employee_band=new.employee_band,
        region=text_or_none(new.region, "region", 50),
        products=clean_terms(new.products, "products"),
        use_case=text_or_none(new.use_case, "useCase", 500),
        needed_by=new.needed_by,
        opportunity_ref=text_or_none(new.opportunity_ref, "opportunityRef", 100),
        opportunity_amount=new.opportunity_amount,
        currency=new.currency.upper(),
        opportunity_stage=text_or_none(new.opportunity_stage, "opportunityStage", 50),
        status=S.REQUESTED,
    )
    session.add(request)
    await session.flush()
    if new.advocate_id is not None:
        await choose_advocate(session, actor, now, request.id, new.advocate_id)
    events.emit(session, events.REFERENCE_REQUESTED, request_id=request.id)
    return request


async def _match_prospect(session: AsyncSession, company: str, domain: str | None) -> int | None:
    """The prospect as a known account: by domain first, else by exact name (any case)."""
    if domain is not None:
        found = await session.scalar(select(Account.id).where(Account.domain == domain))
        if found is not None:
            return found
    return await session.scalar(
        select(Account.id)
        .where(func.lower(Account.name) == company.lower(), Account.kind == AccountKind.CUSTOMER)
        .order_by(Account.id)
        .limit(1)
    )


async def _check_advocate(
    session: AsyncSession, request: ReferenceRequest, member_id: int, now: datetime
) -> AdvocateProfile:
    member = await customer_member(session, member_id, "advocateId")
    profile = await session.scalar(
        select(AdvocateProfile).where(AdvocateProfile.member_id == member_id)
    )
    if (
        profile is None
        or profile.status is not ProfileStatus.ACTIVE
        or request.activity.value not in profile.activities
    ):
        raise invalid(
            f"this member is not an active advocate willing to do {request.activity}",
            "advocateId",
            Code.NOT_WILLING,
        )
    if await competes(session, member.account_id, request.prospect_account_id):
        raise invalid(
            "the advocate's company competes with the prospect (or is the prospect)",
            "advocateId",
            Code.COMPETITOR,
        )
    verdict = await check_budget(
        session,
        member_id=member_id,
        kind=AskKind(request.activity.value),
        at=now,
        exclude_source=(SOURCE, request.id),
    )
    if not verdict.allowed:
        raise invalid(
            "the advocate's ask budget is used up: " + "; ".join(verdict.reasons),
            "advocateId",
            Code.OVER_BUDGET,
        )
    return profile


async def choose_advocate(
    session: AsyncSession, actor: Actor, now: datetime, request_id: int, member_id: int
) -> ReferenceRequest:
    require_advocacy_staff(actor)
    request = await get_for_update(session, ReferenceRequest, request_id, "requestId")
    _expect(request, S.REQUESTED, S.DECLINED)
    profile = await _check_advocate(session, request, member_id, now)
    request.advocate_id = member_id
    request.advocate_account_id = profile.account_id
    request.status = S.REQUESTED
    request.decided_by_id = None
    request.decided_at = None
    request.decline_reason = None
    events.emit(
        session, events.REFERENCE_CHANGED, request_id=request.id, status=str(request.status)
    )
    return request


async def decide(
    session: AsyncSession,
    actor: Actor,
    now: datetime,
    request_id: int,
    approve: bool,
    reason: str | None = None,
) -> ReferenceRequest:
    """The advocate's account owner (CSM) or an admin approves; never the requester."""
    if not actor.is_staff:
        raise Forbidden("staff only")
    request = await get_for_update(session, ReferenceRequest, request_id, "requestId")
    if request.advocate_id is None or request.advocate_account_id is None:
        raise invalid("choose an advocate first", "requestId", Code.INVALID_TRANSITION)
    if request.requested_by_id == actor.member_id:
        raise invalid(
            "you requested this reference; the account owner approves it",
            "requestId",
            Code.SELF_APPROVAL,
        )
    # Who may decide comes before the state: the state is not theirs to learn.
    account = await session.get(Account, request.advocate_account_id)
    if account is None or not policies.can_decide_for_account(actor, account):
        raise DomainError(
            "only the advocate's account owner approves this reference",
            code=Code.NOT_ACCOUNT_OWNER,
            field=["input", "requestId"],
        )
    _expect(request, S.REQUESTED)
    if approve:
        await _check_advocate(session, request, request.advocate_id, now)
    request.status = S.APPROVED if approve else S.DECLINED
    request.decided_by_id = actor.member_id
    request.decided_at = now
    request.decline_reason = None if approve else text_or_none(reason, "reason", 1000)
    events.emit(
        session, events.REFERENCE_CHANGED, request_id=request.id, status=str(request.status)
    )
    return request


async def schedule(
    session: AsyncSession, actor: Actor, now: datetime, request_id: int, at: datetime
) -> ReferenceRequest:
    """Scheduling is the ask: the budget and the advocate's availability on the day must
    allow it, and it is then counted."""
    require_advocacy_staff(actor)
    request = await get_for_update(session, ReferenceRequest, request_id, "requestId")
    _expect(request, S.APPROVED, S.SCHEDULED)
    if at <= now:
        raise invalid("schedule it in the future", "scheduledFor")
    assert request.advocate_id is not None and request.advocate_account_id is not None
    profile = await _check_advocate(session, request, request.advocate_id, now)
    free = availability.check_day(profile.availability, at.date())
    if not free.available:
        raise invalid(
            f"the advocate is not available on {at.date()}: {free.reason}",
            "scheduledFor",
            Code.UNAVAILABLE,
        )
    await record_ask(
        session,
        member_id=request.advocate_id,
        account_id=request.advocate_account_id,
        kind=AskKind(request.activity.value),
        source_type=SOURCE,
        source_id=request.id,
        at=now,
    )
    request.status = S.SCHEDULED
    request.scheduled_for = at
    events.emit(
        session, events.REFERENCE_CHANGED, request_id=request.id, status=str(request.status)
    )
    return request


async def complete(
    session: AsyncSession, actor: Actor, now: datetime, request_id: int
) -> ReferenceRequest:
    require_advocacy_staff(actor)
    request = await get_for_update(session, ReferenceRequest, request_id, "requestId")
    _expect(request, S.SCHEDULED)
    assert request.advocate_id is not None and request.advocate_account_id is not None
    request.status = S.COMPLETED
    request.completed_at = now
    await ledger.record_activity(
        session,
        member_id=request.advocate_id,
        account_id=request.advocate_account_id,
        activity=LedgerActivity(request.activity.value),
        source_type=SOURCE,
        source_id=request.id,
        at=now,
        dedupe_key=f"{SOURCE}:{request.id}",
        tags=request.products,
    )
    events.emit(session, events.REFERENCE_COMPLETED, request_id=request.id)
    return request


async def cancel(
    session: AsyncSession, actor: Actor, now: datetime, request_id: int, reason: str | None
) -> ReferenceRequest:
    require_advocacy_staff(actor)
    request = await get_for_update(session, ReferenceRequest, request_id, "requestId")
    _expect(request, S.REQUESTED, S.APPROVED, S.SCHEDULED)
    request.status = S.CANCELLED
    request.cancel_reason = text_or_none(reason, "reason", 1000)
    events.emit(
        session, events.REFERENCE_CHANGED, request_id=request.id, status=str(request.status)
    )
    return request


async def give_feedback(
    session: AsyncSession, actor: Actor, request_id: int, rating: int, comment: str | None
) -> ReferenceRequest:
    """After the call: the advocate rates it on their side, staff on the requester's side."""
    request = await get_for_update(session, ReferenceRequest, request_id, "requestId")
    is_advocate = request.advocate_id == actor.member_id
    if not is_advocate and not policies.runs_advocacy(actor):
        raise invalid("ReferenceRequest not found", "requestId", Code.NOT_FOUND)
    _expect(request, S.COMPLETED)
    if not 1 <= rating <= 5:
        raise invalid("rating is 1 to 5", "rating")
    text = text_or_none(comment, "comment", 5000)
    if is_advocate:
        request.advocate_rating, request.advocate_feedback = rating, text
    else:
        request.requester_rating, request.requester_feedback = rating, text
    return request


async def record_outcome(
    session: AsyncSession,
    actor: Actor,
    now: datetime,
    request_id: int,
    outcome: OpportunityOutcome,
    amount: Decimal | None,
) -> ReferenceRequest:
    require_advocacy_staff(actor)
    request = await get_for_update(session, ReferenceRequest, request_id, "requestId")
    _expect(request, S.COMPLETED)
    if amount is not None and amount < 0:
        raise invalid("the amount must not be negative", "amount")
    request.outcome = outcome
    request.outcome_amount = amount if amount is not None else request.opportunity_amount
    request.outcome_recorded_at = now
    events.emit(
        session,
        events.REFERENCE_OUTCOME,
        request_id=request.id,
        opportunity_ref=request.opportunity_ref,
        outcome=str(outcome),
        amount=str(request.outcome_amount) if request.outcome_amount is not None else None,
        currency=request.currency,
    )
    return request


def _expect(request: ReferenceRequest, *allowed: ReferenceStatus) -> None:
    if request.status not in allowed:
        raise invalid(
            f"the request is {request.status.lower()}; this step needs "
            + " or ".join(s.lower() for s in allowed),
            "requestId",
            Code.INVALID_TRANSITION,
        )
