"""Referrals: a member refers a peer company; staff move it through CRM-like stages. The
unique code goes into the referral link. A won referral emits its amount for attribution
(sourced revenue, credited to the referrer by the insights context)."""

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy import events, ledger
from domain.advocacy.errors import Code, invalid
from domain.advocacy.models import LedgerActivity, Referral, ReferralStatus
from domain.advocacy.services.common import (
    customer_member,
    get_for_update,
    require_advocacy_staff,
    required_text,
    text_or_none,
)
from domain.identity.policies import Actor
from domain.shared.validation import Checker

Status = ReferralStatus
SOURCE = "Referral"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
NEXT = {
    Status.SUBMITTED: {Status.ACCEPTED, Status.LOST},
    Status.ACCEPTED: {Status.OPPORTUNITY, Status.LOST},
    Status.OPPORTUNITY: {Status.WON, Status.LOST},
    Status.WON: set(),
    Status.LOST: set(),
}


@dataclass(frozen=True)
class NewReferral:
    prospect_company: str
    contact_name: str | None = None
    contact_email: str | None = None
    note: str | None = None


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


async def submit(session: AsyncSession, actor: Actor, now: datetime, new: NewReferral) -> Referral:
    member = await customer_member(session, actor.member_id, "prospectCompany")
    check = Checker(Code.INVALID_VALUE)
    email = (
        check.email("contactEmail", new.contact_email, Code.INVALID_VALUE)
        if new.contact_email
        else None
    )
    check.raise_if_any()
    code = new_code()
    while await session.scalar(select(Referral.id).where(Referral.code == code)) is not None:
        code = new_code()
    referral = Referral(
        code=code,
        referrer_id=member.id,
        referrer_account_id=member.account_id,
        prospect_company=required_text(new.prospect_company, "prospectCompany", 200),
        contact_name=text_or_none(new.contact_name, "contactName", 200),
        contact_email=email,
        note=text_or_none(new.note, "note", 5000),
        status=Status.SUBMITTED,
        updated_at=now,
    )
    session.add(referral)
    await session.flush()
    events.emit(session, events.REFERRAL_SUBMITTED, referral_id=referral.id)
    return referral


async def advance(
    session: AsyncSession,
    actor: Actor,
    now: datetime,
    referral_id: int,
    status: ReferralStatus,
    opportunity_ref: str | None = None,
    amount: Decimal | None = None,
    currency: str | None = None,
) -> Referral:
    """Accepting credits the referrer for a useful referral; winning credits the win."""
    require_advocacy_staff(actor)
    referral = await get_for_update(session, Referral, referral_id, "referralId")
    if status not in NEXT[referral.status]:
        raise invalid(
            f"cannot go from {referral.status.lower()} to {status.lower()}",
            "status",
            Code.INVALID_TRANSITION,
        )
    if amount is not None and amount < 0:
        raise invalid("the amount must not be negative", "amount")
    if currency is not None:
        if len(currency) != 3 or not currency.isalpha():
            raise invalid("currency is a three-letter ISO 4217 code", "currency")
        referral.currency = currency.upper()
    if opportunity_ref is not None:
        referral.opportunity_ref = text_or_none(opportunity_ref, "opportunityRef", 100)
    if amount is not None:
        referral.amount = amount
    referral.status = status
    referral.updated_at = now
    credited = {
        Status.ACCEPTED: LedgerActivity.REFERRAL_SUBMITTED,
        Status.WON: LedgerActivity.REFERRAL_WON,
    }
    if status in credited:
        await ledger.record_activity(
            session,
            member_id=referral.referrer_id,
            account_id=referral.referrer_account_id,
            activity=credited[status],
            source_type=SOURCE,
            source_id=referral.id,
            at=now,
            dedupe_key=f"{SOURCE}:{referral.id}:{status}",
        )
    events.emit(
        session,
        events.REFERRAL_CHANGED,
        referral_id=referral.id,
        status=str(status),
        referrer_id=referral.referrer_id,
        amount=str(referral.amount) if referral.amount is not None else None,
        currency=referral.currency,
    )
    return referral
