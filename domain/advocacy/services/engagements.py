"""Speakers, press and analysts: sessions at events, press mentions and analyst briefings,
each with one advocate, counted against their budget and confirmed only under consent."""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy import ledger
from domain.advocacy.errors import Code, invalid
from domain.advocacy.fatigue import AskKind, check_budget, record_ask
from domain.advocacy.models import (
    AdvocacyEngagement,
    ConsentChannel,
    EngagementKind,
    EngagementStatus,
    LedgerActivity,
)
from domain.advocacy.services.common import (
    customer_member,
    get_for_update,
    require_advocacy_staff,
    required_text,
    text_or_none,
)
from domain.advocacy.services.consent import require_consent
from domain.identity.policies import Actor
from domain.shared.validation import Checker

Status = EngagementStatus
SOURCE = "AdvocacyEngagement"
NEXT = {
    Status.PLANNED: {Status.CONFIRMED, Status.CANCELLED},
    Status.CONFIRMED: {Status.DONE, Status.CANCELLED},
    Status.DONE: set(),
    Status.CANCELLED: set(),
}


@dataclass(frozen=True)
class NewEngagement:
    kind: EngagementKind
    member_id: int
    title: str
    venue: str | None = None
    occurs_on: date | None = None
    url: str | None = None
    channels: list[ConsentChannel] = field(default_factory=list)


async def create(
    session: AsyncSession, actor: Actor, now: datetime, new: NewEngagement
) -> AdvocacyEngagement:
    require_advocacy_staff(actor)
    member = await customer_member(session, new.member_id, "memberId")
    check = Checker(Code.INVALID_VALUE)
    url = check.url("url", new.url)
    check.raise_if_any()
    kind = AskKind(new.kind.value)
    verdict = await check_budget(session, member_id=member.id, kind=kind, at=now)
    if not verdict.allowed:
        raise invalid(
            "the member's ask budget is used up: " + "; ".join(verdict.reasons),
            "memberId",
            Code.OVER_BUDGET,
        )
    engagement = AdvocacyEngagement(
        kind=new.kind,
        title=required_text(new.title, "title", 200),
        venue=text_or_none(new.venue, "venue", 200),
        occurs_on=new.occurs_on,
        url=url,
        channels=[str(c) for c in dict.fromkeys(new.channels)],
        member_id=member.id,
        account_id=member.account_id,
        status=Status.PLANNED,
        owner_id=actor.member_id,
    )
    session.add(engagement)
    await session.flush()
    await record_ask(
        session,
        member_id=member.id,
        account_id=member.account_id,
        kind=kind,
        source_type=SOURCE,
        source_id=engagement.id,
        at=now,
    )
    return engagement


async def set_status(
    session: AsyncSession, actor: Actor, now: datetime, engagement_id: int, status: EngagementStatus
) -> AdvocacyEngagement:
    """Confirming and holding it need an active consent for its channels."""
    require_advocacy_staff(actor)
    engagement = await get_for_update(session, AdvocacyEngagement, engagement_id, "engagementId")
    if status not in NEXT[engagement.status]:
        raise invalid(
            f"cannot go from {engagement.status.lower()} to {status.lower()}",
            "status",
            Code.INVALID_TRANSITION,
        )
    if status in (Status.CONFIRMED, Status.DONE):
        await require_consent(session, engagement, now)
    engagement.status = status
    if status is Status.DONE:
        await ledger.record_activity(
            session,
            member_id=engagement.member_id,
            account_id=engagement.account_id,
            activity=LedgerActivity(engagement.kind.value),
            source_type=SOURCE,
            source_id=engagement.id,
            at=now,
            dedupe_key=f"{SOURCE}:{engagement.id}",
        )
    return engagement
